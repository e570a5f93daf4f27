#include "arrow/ipc/metadata.h"

#include <limits>
#include <string>

#include "arrow/utf8.h"

namespace hangar::arrow::ipc {

Status DictionaryFields::Add(const FieldPtr& field, int64_t id) {
  auto [it, inserted] = fields_.emplace(id, field);
  if (!inserted && !it->second->type()->value_type()->Equals(*field->type()->value_type(), false))
    return Status::Invalid("fields '" + it->second->name() + "' and '" + field->name() + "' share dictionary id " +
                           std::to_string(id) +
                           " but their values differ in type: " + it->second->type()->value_type()->ToString() +
                           " vs " + field->type()->value_type()->ToString());
  if (inserted) emit_order_.push_back(id);
  ids_[field.get()] = id;
  return Status::OK();
}

Result<int64_t> DictionaryFields::IdOf(const Field* field) const {
  auto it = ids_.find(field);
  if (it == ids_.end()) return Status::Invalid("field '" + field->name() + "' has no dictionary id");
  return it->second;
}

Result<FieldPtr> DictionaryFields::FieldOf(int64_t id) const {
  auto it = fields_.find(id);
  if (it == fields_.end()) return Status::Invalid("dictionary id " + std::to_string(id) + " is not in the schema");
  return it->second;
}

namespace {

void AssignIds(const FieldPtr& field, DictionaryFields* out, int64_t* next, std::vector<int64_t>* order) {
  const DataType& type = *field->type();
  if (type.id() == TypeId::kDictionary) {
    int64_t id = (*next)++;
    // Inner dictionaries first, so that a reader knows them when the outer one arrives.
    for (const auto& child : type.value_type()->children()) AssignIds(child, out, next, order);
    (void)out->Add(field, id);  // a fresh id: cannot clash
    order->push_back(id);
    return;
  }
  for (const auto& child : type.children()) AssignIds(child, out, next, order);
}

// Counts, for every Field object of dictionary type, how often it occurs.
void CountDictionaryFields(const FieldPtr& field, std::unordered_map<const Field*, int>* seen) {
  const DataType& type = *field->type();
  if (type.id() == TypeId::kDictionary) {
    ++(*seen)[field.get()];
    for (const auto& c : type.value_type()->children()) CountDictionaryFields(c, seen);
    return;
  }
  for (const auto& c : type.children()) CountDictionaryFields(c, seen);
}

TypePtr CopyType(const TypePtr& type);

// A new Field object (and new objects below it wherever a dictionary is).
FieldPtr CopyField(const FieldPtr& field) {
  if (!HasDictionary(*field->type())) return field;
  return std::make_shared<const Field>(field->name(), CopyType(field->type()), field->nullable(), field->metadata());
}

TypePtr CopyType(const TypePtr& type) {
  const DataType& t = *type;
  DataType::Params p;
  p.id = t.id();
  p.unit = t.unit();
  p.timezone = t.timezone();
  p.byte_width = t.byte_width();
  p.list_size = t.list_size();
  p.precision = t.precision();
  p.scale = t.scale();
  p.keys_sorted = t.keys_sorted();
  p.ordered = t.ordered();
  p.type_codes = t.type_codes();
  p.index_type = t.index_type();
  p.value_type = t.value_type() && HasDictionary(*t.value_type()) ? CopyType(t.value_type()) : t.value_type();
  for (const auto& c : t.children()) p.children.push_back(CopyField(c));
  return std::make_shared<const DataType>(std::move(p));
}

}  // namespace

SchemaPtr WithDistinctDictionaryFields(const SchemaPtr& schema) {
  std::unordered_map<const Field*, int> seen;
  for (const auto& f : schema->fields()) CountDictionaryFields(f, &seen);
  bool repeated = false;
  for (const auto& [field, count] : seen) repeated = repeated || count > 1;
  if (!repeated) return schema;
  std::vector<FieldPtr> fields;
  for (const auto& f : schema->fields()) fields.push_back(CopyField(f));
  return arrow::schema(std::move(fields), schema->metadata());
}

DictionaryFields AssignDictionaryIds(const Schema& schema) {
  DictionaryFields out;
  int64_t next = 0;
  std::vector<int64_t> order;
  for (const auto& f : schema.fields()) AssignIds(f, &out, &next, &order);
  out.emit_order_ = std::move(order);
  return out;
}

// --- reading -------------------------------------------------------------------

namespace {

TimeUnit UnitFrom(fb::TimeUnit u) {
  switch (u) {
    case fb::TimeUnit::SECOND: return TimeUnit::kSecond;
    case fb::TimeUnit::MILLISECOND: return TimeUnit::kMilli;
    case fb::TimeUnit::MICROSECOND: return TimeUnit::kMicro;
    default: return TimeUnit::kNano;
  }
}

fb::TimeUnit UnitTo(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return fb::TimeUnit::SECOND;
    case TimeUnit::kMilli: return fb::TimeUnit::MILLISECOND;
    case TimeUnit::kMicro: return fb::TimeUnit::MICROSECOND;
    default: return fb::TimeUnit::NANOSECOND;
  }
}

Result<TypePtr> IntFrom(const fb::Int* i) {
  if (i == nullptr) return Status::Invalid("Int type without parameters");
  switch (i->bitWidth()) {
    case 8: return i->is_signed() ? int8() : uint8();
    case 16: return i->is_signed() ? int16() : uint16();
    case 32: return i->is_signed() ? int32() : uint32();
    case 64: return i->is_signed() ? int64() : uint64();
    default: return Status::Invalid("unsupported integer bit width " + std::to_string(i->bitWidth()));
  }
}

KeyValueMetadata MetadataFrom(const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>* kvs) {
  KeyValueMetadata md;
  if (kvs == nullptr) return md;
  for (const auto* kv : *kvs) {
    if (kv == nullptr) continue;
    md.emplace_back(kv->key() ? kv->key()->str() : "", kv->value() ? kv->value()->str() : "");
  }
  return md;
}

Status NeedChildren(const char* what, size_t have, size_t want) {
  if (have == want) return Status::OK();
  return Status::Invalid(std::string(what) + " type needs " + std::to_string(want) + " child field(s), has " +
                         std::to_string(have));
}

Result<TypePtr> TypeFrom(const fb::Field* f, std::vector<FieldPtr> children) {
  const void* t = f->type();
  switch (f->type_type()) {
    case fb::Type::Null: return null();
    case fb::Type::Int: return IntFrom(f->type_as_Int());
    case fb::Type::FloatingPoint: {
      auto* fp = f->type_as_FloatingPoint();
      if (!fp) return Status::Invalid("FloatingPoint type without parameters");
      switch (fp->precision()) {
        case fb::Precision::HALF: return float16();
        case fb::Precision::SINGLE: return float32();
        case fb::Precision::DOUBLE: return float64();
        default: return Status::Invalid("unknown floating point precision");
      }
    }
    case fb::Type::Binary: return binary();
    case fb::Type::Utf8: return utf8();
    case fb::Type::LargeBinary: return large_binary();
    case fb::Type::LargeUtf8: return large_utf8();
    case fb::Type::BinaryView: return binary_view();
    case fb::Type::Utf8View: return utf8_view();
    case fb::Type::Bool: return boolean();
    case fb::Type::Decimal: {
      auto* d = f->type_as_Decimal();
      if (!d) return Status::Invalid("Decimal type without parameters");
      int bw = d->bitWidth();
      if (bw != 32 && bw != 64 && bw != 128 && bw != 256)
        return Status::Invalid("unsupported decimal bit width " + std::to_string(bw));
      auto type = decimal(d->precision(), d->scale(), bw);
      HANGAR_RETURN_NOT_OK(ValidateType(*type));
      return type;
    }
    case fb::Type::Date: {
      auto* d = f->type_as_Date();
      return (d && d->unit() == fb::DateUnit::DAY) ? date32() : date64();
    }
    case fb::Type::Time: {
      auto* tm = f->type_as_Time();
      TimeUnit unit = tm ? UnitFrom(tm->unit()) : TimeUnit::kMilli;
      int bw = tm ? tm->bitWidth() : 32;
      if (bw == 32 && (unit == TimeUnit::kSecond || unit == TimeUnit::kMilli)) return time32(unit);
      if (bw == 64 && (unit == TimeUnit::kMicro || unit == TimeUnit::kNano)) return time64(unit);
      return Status::Invalid("invalid Time type: " + std::to_string(bw) + " bits with unit " +
                             std::string(TimeUnitName(unit)));
    }
    case fb::Type::Timestamp: {
      auto* ts = f->type_as_Timestamp();
      if (!ts) return Status::Invalid("Timestamp type without parameters");
      return timestamp(UnitFrom(ts->unit()), ts->timezone() ? ts->timezone()->str() : "");
    }
    case fb::Type::Duration: {
      auto* d = f->type_as_Duration();
      return duration(d ? UnitFrom(d->unit()) : TimeUnit::kMilli);
    }
    case fb::Type::Interval: {
      auto* iv = f->type_as_Interval();
      if (!iv) return Status::Invalid("Interval type without parameters");
      switch (iv->unit()) {
        case fb::IntervalUnit::YEAR_MONTH: return interval_year_month();
        case fb::IntervalUnit::DAY_TIME: return interval_day_time();
        case fb::IntervalUnit::MONTH_DAY_NANO: return interval_month_day_nano();
        default: return Status::Invalid("unknown interval unit");
      }
    }
    case fb::Type::FixedSizeBinary: {
      auto* b = f->type_as_FixedSizeBinary();
      // Widths whose bit count overflows an int32 are no data anyone writes.
      if (!b || b->byteWidth() < 0 || b->byteWidth() > std::numeric_limits<int32_t>::max() / 8)
        return Status::Invalid("FixedSizeBinary type with invalid byte width " +
                               std::to_string(b ? b->byteWidth() : -1));
      return fixed_size_binary(b->byteWidth());
    }
    case fb::Type::List: HANGAR_RETURN_NOT_OK(NeedChildren("List", children.size(), 1)); return list(children[0]);
    case fb::Type::LargeList:
      HANGAR_RETURN_NOT_OK(NeedChildren("LargeList", children.size(), 1));
      return large_list(children[0]);
    case fb::Type::ListView:
      HANGAR_RETURN_NOT_OK(NeedChildren("ListView", children.size(), 1));
      return list_view(children[0]);
    case fb::Type::LargeListView:
      HANGAR_RETURN_NOT_OK(NeedChildren("LargeListView", children.size(), 1));
      return large_list_view(children[0]);
    case fb::Type::FixedSizeList: {
      HANGAR_RETURN_NOT_OK(NeedChildren("FixedSizeList", children.size(), 1));
      auto* l = f->type_as_FixedSizeList();
      if (!l || l->listSize() < 0) return Status::Invalid("FixedSizeList type with invalid size");
      return fixed_size_list(children[0], l->listSize());
    }
    case fb::Type::Struct_: return struct_(std::move(children));
    case fb::Type::Map: {
      HANGAR_RETURN_NOT_OK(NeedChildren("Map", children.size(), 1));
      auto* m = f->type_as_Map();
      auto type = map(children[0], m && m->keysSorted());
      HANGAR_RETURN_NOT_OK(ValidateType(*type));
      return type;
    }
    case fb::Type::Union: {
      auto* u = f->type_as_Union();
      if (!u) return Status::Invalid("Union type without parameters");
      std::vector<int8_t> codes;
      if (u->typeIds()) {
        for (int32_t c : *u->typeIds()) {
          if (c < 0 || c > 127) return Status::Invalid("union type id " + std::to_string(c) + " out of range 0..127");
          codes.push_back(static_cast<int8_t>(c));
        }
      } else {
        for (size_t i = 0; i < children.size(); ++i) codes.push_back(static_cast<int8_t>(i));
      }
      auto type = u->mode() == fb::UnionMode::Dense ? dense_union(std::move(children), codes)
                                                    : sparse_union(std::move(children), codes);
      HANGAR_RETURN_NOT_OK(ValidateType(*type));
      return type;
    }
    case fb::Type::RunEndEncoded: {
      HANGAR_RETURN_NOT_OK(NeedChildren("RunEndEncoded", children.size(), 2));
      auto type = run_end_encoded(children[0], children[1]);
      HANGAR_RETURN_NOT_OK(ValidateType(*type));
      return type;
    }
    default:
      (void)t;
      return Status::Invalid("unknown IPC type tag " + std::to_string(static_cast<int>(f->type_type())));
  }
}

// The first bytes of `bytes` in hex, for a message about bytes that are not text.
std::string HexPrefix(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "bytes";
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return bytes.size() > 16 ? out + " ..." : out;
}

Result<FieldPtr> FieldFrom(const fb::Field* f, DictionaryFields* dictionaries, int depth, int max_depth) {
  if (f == nullptr) return Status::Invalid("missing field in schema");
  if (depth > max_depth) return Status::Invalid("type nesting deeper than " + std::to_string(max_depth) + " levels");
  std::string name = f->name() ? f->name()->str() : "";
  // Names are UTF-8 in Arrow (flatbuffers strings): SQL, Parquet, JSON and
  // Avro all take them as text. Custom metadata may hold any bytes (Arrow
  // C++ writes what it is given), so it is kept as it is.
  if (!IsValidUtf8(name)) return Status::Invalid("a field name is not valid UTF-8 (" + HexPrefix(name) + ")");
  std::vector<FieldPtr> children;
  if (f->children()) {
    for (const auto* c : *f->children()) {
      HANGAR_ASSIGN_OR_RETURN(auto child, FieldFrom(c, dictionaries, depth + 1, max_depth));
      children.push_back(std::move(child));
    }
  }
  auto typed = TypeFrom(f, std::move(children));
  if (!typed.ok()) return typed.status().WithContext("field '" + name + "'");
  TypePtr type = std::move(typed).value();
  const fb::DictionaryEncoding* enc = f->dictionary();
  if (enc != nullptr) {
    TypePtr index_type = int32();
    if (enc->indexType()) {
      HANGAR_ASSIGN_OR_RETURN(index_type, IntFrom(enc->indexType()));
    }
    type = dictionary(index_type, type, enc->isOrdered());
  }
  auto field = arrow::field(std::move(name), std::move(type), f->nullable(), MetadataFrom(f->custom_metadata()));
  if (enc != nullptr) {
    Status st = dictionaries->Add(field, enc->id());
    if (!st.ok()) return st;
  }
  return field;
}

}  // namespace

Result<SchemaPtr> SchemaFromFlatbuffer(const fb::Schema* s, DictionaryFields* dictionaries, int max_depth) {
  if (s == nullptr) return Status::Invalid("IPC message has no schema");
  if (s->endianness() == fb::Endianness::Big)
    return Status::Invalid("big-endian IPC data is not supported (Hangar reads little-endian Arrow only)");
  std::vector<FieldPtr> fields;
  if (s->fields()) {
    for (const auto* f : *s->fields()) {
      HANGAR_ASSIGN_OR_RETURN(auto field, FieldFrom(f, dictionaries, 1, max_depth));
      fields.push_back(std::move(field));
    }
  }
  return schema(std::move(fields), MetadataFrom(s->custom_metadata()));
}

// --- writing -------------------------------------------------------------------

namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Offset<flatbuffers::Vector<Offset<fb::KeyValue>>> MetadataTo(FlatBufferBuilder& fbb, const KeyValueMetadata& md) {
  if (md.empty()) return 0;
  std::vector<Offset<fb::KeyValue>> kvs;
  // Sized strings, not c_str(): keys and values may hold NUL bytes.
  for (const auto& [k, v] : md) {
    auto key = fbb.CreateString(k);
    auto value = fbb.CreateString(v);
    kvs.push_back(fb::CreateKeyValue(fbb, key, value));
  }
  return fbb.CreateVector(kvs);
}

Offset<fb::Int> IntTo(FlatBufferBuilder& fbb, const DataType& t) {
  return fb::CreateInt(fbb, t.bit_width(), t.is_signed_integer());
}

// The Type union member for a (non-dictionary) type.
std::pair<fb::Type, Offset<void>> TypeTo(FlatBufferBuilder& fbb, const DataType& t) {
  switch (t.id()) {
    case TypeId::kNull: return {fb::Type::Null, fb::CreateNull(fbb).Union()};
    case TypeId::kBool: return {fb::Type::Bool, fb::CreateBool(fbb).Union()};
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64: return {fb::Type::Int, IntTo(fbb, t).Union()};
    case TypeId::kFloat16: return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(fbb, fb::Precision::HALF).Union()};
    case TypeId::kFloat32:
      return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(fbb, fb::Precision::SINGLE).Union()};
    case TypeId::kFloat64:
      return {fb::Type::FloatingPoint, fb::CreateFloatingPoint(fbb, fb::Precision::DOUBLE).Union()};
    case TypeId::kUtf8: return {fb::Type::Utf8, fb::CreateUtf8(fbb).Union()};
    case TypeId::kLargeUtf8: return {fb::Type::LargeUtf8, fb::CreateLargeUtf8(fbb).Union()};
    case TypeId::kBinary: return {fb::Type::Binary, fb::CreateBinary(fbb).Union()};
    case TypeId::kLargeBinary: return {fb::Type::LargeBinary, fb::CreateLargeBinary(fbb).Union()};
    case TypeId::kUtf8View: return {fb::Type::Utf8View, fb::CreateUtf8View(fbb).Union()};
    case TypeId::kBinaryView: return {fb::Type::BinaryView, fb::CreateBinaryView(fbb).Union()};
    case TypeId::kFixedSizeBinary:
      return {fb::Type::FixedSizeBinary, fb::CreateFixedSizeBinary(fbb, t.byte_width()).Union()};
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      return {fb::Type::Decimal, fb::CreateDecimal(fbb, t.precision(), t.scale(), t.bit_width()).Union()};
    case TypeId::kDate32: return {fb::Type::Date, fb::CreateDate(fbb, fb::DateUnit::DAY).Union()};
    case TypeId::kDate64: return {fb::Type::Date, fb::CreateDate(fbb, fb::DateUnit::MILLISECOND).Union()};
    case TypeId::kTime32:
    case TypeId::kTime64: return {fb::Type::Time, fb::CreateTime(fbb, UnitTo(t.unit()), t.bit_width()).Union()};
    case TypeId::kTimestamp: {
      auto tz = t.timezone().empty() ? 0 : fbb.CreateString(t.timezone());
      return {fb::Type::Timestamp, fb::CreateTimestamp(fbb, UnitTo(t.unit()), tz).Union()};
    }
    case TypeId::kDuration: return {fb::Type::Duration, fb::CreateDuration(fbb, UnitTo(t.unit())).Union()};
    case TypeId::kIntervalYearMonth:
      return {fb::Type::Interval, fb::CreateInterval(fbb, fb::IntervalUnit::YEAR_MONTH).Union()};
    case TypeId::kIntervalDayTime:
      return {fb::Type::Interval, fb::CreateInterval(fbb, fb::IntervalUnit::DAY_TIME).Union()};
    case TypeId::kIntervalMonthDayNano:
      return {fb::Type::Interval, fb::CreateInterval(fbb, fb::IntervalUnit::MONTH_DAY_NANO).Union()};
    case TypeId::kList: return {fb::Type::List, fb::CreateList(fbb).Union()};
    case TypeId::kLargeList: return {fb::Type::LargeList, fb::CreateLargeList(fbb).Union()};
    case TypeId::kListView: return {fb::Type::ListView, fb::CreateListView(fbb).Union()};
    case TypeId::kLargeListView: return {fb::Type::LargeListView, fb::CreateLargeListView(fbb).Union()};
    case TypeId::kFixedSizeList: return {fb::Type::FixedSizeList, fb::CreateFixedSizeList(fbb, t.list_size()).Union()};
    case TypeId::kStruct: return {fb::Type::Struct_, fb::CreateStruct_(fbb).Union()};
    case TypeId::kMap: return {fb::Type::Map, fb::CreateMap(fbb, t.keys_sorted()).Union()};
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      std::vector<int32_t> codes(t.type_codes().begin(), t.type_codes().end());
      auto ids = fbb.CreateVector(codes);
      auto mode = t.id() == TypeId::kDenseUnion ? fb::UnionMode::Dense : fb::UnionMode::Sparse;
      return {fb::Type::Union, fb::CreateUnion(fbb, mode, ids).Union()};
    }
    case TypeId::kRunEndEncoded: return {fb::Type::RunEndEncoded, fb::CreateRunEndEncoded(fbb).Union()};
    case TypeId::kDictionary: break;  // handled by FieldTo
  }
  return {fb::Type::NONE, 0};
}

Offset<fb::Field> FieldTo(FlatBufferBuilder& fbb, const FieldPtr& field, const DictionaryFields& dictionaries) {
  const DataType* type = field->type().get();
  Offset<fb::DictionaryEncoding> encoding = 0;
  if (type->id() == TypeId::kDictionary) {
    auto id = dictionaries.IdOf(field.get());
    auto index = IntTo(fbb, *type->index_type());
    encoding = fb::CreateDictionaryEncoding(fbb, id.ok() ? *id : 0, index, type->ordered());
    type = type->value_type().get();
  }
  std::vector<Offset<fb::Field>> children;
  for (const auto& c : type->children()) children.push_back(FieldTo(fbb, c, dictionaries));
  auto children_vec = fbb.CreateVector(children);
  auto name = fbb.CreateString(field->name());
  auto [type_type, type_offset] = TypeTo(fbb, *type);
  auto md = MetadataTo(fbb, field->metadata());
  return fb::CreateField(fbb, name, field->nullable(), type_type, type_offset, encoding, children_vec, md);
}

}  // namespace

Offset<fb::Schema> SchemaToFlatbuffer(FlatBufferBuilder& fbb, const Schema& schema,
                                      const DictionaryFields& dictionaries) {
  std::vector<Offset<fb::Field>> fields;
  for (const auto& f : schema.fields()) fields.push_back(FieldTo(fbb, f, dictionaries));
  auto fields_vec = fbb.CreateVector(fields);
  auto md = MetadataTo(fbb, schema.metadata());
  return fb::CreateSchema(fbb, fb::Endianness::Little, fields_vec, md);
}

Result<const fb::Message*> VerifyMessage(const uint8_t* data, int64_t size) {
  // Depth and table limits keep a hostile flatbuffer from costing much.
  flatbuffers::Verifier verifier(data, static_cast<size_t>(size), /*max_depth=*/128, /*max_tables=*/1000000);
  if (!fb::VerifyMessageBuffer(verifier)) return Status::Invalid("IPC message metadata is not a valid flatbuffer");
  return fb::GetMessage(data);
}

}  // namespace hangar::arrow::ipc
