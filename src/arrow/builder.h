// Builders: append values one at a time, get an Array.
//
// Every type has a builder; MakeBuilder(type) creates the whole tree for
// nested types (a list's value builder, a struct's field builders, ...).
// Appends are inline and allocation-free in the common case (amortized
// growth of 64-byte aligned buffers), because decoders write millions of
// values a second through them. Finish() hands the buffers over without
// copying and resets the builder for reuse. A builder that saw no null
// produces an array without a validity bitmap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arrow/array.h"

namespace hangar::arrow {

class ArrayBuilder {
 public:
  explicit ArrayBuilder(TypePtr type) : type_(std::move(type)) {}
  virtual ~ArrayBuilder() = default;
  ArrayBuilder(const ArrayBuilder&) = delete;
  ArrayBuilder& operator=(const ArrayBuilder&) = delete;

  const TypePtr& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }

  virtual void AppendNull() = 0;
  void AppendNulls(int64_t n) {
    for (int64_t i = 0; i < n; ++i) AppendNull();
  }
  // Capacity for `n` more values (a hint).
  virtual void Reserve(int64_t /*n*/) {}
  virtual Result<ArrayPtr> Finish() = 0;

  // Child builders of nested types (empty for flat ones).
  int num_children() const { return static_cast<int>(children_.size()); }
  ArrayBuilder* child(int i) const { return children_[i].get(); }

 protected:
  void AppendValidity(bool valid) {
    if ((length_ & 7) == 0) validity_.AppendValue<uint8_t>(0);
    if (valid) {
      validity_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
    } else {
      ++null_count_;
    }
    ++length_;
  }
  // The validity bitmap (nullptr if no nulls); resets length and null count.
  BufferPtr FinishValidity();

  TypePtr type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  MutableBuffer validity_;
  std::vector<std::unique_ptr<ArrayBuilder>> children_;
};

// Any type whose values are `sizeof(T)` bytes: integers, floats (float16 as
// its uint16 bits), dates, times, timestamps, durations, intervals.
template <typename T>
class PrimitiveBuilder : public ArrayBuilder {
 public:
  using ArrayBuilder::ArrayBuilder;
  void Append(T value) {
    values_.AppendValue(value);
    AppendValidity(true);
  }
  void AppendNull() override {
    values_.AppendValue(T{});
    AppendValidity(false);
  }
  void Reserve(int64_t n) override { values_.Reserve(values_.size() + n * static_cast<int64_t>(sizeof(T))); }
  Result<ArrayPtr> Finish() override {
    const int64_t n = length_, nulls = null_count_;
    auto validity = FinishValidity();
    return MakeArray(type_, n, {std::move(validity), values_.Finish()}, {}, nulls);
  }

 private:
  MutableBuffer values_;
};

struct DayTimeInterval {
  int32_t days;
  int32_t milliseconds;
};
struct MonthDayNanoInterval {
  int32_t months;
  int32_t days;
  int64_t nanoseconds;
};

class NullBuilder : public ArrayBuilder {
 public:
  NullBuilder() : ArrayBuilder(arrow::null()) {}
  void AppendNull() override {
    ++length_;
    ++null_count_;
  }
  Result<ArrayPtr> Finish() override;
};

class BooleanBuilder : public ArrayBuilder {
 public:
  BooleanBuilder() : ArrayBuilder(boolean()) {}
  void Append(bool value) {
    if ((length_ & 7) == 0) values_.AppendValue<uint8_t>(0);
    if (value) values_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
    AppendValidity(true);
  }
  void AppendNull() override {
    if ((length_ & 7) == 0) values_.AppendValue<uint8_t>(0);
    AppendValidity(false);
  }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer values_;
};

// utf8, binary (int32 offsets) and large_utf8, large_binary (int64 offsets).
template <typename Offset>
class BaseBinaryBuilder : public ArrayBuilder {
 public:
  explicit BaseBinaryBuilder(TypePtr type) : ArrayBuilder(std::move(type)) { offsets_.AppendValue<Offset>(0); }
  void Append(std::string_view value) {
    data_.Append(value.data(), static_cast<int64_t>(value.size()));
    offsets_.AppendValue(static_cast<Offset>(data_.size()));
    AppendValidity(true);
  }
  void AppendNull() override {
    offsets_.AppendValue(static_cast<Offset>(data_.size()));
    AppendValidity(false);
  }
  void Reserve(int64_t n) override { offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset))); }
  void ReserveData(int64_t bytes) { data_.Reserve(data_.size() + bytes); }
  int64_t data_length() const { return data_.size(); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer offsets_;
  MutableBuffer data_;
};
using BinaryBuilder = BaseBinaryBuilder<int32_t>;
using LargeBinaryBuilder = BaseBinaryBuilder<int64_t>;

// utf8_view, binary_view: values of up to 12 bytes inline, longer ones in
// data buffers of up to 1 MiB each.
class BinaryViewBuilder : public ArrayBuilder {
 public:
  using ArrayBuilder::ArrayBuilder;
  void Append(std::string_view value);
  void AppendNull() override;
  Result<ArrayPtr> Finish() override;

 private:
  static constexpr int64_t kDataBufferSize = 1 << 20;
  MutableBuffer views_;
  MutableBuffer current_;
  std::vector<BufferPtr> finished_;
};

// fixed_size_binary and decimals: values of exactly byte_width bytes.
class FixedSizeBinaryBuilder : public ArrayBuilder {
 public:
  explicit FixedSizeBinaryBuilder(TypePtr type);
  // `value` must have byte_width() bytes (Invalid otherwise).
  Status Append(std::string_view value);
  void UnsafeAppend(const void* value) {
    values_.Append(value, width_);
    AppendValidity(true);
  }
  void AppendNull() override {
    values_.Resize(values_.size() + width_);
    AppendValidity(false);
  }
  int32_t byte_width() const { return static_cast<int32_t>(width_); }
  Result<ArrayPtr> Finish() override;

 private:
  int64_t width_;
  MutableBuffer values_;
};

// Decimals from an unscaled integer (sign-extended to the type's width) or
// from the little-endian two's complement bytes.
class DecimalBuilder : public FixedSizeBinaryBuilder {
 public:
  using FixedSizeBinaryBuilder::FixedSizeBinaryBuilder;
  void Append(int64_t unscaled);
  using FixedSizeBinaryBuilder::Append;
};

// list, large_list and map (whose value builder is the entries struct).
// Append() opens the next list; its values go to value_builder().
template <typename Offset>
class BaseListBuilder : public ArrayBuilder {
 public:
  BaseListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  void Append() {
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendValidity(true);
  }
  void AppendNull() override {
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendValidity(false);
  }
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer offsets_;
};
using ListBuilder = BaseListBuilder<int32_t>;
using LargeListBuilder = BaseListBuilder<int64_t>;
using MapBuilder = BaseListBuilder<int32_t>;

// list_view and large_list_view: Append() opens a view over the values
// appended to value_builder() until the next Append or Finish.
template <typename Offset>
class BaseListViewBuilder : public ArrayBuilder {
 public:
  BaseListViewBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  void Append() {
    CloseOpenView();
    offsets_.AppendValue(static_cast<Offset>(children_[0]->length()));
    AppendValidity(true);
    open_ = true;
  }
  void AppendNull() override {
    CloseOpenView();
    offsets_.AppendValue(static_cast<Offset>(0));
    sizes_.AppendValue(static_cast<Offset>(0));
    AppendValidity(false);
  }
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;

 private:
  void CloseOpenView();
  MutableBuffer offsets_;
  MutableBuffer sizes_;
  bool open_ = false;
};
using ListViewBuilder = BaseListViewBuilder<int32_t>;
using LargeListViewBuilder = BaseListViewBuilder<int64_t>;

// Append() marks one list valid; exactly list_size values follow in value_builder().
class FixedSizeListBuilder : public ArrayBuilder {
 public:
  FixedSizeListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  void Append() { AppendValidity(true); }
  // Appends list_size nulls to the values as well.
  void AppendNull() override;
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;
};

// Append() marks one struct valid; one value follows in each field_builder().
class StructBuilder : public ArrayBuilder {
 public:
  StructBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> fields);
  void Append() { AppendValidity(true); }
  // Appends a null to every field as well.
  void AppendNull() override;
  ArrayBuilder* field_builder(int i) const { return children_[i].get(); }
  Result<ArrayPtr> Finish() override;
};

// Sparse and dense unions. Append(code) selects the child for the next slot;
// then exactly one value goes to that child's builder (sparse: the builder
// pads the other children with nulls).
class UnionBuilder : public ArrayBuilder {
 public:
  UnionBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> children);
  Status Append(int8_t type_code);
  // A null of the first child.
  void AppendNull() override;
  ArrayBuilder* child_builder(int8_t type_code) const;
  Result<ArrayPtr> Finish() override;

 private:
  std::vector<int> child_of_code_;
  MutableBuffer type_ids_;
  MutableBuffer offsets_;
};

// Dictionary encoding with a memo table: equal values share one index.
// Values of binary-like or fixed-width types are memoized by their bytes.
class DictionaryBuilder : public ArrayBuilder {
 public:
  explicit DictionaryBuilder(TypePtr type);
  // The value's bytes (for fixed-width value types, exactly their width).
  Status Append(std::string_view value);
  template <typename T>
  Status AppendValue(T value) {
    return Append(std::string_view(reinterpret_cast<const char*>(&value), sizeof(T)));
  }
  void AppendNull() override;
  int64_t dictionary_length() const { return static_cast<int64_t>(memo_.size()); }
  Result<ArrayPtr> Finish() override;

 private:
  std::unordered_map<std::string, int64_t> memo_;
  std::vector<std::string> values_;  // in index order
  MutableBuffer indices_;
  int index_width_;
};

// Run-end encoded: Append appends one logical value that equals the
// previous one when `same_as_previous`, extending the current run; otherwise
// the caller has appended the run's value to value_builder() first.
class RunEndEncodedBuilder : public ArrayBuilder {
 public:
  RunEndEncodedBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values);
  // Opens a new run of `n` values whose value was just appended to value_builder().
  Status AppendRun(int64_t n = 1);
  // Extends the last run by `n` values.
  Status ExtendRun(int64_t n = 1);
  // A run of one null value.
  void AppendNull() override;
  ArrayBuilder* value_builder() const { return children_[0].get(); }
  Result<ArrayPtr> Finish() override;

 private:
  MutableBuffer run_ends_;
  int64_t runs_ = 0;
};

// A builder for any type, with child builders for nested types.
Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const TypePtr& type);

}  // namespace hangar::arrow
