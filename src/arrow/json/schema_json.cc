#include "arrow/json/schema_json.h"

#include <utility>
#include <vector>

namespace hangar::arrow::json {

namespace {

Result<TimeUnit> TimeUnitFromJson(const Json& type, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(std::string unit, GetString(type, "unit", where));
  if (unit == "SECOND") return TimeUnit::kSecond;
  if (unit == "MILLISECOND") return TimeUnit::kMilli;
  if (unit == "MICROSECOND") return TimeUnit::kMicro;
  if (unit == "NANOSECOND") return TimeUnit::kNano;
  return Malformed(where, "unknown time unit \"" + unit + "\"");
}

std::string_view TimeUnitToJson(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return "SECOND";
    case TimeUnit::kMilli: return "MILLISECOND";
    case TimeUnit::kMicro: return "MICROSECOND";
    case TimeUnit::kNano: return "NANOSECOND";
  }
  return "SECOND";
}

Result<TypePtr> IntFromJson(const Json& type, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(int64_t bits, GetInt(type, "bitWidth", where));
  HANGAR_ASSIGN_OR_RETURN(bool is_signed, GetBool(type, "isSigned", where));
  switch (bits) {
    case 8: return is_signed ? int8() : uint8();
    case 16: return is_signed ? int16() : uint16();
    case 32: return is_signed ? int32() : uint32();
    case 64: return is_signed ? int64() : uint64();
    default: return Malformed(where, "int bitWidth must be 8, 16, 32 or 64, got " + std::to_string(bits));
  }
}

Result<int32_t> GetInt32(const Json& obj, std::string_view key, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(int64_t v, GetInt(obj, key, where));
  if (v < INT32_MIN || v > INT32_MAX) {
    return Malformed(where, "member \"" + std::string(key) + "\" is out of the 32-bit range: " + std::to_string(v));
  }
  return static_cast<int32_t>(v);
}

Status NeedChildren(const std::vector<FieldPtr>& children, size_t n, std::string_view type_name,
                    const std::string& where) {
  if (children.size() != n) {
    return Malformed(where, std::string(type_name) + " type needs " + std::to_string(n) + " child field(s), got " +
                                std::to_string(children.size()));
  }
  return Status::OK();
}

Result<TypePtr> TypeFromJson(const Json& type, std::vector<FieldPtr> children, const std::string& where) {
  HANGAR_ASSIGN_OR_RETURN(std::string name, GetString(type, "name", where + ": type"));
  const std::string type_where = where + ": type '" + name + "'";
  // Children are only meaningful for nested types; a leaf with children is malformed.
  auto leaf = [&](TypePtr t) -> Result<TypePtr> {
    if (!children.empty()) return Malformed(type_where, "a " + name + " type has no child fields");
    return t;
  };
  if (name == "null") return leaf(null());
  if (name == "bool") return leaf(boolean());
  if (name == "utf8") return leaf(utf8());
  if (name == "largeutf8") return leaf(large_utf8());
  if (name == "binary") return leaf(binary());
  if (name == "largebinary") return leaf(large_binary());
  if (name == "utf8view") return leaf(utf8_view());
  if (name == "binaryview") return leaf(binary_view());
  if (name == "int") {
    HANGAR_ASSIGN_OR_RETURN(TypePtr t, IntFromJson(type, type_where));
    return leaf(std::move(t));
  }
  if (name == "floatingpoint") {
    HANGAR_ASSIGN_OR_RETURN(std::string precision, GetString(type, "precision", type_where));
    if (precision == "HALF") return leaf(float16());
    if (precision == "SINGLE") return leaf(float32());
    if (precision == "DOUBLE") return leaf(float64());
    return Malformed(type_where, "unknown floating point precision \"" + precision + "\"");
  }
  if (name == "fixedsizebinary") {
    HANGAR_ASSIGN_OR_RETURN(int32_t width, GetInt32(type, "byteWidth", type_where));
    if (width < 0) return Malformed(type_where, "byteWidth must be >= 0");
    return leaf(fixed_size_binary(width));
  }
  if (name == "decimal" || name == "decimal32" || name == "decimal64" || name == "decimal256") {
    HANGAR_ASSIGN_OR_RETURN(int32_t precision, GetInt32(type, "precision", type_where));
    HANGAR_ASSIGN_OR_RETURN(int32_t scale, GetInt32(type, "scale", type_where));
    // bitWidth is optional (files before decimal256 existed omit it).
    int64_t bits = name == "decimal32" ? 32 : name == "decimal64" ? 64 : name == "decimal256" ? 256 : 128;
    if (FindMember(type, "bitWidth") != nullptr) {
      HANGAR_ASSIGN_OR_RETURN(bits, GetInt(type, "bitWidth", type_where));
    }
    if (bits != 32 && bits != 64 && bits != 128 && bits != 256) {
      return Malformed(type_where, "decimal bitWidth must be 32, 64, 128 or 256, got " + std::to_string(bits));
    }
    return leaf(decimal(precision, scale, static_cast<int>(bits)));
  }
  if (name == "date") {
    HANGAR_ASSIGN_OR_RETURN(std::string unit, GetString(type, "unit", type_where));
    if (unit == "DAY") return leaf(date32());
    if (unit == "MILLISECOND") return leaf(date64());
    return Malformed(type_where, "unknown date unit \"" + unit + "\"");
  }
  if (name == "time") {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit unit, TimeUnitFromJson(type, type_where));
    const bool is64 = unit == TimeUnit::kMicro || unit == TimeUnit::kNano;
    if (FindMember(type, "bitWidth") != nullptr) {
      HANGAR_ASSIGN_OR_RETURN(int64_t bits, GetInt(type, "bitWidth", type_where));
      if (bits != (is64 ? 64 : 32)) {
        return Malformed(type_where, "bitWidth " + std::to_string(bits) + " does not match unit " +
                                         std::string(TimeUnitToJson(unit)));
      }
    }
    return leaf(is64 ? time64(unit) : time32(unit));
  }
  if (name == "timestamp") {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit unit, TimeUnitFromJson(type, type_where));
    std::string tz;
    if (const Json* z = FindMember(type, "timezone"); z != nullptr && !z->is_null()) {
      if (!z->is_string()) return Malformed(type_where, "timezone must be a string, got " + KindName(*z));
      tz = z->get<std::string>();
    }
    return leaf(timestamp(unit, std::move(tz)));
  }
  if (name == "duration") {
    HANGAR_ASSIGN_OR_RETURN(TimeUnit unit, TimeUnitFromJson(type, type_where));
    return leaf(duration(unit));
  }
  if (name == "interval") {
    HANGAR_ASSIGN_OR_RETURN(std::string unit, GetString(type, "unit", type_where));
    if (unit == "YEAR_MONTH") return leaf(interval_year_month());
    if (unit == "DAY_TIME") return leaf(interval_day_time());
    if (unit == "MONTH_DAY_NANO") return leaf(interval_month_day_nano());
    return Malformed(type_where, "unknown interval unit \"" + unit + "\"");
  }
  if (name == "list" || name == "largelist" || name == "listview" || name == "largelistview") {
    HANGAR_RETURN_NOT_OK(NeedChildren(children, 1, name, type_where));
    if (name == "list") return list(children[0]);
    if (name == "largelist") return large_list(children[0]);
    if (name == "listview") return list_view(children[0]);
    return large_list_view(children[0]);
  }
  if (name == "fixedsizelist") {
    HANGAR_RETURN_NOT_OK(NeedChildren(children, 1, name, type_where));
    HANGAR_ASSIGN_OR_RETURN(int32_t size, GetInt32(type, "listSize", type_where));
    if (size < 0) return Malformed(type_where, "listSize must be >= 0");
    return fixed_size_list(children[0], size);
  }
  if (name == "struct") return struct_(std::move(children));
  if (name == "map") {
    HANGAR_RETURN_NOT_OK(NeedChildren(children, 1, name, type_where));
    bool keys_sorted = false;
    if (FindMember(type, "keysSorted") != nullptr) {
      HANGAR_ASSIGN_OR_RETURN(keys_sorted, GetBool(type, "keysSorted", type_where));
    }
    return map(children[0], keys_sorted);
  }
  if (name == "union") {
    HANGAR_ASSIGN_OR_RETURN(std::string mode, GetString(type, "mode", type_where));
    if (mode != "SPARSE" && mode != "DENSE") return Malformed(type_where, "unknown union mode \"" + mode + "\"");
    std::vector<int8_t> codes;
    if (const Json* ids = FindMember(type, "typeIds"); ids != nullptr && !ids->is_null()) {
      if (!ids->is_array()) return Malformed(type_where, "typeIds must be an array");
      for (const Json& id : *ids) {
        HANGAR_ASSIGN_OR_RETURN(int64_t code, AsInt64(id, type_where + ": typeIds"));
        if (code < 0 || code > 127) {
          return Malformed(type_where, "union type id " + std::to_string(code) + " is outside 0..127");
        }
        codes.push_back(static_cast<int8_t>(code));
      }
    } else {
      for (size_t i = 0; i < children.size(); ++i) codes.push_back(static_cast<int8_t>(i));
    }
    if (codes.size() != children.size()) {
      return Malformed(type_where, "union has " + std::to_string(children.size()) + " children but " +
                                       std::to_string(codes.size()) + " typeIds");
    }
    return mode == "SPARSE" ? sparse_union(std::move(children), std::move(codes))
                            : dense_union(std::move(children), std::move(codes));
  }
  if (name == "runendencoded") {
    HANGAR_RETURN_NOT_OK(NeedChildren(children, 2, name, type_where));
    // Keep the child fields exactly as written (names, nullability, metadata).
    DataType::Params p;
    p.id = TypeId::kRunEndEncoded;
    p.children = std::move(children);
    return std::make_shared<const DataType>(std::move(p));
  }
  return Malformed(where, "unknown type name \"" + name + "\"");
}

Result<KeyValueMetadata> MetadataFromJson(const Json& obj, const std::string& where) {
  KeyValueMetadata md;
  const Json* m = FindMember(obj, "metadata");
  if (m == nullptr || m->is_null()) return md;
  if (!m->is_array()) return Malformed(where, "metadata must be an array of {key, value} objects");
  for (const Json& kv : *m) {
    HANGAR_ASSIGN_OR_RETURN(std::string key, GetString(kv, "key", where + ": metadata"));
    HANGAR_ASSIGN_OR_RETURN(std::string value, GetString(kv, "value", where + ": metadata"));
    md.emplace_back(std::move(key), std::move(value));
  }
  return md;
}

// Deeper nesting than any real schema; bounds the recursion on hostile input.
constexpr int kMaxNestingDepth = 64;

Result<FieldPtr> FieldFromJson(const Json& j, const std::string& parent, ParsedSchema* out, int depth) {
  if (depth > kMaxNestingDepth) {
    return Malformed(parent, "fields are nested more than " + std::to_string(kMaxNestingDepth) + " levels deep");
  }
  if (!j.is_object()) return Malformed(parent, "a field must be a JSON object, got " + KindName(j));
  HANGAR_ASSIGN_OR_RETURN(std::string name, GetString(j, "name", parent + ": field"));
  const std::string where = parent + " field " + Quote(name);
  bool nullable = true;
  if (FindMember(j, "nullable") != nullptr) {
    HANGAR_ASSIGN_OR_RETURN(nullable, GetBool(j, "nullable", where));
  }
  HANGAR_ASSIGN_OR_RETURN(const Json* type_json, GetObject(j, "type", where));
  std::vector<FieldPtr> children;
  if (const Json* c = FindMember(j, "children"); c != nullptr && !c->is_null()) {
    if (!c->is_array()) return Malformed(where, "children must be an array");
    for (const Json& child : *c) {
      HANGAR_ASSIGN_OR_RETURN(FieldPtr f, FieldFromJson(child, where, out, depth + 1));
      children.push_back(std::move(f));
    }
  }
  HANGAR_ASSIGN_OR_RETURN(TypePtr type, TypeFromJson(*type_json, std::move(children), where));
  HANGAR_ASSIGN_OR_RETURN(KeyValueMetadata metadata, MetadataFromJson(j, where));

  int64_t dict_id = -1;
  if (const Json* d = FindMember(j, "dictionary"); d != nullptr && !d->is_null()) {
    const std::string dwhere = where + ": dictionary";
    HANGAR_ASSIGN_OR_RETURN(dict_id, GetInt(*d, "id", dwhere));
    if (dict_id < 0) return Malformed(dwhere, "id must be >= 0");
    HANGAR_ASSIGN_OR_RETURN(const Json* index_json, GetObject(*d, "indexType", dwhere));
    HANGAR_ASSIGN_OR_RETURN(std::string index_name, GetString(*index_json, "name", dwhere + ": indexType"));
    if (index_name != "int") return Malformed(dwhere, "indexType must be an int type, got \"" + index_name + "\"");
    HANGAR_ASSIGN_OR_RETURN(TypePtr index_type, IntFromJson(*index_json, dwhere + ": indexType"));
    bool ordered = false;
    if (FindMember(*d, "isOrdered") != nullptr) {
      HANGAR_ASSIGN_OR_RETURN(ordered, GetBool(*d, "isOrdered", dwhere));
    }
    type = dictionary(std::move(index_type), std::move(type), ordered);
  }
  if (Status st = ValidateType(*type); !st.ok()) return Malformed(where, st.message());

  auto field = std::make_shared<const Field>(name, type, nullable, std::move(metadata));
  if (dict_id >= 0) {
    out->dictionary_ids[field.get()] = dict_id;
    auto [it, inserted] = out->dictionary_types.emplace(dict_id, type);
    if (!inserted && !it->second->value_type()->Equals(*type->value_type())) {
      return Malformed(where, "dictionary id " + std::to_string(dict_id) + " is used with value type " +
                                  type->value_type()->ToString() + " here but " + it->second->value_type()->ToString() +
                                  " elsewhere");
    }
  }
  return FieldPtr(std::move(field));
}

Json MetadataToJson(const KeyValueMetadata& md) {
  Json arr = Json::array();
  for (const auto& [k, v] : md) {
    Json kv = Json::object();
    kv["key"] = k;
    kv["value"] = v;
    arr.push_back(std::move(kv));
  }
  return arr;
}

Result<Json> FieldToJson(const Field& field, const DictionaryIds& ids) {
  Json j = Json::object();
  j["name"] = field.name();
  j["nullable"] = field.nullable();
  const DataType& type = *field.type();
  const DataType& storage = type.id() == TypeId::kDictionary ? *type.value_type() : type;
  HANGAR_ASSIGN_OR_RETURN(j["type"], TypeToJson(storage));
  Json children = Json::array();
  for (const auto& child : storage.children()) {
    HANGAR_ASSIGN_OR_RETURN(Json c, FieldToJson(*child, ids));
    children.push_back(std::move(c));
  }
  j["children"] = std::move(children);
  if (type.id() == TypeId::kDictionary) {
    auto it = ids.find(&field);
    if (it == ids.end()) return Status::Internal("no dictionary id for field " + Quote(field.name()));
    Json d = Json::object();
    d["id"] = it->second;
    HANGAR_ASSIGN_OR_RETURN(d["indexType"], TypeToJson(*type.index_type()));
    d["isOrdered"] = type.ordered();
    j["dictionary"] = std::move(d);
  }
  if (!field.metadata().empty()) j["metadata"] = MetadataToJson(field.metadata());
  return j;
}

}  // namespace

Result<Json> TypeToJson(const DataType& type) {
  Json j = Json::object();
  auto named = [&](const char* name) { j["name"] = name; };
  switch (type.id()) {
    case TypeId::kNull: named("null"); break;
    case TypeId::kBool: named("bool"); break;
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      named("int");
      j["bitWidth"] = type.bit_width();
      j["isSigned"] = type.is_signed_integer();
      break;
    case TypeId::kFloat16:
      named("floatingpoint");
      j["precision"] = "HALF";
      break;
    case TypeId::kFloat32:
      named("floatingpoint");
      j["precision"] = "SINGLE";
      break;
    case TypeId::kFloat64:
      named("floatingpoint");
      j["precision"] = "DOUBLE";
      break;
    case TypeId::kUtf8: named("utf8"); break;
    case TypeId::kLargeUtf8: named("largeutf8"); break;
    case TypeId::kBinary: named("binary"); break;
    case TypeId::kLargeBinary: named("largebinary"); break;
    case TypeId::kUtf8View: named("utf8view"); break;
    case TypeId::kBinaryView: named("binaryview"); break;
    case TypeId::kFixedSizeBinary:
      named("fixedsizebinary");
      j["byteWidth"] = type.byte_width();
      break;
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      named("decimal");
      j["precision"] = type.precision();
      j["scale"] = type.scale();
      j["bitWidth"] = type.bit_width();
      break;
    case TypeId::kDate32:
      named("date");
      j["unit"] = "DAY";
      break;
    case TypeId::kDate64:
      named("date");
      j["unit"] = "MILLISECOND";
      break;
    case TypeId::kTime32:
    case TypeId::kTime64:
      named("time");
      j["unit"] = TimeUnitToJson(type.unit());
      j["bitWidth"] = type.bit_width();
      break;
    case TypeId::kTimestamp:
      named("timestamp");
      j["unit"] = TimeUnitToJson(type.unit());
      if (!type.timezone().empty()) j["timezone"] = type.timezone();
      break;
    case TypeId::kDuration:
      named("duration");
      j["unit"] = TimeUnitToJson(type.unit());
      break;
    case TypeId::kIntervalYearMonth:
      named("interval");
      j["unit"] = "YEAR_MONTH";
      break;
    case TypeId::kIntervalDayTime:
      named("interval");
      j["unit"] = "DAY_TIME";
      break;
    case TypeId::kIntervalMonthDayNano:
      named("interval");
      j["unit"] = "MONTH_DAY_NANO";
      break;
    case TypeId::kList: named("list"); break;
    case TypeId::kLargeList: named("largelist"); break;
    case TypeId::kListView: named("listview"); break;
    case TypeId::kLargeListView: named("largelistview"); break;
    case TypeId::kFixedSizeList:
      named("fixedsizelist");
      j["listSize"] = type.list_size();
      break;
    case TypeId::kStruct: named("struct"); break;
    case TypeId::kMap:
      named("map");
      j["keysSorted"] = type.keys_sorted();
      break;
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      named("union");
      j["mode"] = type.id() == TypeId::kSparseUnion ? "SPARSE" : "DENSE";
      Json codes = Json::array();
      for (int8_t c : type.type_codes()) codes.push_back(static_cast<int>(c));
      j["typeIds"] = std::move(codes);
      break;
    }
    case TypeId::kRunEndEncoded: named("runendencoded"); break;
    case TypeId::kDictionary:
      return Status::Invalid("a dictionary type is written as its value type plus a \"dictionary\" member");
  }
  return j;
}

Result<ParsedSchema> SchemaFromJson(const Json& schema_json) {
  ParsedSchema out;
  const std::string where = "schema";
  HANGAR_ASSIGN_OR_RETURN(const Json* fields_json, GetArray(schema_json, "fields", where));
  std::vector<FieldPtr> fields;
  fields.reserve(fields_json->size());
  for (const Json& f : *fields_json) {
    HANGAR_ASSIGN_OR_RETURN(FieldPtr field, FieldFromJson(f, where, &out, 0));
    fields.push_back(std::move(field));
  }
  HANGAR_ASSIGN_OR_RETURN(KeyValueMetadata metadata, MetadataFromJson(schema_json, where));
  out.schema = schema(std::move(fields), std::move(metadata));
  return out;
}

Result<Json> SchemaToJson(const Schema& schema, const DictionaryIds& ids) {
  Json j = Json::object();
  Json fields = Json::array();
  for (const auto& f : schema.fields()) {
    HANGAR_ASSIGN_OR_RETURN(Json fj, FieldToJson(*f, ids));
    fields.push_back(std::move(fj));
  }
  j["fields"] = std::move(fields);
  if (!schema.metadata().empty()) j["metadata"] = MetadataToJson(schema.metadata());
  return j;
}

}  // namespace hangar::arrow::json
