#include "iceberg/schema.h"

#include <functional>

namespace hangar::iceberg {
namespace {

using arrow::TypeId;
using Json = nlohmann::json;

IcebergTypePtr Primitive(std::string name) {
  auto t = std::make_shared<IcebergType>();
  t->primitive = std::move(name);
  return t;
}

// Builds the type tree first with ids left 0; ids are given afterwards, so
// that a struct's fields are numbered together before their children.
class TypeMapper {
 public:
  Result<IcebergTypePtr> Map(const arrow::DataType& type, const std::string& column) {
    auto refuse = [&](std::string why) {
      return Status::Invalid("column '" + column + "' has type " + type.ToString() +
                             ", which an Iceberg table cannot hold: " + why);
    };
    switch (type.id()) {
      case TypeId::kNull: return refuse("Iceberg format v2 has no null type");
      case TypeId::kBool: return Primitive("boolean");
      case TypeId::kInt8:
      case TypeId::kInt16:
      case TypeId::kInt32:
      case TypeId::kUInt8:
      case TypeId::kUInt16:
      case TypeId::kIntervalYearMonth: return Primitive("int");
      case TypeId::kInt64:
      case TypeId::kUInt32:
      case TypeId::kDuration:
      case TypeId::kIntervalDayTime: return Primitive("long");
      case TypeId::kUInt64: return refuse("its values may exceed Iceberg's long");
      case TypeId::kFloat16:
      case TypeId::kFloat32: return Primitive("float");
      case TypeId::kFloat64: return Primitive("double");
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kUtf8View: return Primitive("string");
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
      case TypeId::kBinaryView:
      case TypeId::kFixedSizeBinary:
      case TypeId::kIntervalMonthDayNano: return Primitive("binary");
      case TypeId::kDecimal32:
      case TypeId::kDecimal64:
      case TypeId::kDecimal128:
      case TypeId::kDecimal256:
        if (type.precision() <= 38 && type.scale() >= 0)
          return Primitive("decimal(" + std::to_string(type.precision()) + ", " + std::to_string(type.scale()) + ")");
        return Primitive("string");  // kept as its decimal text
      case TypeId::kDate32: return Primitive("date");
      case TypeId::kDate64: return Primitive("timestamp");
      case TypeId::kTime32: return refuse("Parquet keeps it in milliseconds, Iceberg's time is in microseconds");
      case TypeId::kTime64: return type.unit() == arrow::TimeUnit::kMicro ? Primitive("time") : Primitive("long");
      case TypeId::kTimestamp:
        if (type.unit() == arrow::TimeUnit::kNano) return refuse("Iceberg format v2 has no nanosecond timestamp");
        return Primitive(type.timezone().empty() ? "timestamp" : "timestamptz");
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kListView:
      case TypeId::kLargeListView:
      case TypeId::kFixedSizeList: {
        auto t = std::make_shared<IcebergType>();
        t->kind = IcebergType::Kind::kList;
        t->element.name = "element";
        t->element.required = !type.child(0)->nullable();
        HANGAR_ASSIGN_OR_RETURN(t->element.type, Map(*type.child(0)->type(), column));
        return IcebergTypePtr(t);
      }
      case TypeId::kMap: {
        const auto& entries = *type.child(0)->type();
        auto t = std::make_shared<IcebergType>();
        t->kind = IcebergType::Kind::kMap;
        t->key.name = "key";
        t->key.required = true;
        HANGAR_ASSIGN_OR_RETURN(t->key.type, Map(*entries.child(0)->type(), column));
        t->value.name = "value";
        t->value.required = !entries.child(1)->nullable();
        HANGAR_ASSIGN_OR_RETURN(t->value.type, Map(*entries.child(1)->type(), column));
        return IcebergTypePtr(t);
      }
      case TypeId::kStruct: {
        auto t = std::make_shared<IcebergType>();
        t->kind = IcebergType::Kind::kStruct;
        for (const auto& child : type.children()) {
          NestedField f{0, child->name(), !child->nullable(), nullptr};
          HANGAR_ASSIGN_OR_RETURN(f.type, Map(*child->type(), column));
          t->fields.push_back(std::move(f));
        }
        return IcebergTypePtr(t);
      }
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: {
        // DuckDB's Parquet form of a union: the member's type code, then one
        // field per member, set for the rows that hold it.
        auto t = std::make_shared<IcebergType>();
        t->kind = IcebergType::Kind::kStruct;
        t->fields.push_back({0, "type_code", false, Primitive("int")});
        for (const auto& child : type.children()) {
          NestedField f{0, child->name(), false, nullptr};
          HANGAR_ASSIGN_OR_RETURN(f.type, Map(*child->type(), column));
          t->fields.push_back(std::move(f));
        }
        return IcebergTypePtr(t);
      }
      case TypeId::kDictionary: return Map(*type.value_type(), column);
      case TypeId::kRunEndEncoded: return Map(*type.child(1)->type(), column);
    }
    return refuse("unknown type");
  }
};

// Gives ids to the fields below `type`, from *next on.
IcebergTypePtr Number(const IcebergTypePtr& type, int* next) {
  if (type->kind == IcebergType::Kind::kPrimitive) return type;
  auto t = std::make_shared<IcebergType>(*type);
  switch (t->kind) {
    case IcebergType::Kind::kStruct:
      for (auto& f : t->fields) f.id = (*next)++;
      for (auto& f : t->fields) f.type = Number(f.type, next);
      break;
    case IcebergType::Kind::kList:
      t->element.id = (*next)++;
      t->element.type = Number(t->element.type, next);
      break;
    case IcebergType::Kind::kMap:
      t->key.id = (*next)++;
      t->value.id = (*next)++;
      t->key.type = Number(t->key.type, next);
      t->value.type = Number(t->value.type, next);
      break;
    case IcebergType::Kind::kPrimitive: break;
  }
  return t;
}

int HighestId(const NestedField& f);
int HighestId(const IcebergType& t) {
  int high = 0;
  for (const auto& f : t.fields) high = std::max(high, HighestId(f));
  if (t.kind == IcebergType::Kind::kList) high = std::max(high, HighestId(t.element));
  if (t.kind == IcebergType::Kind::kMap) high = std::max({high, HighestId(t.key), HighestId(t.value)});
  return high;
}
int HighestId(const NestedField& f) { return std::max(f.id, HighestId(*f.type)); }

Json TypeJson(const IcebergType& t);
Json FieldJson(const NestedField& f) {
  return Json{{"id", f.id}, {"name", f.name}, {"required", f.required}, {"type", TypeJson(*f.type)}};
}

Json TypeJson(const IcebergType& t) {
  switch (t.kind) {
    case IcebergType::Kind::kPrimitive: return t.primitive;
    case IcebergType::Kind::kStruct: {
      Json fields = Json::array();
      for (const auto& f : t.fields) fields.push_back(FieldJson(f));
      return Json{{"type", "struct"}, {"fields", fields}};
    }
    case IcebergType::Kind::kList:
      return Json{{"type", "list"},
                  {"element-id", t.element.id},
                  {"element", TypeJson(*t.element.type)},
                  {"element-required", t.element.required}};
    case IcebergType::Kind::kMap:
      return Json{{"type", "map"},
                  {"key-id", t.key.id},
                  {"key", TypeJson(*t.key.type)},
                  {"value-id", t.value.id},
                  {"value", TypeJson(*t.value.type)},
                  {"value-required", t.value.required}};
  }
  return nullptr;
}

// The type with every id zeroed: equal types whatever their numbering.
Json ShapeJson(const IcebergType& t) {
  Json j = TypeJson(t);
  std::function<void(Json&)> strip = [&](Json& v) {
    if (v.is_object()) {
      for (const char* key : {"id", "element-id", "key-id", "value-id"})
        if (v.contains(key)) v[key] = 0;
      for (auto& [k, child] : v.items()) strip(child);
    } else if (v.is_array()) {
      for (auto& child : v) strip(child);
    }
  };
  strip(j);
  return j;
}

Result<IcebergTypePtr> ParseType(const Json& j);
Result<NestedField> ParseField(const Json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer() || !j.contains("name") ||
      !j["name"].is_string() || !j.contains("type"))
    return Status::Invalid("an Iceberg schema field needs an integer id, a name and a type");
  NestedField f{j["id"].get<int>(), j["name"].get<std::string>(), j.value("required", false), nullptr};
  HANGAR_ASSIGN_OR_RETURN(f.type, ParseType(j["type"]));
  return f;
}

Result<int> IntMember(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer())
    return Status::Invalid(std::string("an Iceberg type needs the integer '") + key + "'");
  return j[key].get<int>();
}

Result<IcebergTypePtr> ParseType(const Json& j) {
  if (j.is_string()) return Primitive(j.get<std::string>());
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return Status::Invalid("an Iceberg type is a string or an object with a 'type'");
  auto t = std::make_shared<IcebergType>();
  const std::string kind = j["type"].get<std::string>();
  if (kind == "struct") {
    t->kind = IcebergType::Kind::kStruct;
    if (!j.contains("fields") || !j["fields"].is_array()) return Status::Invalid("an Iceberg struct needs 'fields'");
    for (const auto& f : j["fields"]) {
      HANGAR_ASSIGN_OR_RETURN(auto field, ParseField(f));
      t->fields.push_back(std::move(field));
    }
  } else if (kind == "list") {
    t->kind = IcebergType::Kind::kList;
    HANGAR_ASSIGN_OR_RETURN(t->element.id, IntMember(j, "element-id"));
    t->element.name = "element";
    t->element.required = j.value("element-required", false);
    if (!j.contains("element")) return Status::Invalid("an Iceberg list needs an 'element'");
    HANGAR_ASSIGN_OR_RETURN(t->element.type, ParseType(j["element"]));
  } else if (kind == "map") {
    t->kind = IcebergType::Kind::kMap;
    HANGAR_ASSIGN_OR_RETURN(t->key.id, IntMember(j, "key-id"));
    HANGAR_ASSIGN_OR_RETURN(t->value.id, IntMember(j, "value-id"));
    t->key.name = "key";
    t->key.required = true;
    t->value.name = "value";
    t->value.required = j.value("value-required", false);
    if (!j.contains("key") || !j.contains("value"))
      return Status::Invalid("an Iceberg map needs a 'key' and a 'value'");
    HANGAR_ASSIGN_OR_RETURN(t->key.type, ParseType(j["key"]));
    HANGAR_ASSIGN_OR_RETURN(t->value.type, ParseType(j["value"]));
  } else {
    return Status::Invalid("unknown Iceberg type '" + kind + "'");
  }
  return IcebergTypePtr(t);
}

Json MappingOf(const NestedField& f);
Json MappingsOf(const IcebergType& t) {
  Json out = Json::array();
  switch (t.kind) {
    case IcebergType::Kind::kStruct:
      for (const auto& f : t.fields) out.push_back(MappingOf(f));
      break;
    case IcebergType::Kind::kList: out.push_back(MappingOf(t.element)); break;
    case IcebergType::Kind::kMap:
      out.push_back(MappingOf(t.key));
      out.push_back(MappingOf(t.value));
      break;
    case IcebergType::Kind::kPrimitive: break;
  }
  return out;
}
Json MappingOf(const NestedField& f) {
  Json m{{"field-id", f.id}, {"names", Json::array({f.name})}};
  Json children = MappingsOf(*f.type);
  if (!children.empty()) m["fields"] = children;
  return m;
}

}  // namespace

Result<IcebergSchema> SchemaFor(const arrow::Schema& arrow, int schema_id, const IcebergSchema* previous,
                                int last_column_id, const std::vector<std::string>& primary_key) {
  TypeMapper mapper;
  IcebergSchema schema;
  schema.schema_id = schema_id;
  for (const auto& field : arrow.fields()) {
    NestedField f{0, field->name(), !field->nullable(), nullptr};
    HANGAR_ASSIGN_OR_RETURN(f.type, mapper.Map(*field->type(), field->name()));
    schema.fields.push_back(std::move(f));
  }
  if (previous == nullptr) {
    int next = 1;
    for (auto& f : schema.fields) f.id = next++;
    for (auto& f : schema.fields) f.type = Number(f.type, &next);
  } else {
    // A column of the same name and type keeps its field (and nested ids);
    // any other column is new.
    int next = std::max(last_column_id, previous->highest_field_id) + 1;
    std::vector<NestedField*> fresh;
    for (auto& f : schema.fields) {
      const NestedField* old = FindField(*previous, f.name);
      if (old != nullptr && old->required == f.required && ShapeJson(*old->type) == ShapeJson(*f.type)) {
        f = *old;
      } else {
        fresh.push_back(&f);
      }
    }
    for (auto* f : fresh) f->id = next++;
    for (auto* f : fresh) f->type = Number(f->type, &next);
  }
  for (const auto& f : schema.fields) schema.highest_field_id = std::max(schema.highest_field_id, HighestId(f));
  for (const auto& key : primary_key) {
    const NestedField* f = FindField(schema, key);
    if (f == nullptr || !f->required) {
      schema.identifier_field_ids.clear();
      break;
    }
    schema.identifier_field_ids.push_back(f->id);
  }
  return schema;
}

bool SameFields(const IcebergSchema& a, const IcebergSchema& b) {
  Json fa = SchemaJson(a), fb = SchemaJson(b);
  return fa["fields"] == fb["fields"] &&
         fa.value("identifier-field-ids", Json()) == fb.value("identifier-field-ids", Json());
}

Json SchemaJson(const IcebergSchema& schema) {
  Json fields = Json::array();
  for (const auto& f : schema.fields) fields.push_back(FieldJson(f));
  Json j{{"type", "struct"}, {"schema-id", schema.schema_id}, {"fields", fields}};
  if (!schema.identifier_field_ids.empty()) j["identifier-field-ids"] = schema.identifier_field_ids;
  return j;
}

Result<IcebergSchema> ParseSchemaJson(const Json& json) {
  if (!json.is_object() || !json.contains("fields") || !json["fields"].is_array())
    return Status::Invalid("an Iceberg schema is an object with 'fields'");
  IcebergSchema schema;
  schema.schema_id = json.value("schema-id", 0);
  for (const auto& f : json["fields"]) {
    HANGAR_ASSIGN_OR_RETURN(auto field, ParseField(f));
    schema.highest_field_id = std::max(schema.highest_field_id, HighestId(field));
    schema.fields.push_back(std::move(field));
  }
  if (json.contains("identifier-field-ids") && json["identifier-field-ids"].is_array())
    for (const auto& id : json["identifier-field-ids"])
      if (id.is_number_integer()) schema.identifier_field_ids.push_back(id.get<int>());
  return schema;
}

Json NameMapping(const IcebergSchema& schema) {
  Json out = Json::array();
  for (const auto& f : schema.fields) out.push_back(MappingOf(f));
  return out;
}

const NestedField* FindField(const IcebergSchema& schema, std::string_view name) {
  for (const auto& f : schema.fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace hangar::iceberg
