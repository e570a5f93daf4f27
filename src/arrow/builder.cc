#include "arrow/builder.h"

#include <cstring>
#include <string>

namespace hangar::arrow {

namespace {

// Sets bits [start, start + n) of `bits` to `value`.
void SetBitRange(uint8_t* bits, int64_t start, int64_t n, bool value) {
  int64_t i = start;
  const int64_t end = start + n;
  for (; i < end && (i & 7) != 0; ++i) bit::SetTo(bits, i, value);
  if (const int64_t whole = (end - i) / 8; whole > 0) {
    std::memset(bits + i / 8, value ? 0xff : 0, static_cast<size_t>(whole));
    i += whole * 8;
  }
  for (; i < end; ++i) bit::SetTo(bits, i, value);
}

}  // namespace

// --- ArrayBuilder -------------------------------------------------------------

void ArrayBuilder::AppendNulls(int64_t n) {
  for (int64_t i = 0; i < n; ++i) AppendNull();
}

void ArrayBuilder::ActivateBitmap() {
  // Every slot so far was valid.
  validity_ = MutableBuffer();
  validity_.Resize(bit::BytesFor(length_));
  SetBitRange(validity_.data(), 0, length_, true);
  bitmap_active_ = true;
}

void ArrayBuilder::AppendValidRange(int64_t n) {
  if (n <= 0) return;
  if (bitmap_active_) {
    validity_.Resize(bit::BytesFor(length_ + n));
    SetBitRange(validity_.data(), length_, n, true);
  }
  length_ += n;
}

void ArrayBuilder::AppendInvalidRange(int64_t n) {
  if (n <= 0) return;
  if (!bitmap_active_) ActivateBitmap();
  // Bytes added by Resize are zero: the new bits are already cleared.
  validity_.Resize(bit::BytesFor(length_ + n));
  length_ += n;
  null_count_ += n;
}

ArrayBuilder::Ending ArrayBuilder::FinishBase() {
  Ending out{length_, null_count_, nullptr, std::move(deferred_)};
  if (bitmap_active_) out.validity = validity_.Finish();
  bitmap_active_ = false;
  length_ = 0;
  null_count_ = 0;
  deferred_ = Status::OK();
  return out;
}

// --- MakeBuilder --------------------------------------------------------------

namespace {

template <typename B, typename... Args>
std::unique_ptr<ArrayBuilder> New(Args&&... args) {
  return std::make_unique<B>(std::forward<Args>(args)...);
}

Result<std::vector<std::unique_ptr<ArrayBuilder>>> ChildBuilders(const DataType& t) {
  std::vector<std::unique_ptr<ArrayBuilder>> out;
  for (const auto& f : t.children()) {
    HANGAR_ASSIGN_OR_RETURN(auto b, MakeBuilder(f->type()));
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::unique_ptr<ArrayBuilder>> MakeBuilderOfValidType(const TypePtr& type) {
  const DataType& t = *type;
  switch (t.id()) {
    case TypeId::kNull: return New<NullBuilder>(type);
    case TypeId::kBool: return New<BooleanBuilder>(type);
    case TypeId::kInt8: return New<PrimitiveBuilder<int8_t>>(type);
    case TypeId::kInt16: return New<PrimitiveBuilder<int16_t>>(type);
    case TypeId::kInt32: return New<PrimitiveBuilder<int32_t>>(type);
    case TypeId::kInt64: return New<PrimitiveBuilder<int64_t>>(type);
    case TypeId::kUInt8: return New<PrimitiveBuilder<uint8_t>>(type);
    case TypeId::kUInt16: return New<PrimitiveBuilder<uint16_t>>(type);
    case TypeId::kUInt32: return New<PrimitiveBuilder<uint32_t>>(type);
    case TypeId::kUInt64: return New<PrimitiveBuilder<uint64_t>>(type);
    case TypeId::kFloat16: return New<HalfFloatBuilder>(type);
    case TypeId::kFloat32: return New<PrimitiveBuilder<float>>(type);
    case TypeId::kFloat64: return New<PrimitiveBuilder<double>>(type);
    case TypeId::kDate32:
    case TypeId::kTime32:
    case TypeId::kIntervalYearMonth: return New<PrimitiveBuilder<int32_t>>(type);
    case TypeId::kDate64:
    case TypeId::kTime64:
    case TypeId::kTimestamp:
    case TypeId::kDuration: return New<PrimitiveBuilder<int64_t>>(type);
    case TypeId::kIntervalDayTime: return New<PrimitiveBuilder<DayTimeInterval>>(type);
    case TypeId::kIntervalMonthDayNano: return New<PrimitiveBuilder<MonthDayNanoInterval>>(type);
    case TypeId::kUtf8:
    case TypeId::kBinary: return New<BinaryBuilder>(type);
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: return New<LargeBinaryBuilder>(type);
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: return New<BinaryViewBuilder>(type);
    case TypeId::kFixedSizeBinary: return New<FixedSizeBinaryBuilder>(type);
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: return New<DecimalBuilder>(type);
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: {
      HANGAR_ASSIGN_OR_RETURN(auto values, MakeBuilder(t.child(0)->type()));
      switch (t.id()) {
        case TypeId::kList: return New<ListBuilder>(type, std::move(values));
        case TypeId::kLargeList: return New<LargeListBuilder>(type, std::move(values));
        case TypeId::kListView: return New<ListViewBuilder>(type, std::move(values));
        case TypeId::kLargeListView: return New<LargeListViewBuilder>(type, std::move(values));
        default: return New<FixedSizeListBuilder>(type, std::move(values));
      }
    }
    case TypeId::kMap: {
      const TypePtr& entries = t.child(0)->type();
      HANGAR_ASSIGN_OR_RETURN(auto fields, ChildBuilders(*entries));
      return New<MapBuilder>(type, std::make_unique<StructBuilder>(entries, std::move(fields)));
    }
    case TypeId::kStruct: {
      HANGAR_ASSIGN_OR_RETURN(auto fields, ChildBuilders(t));
      return New<StructBuilder>(type, std::move(fields));
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      HANGAR_ASSIGN_OR_RETURN(auto children, ChildBuilders(t));
      return New<UnionBuilder>(type, std::move(children));
    }
    case TypeId::kDictionary: return New<DictionaryBuilder>(type);
    case TypeId::kRunEndEncoded: {
      HANGAR_ASSIGN_OR_RETURN(auto values, MakeBuilder(t.child(1)->type()));
      return New<RunEndEncodedBuilder>(type, std::move(values));
    }
  }
  return Status::Unimplemented("no builder for " + t.ToString());
}

}  // namespace

Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const TypePtr& type) {
  if (type == nullptr) return Status::Invalid("cannot make a builder without a type");
  HANGAR_RETURN_NOT_OK(ValidateType(*type));
  return MakeBuilderOfValidType(type);
}

// --- AppendBytes ----------------------------------------------------------------

Status AppendBytes(ArrayBuilder* builder, std::string_view value) {
  const DataType& t = *builder->type();
  auto mismatch = [&] { return Status::Invalid("builder does not match its type " + t.ToString()); };
  switch (t.id()) {
    case TypeId::kUtf8:
    case TypeId::kBinary:
      if (auto* b = dynamic_cast<BinaryBuilder*>(builder)) {
        b->Append(value);
        return Status::OK();
      }
      return mismatch();
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary:
      if (auto* b = dynamic_cast<LargeBinaryBuilder*>(builder)) {
        b->Append(value);
        return Status::OK();
      }
      return mismatch();
    case TypeId::kUtf8View:
    case TypeId::kBinaryView:
      if (auto* b = dynamic_cast<BinaryViewBuilder*>(builder)) {
        b->Append(value);
        return Status::OK();
      }
      return mismatch();
    case TypeId::kBool:
      if (value.size() != 1) return Status::Invalid("bool value must have 1 byte, got " + std::to_string(value.size()));
      if (auto* b = dynamic_cast<BooleanBuilder*>(builder)) {
        b->Append(value[0] != 0);
        return Status::OK();
      }
      return mismatch();
    default: break;
  }
  if (t.bit_width() == 0 || t.bit_width() % 8 != 0 || t.id() == TypeId::kDictionary)
    return Status::Unimplemented("cannot append a value of " + t.ToString() + " as bytes");
  auto* b = dynamic_cast<FixedWidthBuilder*>(builder);
  if (b == nullptr) return mismatch();
  if (static_cast<int64_t>(value.size()) != b->byte_width())
    return Status::Invalid(t.ToString() + " value must have " + std::to_string(b->byte_width()) + " bytes, got " +
                           std::to_string(value.size()));
  b->UnsafeAppend(value.data());
  return Status::OK();
}

}  // namespace hangar::arrow
