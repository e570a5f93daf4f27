#include "arrow/c_data.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "arrow/validate.h"

namespace hangar::arrow {

namespace {

// Deeper trees than this are refused on import (a hostile producer could
// otherwise exhaust the stack with a cyclic or absurdly deep struct).
constexpr int kMaxDepth = 64;

bool AddOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }
bool MulOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }

// Zeroed, 64-byte aligned static memory. Exported in place of a buffer the
// Array has no pointer for (consumers differ in whether they accept null
// there), and imported in place of a null pointer the producer was allowed to
// give (so that Hangar code can always read e.g. the first offset).
alignas(64) const uint8_t kZeros[64] = {};

BufferPtr ZeroBuffer(int64_t size) { return std::make_shared<const Buffer>(kZeros, size, nullptr); }

}  // namespace

// --- Format strings ----------------------------------------------------------------

namespace {

char UnitChar(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return 's';
    case TimeUnit::kMilli: return 'm';
    case TimeUnit::kMicro: return 'u';
    case TimeUnit::kNano: return 'n';
  }
  return '?';
}

std::string UnionFormat(const DataType& t, const char* prefix) {
  std::string out = prefix;
  for (size_t i = 0; i < t.type_codes().size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(t.type_codes()[i]);
  }
  return out;
}

}  // namespace

Result<std::string> FormatString(const DataType& t) {
  switch (t.id()) {
    case TypeId::kNull: return std::string("n");
    case TypeId::kBool: return std::string("b");
    case TypeId::kInt8: return std::string("c");
    case TypeId::kUInt8: return std::string("C");
    case TypeId::kInt16: return std::string("s");
    case TypeId::kUInt16: return std::string("S");
    case TypeId::kInt32: return std::string("i");
    case TypeId::kUInt32: return std::string("I");
    case TypeId::kInt64: return std::string("l");
    case TypeId::kUInt64: return std::string("L");
    case TypeId::kFloat16: return std::string("e");
    case TypeId::kFloat32: return std::string("f");
    case TypeId::kFloat64: return std::string("g");
    case TypeId::kBinary: return std::string("z");
    case TypeId::kLargeBinary: return std::string("Z");
    case TypeId::kBinaryView: return std::string("vz");
    case TypeId::kUtf8: return std::string("u");
    case TypeId::kLargeUtf8: return std::string("U");
    case TypeId::kUtf8View: return std::string("vu");
    case TypeId::kFixedSizeBinary: return "w:" + std::to_string(t.byte_width());
    // decimal128 without the bit width: the original form, which every
    // consumer reads.
    case TypeId::kDecimal128: return "d:" + std::to_string(t.precision()) + "," + std::to_string(t.scale());
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal256:
      return "d:" + std::to_string(t.precision()) + "," + std::to_string(t.scale()) + "," +
             std::to_string(t.bit_width());
    case TypeId::kDate32: return std::string("tdD");
    case TypeId::kDate64: return std::string("tdm");
    case TypeId::kTime32:
    case TypeId::kTime64: return std::string("tt") + UnitChar(t.unit());
    case TypeId::kTimestamp: return std::string("ts") + UnitChar(t.unit()) + ":" + t.timezone();
    case TypeId::kDuration: return std::string("tD") + UnitChar(t.unit());
    case TypeId::kIntervalYearMonth: return std::string("tiM");
    case TypeId::kIntervalDayTime: return std::string("tiD");
    case TypeId::kIntervalMonthDayNano: return std::string("tin");
    case TypeId::kList: return std::string("+l");
    case TypeId::kLargeList: return std::string("+L");
    case TypeId::kListView: return std::string("+vl");
    case TypeId::kLargeListView: return std::string("+vL");
    case TypeId::kFixedSizeList: return "+w:" + std::to_string(t.list_size());
    case TypeId::kStruct: return std::string("+s");
    case TypeId::kMap: return std::string("+m");
    case TypeId::kDenseUnion: return UnionFormat(t, "+ud:");
    case TypeId::kSparseUnion: return UnionFormat(t, "+us:");
    case TypeId::kRunEndEncoded: return std::string("+r");
    case TypeId::kDictionary:
      if (!t.index_type()) return Status::Invalid("dictionary type without an index type");
      return FormatString(*t.index_type());
  }
  return Status::Unimplemented("no C data format string for " + t.ToString());
}

namespace {

// A whole decimal integer (optionally negative) that fits in int32.
bool ParseInt32(std::string_view s, int32_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Result<TimeUnit> ParseUnit(char c) {
  switch (c) {
    case 's': return TimeUnit::kSecond;
    case 'm': return TimeUnit::kMilli;
    case 'u': return TimeUnit::kMicro;
    case 'n': return TimeUnit::kNano;
    default: return Status::Invalid("unknown time unit");
  }
}

}  // namespace

Result<TypePtr> TypeFromFormat(std::string_view f, std::vector<FieldPtr> children, int64_t flags) {
  const std::string quoted = "'" + std::string(f) + "'";
  auto malformed = [&](const std::string& why) {
    return Status::Invalid("malformed C data format string " + quoted + ": " + why);
  };
  auto leaf = [&](TypePtr t) -> Result<TypePtr> {
    if (!children.empty())
      return Status::Invalid("C data format " + quoted + " takes no children, got " + std::to_string(children.size()));
    return t;
  };
  auto nested = [&](size_t n) -> Status {
    if (children.size() != n)
      return Status::Invalid("C data format " + quoted + " needs " + std::to_string(n) + " child(ren), got " +
                             std::to_string(children.size()));
    return Status::OK();
  };
  auto validated = [](TypePtr t) -> Result<TypePtr> {
    HANGAR_RETURN_NOT_OK(ValidateType(*t));
    return t;
  };

  if (f.empty()) return Status::Invalid("empty C data format string");
  if (f.size() == 1) {
    switch (f[0]) {
      case 'n': return leaf(null());
      case 'b': return leaf(boolean());
      case 'c': return leaf(int8());
      case 'C': return leaf(uint8());
      case 's': return leaf(int16());
      case 'S': return leaf(uint16());
      case 'i': return leaf(int32());
      case 'I': return leaf(uint32());
      case 'l': return leaf(int64());
      case 'L': return leaf(uint64());
      case 'e': return leaf(float16());
      case 'f': return leaf(float32());
      case 'g': return leaf(float64());
      case 'z': return leaf(binary());
      case 'Z': return leaf(large_binary());
      case 'u': return leaf(utf8());
      case 'U': return leaf(large_utf8());
      default: break;
    }
  }
  if (f == "vz") return leaf(binary_view());
  if (f == "vu") return leaf(utf8_view());
  if (f == "tdD") return leaf(date32());
  if (f == "tdm") return leaf(date64());
  if (f == "tiM") return leaf(interval_year_month());
  if (f == "tiD") return leaf(interval_day_time());
  if (f == "tin") return leaf(interval_month_day_nano());
  if (f.starts_with("w:")) {
    int32_t width;
    if (!ParseInt32(f.substr(2), &width) || width < 0) return malformed("expected w:<byte width>");
    return leaf(fixed_size_binary(width));
  }
  if (f.starts_with("d:")) {
    // d:precision,scale[,bit width]
    std::string_view rest = f.substr(2);
    const size_t c1 = rest.find(',');
    if (c1 == std::string_view::npos) return malformed("expected d:<precision>,<scale>[,<bit width>]");
    const size_t c2 = rest.find(',', c1 + 1);
    int32_t precision, scale, width = 128;
    if (!ParseInt32(rest.substr(0, c1), &precision) ||
        !ParseInt32(rest.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1), &scale) ||
        (c2 != std::string_view::npos && !ParseInt32(rest.substr(c2 + 1), &width)))
      return malformed("expected d:<precision>,<scale>[,<bit width>]");
    if (width != 32 && width != 64 && width != 128 && width != 256)
      return malformed("decimal bit width must be 32, 64, 128 or 256");
    HANGAR_ASSIGN_OR_RETURN(auto t, leaf(decimal(precision, scale, width)));
    return validated(std::move(t));
  }
  if (f.size() == 3 && f.starts_with("tt")) {
    auto unit = ParseUnit(f[2]);
    if (!unit.ok()) return malformed("time unit must be s, m, u or n");
    return leaf(*unit == TimeUnit::kSecond || *unit == TimeUnit::kMilli ? time32(*unit) : time64(*unit));
  }
  if (f.size() == 3 && f.starts_with("tD")) {
    auto unit = ParseUnit(f[2]);
    if (!unit.ok()) return malformed("duration unit must be s, m, u or n");
    return leaf(duration(*unit));
  }
  if (f.starts_with("ts")) {
    // ts<unit>:<timezone>; the colon is there even without a zone.
    if (f.size() < 4 || f[3] != ':') return malformed("expected ts<unit>:<timezone>");
    auto unit = ParseUnit(f[2]);
    if (!unit.ok()) return malformed("timestamp unit must be s, m, u or n");
    return leaf(timestamp(*unit, std::string(f.substr(4))));
  }
  if (f == "+l") {
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(list(children[0]));
  }
  if (f == "+L") {
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(large_list(children[0]));
  }
  if (f == "+vl") {
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(list_view(children[0]));
  }
  if (f == "+vL") {
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(large_list_view(children[0]));
  }
  if (f.starts_with("+w:")) {
    int32_t size;
    if (!ParseInt32(f.substr(3), &size) || size < 0) return malformed("expected +w:<list size>");
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(fixed_size_list(children[0], size));
  }
  if (f == "+s") return validated(struct_(std::move(children)));
  if (f == "+m") {
    HANGAR_RETURN_NOT_OK(nested(1));
    return validated(map(children[0], (flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0));
  }
  if (f.starts_with("+ud:") || f.starts_with("+us:")) {
    std::vector<int8_t> codes;
    std::string_view list = f.substr(4);
    while (!list.empty()) {
      const size_t comma = list.find(',');
      int32_t code;
      if (!ParseInt32(list.substr(0, comma), &code) || code < 0 || code > 127)
        return malformed("union type ids must be integers in 0..127");
      codes.push_back(static_cast<int8_t>(code));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
      if (list.empty()) return malformed("trailing comma");
    }
    if (codes.size() != children.size())
      return Status::Invalid("C data format " + quoted + " lists " + std::to_string(codes.size()) + " type ids for " +
                             std::to_string(children.size()) + " children");
    const bool dense = f[2] == 'd';
    return validated(dense ? dense_union(std::move(children), std::move(codes))
                           : sparse_union(std::move(children), std::move(codes)));
  }
  if (f == "+r") {
    HANGAR_RETURN_NOT_OK(nested(2));
    return validated(run_end_encoded(children[0], children[1]));
  }
  return Status::Invalid("unsupported C data format string " + quoted);
}

// --- Schema export -----------------------------------------------------------------

namespace {

// private_data of an exported ArrowSchema: every string and pointer array the
// struct refers to. Children live in a vector sized once, so the pointers
// handed out stay valid; the destructor releases whichever of them the
// consumer has not moved away.
struct ExportedSchema {
  std::string format;
  std::string name;
  std::string metadata;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
  std::unique_ptr<ArrowSchema> dictionary;

  ExportedSchema() = default;
  ExportedSchema(const ExportedSchema&) = delete;
  ExportedSchema& operator=(const ExportedSchema&) = delete;
  ~ExportedSchema() {
    for (auto& child : children) {
      if (child.release != nullptr) child.release(&child);
    }
    if (dictionary && dictionary->release != nullptr) dictionary->release(dictionary.get());
  }
};

void ReleaseExportedSchema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  delete static_cast<ExportedSchema*>(schema->private_data);
  schema->private_data = nullptr;
  schema->release = nullptr;
}

// int32 count, then per pair: int32 key length, key, int32 value length,
// value; native byte order, no terminator.
Result<std::string> EncodeMetadata(const KeyValueMetadata& md) {
  std::string out;
  auto put_length = [&](size_t n) -> Status {
    if (n > static_cast<size_t>(INT32_MAX)) return Status::Invalid("metadata too large for the C data interface");
    const int32_t v = static_cast<int32_t>(n);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
    return Status::OK();
  };
  HANGAR_RETURN_NOT_OK(put_length(md.size()));
  for (const auto& [key, value] : md) {
    HANGAR_RETURN_NOT_OK(put_length(key.size()));
    out += key;
    HANGAR_RETURN_NOT_OK(put_length(value.size()));
    out += value;
  }
  return out;
}

Status ExportNode(const std::string& name, const DataType& type, int64_t flags, const KeyValueMetadata& metadata,
                  const std::vector<FieldPtr>& children, ArrowSchema* out);

Status ExportFieldNode(const Field& field, ArrowSchema* out) {
  if (!field.type()) return Status::Invalid("field '" + field.name() + "' has no type");
  const DataType& type = *field.type();
  const std::vector<FieldPtr> none;
  int64_t flags = field.nullable() ? ARROW_FLAG_NULLABLE : 0;
  Status st = ExportNode(field.name(), type, flags, field.metadata(),
                         type.id() == TypeId::kDictionary ? none : type.children(), out);
  return st.ok() ? st : st.WithContext("field '" + field.name() + "'");
}

Status ExportNode(const std::string& name, const DataType& type, int64_t flags, const KeyValueMetadata& metadata,
                  const std::vector<FieldPtr>& children, ArrowSchema* out) {
  auto priv = std::make_unique<ExportedSchema>();
  HANGAR_ASSIGN_OR_RETURN(priv->format, FormatString(type));
  priv->name = name;
  if (!metadata.empty()) {
    HANGAR_ASSIGN_OR_RETURN(priv->metadata, EncodeMetadata(metadata));
  }
  if (type.id() == TypeId::kDictionary) {
    if (!type.value_type()) return Status::Invalid("dictionary type without a value type");
    if (type.ordered()) flags |= ARROW_FLAG_DICTIONARY_ORDERED;
    priv->dictionary = std::make_unique<ArrowSchema>();
    *priv->dictionary = ArrowSchema{};
    const DataType& values = *type.value_type();
    const std::vector<FieldPtr> none;
    HANGAR_RETURN_NOT_OK(ExportNode("", values, ARROW_FLAG_NULLABLE, {},
                                    values.id() == TypeId::kDictionary ? none : values.children(),
                                    priv->dictionary.get()));
  }
  if (type.id() == TypeId::kMap && type.keys_sorted()) flags |= ARROW_FLAG_MAP_KEYS_SORTED;
  priv->children.assign(children.size(), ArrowSchema{});
  for (size_t i = 0; i < children.size(); ++i) {
    if (!children[i]) return Status::Invalid(type.ToString() + " has a missing child field");
    // On failure, priv's destructor releases the children exported so far.
    HANGAR_RETURN_NOT_OK(ExportFieldNode(*children[i], &priv->children[i]));
    priv->child_pointers.push_back(&priv->children[i]);
  }

  out->format = priv->format.c_str();
  out->name = priv->name.c_str();
  out->metadata = priv->metadata.empty() ? nullptr : priv->metadata.data();  // "absent" must be NULL
  out->flags = flags;
  out->n_children = static_cast<int64_t>(priv->children.size());
  out->children = priv->child_pointers.empty() ? nullptr : priv->child_pointers.data();
  out->dictionary = priv->dictionary.get();
  out->release = ReleaseExportedSchema;
  out->private_data = priv.release();
  return Status::OK();
}

}  // namespace

Status ExportField(const Field& field, ArrowSchema* out) {
  if (out == nullptr) return Status::Invalid("ExportField: null output ArrowSchema");
  return ExportFieldNode(field, out);
}

Status ExportType(const DataType& type, ArrowSchema* out) {
  if (out == nullptr) return Status::Invalid("ExportType: null output ArrowSchema");
  const std::vector<FieldPtr> none;
  return ExportNode("", type, ARROW_FLAG_NULLABLE, {}, type.id() == TypeId::kDictionary ? none : type.children(), out);
}

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  if (out == nullptr) return Status::Invalid("ExportSchema: null output ArrowSchema");
  return ExportNode("", *struct_(schema.fields()), /*flags=*/0, schema.metadata(), schema.fields(), out);
}

// --- Array export ------------------------------------------------------------------

namespace {

// private_data of an exported ArrowArray. `array` keeps every buffer this
// node points at alive; children and dictionary are exported nodes of their
// own, released here unless the consumer moved them away.
struct ExportedArray {
  ArrayPtr array;
  std::vector<const void*> buffers;
  std::vector<int64_t> variadic_sizes;  // view types: the extra buffer of data buffer sizes
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_pointers;
  std::unique_ptr<ArrowArray> dictionary;

  ExportedArray() = default;
  ExportedArray(const ExportedArray&) = delete;
  ExportedArray& operator=(const ExportedArray&) = delete;
  ~ExportedArray() {
    for (auto& child : children) {
      if (child.release != nullptr) child.release(&child);
    }
    if (dictionary && dictionary->release != nullptr) dictionary->release(dictionary.get());
  }
};

void ReleaseExportedArray(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  delete static_cast<ExportedArray*>(array->private_data);
  array->private_data = nullptr;
  array->release = nullptr;
}

// Fills `out` for an array already validated (shape and buffer sizes).
void ExportArrayNode(const ArrayPtr& array, ArrowArray* out) {
  const Array& a = *array;
  const DataType& t = *a.type;
  auto priv = std::make_unique<ExportedArray>();
  priv->array = array;

  // A zero-length array reads nothing, so it is exported at offset 0: a
  // consumer then never looks past the first offset of a missing buffer.
  const int64_t offset = a.length == 0 ? 0 : a.offset;
  priv->buffers.reserve(a.buffers.size() + 1);
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    const BufferPtr& b = a.buffers[i];
    const bool validity = i == 0 && t.has_validity_bitmap();
    // A missing validity bitmap means "no nulls" and may be NULL; any other
    // missing buffer has nothing to read (validation proved it), but some
    // consumers dereference it anyway, e.g. the first offset of an empty array.
    priv->buffers.push_back(b ? static_cast<const void*>(b->data()) : validity ? nullptr : kZeros);
  }
  if (t.is_view()) {
    for (size_t i = 2; i < a.buffers.size(); ++i)
      priv->variadic_sizes.push_back(a.buffers[i] ? a.buffers[i]->size() : 0);
    priv->buffers.push_back(priv->variadic_sizes.empty() ? static_cast<const void*>(kZeros)
                                                         : priv->variadic_sizes.data());
  }
  priv->children.assign(a.children.size(), ArrowArray{});
  for (size_t i = 0; i < a.children.size(); ++i) {
    ExportArrayNode(a.children[i], &priv->children[i]);
    priv->child_pointers.push_back(&priv->children[i]);
  }
  if (a.dictionary) {
    priv->dictionary = std::make_unique<ArrowArray>();
    ExportArrayNode(a.dictionary, priv->dictionary.get());
  }

  int64_t null_count = 0;
  if (t.id() == TypeId::kNull) {
    null_count = a.length;
  } else if (t.has_validity_bitmap()) {
    null_count = a.buffers[0] ? a.null_count() : 0;
  }  // unions and run-end encoded have no nulls of their own

  out->length = a.length;
  out->null_count = null_count;
  out->offset = offset;
  out->n_buffers = static_cast<int64_t>(priv->buffers.size());
  out->n_children = static_cast<int64_t>(priv->children.size());
  out->buffers = priv->buffers.empty() ? nullptr : priv->buffers.data();
  out->children = priv->child_pointers.empty() ? nullptr : priv->child_pointers.data();
  out->dictionary = priv->dictionary.get();
  out->release = ReleaseExportedArray;
  out->private_data = priv.release();
}

// Exports `array` (already validated) and, if wanted, its type through
// `export_schema`; `out` and `out_schema` are written only on success.
template <typename ExportSchemaFn>
Status ExportArrayAndSchema(const ArrayPtr& array, ArrowArray* out, ArrowSchema* out_schema,
                            ExportSchemaFn&& export_schema) {
  ArrowSchema schema{};
  if (out_schema != nullptr) HANGAR_RETURN_NOT_OK(export_schema(&schema));
  ExportArrayNode(array, out);
  if (out_schema != nullptr) *out_schema = schema;
  return Status::OK();
}

// Buffer sizes and shapes are checked before anything is exported (O(1) per
// node, not the O(n) value checks): a consumer trusts what it is given, so a
// malformed Array must fail here rather than in its hands.
constexpr ValidateOptions kExportChecks{/*full=*/false, /*check_dictionary_values=*/true};

}  // namespace

Status ExportArray(const ArrayPtr& array, ArrowArray* out, ArrowSchema* out_schema) {
  if (out == nullptr) return Status::Invalid("ExportArray: null output ArrowArray");
  if (!array || !array->type) return Status::Invalid("ExportArray: null array");
  Status valid = ValidateArray(*array, kExportChecks);
  if (!valid.ok()) return valid.WithContext("cannot export " + array->type->ToString() + " array");
  return ExportArrayAndSchema(array, out, out_schema, [&](ArrowSchema* s) { return ExportType(*array->type, s); });
}

Status ExportRecordBatch(const RecordBatch& batch, ArrowArray* out, ArrowSchema* out_schema) {
  if (out == nullptr) return Status::Invalid("ExportRecordBatch: null output ArrowArray");
  HANGAR_RETURN_NOT_OK(ValidateBatch(batch, kExportChecks));
  auto as_struct = MakeArray(struct_(batch.schema->fields()), batch.num_rows, {nullptr}, batch.columns,
                             /*null_count=*/0);
  return ExportArrayAndSchema(as_struct, out, out_schema,
                              [&](ArrowSchema* s) { return ExportSchema(*batch.schema, s); });
}

// --- Schema import -----------------------------------------------------------------

namespace {

// Releases a consumed ArrowSchema however the import ends.
class SchemaReleaser {
 public:
  explicit SchemaReleaser(ArrowSchema* schema) : schema_(schema) {}
  ~SchemaReleaser() {
    if (schema_ != nullptr && schema_->release != nullptr) schema_->release(schema_);
  }
  SchemaReleaser(const SchemaReleaser&) = delete;
  SchemaReleaser& operator=(const SchemaReleaser&) = delete;

 private:
  ArrowSchema* schema_;
};

// The metadata string carries no total length: the producer vouches for the
// bytes its counts describe. Counts and lengths are still checked for sign.
Result<KeyValueMetadata> DecodeMetadata(const char* p) {
  KeyValueMetadata md;
  if (p == nullptr) return md;
  auto read_length = [&](const char* what) -> Result<int32_t> {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    if (v < 0) return Status::Invalid(std::string("C data metadata has a negative ") + what);
    return v;
  };
  HANGAR_ASSIGN_OR_RETURN(int32_t n, read_length("entry count"));
  md.reserve(static_cast<size_t>(std::min(n, 1024)));
  for (int32_t i = 0; i < n; ++i) {
    HANGAR_ASSIGN_OR_RETURN(int32_t key_len, read_length("key length"));
    std::string key(p, static_cast<size_t>(key_len));
    p += key_len;
    HANGAR_ASSIGN_OR_RETURN(int32_t value_len, read_length("value length"));
    std::string value(p, static_cast<size_t>(value_len));
    p += value_len;
    md.emplace_back(std::move(key), std::move(value));
  }
  return md;
}

Result<FieldPtr> ImportFieldNode(const ArrowSchema* s, int depth);

Result<FieldPtr> ImportFieldNodeImpl(const ArrowSchema* s, int depth) {
  if (s->release == nullptr) return Status::Invalid("released ArrowSchema");
  if (s->format == nullptr) return Status::Invalid("ArrowSchema without a format string");
  if (s->n_children < 0) return Status::Invalid("ArrowSchema with a negative child count");
  if (s->n_children > 0 && s->children == nullptr)
    return Status::Invalid("ArrowSchema with " + std::to_string(s->n_children) + " children but no children array");
  std::vector<FieldPtr> children;
  children.reserve(static_cast<size_t>(std::min<int64_t>(s->n_children, 1024)));
  for (int64_t i = 0; i < s->n_children; ++i) {
    auto child = ImportFieldNode(s->children[i], depth + 1);
    if (!child.ok()) return child.status().WithContext("child " + std::to_string(i));
    children.push_back(std::move(child).value());
  }
  HANGAR_ASSIGN_OR_RETURN(TypePtr type, TypeFromFormat(s->format, std::move(children), s->flags));
  if (s->dictionary != nullptr) {
    if (!type->is_integer())
      return Status::Invalid("C data dictionary with non-integer index format '" + std::string(s->format) + "'");
    auto values = ImportFieldNode(s->dictionary, depth + 1);
    if (!values.ok()) return values.status().WithContext("dictionary");
    type = dictionary(type, (*values)->type(), (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
  }
  HANGAR_ASSIGN_OR_RETURN(auto md, DecodeMetadata(s->metadata));
  return field(s->name != nullptr ? s->name : "", std::move(type), (s->flags & ARROW_FLAG_NULLABLE) != 0,
               std::move(md));
}

Result<FieldPtr> ImportFieldNode(const ArrowSchema* s, int depth) {
  if (s == nullptr) return Status::Invalid("null ArrowSchema pointer");
  if (depth > kMaxDepth) return Status::Invalid("ArrowSchema nested deeper than " + std::to_string(kMaxDepth));
  auto f = ImportFieldNodeImpl(s, depth);
  // A released struct's members may point to freed memory: name only live ones.
  if (!f.ok() && s->release != nullptr && s->name != nullptr && s->name[0] != '\0')
    return f.status().WithContext("field '" + std::string(s->name) + "'");
  return f;
}

}  // namespace

Result<FieldPtr> ImportField(ArrowSchema* schema) {
  if (schema == nullptr) return Status::Invalid("ImportField: null ArrowSchema");
  if (schema->release == nullptr) return Status::Invalid("ImportField: the ArrowSchema was already released");
  SchemaReleaser releaser(schema);
  return ImportFieldNode(schema, 0);
}

Result<TypePtr> ImportType(ArrowSchema* schema) {
  HANGAR_ASSIGN_OR_RETURN(auto f, ImportField(schema));
  return f->type();
}

Result<SchemaPtr> ImportSchema(ArrowSchema* schema) {
  HANGAR_ASSIGN_OR_RETURN(auto f, ImportField(schema));
  if (f->type()->id() != TypeId::kStruct)
    return Status::Invalid("a C data schema must be a struct (\"+s\"), got " + f->type()->ToString());
  return arrow::schema(f->type()->children(), f->metadata());
}

// --- Array import ------------------------------------------------------------------

namespace {

// The moved producer struct. Every imported Buffer shares ownership of this
// holder, so the producer's release runs exactly once: when the last Buffer
// (or the failed import) lets go of it.
class ImportedArrayOwner {
 public:
  explicit ImportedArrayOwner(ArrowArray* array) : array_(*array) { array->release = nullptr; }
  ~ImportedArrayOwner() {
    if (array_.release != nullptr) array_.release(&array_);
  }
  ImportedArrayOwner(const ImportedArrayOwner&) = delete;
  ImportedArrayOwner& operator=(const ImportedArrayOwner&) = delete;
  const ArrowArray& array() const { return array_; }

 private:
  ArrowArray array_;
};

// Required alignment of a fixed-width values buffer: that of its element
// (at most 8), so that typed reads through values<T>() are aligned.
int64_t ValueAlignment(const DataType& t) {
  if (t.id() == TypeId::kFixedSizeBinary || t.id() == TypeId::kBool) return 1;
  const int bytes = t.bit_width() / 8;
  return bytes >= 8 ? 8 : bytes >= 1 ? bytes : 1;
}

class ArrayImporter {
 public:
  explicit ArrayImporter(std::shared_ptr<const ImportedArrayOwner> owner) : owner_(std::move(owner)) {}

  Result<ArrayPtr> Import(const ArrowArray* c, const TypePtr& type, int depth) {
    if (c == nullptr) return Status::Invalid("null ArrowArray pointer");
    if (depth > kMaxDepth) return Status::Invalid("ArrowArray nested deeper than " + std::to_string(kMaxDepth));
    return ImportNode(*c, type, depth);
  }

 private:
  Result<ArrayPtr> ImportNode(const ArrowArray& c, const TypePtr& type, int depth) {
    const DataType& t = *type;
    // Only an error needs the type spelled out: the import path stays cheap.
    auto what = [&t] { return t.ToString() + " array"; };
    if (c.release == nullptr) return Status::Invalid(what() + " was released");
    if (c.length < 0 || c.offset < 0)
      return Status::Invalid(what() + " has negative length (" + std::to_string(c.length) + ") or offset (" +
                             std::to_string(c.offset) + ")");
    if (c.null_count < -1 || c.null_count > c.length)
      return Status::Invalid(what() + " has null_count " + std::to_string(c.null_count) + " for length " +
                             std::to_string(c.length));

    // Buffer and child counts are functions of the type.
    const int64_t fixed = t.num_fixed_buffers();
    if (t.is_view() ? c.n_buffers < fixed + 1 : c.n_buffers != fixed)
      return Status::Invalid(what() + " has " + std::to_string(c.n_buffers) + " buffers, expected " +
                             (t.is_view() ? "at least " + std::to_string(fixed + 1) : std::to_string(fixed)));
    if (c.n_buffers > 0 && c.buffers == nullptr) return Status::Invalid(what() + " has no buffers array");
    const bool is_dict = t.id() == TypeId::kDictionary;
    const int64_t n_children = is_dict ? 0 : t.num_children();
    if (c.n_children != n_children)
      return Status::Invalid(what() + " has " + std::to_string(c.n_children) + " children, expected " +
                             std::to_string(n_children));
    if (c.n_children > 0 && c.children == nullptr) return Status::Invalid(what() + " has no children array");
    if (is_dict && c.dictionary == nullptr) return Status::Invalid(what() + " has no dictionary");
    if (!is_dict && c.dictionary != nullptr) return Status::Invalid(what() + " has a dictionary but is not one");

    auto a = std::make_shared<Array>();
    a->type = type;
    a->length = c.length;
    a->offset = c.offset;
    int64_t end;
    if (AddOverflows(a->offset, a->length, &end)) return Status::Invalid(what() + ": offset + length overflows");

    if (c.length == 0) {
      // An empty array reads none of its buffers, and the producer may have
      // left any of them out: it gets zeroed ones of its own, at offset 0.
      a->offset = 0;
      EmptyBuffers(*a);
    } else if (t.has_validity_bitmap()) {
      if (c.buffers[0] == nullptr) {
        if (c.null_count > 0)
          return Status::Invalid(what() + " has null_count " + std::to_string(c.null_count) +
                                 " but no validity bitmap");
        a->buffers.push_back(nullptr);
        a->null_count_hint = 0;
      } else {
        HANGAR_ASSIGN_OR_RETURN(auto validity, Wrap(c, 0, bit::BytesFor(end), 1, t));
        a->buffers.push_back(std::move(validity));
        a->null_count_hint = c.null_count;
      }
    } else {
      a->null_count_hint = t.id() == TypeId::kNull ? a->length : 0;
    }

    if (c.length > 0) HANGAR_RETURN_NOT_OK(ImportBuffers(c, *a, end));

    for (int64_t i = 0; i < n_children; ++i) {
      const FieldPtr& f = t.child(static_cast<size_t>(i));
      auto child = Import(c.children[i], f->type(), depth + 1);
      if (!child.ok()) return child.status().WithContext("child '" + f->name() + "'");
      a->children.push_back(std::move(child).value());
    }
    if (is_dict) {
      auto values = Import(c.dictionary, t.value_type(), depth + 1);
      if (!values.ok()) return values.status().WithContext("dictionary");
      a->dictionary = std::move(values).value();
    }
    return ArrayPtr(std::move(a));
  }

  // The buffers after the validity bitmap of a non-empty array, sized from
  // its type, offset and length (and the producer's last offset for strings).
  Status ImportBuffers(const ArrowArray& c, Array& a, int64_t end) {
    const DataType& t = *a.type;
    auto what = [&t] { return t.ToString() + " array"; };
    switch (t.id()) {
      case TypeId::kNull:
      case TypeId::kStruct:
      case TypeId::kFixedSizeList:
      case TypeId::kRunEndEncoded: break;
      case TypeId::kUtf8:
      case TypeId::kBinary:
      case TypeId::kList:
      case TypeId::kMap: HANGAR_RETURN_NOT_OK(ImportOffsets(c, a, end, 4, t)); break;
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary:
      case TypeId::kLargeList: HANGAR_RETURN_NOT_OK(ImportOffsets(c, a, end, 8, t)); break;
      case TypeId::kListView:
      case TypeId::kLargeListView: {
        const int64_t width = t.id() == TypeId::kListView ? 4 : 8;
        int64_t bytes;
        if (MulOverflows(end, width, &bytes)) return Status::Invalid(what() + ": size overflows");
        for (int i = 1; i <= 2; ++i) {
          HANGAR_ASSIGN_OR_RETURN(auto b, Wrap(c, i, bytes, width, t));
          a.buffers.push_back(std::move(b));
        }
        break;
      }
      case TypeId::kUtf8View:
      case TypeId::kBinaryView: HANGAR_RETURN_NOT_OK(ImportViews(c, a, end, t)); break;
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: {
        HANGAR_ASSIGN_OR_RETURN(auto ids, Wrap(c, 0, end, 1, t));
        a.buffers.push_back(std::move(ids));
        if (t.id() == TypeId::kDenseUnion) {
          int64_t bytes;
          if (MulOverflows(end, 4, &bytes)) return Status::Invalid(what() + ": size overflows");
          HANGAR_ASSIGN_OR_RETURN(auto offsets, Wrap(c, 1, bytes, 4, t));
          a.buffers.push_back(std::move(offsets));
        }
        break;
      }
      case TypeId::kDictionary: {
        const DataType& index = *t.index_type();
        int64_t bits;
        if (MulOverflows(end, index.bit_width(), &bits)) return Status::Invalid(what() + ": size overflows");
        HANGAR_ASSIGN_OR_RETURN(auto indices, Wrap(c, 1, bit::BytesFor(bits), ValueAlignment(index), t));
        a.buffers.push_back(std::move(indices));
        break;
      }
      default: {  // fixed width: bool, numbers, temporals, decimals, fixed_size_binary
        int64_t bits;
        if (MulOverflows(end, t.bit_width(), &bits)) return Status::Invalid(what() + ": size overflows");
        HANGAR_ASSIGN_OR_RETURN(auto values, Wrap(c, 1, bit::BytesFor(bits), ValueAlignment(t), t));
        a.buffers.push_back(std::move(values));
        break;
      }
    }
    return Status::OK();
  }

  // Offsets (length + 1 entries of `width` bytes) and, for binary types, the
  // data buffer, whose size is the last offset.
  Status ImportOffsets(const ArrowArray& c, Array& a, int64_t end, int64_t width, const DataType& t) {
    auto what = [&t] { return t.ToString() + " array"; };
    const bool has_data = a.type->is_binary_like();
    int64_t bytes;
    if (AddOverflows(end, 1, &bytes) || MulOverflows(bytes, width, &bytes))
      return Status::Invalid(what() + ": offsets size overflows");
    HANGAR_ASSIGN_OR_RETURN(auto offsets, Wrap(c, 1, bytes, width, t));
    a.buffers.push_back(offsets);
    if (!has_data) return Status::OK();
    const int64_t last =
        width == 4 ? LoadValue<int32_t>(offsets->data(), end) : LoadValue<int64_t>(offsets->data(), end);
    if (last < 0) return Status::Invalid(what() + " has a negative last offset " + std::to_string(last));
    HANGAR_ASSIGN_OR_RETURN(auto data, Wrap(c, 2, last, 1, t));
    a.buffers.push_back(std::move(data));
    return Status::OK();
  }

  // The buffers of an empty array of a.type: no validity bitmap, a single
  // zero offset where the layout has offsets, nothing else.
  static void EmptyBuffers(Array& a) {
    const DataType& t = *a.type;
    a.null_count_hint = 0;
    if (t.has_validity_bitmap()) a.buffers.push_back(nullptr);
    switch (t.id()) {
      case TypeId::kNull:
      case TypeId::kStruct:
      case TypeId::kFixedSizeList:
      case TypeId::kRunEndEncoded: break;
      case TypeId::kUtf8:
      case TypeId::kBinary:
        a.buffers.push_back(ZeroBuffer(4));
        a.buffers.push_back(ZeroBuffer(0));
        break;
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary:
        a.buffers.push_back(ZeroBuffer(8));
        a.buffers.push_back(ZeroBuffer(0));
        break;
      case TypeId::kList:
      case TypeId::kMap: a.buffers.push_back(ZeroBuffer(4)); break;
      case TypeId::kLargeList: a.buffers.push_back(ZeroBuffer(8)); break;
      case TypeId::kListView:
      case TypeId::kLargeListView:
      case TypeId::kDenseUnion:
        a.buffers.push_back(ZeroBuffer(0));
        a.buffers.push_back(ZeroBuffer(0));
        break;
      default:  // values, views (no data buffers), indices, type ids
        a.buffers.push_back(ZeroBuffer(0));
        break;
    }
  }

  // [validity, views, data_0 .. data_n-1, sizes]: the trailing buffer holds
  // the int64 size of each data buffer, which nothing else records.
  Status ImportViews(const ArrowArray& c, Array& a, int64_t end, const DataType& t) {
    auto what = [&t] { return t.ToString() + " array"; };
    int64_t bytes;
    if (MulOverflows(end, 16, &bytes)) return Status::Invalid(what() + ": views size overflows");
    HANGAR_ASSIGN_OR_RETURN(auto views, Wrap(c, 1, bytes, 8, t));
    a.buffers.push_back(std::move(views));
    const int64_t n_data = c.n_buffers - 3;
    const auto* sizes = static_cast<const uint8_t*>(c.buffers[c.n_buffers - 1]);
    if (n_data > 0 && sizes == nullptr)
      return Status::Invalid(what() + " has " + std::to_string(n_data) + " data buffers but no buffer of their sizes");
    for (int64_t i = 0; i < n_data; ++i) {
      const int64_t size = LoadValue<int64_t>(sizes, i);
      if (size < 0) return Status::Invalid(what() + " data buffer " + std::to_string(i) + " has negative size");
      HANGAR_ASSIGN_OR_RETURN(auto data, Wrap(c, static_cast<int>(2 + i), size, 1, t));
      a.buffers.push_back(std::move(data));
    }
    return Status::OK();
  }

  // Buffer i of `c`, `size` bytes. Zero-copy: the Buffer shares ownership of
  // the producer's struct. Only a pointer misaligned for the element type is
  // copied, because Hangar reads typed values in place.
  Result<BufferPtr> Wrap(const ArrowArray& c, int i, int64_t size, int64_t alignment, const DataType& t) {
    auto what = [&t] { return t.ToString() + " array"; };
    const void* p = c.buffers[i];
    if (p == nullptr) {
      if (size > 0)
        return Status::Invalid(what() + " buffer " + std::to_string(i) + " is null but must hold " +
                               std::to_string(size) + " bytes");
      return ZeroBuffer(0);
    }
    BufferPtr b = std::make_shared<const Buffer>(static_cast<const uint8_t*>(p), size, owner_);
    if (reinterpret_cast<uintptr_t>(p) % static_cast<uintptr_t>(alignment) != 0) return Buffer::CopyOf(b->view());
    return b;
  }

  std::shared_ptr<const ImportedArrayOwner> owner_;
};

// Imports and validates; `array` is moved from (or was released) on return.
Result<ArrayPtr> ImportArrayImpl(ArrowArray* array, const TypePtr& type, const ImportOptions& options) {
  if (array == nullptr) return Status::Invalid("ImportArray: null ArrowArray");
  if (array->release == nullptr) return Status::Invalid("ImportArray: the ArrowArray was already released");
  // From here on the struct is ours; the holder releases it however this ends.
  auto owner = std::make_shared<const ImportedArrayOwner>(array);
  if (!type) return Status::Invalid("ImportArray: null type");
  const ArrowArray* root = &owner->array();
  ArrayImporter importer(std::move(owner));
  HANGAR_ASSIGN_OR_RETURN(auto result, importer.Import(root, type, 0));
  Status st = ValidateArray(*result, ValidateOptions{options.full_validation, /*check_dictionary_values=*/true});
  if (!st.ok()) return st.WithContext("invalid C data array");
  return result;
}

}  // namespace

Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type, const ImportOptions& options) {
  return ImportArrayImpl(array, type, options);
}

Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema, const ImportOptions& options) {
  auto type = ImportType(schema);
  if (!type.ok()) {
    if (array != nullptr && array->release != nullptr) array->release(array);
    return type.status();
  }
  return ImportArrayImpl(array, *type, options);
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema, const ImportOptions& options) {
  if (!schema) {
    if (array != nullptr && array->release != nullptr) array->release(array);
    return Status::Invalid("ImportRecordBatch: null schema");
  }
  HANGAR_ASSIGN_OR_RETURN(auto as_struct, ImportArrayImpl(array, struct_(schema->fields()), options));
  if (as_struct->null_count() != 0)
    return Status::Invalid("a C data record batch must be a struct array without nulls, this one has " +
                           std::to_string(as_struct->null_count()));
  // The struct's offset applies to its children (their own offsets add to it).
  std::vector<ArrayPtr> columns;
  columns.reserve(as_struct->children.size());
  for (const auto& child : as_struct->children) {
    columns.push_back(as_struct->offset == 0 && child->length == as_struct->length
                          ? child
                          : child->Slice(as_struct->offset, as_struct->length));
  }
  return MakeRecordBatch(schema, as_struct->length, std::move(columns));
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, ArrowSchema* schema, const ImportOptions& options) {
  auto imported = ImportSchema(schema);
  if (!imported.ok()) {
    if (array != nullptr && array->release != nullptr) array->release(array);
    return imported.status();
  }
  return ImportRecordBatch(array, *imported, options);
}

// --- Stream export -----------------------------------------------------------------

namespace {

// private_data of an exported ArrowArrayStream.
struct ExportedStream {
  std::unique_ptr<RecordBatchSource> source;
  std::string last_error;
  int error_code = 0;  // sticky once set by get_next
  int64_t batches = 0;
};

ExportedStream& StreamState(ArrowArrayStream* stream) { return *static_cast<ExportedStream*>(stream->private_data); }

int Fail(ExportedStream& s, int code, const Status& st) {
  s.last_error = st.ToString();
  return code;
}

// The callbacks are called from C (or from another library's C++): nothing
// may propagate out of them, so allocation failure becomes ENOMEM.
int StreamGetSchema(ArrowArrayStream* stream, ArrowSchema* out) {
  ExportedStream& s = StreamState(stream);
  try {
    if (out == nullptr) return Fail(s, EINVAL, Status::Invalid("get_schema: null output ArrowSchema"));
    const SchemaPtr& schema = s.source->schema();
    if (!schema) return Fail(s, EINVAL, Status::Invalid("the stream's source has no schema"));
    Status st = ExportSchema(*schema, out);
    return st.ok() ? 0 : Fail(s, EINVAL, st);
  } catch (const std::bad_alloc&) {
    return Fail(s, ENOMEM, Status::ResourceExhausted("out of memory exporting the stream's schema"));
  } catch (...) {
    return Fail(s, EIO, Status::Internal("unexpected exception exporting the stream's schema"));
  }
}

int StreamGetNextImpl(ExportedStream& s, ArrowArray* out) {
  if (out == nullptr) return Fail(s, EINVAL, Status::Invalid("get_next: null output ArrowArray"));
  if (s.error_code != 0) return s.error_code;
  auto next = s.source->Next();
  if (!next.ok()) {
    s.error_code = EIO;
    return Fail(s, EIO, next.status());
  }
  const RecordBatchPtr& batch = *next;
  if (batch == nullptr) {  // the end: a released array
    *out = ArrowArray{};
    return 0;
  }
  // The consumer reads every batch with the stream's schema: a batch of
  // another shape would be misread, so it is an error here.
  const Schema& expected = *s.source->schema();
  if (!batch->schema || batch->schema->num_fields() != expected.num_fields() ||
      batch->num_columns() != expected.num_fields()) {
    s.error_code = EINVAL;
    return Fail(s, EINVAL,
                Status::Invalid("batch " + std::to_string(s.batches) + " does not have the stream's " +
                                std::to_string(expected.num_fields()) + " columns"));
  }
  for (int i = 0; i < batch->num_columns(); ++i) {
    const auto& column = batch->column(i);
    if (!column || !column->type || !column->type->Equals(*expected.field(i)->type(), /*check_metadata=*/false)) {
      s.error_code = EINVAL;
      return Fail(s, EINVAL,
                  Status::Invalid("batch " + std::to_string(s.batches) + " column " + std::to_string(i) + " '" +
                                  expected.field(i)->name() + "' has type " +
                                  (column && column->type ? column->type->ToString() : "(none)") +
                                  ", the stream's schema says " + expected.field(i)->type()->ToString()));
    }
  }
  Status st = ExportRecordBatch(*batch, out);
  if (!st.ok()) {
    s.error_code = EINVAL;
    return Fail(s, EINVAL, st.WithContext("batch " + std::to_string(s.batches)));
  }
  ++s.batches;
  return 0;
}

int StreamGetNext(ArrowArrayStream* stream, ArrowArray* out) {
  ExportedStream& s = StreamState(stream);
  try {
    return StreamGetNextImpl(s, out);
  } catch (const std::bad_alloc&) {
    s.error_code = ENOMEM;
    return Fail(s, ENOMEM, Status::ResourceExhausted("out of memory producing the next batch"));
  } catch (...) {
    s.error_code = EIO;
    return Fail(s, EIO, Status::Internal("unexpected exception producing the next batch"));
  }
}

const char* StreamGetLastError(ArrowArrayStream* stream) {
  const ExportedStream& s = StreamState(stream);
  return s.last_error.empty() ? nullptr : s.last_error.c_str();
}

void StreamRelease(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  delete static_cast<ExportedStream*>(stream->private_data);
  stream->private_data = nullptr;
  stream->release = nullptr;
}

}  // namespace

Status ExportRecordBatchStream(std::unique_ptr<RecordBatchSource> source, ArrowArrayStream* out) {
  if (out == nullptr) return Status::Invalid("ExportRecordBatchStream: null output ArrowArrayStream");
  if (!source) return Status::Invalid("ExportRecordBatchStream: null source");
  if (!source->schema()) return Status::Invalid("ExportRecordBatchStream: the source has no schema");
  auto priv = std::make_unique<ExportedStream>();
  priv->source = std::move(source);
  out->get_schema = StreamGetSchema;
  out->get_next = StreamGetNext;
  out->get_last_error = StreamGetLastError;
  out->release = StreamRelease;
  out->private_data = priv.release();
  return Status::OK();
}

// --- Stream import -----------------------------------------------------------------

Result<std::unique_ptr<ImportedStream>> ImportedStream::Open(ArrowArrayStream* stream, const ImportOptions& options) {
  if (stream == nullptr) return Status::Invalid("ImportedStream: null ArrowArrayStream");
  if (stream->release == nullptr) return Status::Invalid("ImportedStream: the ArrowArrayStream was already released");
  std::unique_ptr<ImportedStream> out(new ImportedStream(options));
  out->stream_ = *stream;  // moved: the destructor releases it from now on
  stream->release = nullptr;
  if (out->stream_.get_schema == nullptr || out->stream_.get_next == nullptr || out->stream_.get_last_error == nullptr)
    return Status::Invalid("ImportedStream: the ArrowArrayStream lacks a callback");
  ArrowSchema schema{};
  const int rc = out->stream_.get_schema(&out->stream_, &schema);
  if (rc != 0) {
    if (schema.release != nullptr) schema.release(&schema);
    return out->ProducerError("get_schema", rc);
  }
  if (schema.release == nullptr) return Status::Invalid("C stream producer returned a released schema");
  auto imported = ImportSchema(&schema);
  if (!imported.ok()) return imported.status().WithContext("C stream schema");
  out->schema_ = std::move(imported).value();
  return out;
}

ImportedStream::~ImportedStream() {
  if (stream_.release != nullptr) stream_.release(&stream_);
}

Status ImportedStream::ProducerError(const char* what, int rc) {
  // get_last_error's text lives only until the next call: copy it now.
  const char* text = stream_.get_last_error(&stream_);
  std::string message = "C stream producer failed in " + std::string(what) + " (" + std::system_category().message(rc) +
                        ", code " + std::to_string(rc) + ")";
  if (text != nullptr && text[0] != '\0') message += ": " + std::string(text);
  return Status::IOError(std::move(message));
}

Result<RecordBatchPtr> ImportedStream::Next() {
  if (!failed_.ok()) return failed_;
  if (done_) return RecordBatchPtr();
  ArrowArray array{};
  const int rc = stream_.get_next(&stream_, &array);
  if (rc != 0) {
    if (array.release != nullptr) array.release(&array);
    failed_ = ProducerError("get_next", rc);
    return failed_;
  }
  if (array.release == nullptr) {
    done_ = true;
    return RecordBatchPtr();
  }
  auto batch = ImportRecordBatch(&array, schema_, options_);
  if (!batch.ok()) {
    failed_ = batch.status().WithContext("C stream batch");
    return failed_;
  }
  return batch;
}

}  // namespace hangar::arrow
