#include "arrow/c_data.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "arrow/validate.h"

namespace hangar::arrow {

// --- format strings ---------------------------------------------------------

namespace {

const char* UnitChar(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return "s";
    case TimeUnit::kMilli: return "m";
    case TimeUnit::kMicro: return "u";
    default: return "n";
  }
}

std::string CodesList(const DataType& t) {
  std::string out;
  for (size_t i = 0; i < t.type_codes().size(); ++i) {
    if (i) out += ",";
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
    case TypeId::kUtf8: return std::string("u");
    case TypeId::kLargeUtf8: return std::string("U");
    case TypeId::kBinaryView: return std::string("vz");
    case TypeId::kUtf8View: return std::string("vu");
    case TypeId::kFixedSizeBinary: return "w:" + std::to_string(t.byte_width());
    case TypeId::kDecimal128: return "d:" + std::to_string(t.precision()) + "," + std::to_string(t.scale());
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal256:
      return "d:" + std::to_string(t.precision()) + "," + std::to_string(t.scale()) + "," +
             std::to_string(t.bit_width());
    case TypeId::kDate32: return std::string("tdD");
    case TypeId::kDate64: return std::string("tdm");
    case TypeId::kTime32: case TypeId::kTime64: return std::string("tt") + UnitChar(t.unit());
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
    case TypeId::kDenseUnion: return "+ud:" + CodesList(t);
    case TypeId::kSparseUnion: return "+us:" + CodesList(t);
    case TypeId::kRunEndEncoded: return std::string("+r");
    case TypeId::kDictionary: return FormatString(*t.index_type());
  }
  return Status::Unimplemented("no C data format for " + t.ToString());
}

// --- schema export ----------------------------------------------------------------

namespace {

struct SchemaPrivate {
  std::string format;
  std::string name;
  std::string metadata;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
  std::unique_ptr<ArrowSchema> dictionary;
};

void ReleaseSchema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  auto* priv = static_cast<SchemaPrivate*>(schema->private_data);
  for (auto& child : priv->children) {
    if (child.release) child.release(&child);
  }
  if (priv->dictionary && priv->dictionary->release) priv->dictionary->release(priv->dictionary.get());
  delete priv;
  schema->release = nullptr;
}

std::string EncodeMetadata(const KeyValueMetadata& md) {
  if (md.empty()) return "";
  std::string out;
  auto put_int = [&](int32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put_int(static_cast<int32_t>(md.size()));
  for (const auto& [k, v] : md) {
    put_int(static_cast<int32_t>(k.size()));
    out += k;
    put_int(static_cast<int32_t>(v.size()));
    out += v;
  }
  return out;
}

Status ExportSchemaNode(const std::string& name, const DataType& type, bool nullable, const KeyValueMetadata& md,
                        const std::vector<FieldPtr>* override_children, ArrowSchema* out) {
  auto priv = std::make_unique<SchemaPrivate>();
  HANGAR_ASSIGN_OR_RETURN(priv->format, FormatString(type));
  priv->name = name;
  priv->metadata = EncodeMetadata(md);
  int64_t flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  const DataType* value_type = &type;
  if (type.id() == TypeId::kDictionary) {
    if (type.ordered()) flags |= ARROW_FLAG_DICTIONARY_ORDERED;
    priv->dictionary = std::make_unique<ArrowSchema>();
    value_type = type.value_type().get();
    HANGAR_RETURN_NOT_OK(ExportSchemaNode("", *value_type, true, {}, nullptr, priv->dictionary.get()));
  }
  if (type.id() == TypeId::kMap && type.keys_sorted()) flags |= ARROW_FLAG_MAP_KEYS_SORTED;
  const auto& children = override_children ? *override_children
                         : type.id() == TypeId::kDictionary ? std::vector<FieldPtr>{} : type.children();
  priv->children.resize(children.size());
  for (size_t i = 0; i < children.size(); ++i) {
    Status st = ExportField(*children[i], &priv->children[i]);
    if (!st.ok()) {
      for (size_t j = 0; j < i; ++j) priv->children[j].release(&priv->children[j]);
      if (priv->dictionary) priv->dictionary->release(priv->dictionary.get());
      return st;
    }
    priv->child_pointers.push_back(&priv->children[i]);
  }
  out->format = priv->format.c_str();
  out->name = priv->name.c_str();
  out->metadata = priv->metadata.empty() ? nullptr : priv->metadata.data();
  out->flags = flags;
  out->n_children = static_cast<int64_t>(children.size());
  out->children = priv->child_pointers.empty() ? nullptr : priv->child_pointers.data();
  out->dictionary = priv->dictionary.get();
  out->release = ReleaseSchema;
  out->private_data = priv.release();
  return Status::OK();
}

}  // namespace

Status ExportField(const Field& field, ArrowSchema* out) {
  return ExportSchemaNode(field.name(), *field.type(), field.nullable(), field.metadata(), nullptr, out);
}

Status ExportType(const DataType& type, ArrowSchema* out) { return ExportSchemaNode("", type, true, {}, nullptr, out); }

Status ExportSchema(const Schema& schema, ArrowSchema* out) {
  auto type = struct_(schema.fields());
  return ExportSchemaNode("", *type, false, schema.metadata(), &schema.fields(), out);
}

// --- array export -------------------------------------------------------------------

namespace {

struct ArrayPrivate {
  ArrayPtr array;                      // keeps every buffer alive
  std::vector<const void*> buffers;
  BufferPtr variadic_sizes;            // view types: int64 sizes of the data buffers
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_pointers;
  std::unique_ptr<ArrowArray> dictionary;
};

void ReleaseArray(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* priv = static_cast<ArrayPrivate*>(array->private_data);
  for (auto& child : priv->children) {
    if (child.release) child.release(&child);
  }
  if (priv->dictionary && priv->dictionary->release) priv->dictionary->release(priv->dictionary.get());
  delete priv;
  array->release = nullptr;
}

void ExportArrayNode(const ArrayPtr& array, ArrowArray* out) {
  auto priv = std::make_unique<ArrayPrivate>();
  priv->array = array;
  for (const auto& b : array->buffers) priv->buffers.push_back(b ? b->data() : nullptr);
  if (array->type->is_view()) {
    uint8_t* sizes = nullptr;
    const int64_t n = static_cast<int64_t>(array->buffers.size()) - 2;
    priv->variadic_sizes = AllocateBuffer(8 * n, &sizes);
    for (int64_t i = 0; i < n; ++i) {
      int64_t size = array->buffers[2 + i] ? array->buffers[2 + i]->size() : 0;
      std::memcpy(sizes + 8 * i, &size, 8);
    }
    priv->buffers.push_back(sizes);
  }
  priv->children.resize(array->children.size());
  for (size_t i = 0; i < array->children.size(); ++i) {
    ExportArrayNode(array->children[i], &priv->children[i]);
    priv->child_pointers.push_back(&priv->children[i]);
  }
  if (array->dictionary) {
    priv->dictionary = std::make_unique<ArrowArray>();
    ExportArrayNode(array->dictionary, priv->dictionary.get());
  }
  out->length = array->length;
  out->null_count = array->type->has_validity_bitmap() || array->type->id() == TypeId::kNull ? array->null_count() : 0;
  out->offset = array->offset;
  out->n_buffers = static_cast<int64_t>(priv->buffers.size());
  out->n_children = static_cast<int64_t>(priv->children.size());
  out->buffers = priv->buffers.empty() ? nullptr : priv->buffers.data();
  out->children = priv->child_pointers.empty() ? nullptr : priv->child_pointers.data();
  out->dictionary = priv->dictionary.get();
  out->release = ReleaseArray;
  out->private_data = priv.release();
}

}  // namespace

Status ExportArray(const ArrayPtr& array, ArrowArray* out, ArrowSchema* out_schema) {
  if (out_schema) HANGAR_RETURN_NOT_OK(ExportType(*array->type, out_schema));
  ExportArrayNode(array, out);
  return Status::OK();
}

Status ExportRecordBatch(const RecordBatchPtr& batch, ArrowArray* out, ArrowSchema* out_schema) {
  if (out_schema) HANGAR_RETURN_NOT_OK(ExportSchema(*batch->schema, out_schema));
  auto as_struct = MakeArray(struct_(batch->schema->fields()), batch->num_rows, {nullptr}, batch->columns, 0);
  ExportArrayNode(as_struct, out);
  return Status::OK();
}

// --- schema import ---------------------------------------------------------------------

namespace {

// Releases a consumed ArrowSchema however the import ends.
struct SchemaGuard {
  ArrowSchema* schema;
  ~SchemaGuard() {
    if (schema && schema->release) schema->release(schema);
  }
};

Result<KeyValueMetadata> DecodeMetadata(const char* p) {
  KeyValueMetadata md;
  if (p == nullptr) return md;
  auto get_int = [&]() {
    int32_t v;
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
  };
  int32_t n = get_int();
  if (n < 0) return Status::Invalid("C data schema metadata has a negative entry count");
  for (int32_t i = 0; i < n; ++i) {
    int32_t klen = get_int();
    if (klen < 0) return Status::Invalid("C data schema metadata has a negative key length");
    std::string key(p, static_cast<size_t>(klen));
    p += klen;
    int32_t vlen = get_int();
    if (vlen < 0) return Status::Invalid("C data schema metadata has a negative value length");
    std::string value(p, static_cast<size_t>(vlen));
    p += vlen;
    md.emplace_back(std::move(key), std::move(value));
  }
  return md;
}

Result<TimeUnit> UnitFromChar(char c, const std::string& format) {
  switch (c) {
    case 's': return TimeUnit::kSecond;
    case 'm': return TimeUnit::kMilli;
    case 'u': return TimeUnit::kMicro;
    case 'n': return TimeUnit::kNano;
    default: return Status::Invalid("unknown time unit in C data format '" + format + "'");
  }
}

// Parses a whole decimal integer; `fallback` when `s` is not one.
int ParseInt(std::string_view s, int fallback) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return (ec == std::errc() && ptr == s.data() + s.size()) ? v : fallback;
}

Result<std::vector<int8_t>> ParseCodes(const std::string& list, const std::string& format) {
  std::vector<int8_t> codes;
  size_t pos = 0;
  while (pos <= list.size() && !list.empty()) {
    size_t comma = list.find(',', pos);
    int v = ParseInt(std::string_view(list).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos), -1);
    if (v < 0 || v > 127) return Status::Invalid("bad union type code in C data format '" + format + "'");
    codes.push_back(static_cast<int8_t>(v));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return codes;
}

Result<TypePtr> TypeFromFormat(const std::string& f, std::vector<FieldPtr> children, int64_t flags) {
  auto bad = [&]() { return Status::Invalid("unsupported C data format string '" + f + "'"); };
  auto need = [&](size_t n) -> Status {
    if (children.size() != n) return Status::Invalid("C data format '" + f + "' needs " + std::to_string(n) + " children");
    return Status::OK();
  };
  if (f.size() == 1) {
    switch (f[0]) {
      case 'n': return null();
      case 'b': return boolean();
      case 'c': return int8();
      case 'C': return uint8();
      case 's': return int16();
      case 'S': return uint16();
      case 'i': return int32();
      case 'I': return uint32();
      case 'l': return int64();
      case 'L': return uint64();
      case 'e': return float16();
      case 'f': return float32();
      case 'g': return float64();
      case 'z': return binary();
      case 'Z': return large_binary();
      case 'u': return utf8();
      case 'U': return large_utf8();
      default: return bad();
    }
  }
  if (f == "vz") return binary_view();
  if (f == "vu") return utf8_view();
  if (f == "tdD") return date32();
  if (f == "tdm") return date64();
  if (f == "tiM") return interval_year_month();
  if (f == "tiD") return interval_day_time();
  if (f == "tin") return interval_month_day_nano();
  if (f.rfind("w:", 0) == 0) {
    int w = ParseInt(f.substr(2), -1);
    if (w < 0) return bad();
    return fixed_size_binary(w);
  }
  if (f.rfind("d:", 0) == 0) {
    std::string rest = f.substr(2);
    size_t c1 = rest.find(',');
    if (c1 == std::string::npos) return bad();
    size_t c2 = rest.find(',', c1 + 1);
    int precision = ParseInt(rest.substr(0, c1), -1);
    int scale = ParseInt(rest.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1), INT32_MIN);
    int width = c2 == std::string::npos ? 128 : ParseInt(rest.substr(c2 + 1), -1);
    if (precision < 0 || scale == INT32_MIN || (width != 32 && width != 64 && width != 128 && width != 256)) return bad();
    auto type = decimal(precision, scale, width);
    HANGAR_RETURN_NOT_OK(ValidateType(*type));
    return type;
  }
  if (f.size() == 3 && f.rfind("tt", 0) == 0) {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit u, UnitFromChar(f[2], f));
    return (u == TimeUnit::kSecond || u == TimeUnit::kMilli) ? time32(u) : time64(u);
  }
  if (f.size() == 3 && f.rfind("tD", 0) == 0) {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit u, UnitFromChar(f[2], f));
    return duration(u);
  }
  if (f.size() >= 4 && f.rfind("ts", 0) == 0 && f[3] == ':') {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit u, UnitFromChar(f[2], f));
    return timestamp(u, f.substr(4));
  }
  if (f == "+l") { HANGAR_RETURN_NOT_OK(need(1)); return list(children[0]); }
  if (f == "+L") { HANGAR_RETURN_NOT_OK(need(1)); return large_list(children[0]); }
  if (f == "+vl") { HANGAR_RETURN_NOT_OK(need(1)); return list_view(children[0]); }
  if (f == "+vL") { HANGAR_RETURN_NOT_OK(need(1)); return large_list_view(children[0]); }
  if (f.rfind("+w:", 0) == 0) {
    HANGAR_RETURN_NOT_OK(need(1));
    int n = ParseInt(f.substr(3), -1);
    if (n < 0) return bad();
    return fixed_size_list(children[0], n);
  }
  if (f == "+s") return struct_(std::move(children));
  if (f == "+m") {
    HANGAR_RETURN_NOT_OK(need(1));
    auto type = map(children[0], (flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0);
    HANGAR_RETURN_NOT_OK(ValidateType(*type));
    return type;
  }
  if (f.rfind("+ud:", 0) == 0 || f.rfind("+us:", 0) == 0) {
    HANGAR_ASSIGN_OR_RETURN(auto codes, ParseCodes(f.substr(4), f));
    if (codes.size() != children.size()) return Status::Invalid("C data union format '" + f + "' does not match its children");
    auto type = f[2] == 'd' ? dense_union(std::move(children), codes) : sparse_union(std::move(children), codes);
    HANGAR_RETURN_NOT_OK(ValidateType(*type));
    return type;
  }
  if (f == "+r") {
    HANGAR_RETURN_NOT_OK(need(2));
    auto type = run_end_encoded(children[0], children[1]);
    HANGAR_RETURN_NOT_OK(ValidateType(*type));
    return type;
  }
  return bad();
}

Result<FieldPtr> ImportFieldNode(const ArrowSchema* s, int depth) {
  if (depth > 64) return Status::Invalid("C data schema nesting too deep");
  if (s->format == nullptr) return Status::Invalid("C data schema without a format string");
  std::vector<FieldPtr> children;
  for (int64_t i = 0; i < s->n_children; ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto child, ImportFieldNode(s->children[i], depth + 1));
    children.push_back(std::move(child));
  }
  HANGAR_ASSIGN_OR_RETURN(TypePtr type, TypeFromFormat(s->format, std::move(children), s->flags));
  if (s->dictionary != nullptr) {
    if (!type->is_integer()) return Status::Invalid("C data dictionary with non-integer index format '" + std::string(s->format) + "'");
    HANGAR_ASSIGN_OR_RETURN(auto values, ImportFieldNode(s->dictionary, depth + 1));
    type = dictionary(type, values->type(), (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
  }
  HANGAR_ASSIGN_OR_RETURN(auto md, DecodeMetadata(s->metadata));
  return field(s->name ? s->name : "", std::move(type), (s->flags & ARROW_FLAG_NULLABLE) != 0, std::move(md));
}

}  // namespace

Result<FieldPtr> ImportField(ArrowSchema* schema) {
  SchemaGuard guard{schema};
  if (schema->release == nullptr) return Status::Invalid("C data schema was already released");
  return ImportFieldNode(schema, 0);
}

Result<SchemaPtr> ImportSchema(ArrowSchema* schema) {
  HANGAR_ASSIGN_OR_RETURN(auto f, ImportField(schema));
  if (f->type()->id() != TypeId::kStruct)
    return Status::Invalid("a C data schema must be a struct, got " + f->type()->ToString());
  return arrow::schema(f->type()->children(), f->metadata());
}

// --- array import ---------------------------------------------------------------------

namespace {

// Owns the moved producer struct; releases it once, when the last buffer goes.
class ImportedArrayOwner {
 public:
  explicit ImportedArrayOwner(ArrowArray* array) : array_(*array) { array->release = nullptr; }
  ~ImportedArrayOwner() {
    if (array_.release) array_.release(&array_);
  }
  ImportedArrayOwner(const ImportedArrayOwner&) = delete;
  ImportedArrayOwner& operator=(const ImportedArrayOwner&) = delete;
  const ArrowArray& array() const { return array_; }

 private:
  ArrowArray array_;
};

class ArrayImporter {
 public:
  explicit ArrayImporter(std::shared_ptr<const ImportedArrayOwner> owner) : owner_(std::move(owner)) {}

  Result<ArrayPtr> Import(const ArrowArray& c, const TypePtr& type, int depth) {
    if (depth > 64) return Status::Invalid("C data array nesting too deep");
    const DataType& t = *type;
    if (c.length < 0 || c.offset < 0) return Status::Invalid("C data array with negative length or offset");
    const int64_t end = c.offset + c.length;
    int64_t expected = t.num_fixed_buffers();
    if (t.is_view()) {
      if (c.n_buffers < 3) return Status::Invalid("C data view array needs at least 3 buffers");
      expected = c.n_buffers;
    }
    if (c.n_buffers != expected)
      return Status::Invalid("C data array of " + t.ToString() + " has " + std::to_string(c.n_buffers) +
                             " buffers, expected " + std::to_string(expected));
    auto a = std::make_shared<Array>();
    a->type = type;
    a->length = c.length;
    a->offset = c.offset;
    a->null_count_hint = c.null_count;
    auto buf = [&](int i, int64_t size) { return Wrap(c.buffers[i], size); };
    auto last_offset = [&](int width) -> int64_t {
      if (c.length == 0 && c.buffers[1] == nullptr) return 0;
      if (width == 4) {
        int32_t v;
        std::memcpy(&v, static_cast<const uint8_t*>(c.buffers[1]) + 4 * end, 4);
        return v;
      }
      int64_t v;
      std::memcpy(&v, static_cast<const uint8_t*>(c.buffers[1]) + 8 * end, 8);
      return v;
    };
    if (t.has_validity_bitmap()) a->buffers.push_back(buf(0, bit::BytesFor(end)));
    switch (t.id()) {
      case TypeId::kNull: break;
      case TypeId::kUtf8: case TypeId::kBinary:
        a->buffers.push_back(buf(1, 4 * (end + 1)));
        a->buffers.push_back(buf(2, last_offset(4)));
        break;
      case TypeId::kLargeUtf8: case TypeId::kLargeBinary:
        a->buffers.push_back(buf(1, 8 * (end + 1)));
        a->buffers.push_back(buf(2, last_offset(8)));
        break;
      case TypeId::kUtf8View: case TypeId::kBinaryView: {
        a->buffers.push_back(buf(1, 16 * end));
        const int64_t n = c.n_buffers - 3;
        const auto* sizes = static_cast<const uint8_t*>(c.buffers[c.n_buffers - 1]);
        for (int64_t i = 0; i < n; ++i) {
          int64_t size;
          std::memcpy(&size, sizes + 8 * i, 8);
          a->buffers.push_back(buf(static_cast<int>(2 + i), size));
        }
        break;
      }
      case TypeId::kList: case TypeId::kMap: a->buffers.push_back(buf(1, 4 * (end + 1))); break;
      case TypeId::kLargeList: a->buffers.push_back(buf(1, 8 * (end + 1))); break;
      case TypeId::kListView:
        a->buffers.push_back(buf(1, 4 * end));
        a->buffers.push_back(buf(2, 4 * end));
        break;
      case TypeId::kLargeListView:
        a->buffers.push_back(buf(1, 8 * end));
        a->buffers.push_back(buf(2, 8 * end));
        break;
      case TypeId::kFixedSizeList: case TypeId::kStruct: case TypeId::kRunEndEncoded: break;
      case TypeId::kSparseUnion: a->buffers.push_back(buf(0, end)); break;
      case TypeId::kDenseUnion:
        a->buffers.push_back(buf(0, end));
        a->buffers.push_back(buf(1, 4 * end));
        break;
      case TypeId::kDictionary: a->buffers.push_back(buf(1, end * t.index_type()->bit_width() / 8)); break;
      default: a->buffers.push_back(buf(1, bit::BytesFor(end * t.bit_width()))); break;
    }
    const auto& child_fields = t.id() == TypeId::kDictionary ? std::vector<FieldPtr>{} : t.children();
    if (c.n_children != static_cast<int64_t>(child_fields.size()))
      return Status::Invalid("C data array of " + t.ToString() + " has " + std::to_string(c.n_children) +
                             " children, expected " + std::to_string(child_fields.size()));
    for (size_t i = 0; i < child_fields.size(); ++i) {
      HANGAR_ASSIGN_OR_RETURN(auto child, Import(*c.children[i], child_fields[i]->type(), depth + 1));
      a->children.push_back(std::move(child));
    }
    if (t.id() == TypeId::kDictionary) {
      if (c.dictionary == nullptr) return Status::Invalid("C data dictionary array without a dictionary");
      HANGAR_ASSIGN_OR_RETURN(a->dictionary, Import(*c.dictionary, t.value_type(), depth + 1));
    }
    return a;
  }

 private:
  // Zero-copy unless the producer's pointer is misaligned for typed access.
  BufferPtr Wrap(const void* p, int64_t size) {
    if (p == nullptr) return nullptr;
    auto b = std::make_shared<const Buffer>(static_cast<const uint8_t*>(p), size, owner_);
    if (reinterpret_cast<uintptr_t>(p) % 8 != 0) return Buffer::CopyOf(b->view());
    return b;
  }

  std::shared_ptr<const ImportedArrayOwner> owner_;
};

}  // namespace

Result<ArrayPtr> ImportArray(ArrowArray* array, const TypePtr& type) {
  if (array->release == nullptr) return Status::Invalid("C data array was already released");
  auto owner = std::make_shared<const ImportedArrayOwner>(array);
  ArrayImporter importer(owner);
  HANGAR_ASSIGN_OR_RETURN(auto result, importer.Import(owner->array(), type, 0));
  HANGAR_RETURN_NOT_OK(ValidateArray(*result, /*full=*/false));
  return result;
}

Result<ArrayPtr> ImportArray(ArrowArray* array, ArrowSchema* schema) {
  auto f = ImportField(schema);
  if (!f.ok()) {
    if (array->release) array->release(array);
    return f.status();
  }
  return ImportArray(array, (*f)->type());
}

Result<RecordBatchPtr> ImportRecordBatch(ArrowArray* array, const SchemaPtr& schema) {
  HANGAR_ASSIGN_OR_RETURN(auto as_struct, ImportArray(array, struct_(schema->fields())));
  if (as_struct->null_count() != 0) return Status::Invalid("C data record batch has null rows");
  std::vector<ArrayPtr> columns;
  for (const auto& child : as_struct->children) columns.push_back(child->Slice(as_struct->offset, as_struct->length));
  return MakeRecordBatch(schema, as_struct->length, std::move(columns));
}

// --- streams ---------------------------------------------------------------------------

namespace {

struct StreamPrivate {
  std::unique_ptr<RecordBatchSource> source;
  std::string last_error;
};

int StreamGetSchema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  Status st = ExportSchema(*priv->source->schema(), out);
  if (st.ok()) return 0;
  priv->last_error = st.ToString();
  return EINVAL;
}

int StreamGetNext(ArrowArrayStream* stream, ArrowArray* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  auto next = priv->source->Next();
  if (!next.ok()) {
    priv->last_error = next.status().ToString();
    return EIO;
  }
  if (*next == nullptr) {
    std::memset(out, 0, sizeof *out);  // release == nullptr marks the end
    return 0;
  }
  Status st = ExportRecordBatch(*next, out);
  if (st.ok()) return 0;
  priv->last_error = st.ToString();
  return EINVAL;
}

const char* StreamLastError(ArrowArrayStream* stream) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  return priv->last_error.empty() ? nullptr : priv->last_error.c_str();
}

void StreamRelease(ArrowArrayStream* stream) {
  if (stream->release == nullptr) return;
  delete static_cast<StreamPrivate*>(stream->private_data);
  stream->release = nullptr;
}

}  // namespace

Status ExportRecordBatchStream(std::unique_ptr<RecordBatchSource> source, ArrowArrayStream* out) {
  auto priv = std::make_unique<StreamPrivate>();
  priv->source = std::move(source);
  out->get_schema = StreamGetSchema;
  out->get_next = StreamGetNext;
  out->get_last_error = StreamLastError;
  out->release = StreamRelease;
  out->private_data = priv.release();
  return Status::OK();
}

Result<std::unique_ptr<ImportedStream>> ImportedStream::Open(ArrowArrayStream* stream) {
  if (stream->release == nullptr) return Status::Invalid("C data stream was already released");
  std::unique_ptr<ImportedStream> out(new ImportedStream());
  out->stream_ = *stream;
  stream->release = nullptr;
  ArrowSchema schema;
  std::memset(&schema, 0, sizeof schema);
  int rc = out->stream_.get_schema(&out->stream_, &schema);
  if (rc != 0) {
    const char* err = out->stream_.get_last_error(&out->stream_);
    return Status::IOError("C data stream failed to give its schema (" + std::to_string(rc) + ")" +
                           (err ? std::string(": ") + err : std::string()));
  }
  HANGAR_ASSIGN_OR_RETURN(out->schema_, ImportSchema(&schema));
  return out;
}

ImportedStream::~ImportedStream() {
  if (stream_.release) stream_.release(&stream_);
}

Result<RecordBatchPtr> ImportedStream::Next() {
  ArrowArray array;
  std::memset(&array, 0, sizeof array);
  int rc = stream_.get_next(&stream_, &array);
  if (rc != 0) {
    const char* err = stream_.get_last_error(&stream_);
    return Status::IOError("C data stream failed (" + std::to_string(rc) + ")" +
                           (err ? std::string(": ") + err : std::string()));
  }
  if (array.release == nullptr) return RecordBatchPtr();
  return ImportRecordBatch(&array, schema_);
}

}  // namespace hangar::arrow
