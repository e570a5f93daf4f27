// Builders of variable-length bytes: utf8/binary and their large and view
// variants. Part of the builder family (builder.h). UTF-8 is not checked
// here: a builder stores bytes, and readers that need valid text check it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "arrow/builder_base.h"

namespace hangar::arrow {

// utf8, binary (int32 offsets) and large_utf8, large_binary (int64 offsets).
// A utf8/binary array holds at most 2 GiB - 1 bytes of values: Finish()
// refuses more (split the batch earlier, watching data_length(), or use the
// large types).
template <typename Offset>
class BaseBinaryBuilder : public ArrayBuilder {
 public:
  explicit BaseBinaryBuilder(TypePtr type) : ArrayBuilder(std::move(type)) { offsets_.AppendValue<Offset>(0); }

  void Append(std::string_view value) {
    data_.Append(value.data(), static_cast<int64_t>(value.size()));
    // Wraps past the offset range; Finish() reports it.
    offsets_.AppendValue(static_cast<Offset>(data_.size()));
    AppendValid();
  }
  void AppendNull() override {
    offsets_.AppendValue(static_cast<Offset>(data_.size()));
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override { offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset))); }
  // Capacity for `bytes` more bytes of values.
  void ReserveData(int64_t bytes) { data_.Reserve(data_.size() + bytes); }
  // Bytes of values appended so far.
  int64_t data_length() const { return data_.size(); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer offsets_;  // length_ + 1 entries
  MutableBuffer data_;
};
using BinaryBuilder = BaseBinaryBuilder<int32_t>;
using LargeBinaryBuilder = BaseBinaryBuilder<int64_t>;
extern template class BaseBinaryBuilder<int32_t>;
extern template class BaseBinaryBuilder<int64_t>;

// utf8_view, binary_view: a 16-byte view per value. Values of up to 12 bytes
// live inside the view; longer ones keep a 4-byte prefix in the view and
// their bytes in a data buffer, addressed by buffer index and offset. A data
// buffer is closed once it reaches kDataBufferSize, so no single allocation
// grows without bound and offsets stay small.
class BinaryViewBuilder : public ArrayBuilder {
 public:
  static constexpr int64_t kInlineSize = 12;
  static constexpr int64_t kDataBufferSize = 1 << 20;

  explicit BinaryViewBuilder(TypePtr type) : ArrayBuilder(std::move(type)) {}

  void Append(std::string_view value) {
    if (value.size() > static_cast<size_t>(kInlineSize)) return AppendOutOfLine(value);
    uint8_t view[16] = {};
    const auto len = static_cast<int32_t>(value.size());
    std::memcpy(view, &len, 4);
    if (len > 0) std::memcpy(view + 4, value.data(), value.size());
    views_.Append(view, 16);
    AppendValid();
  }
  void AppendNull() override {
    views_.Resize(views_.size() + 16);  // an all-zero view
    AppendInvalid();
  }
  void AppendNulls(int64_t n) override;
  void Reserve(int64_t n) override { views_.Reserve(views_.size() + 16 * n); }
  Result<ArrayPtr> Finish() override;

 private:
  void AppendOutOfLine(std::string_view value);

  MutableBuffer views_;
  MutableBuffer current_;            // the data buffer being filled
  std::vector<BufferPtr> finished_;  // closed data buffers, in index order
};

}  // namespace hangar::arrow
