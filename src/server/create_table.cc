#include "server/create_table.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "arrow/json/integration_json.h"
#include "arrow/type_parse.h"
#include "base/client_json.h"
#include "base/json_text.h"
#include "store/partition_spec.h"
#include "store/primary_key.h"

namespace hangar::server {

namespace {

Result<arrow::FieldPtr> FieldFromJson(const nlohmann::json& f, size_t index) {
  const std::string where = "schema_json field " + std::to_string(index);
  if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
    return Status::Invalid(where + " needs a \"name\" string and a \"type\"");
  const std::string name = f["name"].get<std::string>();
  const bool nullable = f.value("nullable", true);
  const auto& type = f["type"];
  if (type.is_string()) {
    auto parsed = arrow::ParseType(type.get<std::string>());
    if (!parsed.ok()) return parsed.status().WithContext("field '" + name + "'");
    return arrow::field(name, *parsed, nullable);
  }
  if (!type.is_object()) return Status::Invalid("field '" + name + "': \"type\" must be a type name or a type object");
  // An integration-JSON field: read it as the one field of an integration file.
  nlohmann::json field = f;
  if (!field.contains("children")) field["children"] = nlohmann::json::array();
  if (!field.contains("nullable")) field["nullable"] = true;
  nlohmann::json file = {{"schema", {{"fields", nlohmann::json::array({field})}}},
                         {"batches", nlohmann::json::array()}};
  auto parsed = arrow::json::ParseJson(JsonText(file));
  if (!parsed.ok()) return parsed.status().WithContext("field '" + name + "'");
  return parsed->schema->field(0);
}

}  // namespace

Result<CreateTableRequest> ParseCreateTable(std::string_view body) {
  auto json = ParseClientJson(body);
  if (json.is_discarded() || !json.is_object())
    return Status::Invalid("CreateTable needs a JSON body {\"name\": ..., \"schema_json\": ...}");
  if (!json.contains("name") || !json["name"].is_string()) return Status::Invalid("CreateTable: \"name\" is missing");
  CreateTableRequest out;
  HANGAR_ASSIGN_OR_RETURN(out.name, store::ParseQualifiedName(json["name"].get<std::string>()));
  // primary_key: a column name or a list of them.
  if (json.contains("primary_key") && !json["primary_key"].is_null()) {
    const auto& key = json["primary_key"];
    if (key.is_string()) {
      out.primary_key.push_back(key.get<std::string>());
    } else if (key.is_array() && std::all_of(key.begin(), key.end(), [](const auto& k) { return k.is_string(); })) {
      for (const auto& k : key) out.primary_key.push_back(k.get<std::string>());
    } else {
      return Status::Invalid("CreateTable: primary_key must be a column name or a list of column names");
    }
  }
  // table_type defaults to what primary_key implies.
  if (json.contains("table_type") && !json["table_type"].is_string())
    return Status::Invalid("CreateTable: table_type must be \"append_only\" or \"primary_key\"");
  const std::string table_type = json.value("table_type", out.primary_key.empty() ? "append_only" : "primary_key");
  if (table_type == "primary_key") {
    if (out.primary_key.empty())
      return Status::Invalid("CreateTable: a primary_key table needs \"primary_key\": the key column(s)");
  } else if (table_type == "append_only") {
    if (!out.primary_key.empty())
      return Status::Invalid(
          "CreateTable: an append_only table has no primary_key (or say table_type \"primary_key\")");
  } else {
    return Status::Invalid("CreateTable: table_type must be append_only or primary_key, not '" + table_type + "'");
  }
  if (!json.contains("schema_json")) return Status::Invalid("CreateTable: \"schema_json\" is missing");
  nlohmann::json schema = json["schema_json"];
  if (schema.is_string()) {
    schema = ParseClientJson(schema.get<std::string>());
    if (schema.is_discarded()) return Status::Invalid("CreateTable: schema_json is not valid JSON");
  }
  if (!schema.is_object() || !schema.contains("fields") || !schema["fields"].is_array())
    return Status::Invalid("CreateTable: schema_json must be {\"fields\": [...]}");
  std::vector<arrow::FieldPtr> fields;
  for (size_t i = 0; i < schema["fields"].size(); ++i) {
    HANGAR_ASSIGN_OR_RETURN(auto f, FieldFromJson(schema["fields"][i], i));
    fields.push_back(std::move(f));
  }
  if (fields.empty()) return Status::Invalid("CreateTable: a table needs at least one field");
  out.schema = arrow::schema(std::move(fields));
  if (!out.primary_key.empty()) {
    Status st = store::CheckPrimaryKey(*out.schema, out.primary_key);
    if (!st.ok()) return st.WithContext("CreateTable");
  }
  if (json.contains("partition_spec") && !json["partition_spec"].is_null()) {
    // An object, or (like schema_json) a JSON string holding one.
    const auto& spec = json["partition_spec"];
    auto parsed = store::ParsePartitionSpec(spec.is_string() ? spec.get<std::string>() : JsonText(spec), *out.schema);
    if (!parsed.ok()) return parsed.status().WithContext("CreateTable");
    out.partition_spec = std::move(*parsed);
  }
  return out;
}

}  // namespace hangar::server
