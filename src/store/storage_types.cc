#include "store/storage_types.h"

#include <algorithm>
#include <cstring>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/concatenate.h"
#include "arrow/float16.h"

namespace hangar::store {

using arrow::Array;
using arrow::ArrayPtr;
using arrow::DataType;
using arrow::TimeUnit;
using arrow::TypeId;
using arrow::TypePtr;

namespace {

Status Unstorable(const std::string& path, const DataType& type, const std::string& why) {
  return Status::Invalid("column '" + path + "' (" + type.ToString() + ") cannot be stored in a table: " + why);
}

// The field DuckDB is given for a field of type `t`: no metadata (DuckDB
// would interpret extension names such as arrow.uuid and return another
// type; the table's schema keeps the metadata).
Result<TypePtr> StorageTypeOf(const DataType& t, const std::string& path);

Result<arrow::FieldPtr> StorageField(const arrow::Field& f, const std::string& path) {
  HANGAR_ASSIGN_OR_RETURN(auto type, StorageTypeOf(*f.type(), path + "." + f.name()));
  return arrow::field(f.name(), std::move(type), f.nullable());
}

Result<TypePtr> StorageTypeOf(const DataType& t, const std::string& path) {
  switch (t.id()) {
    case TypeId::kFloat16: return arrow::float32();  // every half float is a float, exactly
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal128: case TypeId::kDecimal256:
      if (t.scale() < 0) return Unstorable(path, t, "Parquet decimals have no negative scale");
      if (t.precision() > 38) return Unstorable(path, t, "Parquet (through DuckDB) keeps at most 38 decimal digits");
      return arrow::decimal128(t.precision(), t.scale());
    case TypeId::kTime64:
      if (t.unit() == TimeUnit::kNano)
        return Unstorable(path, t, "times of day are kept in microseconds; use time64[us]");
      break;
    case TypeId::kTimestamp:
      // DuckDB has nanosecond timestamps only without a zone: zoned ones are
      // stored as UTC instants and the zone comes back from the schema.
      if (t.unit() == TimeUnit::kNano && !t.timezone().empty()) return arrow::timestamp(TimeUnit::kNano);
      break;
    // No Parquet type holds these exactly (Parquet intervals are unsigned
    // and in milliseconds): their bytes are stored as integers.
    case TypeId::kDuration: return arrow::int64();
    case TypeId::kIntervalYearMonth: return arrow::int32();
    case TypeId::kIntervalDayTime: return arrow::int64();
    case TypeId::kIntervalMonthDayNano: return arrow::fixed_size_binary(16);
    case TypeId::kSparseUnion: case TypeId::kDenseUnion:
      return Unstorable(path, t, "Parquet has no union type");
    case TypeId::kRunEndEncoded:
      return Unstorable(path, t, "run-end encoded columns are not supported by the Parquet writer; decode them");
    case TypeId::kList: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: case TypeId::kMap: {
      HANGAR_ASSIGN_OR_RETURN(auto child, StorageField(*t.child(0), path));
      switch (t.id()) {
        case TypeId::kList: return arrow::list(child);
        case TypeId::kLargeList: return arrow::large_list(child);
        // DuckDB 1.4 misreads the child validity of sliced list views: they
        // are handed over as lists.
        case TypeId::kListView: return arrow::list(child);
        case TypeId::kLargeListView: return arrow::large_list(child);
        case TypeId::kFixedSizeList: return arrow::fixed_size_list(child, t.list_size());
        default: return arrow::map(child, t.keys_sorted());
      }
    }
    case TypeId::kStruct: {
      std::vector<arrow::FieldPtr> children;
      for (const auto& c : t.children()) {
        HANGAR_ASSIGN_OR_RETURN(auto child, StorageField(*c, path));
        children.push_back(std::move(child));
      }
      return arrow::struct_(std::move(children));
    }
    case TypeId::kDictionary: {
      HANGAR_ASSIGN_OR_RETURN(auto values, StorageTypeOf(*t.value_type(), path));
      return arrow::dictionary(t.index_type(), std::move(values), t.ordered());
    }
    default: break;
  }
  return std::make_shared<DataType>(t);  // as it is
}

// --- Arrays into and out of their storage form -------------------------------------------

// `a` with type `to`, sharing every buffer; children and dictionary follow
// `to`'s children. Only for types of the same physical layout.
ArrayPtr Relabel(const ArrayPtr& a, const TypePtr& to) {
  auto out = std::make_shared<Array>(*a);
  out->type = to;
  if (to->id() == TypeId::kDictionary) {
    out->dictionary = Relabel(a->dictionary, to->value_type());
  } else {
    for (size_t i = 0; i < out->children.size() && i < to->children().size(); ++i)
      out->children[i] = Relabel(a->children[i], to->child(static_cast<int>(i))->type());
  }
  return out;
}

// A fixed-width array of `to` computed slot by slot from `a` (same offset,
// same validity), by `convert(in_slot_ptr, out_slot_ptr)`.
template <typename Convert>
ArrayPtr MapFixedWidth(const ArrayPtr& a, const TypePtr& to, int in_width, int out_width, Convert convert) {
  const int64_t n = a->offset + a->length;
  uint8_t* out = nullptr;
  auto values = arrow::AllocateBuffer(n * out_width, &out);
  const uint8_t* in = a->raw<uint8_t>(1);
  for (int64_t i = 0; i < n; ++i) convert(in + i * in_width, out + i * out_width);
  return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(values)}, {}, a->null_count_hint, a->offset);
}

template <typename In, typename Out>
ArrayPtr MapValues(const ArrayPtr& a, const TypePtr& to, Out (*f)(In)) {
  return MapFixedWidth(a, to, sizeof(In), sizeof(Out), [f](const uint8_t* in, uint8_t* out) {
    In v;
    std::memcpy(&v, in, sizeof v);
    Out r = f(v);
    std::memcpy(out, &r, sizeof r);
  });
}

// An int64 time value in `from` units rescaled to `to` units.
ArrayPtr Rescale(const ArrayPtr& a, const TypePtr& to, TimeUnit from_unit, TimeUnit to_unit, int out_width) {
  const int64_t from = UnitsPerSecond(from_unit), target = UnitsPerSecond(to_unit);
  return MapFixedWidth(a, to, 8, out_width, [=](const uint8_t* in, uint8_t* out) {
    int64_t v;
    std::memcpy(&v, in, 8);
    v = target >= from ? v * (target / from) : v / (from / target);
    if (out_width == 8) std::memcpy(out, &v, 8);
    else { const int32_t v32 = static_cast<int32_t>(v); std::memcpy(out, &v32, 4); }
  });
}

// Variable-size binary with 32-bit offsets widened to 64-bit (large_*).
ArrayPtr WidenOffsets(const ArrayPtr& a, const TypePtr& to, std::vector<ArrayPtr> children) {
  const int64_t n = a->offset + a->length + 1;
  uint8_t* out = nullptr;
  auto offsets = arrow::AllocateBuffer(n * 8, &out);
  const int32_t* in = a->raw<int32_t>(1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = in[i];
    std::memcpy(out + i * 8, &v, 8);
  }
  std::vector<arrow::BufferPtr> buffers = {a->buffers[0], std::move(offsets)};
  if (a->buffers.size() > 2) buffers.push_back(a->buffers[2]);
  return arrow::MakeArray(to, a->length, std::move(buffers), std::move(children), a->null_count_hint, a->offset);
}

// A list array's offsets as list-view offsets and sizes (32 or 64 bit).
ArrayPtr ListToView(const ArrayPtr& a, const TypePtr& to, ArrayPtr child) {
  const int width = to->id() == TypeId::kLargeListView ? 8 : 4;
  const int64_t n = a->offset + a->length;
  uint8_t *offsets_out = nullptr, *sizes_out = nullptr;
  auto offsets = arrow::AllocateBuffer(n * width, &offsets_out);
  auto sizes = arrow::AllocateBuffer(n * width, &sizes_out);
  const int32_t* in = a->raw<int32_t>(1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t off = in[i], size = in[i + 1] - in[i];
    std::memcpy(offsets_out + i * width, &off, width);  // little-endian: the low bytes
    std::memcpy(sizes_out + i * width, &size, width);
  }
  return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(offsets), std::move(sizes)}, {std::move(child)},
                          a->null_count_hint, a->offset);
}

Result<ArrayPtr> FromStorage(const ArrayPtr& a, const TypePtr& to);

// A list array of lists all of length list_size (or null) as fixed_size_list.
Result<ArrayPtr> ListToFixedSize(const ArrayPtr& a, const TypePtr& to) {
  const int64_t size = to->list_size();
  const TypePtr& child_type = to->child(0)->type();
  std::vector<ArrayPtr> pieces;
  for (int64_t i = 0; i < a->length; ++i) {
    int64_t begin = 0, end = 0;
    arrow::ListRange(*a, i, &begin, &end);
    if (a->IsNull(i)) {
      pieces.push_back(arrow::MakeNullArray(a->children[0]->type, size));
    } else if (end - begin != size) {
      return Status::Internal("a list of " + std::to_string(end - begin) + " values in a fixed_size_list column of " +
                              std::to_string(size));
    } else {
      pieces.push_back(a->children[0]->Slice(begin, size));
    }
  }
  ArrayPtr child;
  if (pieces.empty()) {
    child = arrow::MakeNullArray(a->children[0]->type, 0);
  } else {
    HANGAR_ASSIGN_OR_RETURN(child, arrow::Concatenate(pieces));
  }
  HANGAR_ASSIGN_OR_RETURN(child, FromStorage(child, child_type));
  // The validity bitmap is the list's; offset 0 keeps it simple.
  auto sliced = a->offset == 0 ? a->buffers[0] : nullptr;
  if (a->offset != 0 && a->buffers[0]) return Status::Internal("sliced list array from storage");
  return arrow::MakeArray(to, a->length, {sliced}, {std::move(child)}, a->null_count_hint);
}

// Values re-encoded as a dictionary of type `to`.
Result<ArrayPtr> Encode(const ArrayPtr& values, const TypePtr& to) {
  arrow::DictionaryBuilder builder(to);
  const auto& vt = *values->type;
  const bool fixed = !(vt.id() == TypeId::kUtf8 || vt.id() == TypeId::kBinary || vt.id() == TypeId::kLargeUtf8 ||
                       vt.id() == TypeId::kLargeBinary || vt.id() == TypeId::kUtf8View ||
                       vt.id() == TypeId::kBinaryView || vt.id() == TypeId::kFixedSizeBinary);
  const int64_t width = fixed ? vt.bit_width() / 8 : 0;
  if (fixed && (vt.bit_width() % 8 != 0 || width == 0))
    return Status::Internal("cannot dictionary-encode values of type " + vt.ToString());
  for (int64_t i = 0; i < values->length; ++i) {
    if (values->IsNull(i)) {
      builder.AppendNull();
      continue;
    }
    std::string_view bytes =
        fixed ? std::string_view(reinterpret_cast<const char*>(values->raw<uint8_t>(1)) + (values->offset + i) * width,
                                 static_cast<size_t>(width))
              : arrow::BinaryValue(*values, i);
    HANGAR_RETURN_NOT_OK(builder.Append(bytes));
  }
  return builder.Finish();
}

Result<ArrayPtr> FromStorage(const ArrayPtr& a, const TypePtr& to) {
  const TypeId from = a->type->id();
  auto mismatch = [&]() {
    return Status::Internal("Parquet returned " + a->type->ToString() + " for a column of " + to->ToString());
  };
  switch (to->id()) {
    case TypeId::kNull: return arrow::MakeNullArray(to, a->length);
    case TypeId::kFloat16:
      if (from != TypeId::kFloat32) return mismatch();
      return MapValues<float, uint16_t>(a, to, [](float v) { return arrow::FloatToHalf(v); });
    case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
      if (from != TypeId::kUtf8 && from != TypeId::kBinary) return mismatch();
      return WidenOffsets(a, to, {});
    case TypeId::kUtf8View: case TypeId::kBinaryView: {
      if (from != TypeId::kUtf8 && from != TypeId::kBinary) return mismatch();
      arrow::BinaryViewBuilder builder(to);
      for (int64_t i = 0; i < a->length; ++i) {
        if (a->IsNull(i)) builder.AppendNull();
        else builder.Append(a->GetBinary(i));
      }
      return builder.Finish();
    }
    case TypeId::kFixedSizeBinary: case TypeId::kIntervalMonthDayNano: {
      if (from == TypeId::kFixedSizeBinary) return Relabel(a, to);
      if (from != TypeId::kBinary) return mismatch();
      const int64_t width = to->id() == TypeId::kFixedSizeBinary ? to->byte_width() : 16;
      uint8_t* out = nullptr;
      auto values = arrow::AllocateBuffer((a->offset + a->length) * width, &out);
      for (int64_t i = 0; i < a->length; ++i) {
        if (a->IsNull(i)) continue;
        std::string_view v = a->GetBinary(i);
        if (static_cast<int64_t>(v.size()) != width) return Status::Internal("a value of the wrong width in " + to->ToString());
        std::memcpy(out + (a->offset + i) * width, v.data(), v.size());
      }
      return arrow::MakeArray(to, a->length, {a->buffers[0], std::move(values)}, {}, a->null_count_hint, a->offset);
    }
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal256: {
      if (from != TypeId::kDecimal128) return mismatch();
      const int out_width = to->bit_width() / 8;
      return MapFixedWidth(a, to, 16, out_width, [out_width](const uint8_t* in, uint8_t* out) {
        if (out_width <= 16) {
          std::memcpy(out, in, out_width);  // the value fits: the low bytes
        } else {
          std::memcpy(out, in, 16);
          std::memset(out + 16, (in[15] & 0x80) ? 0xff : 0, out_width - 16);
        }
      });
    }
    case TypeId::kDate64:
      if (from != TypeId::kDate32) return mismatch();
      return MapValues<int32_t, int64_t>(a, to, [](int32_t days) { return int64_t{days} * 86400000; });
    case TypeId::kTime32:
      if (from != TypeId::kTime64) return mismatch();
      return Rescale(a, to, a->type->unit(), to->unit(), 4);
    case TypeId::kTimestamp:
      if (from != TypeId::kTimestamp) return mismatch();
      if (a->type->unit() == to->unit()) return Relabel(a, to);
      return Rescale(a, to, a->type->unit(), to->unit(), 8);
    case TypeId::kDuration: case TypeId::kIntervalDayTime:
      if (from != TypeId::kInt64) return mismatch();
      return Relabel(a, to);
    case TypeId::kIntervalYearMonth:
      if (from != TypeId::kInt32) return mismatch();
      return Relabel(a, to);
    case TypeId::kDictionary: {
      HANGAR_ASSIGN_OR_RETURN(auto values, FromStorage(a, to->value_type()));
      return Encode(values, to);
    }
    case TypeId::kList: case TypeId::kMap: case TypeId::kLargeList: case TypeId::kListView:
    case TypeId::kLargeListView: case TypeId::kFixedSizeList: {
      if (from != TypeId::kList && from != TypeId::kMap) return mismatch();
      if (to->id() == TypeId::kFixedSizeList) return ListToFixedSize(a, to);
      HANGAR_ASSIGN_OR_RETURN(auto child, FromStorage(a->children[0], to->child(0)->type()));
      if (to->id() == TypeId::kLargeList) return WidenOffsets(a, to, {std::move(child)});
      if (to->id() == TypeId::kListView || to->id() == TypeId::kLargeListView)
        return ListToView(a, to, std::move(child));
      auto out = std::make_shared<Array>(*a);
      out->type = to;
      out->children = {std::move(child)};
      return ArrayPtr(std::move(out));
    }
    case TypeId::kStruct: {
      if (from != TypeId::kStruct || a->children.size() != to->children().size()) return mismatch();
      auto out = std::make_shared<Array>(*a);
      out->type = to;
      for (size_t i = 0; i < out->children.size(); ++i) {
        HANGAR_ASSIGN_OR_RETURN(out->children[i], FromStorage(a->children[i], to->child(static_cast<int>(i))->type()));
      }
      return ArrayPtr(std::move(out));
    }
    default:
      if (from != to->id() || a->type->bit_width() != to->bit_width()) return mismatch();
      return Relabel(a, to);
  }
}

// A list view as a list (storage type `to`, 32- or 64-bit offsets) whose
// child holds each row's values in order.
Result<ArrayPtr> ViewToList(const ArrayPtr& a, const TypePtr& to) {
  const int width = to->id() == TypeId::kLargeList ? 8 : 4;
  uint8_t* out = nullptr;
  auto offsets = arrow::AllocateBuffer((a->length + 1) * width, &out);
  std::vector<ArrayPtr> pieces;
  int64_t total = 0;
  for (int64_t i = 0; i < a->length; ++i) {
    int64_t begin = 0, end = 0;
    if (a->IsValid(i)) arrow::ListRange(*a, i, &begin, &end);
    if (end > begin) pieces.push_back(a->children[0]->Slice(begin, end - begin));
    std::memcpy(out + i * width, &total, width);
    total += end - begin;
  }
  std::memcpy(out + a->length * width, &total, width);
  ArrayPtr child = arrow::MakeNullArray(a->children[0]->type, 0);
  if (!pieces.empty()) {
    HANGAR_ASSIGN_OR_RETURN(child, arrow::Concatenate(pieces));
  }
  arrow::BufferPtr validity;
  if (a->buffers[0] != nullptr) {
    uint8_t* bits = nullptr;
    validity = arrow::AllocateBuffer((a->length + 7) / 8, &bits);
    for (int64_t i = 0; i < a->length; ++i) {
      if (a->IsValid(i)) bits[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    }
  }
  return arrow::MakeArray(to, a->length, {std::move(validity), std::move(offsets)}, {std::move(child)});
}

// The storage form of `a` (of a storable type) for DuckDB: relabelled,
// except half floats (become floats), decimals (become decimal128) and
// list views (become lists).
Result<ArrayPtr> ToStorage(const ArrayPtr& a, const TypePtr& storage) {
  if (a->type->id() == TypeId::kListView || a->type->id() == TypeId::kLargeListView) {
    HANGAR_ASSIGN_OR_RETURN(auto list, ViewToList(a, storage));
    auto out = std::make_shared<Array>(*list);
    HANGAR_ASSIGN_OR_RETURN(out->children[0], ToStorage(list->children[0], storage->child(0)->type()));
    return ArrayPtr(std::move(out));
  }
  if (a->type->id() == TypeId::kFloat16)
    return MapValues<uint16_t, float>(a, storage, [](uint16_t h) { return arrow::HalfToFloat(h); });
  if (a->type->is_decimal() && a->type->bit_width() != 128) {
    const int in_width = a->type->bit_width() / 8;
    return MapFixedWidth(a, storage, in_width, 16, [in_width](const uint8_t* in, uint8_t* out) {
      // Sign-extended from 32/64 bits; from 256 bits the low 128 hold any value of <= 38 digits.
      std::memcpy(out, in, std::min(in_width, 16));
      if (in_width < 16) std::memset(out + in_width, (in[in_width - 1] & 0x80) ? 0xff : 0, 16 - in_width);
    });
  }
  if (a->type->id() == TypeId::kDictionary) {
    HANGAR_ASSIGN_OR_RETURN(auto dict, ToStorage(a->dictionary, storage->value_type()));
    auto out = std::make_shared<Array>(*a);
    out->type = storage;
    out->dictionary = std::move(dict);
    return ArrayPtr(std::move(out));
  }
  if (a->children.empty()) return Relabel(a, storage);
  auto out = std::make_shared<Array>(*a);
  out->type = storage;
  for (size_t i = 0; i < out->children.size(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(out->children[i], ToStorage(a->children[i], storage->child(static_cast<int>(i))->type()));
  }
  return ArrayPtr(std::move(out));
}

}  // namespace

Result<arrow::SchemaPtr> StorageSchema(const arrow::Schema& schema) {
  std::vector<arrow::FieldPtr> fields;
  for (const auto& f : schema.fields()) {
    HANGAR_ASSIGN_OR_RETURN(auto type, StorageTypeOf(*f->type(), f->name()));
    fields.push_back(arrow::field(f->name(), std::move(type), f->nullable()));
  }
  return arrow::schema(std::move(fields));
}

Status CheckStorable(const arrow::Schema& schema) { return StorageSchema(schema).status(); }

Result<arrow::RecordBatchPtr> ToStorageBatch(const arrow::RecordBatch& batch, const arrow::SchemaPtr& storage) {
  std::vector<ArrayPtr> columns;
  for (int i = 0; i < batch.num_columns(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto column, ToStorage(batch.column(i), storage->field(i)->type()));
    columns.push_back(std::move(column));
  }
  return arrow::MakeRecordBatch(storage, batch.num_rows, std::move(columns));
}

Result<arrow::RecordBatchPtr> ConformBatch(const arrow::RecordBatchPtr& batch, const arrow::SchemaPtr& schema) {
  if (batch->num_columns() != schema->num_fields())
    return Status::Internal("Parquet gave " + std::to_string(batch->num_columns()) + " columns, the table has " +
                            std::to_string(schema->num_fields()));
  std::vector<ArrayPtr> columns;
  for (int i = 0; i < schema->num_fields(); ++i) {
    auto column = FromStorage(batch->column(i), schema->field(i)->type());
    if (!column.ok()) return column.status().WithContext("column '" + schema->field(i)->name() + "'");
    columns.push_back(std::move(*column));
  }
  return arrow::MakeRecordBatch(schema, batch->num_rows, std::move(columns));
}

namespace {

// Batches of `inner` mapped through `map`, under `schema`.
class MappedSource : public arrow::RecordBatchSource {
 public:
  using Map = std::function<Result<arrow::RecordBatchPtr>(const arrow::RecordBatchPtr&)>;
  MappedSource(std::unique_ptr<arrow::RecordBatchSource> inner, arrow::SchemaPtr schema, Map map)
      : inner_(std::move(inner)), schema_(std::move(schema)), map_(std::move(map)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) return batch;
    return map_(batch);
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
  Map map_;
};

}  // namespace

// What DuckDB reads, conformed batch by batch. A batch may gather rows of
// several puts whose dictionaries together overflow a narrow index type
// (dictionary<int8, ...> holds 128 values): such a batch is conformed in
// halves, as often as needed, so every batch handed out fits its type.
class ConformingSource : public arrow::RecordBatchSource {
 public:
  ConformingSource(std::unique_ptr<arrow::RecordBatchSource> inner, arrow::SchemaPtr schema)
      : inner_(std::move(inner)), schema_(std::move(schema)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (pending_.empty()) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
      if (batch == nullptr) return batch;
      pending_.push_back(std::move(batch));
    }
    while (true) {
      arrow::RecordBatchPtr batch = std::move(pending_.back());
      pending_.pop_back();
      auto conformed = ConformBatch(batch, schema_);
      if (conformed.ok() || batch->num_rows <= 1) return conformed;
      const int64_t half = batch->num_rows / 2;
      pending_.push_back(batch->Slice(half, batch->num_rows - half));  // a stack: the first half comes first
      pending_.push_back(batch->Slice(0, half));
    }
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
  std::vector<arrow::RecordBatchPtr> pending_;  // halves still to conform, the next one last
};

std::unique_ptr<arrow::RecordBatchSource> ConformSource(std::unique_ptr<arrow::RecordBatchSource> source,
                                                        arrow::SchemaPtr schema) {
  return std::make_unique<ConformingSource>(std::move(source), std::move(schema));
}

Result<std::unique_ptr<arrow::RecordBatchSource>> StorageSource(std::unique_ptr<arrow::RecordBatchSource> source) {
  HANGAR_ASSIGN_OR_RETURN(auto storage, StorageSchema(*source->schema()));
  auto map = [storage](const arrow::RecordBatchPtr& b) { return ToStorageBatch(*b, storage); };
  return std::unique_ptr<arrow::RecordBatchSource>(std::make_unique<MappedSource>(std::move(source), storage, map));
}

}  // namespace hangar::store
