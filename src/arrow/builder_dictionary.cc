#include "arrow/builder_dictionary.h"

#include <limits>
#include <string>

#include "arrow/array_access.h"
#include "arrow/builder_binary.h"

namespace hangar::arrow {

DictionaryBuilder::DictionaryBuilder(TypePtr type) : ArrayBuilder(std::move(type)) {
  const DataType& t = *type_;
  if (t.id() != TypeId::kDictionary || !t.index_type() || !t.value_type() || !t.index_type()->is_integer()) {
    SetDeferredError(Status::Invalid("a dictionary builder cannot build " + t.ToString()));
    index_width_ = 1;
    index_limit_ = 0;
    return;
  }
  index_width_ = t.index_type()->bit_width() / 8;
  const int value_bits = 8 * static_cast<int>(index_width_) - (t.index_type()->is_signed_integer() ? 1 : 0);
  // Memo indices are int64: an (u)int64 index type is bounded by that.
  index_limit_ = value_bits >= 63 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << value_bits);
  const DataType& v = *t.value_type();
  if (v.is_binary_like() || v.is_view()) {
    memoizable_ = true;
  } else if (v.bit_width() > 0 && v.bit_width() % 8 == 0 && v.id() != TypeId::kDictionary) {
    memoizable_ = true;
    value_width_ = v.bit_width() / 8;
  }
}

Status DictionaryBuilder::CheckValue(std::string_view value) const {
  if (!memoizable_)
    return Status::Unimplemented("dictionary builder cannot memoize values of " + type_->value_type()->ToString());
  if (value_width_ > 0 && static_cast<int64_t>(value.size()) != value_width_)
    return Status::Invalid("dictionary value of " + type_->value_type()->ToString() + " must have " +
                           std::to_string(value_width_) + " bytes, got " + std::to_string(value.size()));
  return Status::OK();
}

Status DictionaryBuilder::Append(std::string_view value) {
  HANGAR_RETURN_NOT_OK(CheckValue(value));
  bool inserted;
  const int64_t index = memo_.GetOrInsert(value, index_limit_, &inserted);
  if (index < 0) return Status::Invalid("dictionary outgrew its index type " + type_->index_type()->ToString());
  PushIndex(index);
  return Status::OK();
}

Status DictionaryBuilder::AppendIndex(int64_t index) {
  if (index < 0 || index >= memo_.size())
    return Status::Invalid("dictionary index " + std::to_string(index) + " is out of range: the dictionary has " +
                           std::to_string(memo_.size()) + " values");
  PushIndex(index);
  return Status::OK();
}

Status DictionaryBuilder::InsertMemoValues(const Array& values) {
  if (!memoizable_)
    return Status::Unimplemented("dictionary builder cannot memoize values of " + type_->value_type()->ToString());
  if (!values.type->Equals(*type_->value_type(), false))
    return Status::Invalid("dictionary values of type " + values.type->ToString() + " for " + type_->ToString());
  for (int64_t i = 0; i < values.length; ++i) {
    if (values.IsNull(i)) return Status::Invalid("dictionary value " + std::to_string(i) + " is null");
    const std::string_view v = value_width_ > 0
                                   ? std::string_view(reinterpret_cast<const char*>(values.buffers[1]->data()) +
                                                          (values.offset + i) * value_width_,
                                                      static_cast<size_t>(value_width_))
                                   : BinaryValue(values, i);
    bool inserted;
    const int64_t index = memo_.GetOrInsert(v, index_limit_, &inserted);
    if (index < 0) return Status::Invalid("dictionary outgrew its index type " + type_->index_type()->ToString());
    if (!inserted)
      return Status::Invalid("dictionary value " + std::to_string(i) + " is already in the dictionary (at index " +
                             std::to_string(index) + ")");
  }
  return Status::OK();
}

void DictionaryBuilder::AppendNull() {
  indices_.Resize(indices_.size() + index_width_);  // a zero index
  AppendInvalid();
}

void DictionaryBuilder::AppendNulls(int64_t n) {
  if (n <= 0) return;
  indices_.Resize(indices_.size() + n * index_width_);
  AppendInvalidRange(n);
}

Result<ArrayPtr> DictionaryBuilder::FinishDictionary() {
  const TypePtr& vt = type_->value_type();
  if (!memoizable_ || vt == nullptr) return MakeNullArray(vt ? vt : null(), 0);
  const int64_t n = memo_.size();
  const std::string_view data = memo_.data();
  if (value_width_ > 0) return MakeArray(vt, n, {nullptr, Buffer::CopyOf(data)}, {}, 0);
  if (vt->is_view()) {
    BinaryViewBuilder views(vt);
    views.Reserve(n);
    for (int64_t i = 0; i < n; ++i) views.Append(memo_.value(i));
    return views.Finish();
  }
  const bool large = vt->id() == TypeId::kLargeUtf8 || vt->id() == TypeId::kLargeBinary;
  MutableBuffer offsets(large ? 8 * (n + 1) : 4 * (n + 1));
  if (large) {
    offsets.AppendValue<int64_t>(0);
    for (int64_t i = 0; i < n; ++i) offsets.AppendValue<int64_t>(memo_.end(i));
  } else {
    if (static_cast<int64_t>(data.size()) > std::numeric_limits<int32_t>::max())
      return Status::Invalid("dictionary values total " + std::to_string(data.size()) + " bytes, more than " +
                             vt->ToString() + " offsets address");
    offsets.AppendValue<int32_t>(0);
    for (int64_t i = 0; i < n; ++i) offsets.AppendValue(static_cast<int32_t>(memo_.end(i)));
  }
  return MakeArray(vt, n, {nullptr, offsets.Finish(), Buffer::CopyOf(data)}, {}, 0);
}

Result<ArrayPtr> DictionaryBuilder::Finish() {
  auto end = FinishBase();
  BufferPtr indices = indices_.Finish();
  auto dictionary = FinishDictionary();
  memo_.Clear();
  HANGAR_RETURN_NOT_OK(end.status);
  HANGAR_RETURN_NOT_OK(dictionary.status());
  return MakeArray(type_, end.length, {std::move(end.validity), std::move(indices)}, {}, end.null_count, 0,
                   std::move(dictionary).value());
}

}  // namespace hangar::arrow
