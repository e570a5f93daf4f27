#include "arrow/builder_binary.h"

#include <limits>
#include <string>

namespace hangar::arrow {

// --- BaseBinaryBuilder ------------------------------------------------------------

template <typename Offset>
void BaseBinaryBuilder<Offset>::AppendNulls(int64_t n) {
  if (n <= 0) return;
  const auto end = static_cast<Offset>(data_.size());
  offsets_.Reserve(offsets_.size() + n * static_cast<int64_t>(sizeof(Offset)));
  for (int64_t i = 0; i < n; ++i) offsets_.AppendValue(end);
  this->AppendInvalidRange(n);
}

template <typename Offset>
Result<ArrayPtr> BaseBinaryBuilder<Offset>::Finish() {
  auto end = this->FinishBase();
  const int64_t data_size = data_.size();
  BufferPtr offsets = offsets_.Finish();
  BufferPtr data = data_.Finish();
  offsets_.AppendValue<Offset>(0);
  HANGAR_RETURN_NOT_OK(end.status);
  const DataType& t = *this->type_;
  const bool large = t.id() == TypeId::kLargeUtf8 || t.id() == TypeId::kLargeBinary;
  if (!t.is_binary_like() || large != (sizeof(Offset) == 8))
    return Status::Invalid("a builder with " + std::to_string(8 * sizeof(Offset)) + "-bit offsets cannot build " +
                           t.ToString());
  if (data_size > static_cast<int64_t>(std::numeric_limits<Offset>::max()))
    return Status::Invalid(t.ToString() + " values total " + std::to_string(data_size) +
                           " bytes, more than 32-bit offsets address; split the batch or use large_" + t.ToString());
  return MakeArray(this->type_, end.length, {std::move(end.validity), std::move(offsets), std::move(data)}, {},
                   end.null_count);
}

template class BaseBinaryBuilder<int32_t>;
template class BaseBinaryBuilder<int64_t>;

// --- BinaryViewBuilder -----------------------------------------------------------

void BinaryViewBuilder::AppendOutOfLine(std::string_view value) {
  if (value.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    SetDeferredError(Status::Invalid(type_->ToString() + " value of " + std::to_string(value.size()) +
                                     " bytes exceeds the 2 GiB a view can address"));
    AppendNull();
    return;
  }
  const auto len = static_cast<int64_t>(value.size());
  if (current_.size() > 0 && current_.size() + len > kDataBufferSize) finished_.push_back(current_.Finish());
  const auto index = static_cast<int32_t>(finished_.size());
  const auto offset = static_cast<int32_t>(current_.size());
  const auto len32 = static_cast<int32_t>(len);
  uint8_t view[16];
  std::memcpy(view, &len32, 4);
  std::memcpy(view + 4, value.data(), 4);  // prefix
  std::memcpy(view + 8, &index, 4);
  std::memcpy(view + 12, &offset, 4);
  current_.Append(value.data(), len);
  views_.Append(view, 16);
  AppendValid();
}

void BinaryViewBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  views_.Resize(views_.size() + 16 * n);
  AppendInvalidRange(n);
}

Result<ArrayPtr> BinaryViewBuilder::Finish() {
  auto end = FinishBase();
  std::vector<BufferPtr> buffers{std::move(end.validity), views_.Finish()};
  if (current_.size() > 0) finished_.push_back(current_.Finish());
  for (auto& b : finished_) buffers.push_back(std::move(b));
  finished_.clear();
  HANGAR_RETURN_NOT_OK(end.status);
  if (!type_->is_view()) return Status::Invalid("a view builder cannot build " + type_->ToString());
  return MakeArray(type_, end.length, std::move(buffers), {}, end.null_count);
}

}  // namespace hangar::arrow
