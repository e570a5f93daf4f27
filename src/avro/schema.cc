#include "avro/schema.h"

#include <array>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace hangar::avro {

using Json = nlohmann::json;

std::string_view AvroTypeName(AvroType type) {
  switch (type) {
    case AvroType::kNull: return "null";
    case AvroType::kBoolean: return "boolean";
    case AvroType::kInt: return "int";
    case AvroType::kLong: return "long";
    case AvroType::kFloat: return "float";
    case AvroType::kDouble: return "double";
    case AvroType::kBytes: return "bytes";
    case AvroType::kString: return "string";
    case AvroType::kRecord: return "record";
    case AvroType::kEnum: return "enum";
    case AvroType::kArray: return "array";
    case AvroType::kMap: return "map";
    case AvroType::kUnion: return "union";
    case AvroType::kFixed: return "fixed";
  }
  return "?";
}

namespace {

std::optional<AvroType> Primitive(std::string_view name) {
  static const std::map<std::string_view, AvroType> kPrimitives = {
      {"null", AvroType::kNull},   {"boolean", AvroType::kBoolean}, {"int", AvroType::kInt},
      {"long", AvroType::kLong},   {"float", AvroType::kFloat},     {"double", AvroType::kDouble},
      {"bytes", AvroType::kBytes}, {"string", AvroType::kString}};
  auto it = kPrimitives.find(name);
  if (it == kPrimitives.end()) return std::nullopt;
  return it->second;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

// Builds the node graph; named types are registered before their contents
// are parsed, so that a record may refer to itself.
class SchemaParser {
 public:
  explicit SchemaParser(AvroSchema* schema) : schema_(schema) {}

  Result<const AvroNode*> Parse(const Json& j, const std::string& ns, const std::string& where) {
    if (j.is_string()) return Reference(j.get<std::string>(), ns, where);
    if (j.is_array()) {
      AvroNode* node = New(AvroType::kUnion);
      for (size_t i = 0; i < j.size(); ++i) {
        HANGAR_ASSIGN_OR_RETURN(auto branch, Parse(j[i], ns, where + "[" + std::to_string(i) + "]"));
        if (branch->type == AvroType::kUnion) return Error(where, "a union may not contain a union");
        for (const auto* other : node->branches) {
          const bool same = other->is_named() ? (branch->is_named() && other->full_name == branch->full_name)
                                              : other->type == branch->type;
          if (same) return Error(where, "the union has two branches of type " + Describe(*branch));
        }
        node->branches.push_back(branch);
      }
      return node;
    }
    if (!j.is_object()) return Error(where, "a schema is a string, an array (union) or an object");
    if (!j.contains("type")) return Error(where, "the object has no \"type\"");
    const Json& type = j["type"];
    if (!type.is_string()) {
      // {"type": {"type": "int"}} and {"type": [..]}: the type is itself a schema.
      return Parse(type, ns, where);
    }
    const std::string type_name = type.get<std::string>();
    if (type_name == "record" || type_name == "error") return Record(j, ns, where);
    if (type_name == "enum") return Enum(j, ns, where);
    if (type_name == "fixed") return Fixed(j, ns, where);
    AvroNode* node = nullptr;
    if (type_name == "array") {
      if (!j.contains("items")) return Error(where, "an array needs \"items\"");
      node = New(AvroType::kArray);
      HANGAR_ASSIGN_OR_RETURN(node->items, Parse(j["items"], ns, where + ".items"));
    } else if (type_name == "map") {
      if (!j.contains("values")) return Error(where, "a map needs \"values\"");
      node = New(AvroType::kMap);
      HANGAR_ASSIGN_OR_RETURN(node->values, Parse(j["values"], ns, where + ".values"));
    } else if (auto primitive = Primitive(type_name)) {
      node = New(*primitive);
    } else {
      return Reference(type_name, ns, where);  // {"type": "SomeRecord"}: a reference written as an object
    }
    return WithLogicalType(j, node, where);
  }

 private:
  AvroNode* New(AvroType type) {
    schema_->nodes_.push_back(std::make_unique<AvroNode>());
    schema_->nodes_.back()->type = type;
    return schema_->nodes_.back().get();
  }

  static Status Error(const std::string& where, const std::string& what) {
    return Status::Invalid("Avro schema" + (where.empty() ? std::string() : " at " + where) + ": " + what);
  }

  static std::string Describe(const AvroNode& n) {
    return n.is_named() ? n.full_name : std::string(AvroTypeName(n.type));
  }

  Result<const AvroNode*> Reference(const std::string& name, const std::string& ns, const std::string& where) {
    if (auto primitive = Primitive(name)) {
      // A primitive is one node per use: logical types may differ per use.
      return static_cast<const AvroNode*>(New(*primitive));
    }
    const std::string full = name.find('.') != std::string::npos || ns.empty() ? name : ns + "." + name;
    for (const std::string& candidate : {full, name}) {
      auto it = named_.find(candidate);
      if (it != named_.end()) return it->second;
    }
    return Error(where, "unknown type '" + name + "'");
  }

  // The full name and namespace a named type's "name"/"namespace" give.
  Result<std::pair<std::string, std::string>> FullName(const Json& j, const std::string& ns, const std::string& where) {
    if (!j.contains("name") || !j["name"].is_string()) return Error(where, "a named type needs a \"name\"");
    std::string name = j["name"].get<std::string>();
    std::string space = ns;
    if (j.contains("namespace") && j["namespace"].is_string()) space = j["namespace"].get<std::string>();
    if (auto dot = name.rfind('.'); dot != std::string::npos) {
      space = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    if (!ValidName(name)) return Error(where, "'" + name + "' is not a valid name");
    std::string full = space.empty() ? name : space + "." + name;
    return std::make_pair(std::move(full), std::move(space));
  }

  Result<AvroNode*> Named(AvroType type, const Json& j, const std::string& ns, const std::string& where,
                          std::string* space) {
    HANGAR_ASSIGN_OR_RETURN(auto names, FullName(j, ns, where));
    if (Primitive(names.first)) return Error(where, "'" + names.first + "' is a primitive type name");
    if (named_.count(names.first)) return Error(where, "type '" + names.first + "' is defined twice");
    AvroNode* node = New(type);
    node->full_name = names.first;
    *space = names.second;
    if (j.contains("aliases") && j["aliases"].is_array()) {
      for (const auto& a : j["aliases"]) {
        if (!a.is_string()) continue;
        std::string alias = a.get<std::string>();
        node->aliases.push_back(alias.find('.') != std::string::npos || space->empty() ? alias : *space + "." + alias);
      }
    }
    named_[node->full_name] = node;
    return node;
  }

  Result<const AvroNode*> Record(const Json& j, const std::string& ns, const std::string& where) {
    std::string space;
    HANGAR_ASSIGN_OR_RETURN(auto node, Named(AvroType::kRecord, j, ns, where, &space));
    if (!j.contains("fields") || !j["fields"].is_array()) return Error(node->full_name, "a record needs \"fields\"");
    for (const auto& f : j["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
        return Error(node->full_name, "a field needs a \"name\" and a \"type\"");
      AvroField field;
      field.name = f["name"].get<std::string>();
      const std::string at = node->full_name + "." + field.name;
      if (!ValidName(field.name)) return Error(at, "'" + field.name + "' is not a valid field name");
      for (const auto& existing : node->fields) {
        if (existing.name == field.name) return Error(at, "the record has two fields named '" + field.name + "'");
      }
      HANGAR_ASSIGN_OR_RETURN(field.type, Parse(f["type"], space, at));
      if (f.contains("default")) field.default_json = JsonText(f["default"]);
      if (f.contains("aliases") && f["aliases"].is_array()) {
        for (const auto& a : f["aliases"]) {
          if (a.is_string()) field.aliases.push_back(a.get<std::string>());
        }
      }
      node->fields.push_back(std::move(field));
    }
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> Enum(const Json& j, const std::string& ns, const std::string& where) {
    std::string space;
    HANGAR_ASSIGN_OR_RETURN(auto node, Named(AvroType::kEnum, j, ns, where, &space));
    if (!j.contains("symbols") || !j["symbols"].is_array()) return Error(node->full_name, "an enum needs \"symbols\"");
    for (const auto& s : j["symbols"]) {
      if (!s.is_string() || !ValidName(s.get<std::string>()))
        return Error(node->full_name, "enum symbol " + JsonText(s) + " is not a valid name");
      for (const auto& existing : node->symbols) {
        if (existing == s.get<std::string>())
          return Error(node->full_name, "enum symbol " + JsonText(s) + " is repeated");
      }
      node->symbols.push_back(s.get<std::string>());
    }
    if (j.contains("default") && j["default"].is_string()) node->enum_default = j["default"].get<std::string>();
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> Fixed(const Json& j, const std::string& ns, const std::string& where) {
    std::string space;
    HANGAR_ASSIGN_OR_RETURN(auto node, Named(AvroType::kFixed, j, ns, where, &space));
    if (!j.contains("size") || !j["size"].is_number_integer() || j["size"].get<int64_t>() < 0)
      return Error(node->full_name, "a fixed needs a non-negative integer \"size\"");
    node->size = j["size"].get<int64_t>();
    return WithLogicalType(j, node, where);
  }

  // Logical types annotate a node; an invalid one is ignored, as the
  // specification requires (the underlying type is used).
  static Result<const AvroNode*> WithLogicalType(const Json& j, AvroNode* node, const std::string&) {
    if (!j.contains("logicalType") || !j["logicalType"].is_string()) return static_cast<const AvroNode*>(node);
    const std::string logical = j["logicalType"].get<std::string>();
    if (logical == "decimal") {
      const int64_t precision =
          j.contains("precision") && j["precision"].is_number_integer() ? j["precision"].get<int64_t>() : 0;
      const int64_t scale = j.contains("scale") && j["scale"].is_number_integer() ? j["scale"].get<int64_t>() : 0;
      const bool fits =
          node->type == AvroType::kBytes ||
          (node->type == AvroType::kFixed &&
           precision <= static_cast<int64_t>(std::floor(std::log10(2) * (8 * static_cast<double>(node->size) - 1))));
      if (precision <= 0 || scale < 0 || scale > precision || !fits) return static_cast<const AvroNode*>(node);
      node->precision = static_cast<int32_t>(precision);
      node->scale = static_cast<int32_t>(scale);
    }
    node->logical_type = logical;
    return static_cast<const AvroNode*>(node);
  }

  AvroSchema* schema_;
  std::map<std::string, AvroNode*> named_;
};

Result<std::shared_ptr<const AvroSchema>> AvroSchema::Parse(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("Avro schema: not valid JSON");
  auto schema = std::make_shared<AvroSchema>();
  SchemaParser parser(schema.get());
  HANGAR_ASSIGN_OR_RETURN(schema->root_, parser.Parse(j, "", ""));
  return std::shared_ptr<const AvroSchema>(std::move(schema));
}

namespace {

void Canonical(const AvroNode& n, std::vector<std::string>* seen, std::string* out) {
  auto quoted = [](const std::string& s) { return JsonText(Json(s)); };
  if (n.is_named()) {
    for (const auto& s : *seen) {
      if (s == n.full_name) {
        *out += quoted(n.full_name);
        return;
      }
    }
    seen->push_back(n.full_name);
  }
  switch (n.type) {
    case AvroType::kRecord:
      *out += "{\"name\":" + quoted(n.full_name) + ",\"type\":\"record\",\"fields\":[";
      for (size_t i = 0; i < n.fields.size(); ++i) {
        if (i) *out += ",";
        *out += "{\"name\":" + quoted(n.fields[i].name) + ",\"type\":";
        Canonical(*n.fields[i].type, seen, out);
        *out += "}";
      }
      *out += "]}";
      return;
    case AvroType::kEnum:
      *out += "{\"name\":" + quoted(n.full_name) + ",\"type\":\"enum\",\"symbols\":[";
      for (size_t i = 0; i < n.symbols.size(); ++i) *out += (i ? "," : "") + quoted(n.symbols[i]);
      *out += "]}";
      return;
    case AvroType::kFixed:
      *out += "{\"name\":" + quoted(n.full_name) + ",\"type\":\"fixed\",\"size\":" + std::to_string(n.size) + "}";
      return;
    case AvroType::kArray:
      *out += "{\"type\":\"array\",\"items\":";
      Canonical(*n.items, seen, out);
      *out += "}";
      return;
    case AvroType::kMap:
      *out += "{\"type\":\"map\",\"values\":";
      Canonical(*n.values, seen, out);
      *out += "}";
      return;
    case AvroType::kUnion:
      *out += "[";
      for (size_t i = 0; i < n.branches.size(); ++i) {
        if (i) *out += ",";
        Canonical(*n.branches[i], seen, out);
      }
      *out += "]";
      return;
    default: *out += "\"" + std::string(AvroTypeName(n.type)) + "\""; return;
  }
}

}  // namespace

std::string AvroSchema::CanonicalForm() const {
  std::vector<std::string> seen;
  std::string out;
  Canonical(*root_, &seen, &out);
  return out;
}

uint64_t Fingerprint64(std::string_view bytes) {
  static constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ull;
  static const auto table = [] {
    std::array<uint64_t, 256> t{};
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t fp = i;
      for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kEmpty & (0 - (fp & 1)));
      t[i] = fp;
    }
    return t;
  }();
  uint64_t fp = kEmpty;
  for (unsigned char b : bytes) fp = (fp >> 8) ^ table[(fp ^ b) & 0xff];
  return fp;
}

uint64_t AvroSchema::Fingerprint() const { return Fingerprint64(CanonicalForm()); }

}  // namespace hangar::avro
