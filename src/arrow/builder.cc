#include "arrow/builder.h"

#include <cstring>
#include <string>

namespace hangar::arrow {

BufferPtr ArrayBuilder::FinishValidity() {
  BufferPtr out = null_count_ > 0 ? validity_.Finish() : nullptr;
  validity_.Clear();
  length_ = 0;
  null_count_ = 0;
  return out;
}

Result<ArrayPtr> NullBuilder::Finish() {
  const int64_t n = length_;
  length_ = null_count_ = 0;
  return MakeArray(type_, n, {}, {}, n);
}

Result<ArrayPtr> BooleanBuilder::Finish() {
  const int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  return MakeArray(type_, n, {std::move(validity), values_.Finish()}, {}, nulls);
}

template <typename Offset>
Result<ArrayPtr> BaseBinaryBuilder<Offset>::Finish() {
  const int64_t n = this->length_, nulls = this->null_count_;
  auto validity = this->FinishValidity();
  auto out = MakeArray(this->type_, n, {std::move(validity), offsets_.Finish(), data_.Finish()}, {}, nulls);
  offsets_.AppendValue<Offset>(0);
  return out;
}
template class BaseBinaryBuilder<int32_t>;
template class BaseBinaryBuilder<int64_t>;

void BinaryViewBuilder::Append(std::string_view value) {
  uint8_t view[16] = {};
  const int32_t len = static_cast<int32_t>(value.size());
  std::memcpy(view, &len, 4);
  if (len <= 12) {
    std::memcpy(view + 4, value.data(), value.size());
  } else {
    if (current_.size() + len > kDataBufferSize && current_.size() > 0) finished_.push_back(current_.Finish());
    const int32_t index = static_cast<int32_t>(finished_.size());
    const int32_t offset = static_cast<int32_t>(current_.size());
    std::memcpy(view + 4, value.data(), 4);  // prefix
    std::memcpy(view + 8, &index, 4);
    std::memcpy(view + 12, &offset, 4);
    current_.Append(value.data(), len);
  }
  views_.Append(view, 16);
  AppendValidity(true);
}

void BinaryViewBuilder::AppendNull() {
  views_.Resize(views_.size() + 16);
  AppendValidity(false);
}

Result<ArrayPtr> BinaryViewBuilder::Finish() {
  const int64_t n = length_, nulls = null_count_;
  std::vector<BufferPtr> buffers{FinishValidity(), views_.Finish()};
  if (current_.size() > 0) finished_.push_back(current_.Finish());
  for (auto& b : finished_) buffers.push_back(std::move(b));
  finished_.clear();
  return MakeArray(type_, n, std::move(buffers), {}, nulls);
}

FixedSizeBinaryBuilder::FixedSizeBinaryBuilder(TypePtr type)
    : ArrayBuilder(std::move(type)), width_(type_->bit_width() / 8) {}

Status FixedSizeBinaryBuilder::Append(std::string_view value) {
  if (static_cast<int64_t>(value.size()) != width_)
    return Status::Invalid(type_->ToString() + " value must have " + std::to_string(width_) + " bytes, got " +
                           std::to_string(value.size()));
  UnsafeAppend(value.data());
  return Status::OK();
}

Result<ArrayPtr> FixedSizeBinaryBuilder::Finish() {
  const int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  return MakeArray(type_, n, {std::move(validity), values_.Finish()}, {}, nulls);
}

void DecimalBuilder::Append(int64_t unscaled) {
  uint8_t bytes[32];
  std::memset(bytes, unscaled < 0 ? 0xFF : 0, sizeof bytes);
  std::memcpy(bytes, &unscaled, byte_width() < 8 ? byte_width() : 8);
  UnsafeAppend(bytes);
}

template <typename Offset>
BaseListBuilder<Offset>::BaseListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
}

template <typename Offset>
Result<ArrayPtr> BaseListBuilder<Offset>::Finish() {
  offsets_.AppendValue(static_cast<Offset>(this->children_[0]->length()));
  const int64_t n = this->length_, nulls = this->null_count_;
  auto validity = this->FinishValidity();
  HANGAR_ASSIGN_OR_RETURN(auto values, this->children_[0]->Finish());
  return MakeArray(this->type_, n, {std::move(validity), offsets_.Finish()}, {std::move(values)}, nulls);
}
template class BaseListBuilder<int32_t>;
template class BaseListBuilder<int64_t>;

template <typename Offset>
BaseListViewBuilder<Offset>::BaseListViewBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
}

template <typename Offset>
void BaseListViewBuilder<Offset>::CloseOpenView() {
  if (!open_) return;
  Offset start;
  std::memcpy(&start, offsets_.data() + offsets_.size() - static_cast<int64_t>(sizeof(Offset)), sizeof(Offset));
  sizes_.AppendValue(static_cast<Offset>(this->children_[0]->length() - start));
  open_ = false;
}

template <typename Offset>
Result<ArrayPtr> BaseListViewBuilder<Offset>::Finish() {
  CloseOpenView();
  const int64_t n = this->length_, nulls = this->null_count_;
  auto validity = this->FinishValidity();
  HANGAR_ASSIGN_OR_RETURN(auto values, this->children_[0]->Finish());
  return MakeArray(this->type_, n, {std::move(validity), offsets_.Finish(), sizes_.Finish()}, {std::move(values)},
                   nulls);
}
template class BaseListViewBuilder<int32_t>;
template class BaseListViewBuilder<int64_t>;

FixedSizeListBuilder::FixedSizeListBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
}

void FixedSizeListBuilder::AppendNull() {
  children_[0]->AppendNulls(type_->list_size());
  AppendValidity(false);
}

Result<ArrayPtr> FixedSizeListBuilder::Finish() {
  const int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  HANGAR_ASSIGN_OR_RETURN(auto values, children_[0]->Finish());
  return MakeArray(type_, n, {std::move(validity)}, {std::move(values)}, nulls);
}

StructBuilder::StructBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> fields)
    : ArrayBuilder(std::move(type)) {
  children_ = std::move(fields);
}

void StructBuilder::AppendNull() {
  for (auto& c : children_) c->AppendNull();
  AppendValidity(false);
}

Result<ArrayPtr> StructBuilder::Finish() {
  const int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  std::vector<ArrayPtr> fields;
  for (auto& c : children_) {
    HANGAR_ASSIGN_OR_RETURN(auto f, c->Finish());
    fields.push_back(std::move(f));
  }
  return MakeArray(type_, n, {std::move(validity)}, std::move(fields), nulls);
}

UnionBuilder::UnionBuilder(TypePtr type, std::vector<std::unique_ptr<ArrayBuilder>> children)
    : ArrayBuilder(std::move(type)), child_of_code_(128, -1) {
  children_ = std::move(children);
  for (size_t i = 0; i < type_->type_codes().size(); ++i) child_of_code_[type_->type_codes()[i]] = static_cast<int>(i);
}

ArrayBuilder* UnionBuilder::child_builder(int8_t type_code) const {
  int c = type_code >= 0 ? child_of_code_[type_code] : -1;
  return c < 0 ? nullptr : children_[c].get();
}

Status UnionBuilder::Append(int8_t type_code) {
  const int c = type_code >= 0 ? child_of_code_[type_code] : -1;
  if (c < 0) return Status::Invalid("type code " + std::to_string(type_code) + " is not in " + type_->ToString());
  type_ids_.AppendValue(type_code);
  if (type_->id() == TypeId::kDenseUnion) {
    offsets_.AppendValue(static_cast<int32_t>(children_[c]->length()));
  } else {
    // Sparse: every other child gets a null in this slot; the chosen one
    // receives the caller's value.
    for (size_t i = 0; i < children_.size(); ++i) {
      if (static_cast<int>(i) != c) children_[i]->AppendNull();
    }
  }
  ++length_;
  return Status::OK();
}

void UnionBuilder::AppendNull() {
  (void)Append(type_->type_codes()[0]);
  children_[0]->AppendNull();
}

Result<ArrayPtr> UnionBuilder::Finish() {
  const int64_t n = length_;
  length_ = null_count_ = 0;
  std::vector<ArrayPtr> children;
  for (auto& c : children_) {
    HANGAR_ASSIGN_OR_RETURN(auto a, c->Finish());
    children.push_back(std::move(a));
  }
  std::vector<BufferPtr> buffers{type_ids_.Finish()};
  if (type_->id() == TypeId::kDenseUnion) buffers.push_back(offsets_.Finish());
  return MakeArray(type_, n, std::move(buffers), std::move(children), 0);
}

DictionaryBuilder::DictionaryBuilder(TypePtr type)
    : ArrayBuilder(std::move(type)), index_width_(type_->index_type()->bit_width() / 8) {}

Status DictionaryBuilder::Append(std::string_view value) {
  auto [it, inserted] = memo_.try_emplace(std::string(value), static_cast<int64_t>(memo_.size()));
  if (inserted) values_.emplace_back(value);
  const int64_t index = it->second;
  const bool is_signed = type_->index_type()->is_signed_integer();
  if (index_width_ < 8 && index >= (int64_t{1} << (index_width_ * 8 - (is_signed ? 1 : 0)))) {
    memo_.erase(it);
    values_.pop_back();
    return Status::Invalid("dictionary outgrew its index type " + type_->index_type()->ToString());
  }
  indices_.Append(&index, index_width_);  // little-endian low bytes
  AppendValidity(true);
  return Status::OK();
}

void DictionaryBuilder::AppendNull() {
  indices_.Resize(indices_.size() + index_width_);
  AppendValidity(false);
}

Result<ArrayPtr> DictionaryBuilder::Finish() {
  HANGAR_ASSIGN_OR_RETURN(auto value_builder, MakeBuilder(type_->value_type()));
  const TypePtr& vt = type_->value_type();
  for (const auto& v : values_) {
    if (vt->is_binary_like()) {
      if (vt->id() == TypeId::kLargeUtf8 || vt->id() == TypeId::kLargeBinary)
        static_cast<LargeBinaryBuilder*>(value_builder.get())->Append(v);
      else
        static_cast<BinaryBuilder*>(value_builder.get())->Append(v);
    } else if (vt->is_view()) {
      static_cast<BinaryViewBuilder*>(value_builder.get())->Append(v);
    } else if (vt->bit_width() >= 8 && vt->id() != TypeId::kDictionary) {
      // Fixed-width values: rebuild through a fixed-size builder of the same width.
      if (static_cast<int64_t>(v.size()) * 8 != vt->bit_width())
        return Status::Invalid("dictionary value of " + std::to_string(v.size()) + " bytes for " + vt->ToString());
    } else {
      return Status::Unimplemented("dictionary builder for values of type " + vt->ToString());
    }
  }
  ArrayPtr dictionary;
  if (vt->is_binary_like() || vt->is_view()) {
    HANGAR_ASSIGN_OR_RETURN(dictionary, value_builder->Finish());
  } else {
    MutableBuffer data;
    for (const auto& v : values_) data.Append(v.data(), static_cast<int64_t>(v.size()));
    dictionary = MakeArray(vt, static_cast<int64_t>(values_.size()), {nullptr, data.Finish()}, {}, 0);
  }
  const int64_t n = length_, nulls = null_count_;
  auto validity = FinishValidity();
  memo_.clear();
  values_.clear();
  return MakeArray(type_, n, {std::move(validity), indices_.Finish()}, {}, nulls, 0, std::move(dictionary));
}

RunEndEncodedBuilder::RunEndEncodedBuilder(TypePtr type, std::unique_ptr<ArrayBuilder> values)
    : ArrayBuilder(std::move(type)) {
  children_.push_back(std::move(values));
}

Status RunEndEncodedBuilder::AppendRun(int64_t n) {
  if (n <= 0) return Status::Invalid("a run must have at least one value");
  if (children_[0]->length() != runs_ + 1)
    return Status::Invalid("append the run's value to value_builder() before AppendRun");
  ++runs_;
  length_ += n;
  const int width = type_->child(0)->type()->bit_width() / 8;
  if (width < 8 && length_ >= (int64_t{1} << (width * 8 - 1)))
    return Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString());
  run_ends_.Append(&length_, width);
  return Status::OK();
}

Status RunEndEncodedBuilder::ExtendRun(int64_t n) {
  if (runs_ == 0) return Status::Invalid("no run to extend");
  length_ += n;
  const int width = type_->child(0)->type()->bit_width() / 8;
  if (width < 8 && length_ >= (int64_t{1} << (width * 8 - 1)))
    return Status::Invalid("run ends outgrew " + type_->child(0)->type()->ToString());
  std::memcpy(run_ends_.data() + run_ends_.size() - width, &length_, width);
  return Status::OK();
}

void RunEndEncodedBuilder::AppendNull() {
  children_[0]->AppendNull();
  (void)AppendRun(1);
}

Result<ArrayPtr> RunEndEncodedBuilder::Finish() {
  const int64_t n = length_, runs = runs_;
  length_ = runs_ = 0;
  auto run_ends = MakeArray(type_->child(0)->type(), runs, {nullptr, run_ends_.Finish()}, {}, 0);
  HANGAR_ASSIGN_OR_RETURN(auto values, children_[0]->Finish());
  return MakeArray(type_, n, {}, {std::move(run_ends), std::move(values)}, 0);
}

Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const TypePtr& type) {
  HANGAR_RETURN_NOT_OK(ValidateType(*type));
  const DataType& t = *type;
  auto children = [&]() -> Result<std::vector<std::unique_ptr<ArrayBuilder>>> {
    std::vector<std::unique_ptr<ArrayBuilder>> out;
    for (const auto& f : t.children()) {
      HANGAR_ASSIGN_OR_RETURN(auto b, MakeBuilder(f->type()));
      out.push_back(std::move(b));
    }
    return out;
  };
  switch (t.id()) {
    case TypeId::kNull: return std::unique_ptr<ArrayBuilder>(new NullBuilder());
    case TypeId::kBool: return std::unique_ptr<ArrayBuilder>(new BooleanBuilder());
    case TypeId::kInt8: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<int8_t>(type));
    case TypeId::kUInt8: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<uint8_t>(type));
    case TypeId::kInt16: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<int16_t>(type));
    case TypeId::kUInt16: case TypeId::kFloat16:
      return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<uint16_t>(type));
    case TypeId::kInt32: case TypeId::kDate32: case TypeId::kTime32: case TypeId::kIntervalYearMonth:
      return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<int32_t>(type));
    case TypeId::kUInt32: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<uint32_t>(type));
    case TypeId::kInt64: case TypeId::kDate64: case TypeId::kTime64: case TypeId::kTimestamp: case TypeId::kDuration:
      return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<int64_t>(type));
    case TypeId::kUInt64: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<uint64_t>(type));
    case TypeId::kFloat32: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<float>(type));
    case TypeId::kFloat64: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<double>(type));
    case TypeId::kIntervalDayTime: return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<DayTimeInterval>(type));
    case TypeId::kIntervalMonthDayNano:
      return std::unique_ptr<ArrayBuilder>(new PrimitiveBuilder<MonthDayNanoInterval>(type));
    case TypeId::kUtf8: case TypeId::kBinary: return std::unique_ptr<ArrayBuilder>(new BinaryBuilder(type));
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary: return std::unique_ptr<ArrayBuilder>(new LargeBinaryBuilder(type));
    case TypeId::kUtf8View: case TypeId::kBinaryView: return std::unique_ptr<ArrayBuilder>(new BinaryViewBuilder(type));
    case TypeId::kFixedSizeBinary: return std::unique_ptr<ArrayBuilder>(new FixedSizeBinaryBuilder(type));
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal128: case TypeId::kDecimal256:
      return std::unique_ptr<ArrayBuilder>(new DecimalBuilder(type));
    case TypeId::kList: case TypeId::kMap: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: {
      HANGAR_ASSIGN_OR_RETURN(auto values, MakeBuilder(t.child(0)->type()));
      switch (t.id()) {
        case TypeId::kLargeList: return std::unique_ptr<ArrayBuilder>(new LargeListBuilder(type, std::move(values)));
        case TypeId::kListView: return std::unique_ptr<ArrayBuilder>(new ListViewBuilder(type, std::move(values)));
        case TypeId::kLargeListView:
          return std::unique_ptr<ArrayBuilder>(new LargeListViewBuilder(type, std::move(values)));
        case TypeId::kFixedSizeList:
          return std::unique_ptr<ArrayBuilder>(new FixedSizeListBuilder(type, std::move(values)));
        default: return std::unique_ptr<ArrayBuilder>(new ListBuilder(type, std::move(values)));
      }
    }
    case TypeId::kStruct: {
      HANGAR_ASSIGN_OR_RETURN(auto fields, children());
      return std::unique_ptr<ArrayBuilder>(new StructBuilder(type, std::move(fields)));
    }
    case TypeId::kSparseUnion: case TypeId::kDenseUnion: {
      HANGAR_ASSIGN_OR_RETURN(auto fields, children());
      return std::unique_ptr<ArrayBuilder>(new UnionBuilder(type, std::move(fields)));
    }
    case TypeId::kDictionary: return std::unique_ptr<ArrayBuilder>(new DictionaryBuilder(type));
    case TypeId::kRunEndEncoded: {
      HANGAR_ASSIGN_OR_RETURN(auto values, MakeBuilder(t.child(1)->type()));
      return std::unique_ptr<ArrayBuilder>(new RunEndEncodedBuilder(type, std::move(values)));
    }
  }
  return Status::Unimplemented("no builder for " + t.ToString());
}

}  // namespace hangar::arrow
