#include "sql/query_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "sql/partition_scan.h"

namespace hangar::sql {

namespace {

// Table functions a query may call: they generate rows and read nothing.
const std::set<std::string>& AllowedTableFunctions() {
  static const std::set<std::string> allowed = {"range", "generate_series", "unnest", "generate_subscripts"};
  return allowed;
}

// DuckDB's own metadata schemas: readable by anyone, they hold no data.
bool IsSystemSchema(std::string_view schema) {
  return schema == "information_schema" || schema == "pg_catalog";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct TableRef {
  std::string catalog, schema, table;
};

void Collect(const nlohmann::json& node, std::vector<TableRef>& tables, std::vector<std::string>& functions,
             std::set<std::string>& ctes) {
  if (node.is_array()) {
    for (const auto& child : node) Collect(child, tables, functions, ctes);
    return;
  }
  if (!node.is_object()) return;
  auto type = node.find("type");
  if (type != node.end() && type->is_string()) {
    if (*type == "BASE_TABLE") {
      tables.push_back({node.value("catalog_name", ""), node.value("schema_name", ""), node.value("table_name", "")});
    } else if (*type == "TABLE_FUNCTION" && node.contains("function") && node["function"].is_object()) {
      functions.push_back(node["function"].value("function_name", ""));
    }
  }
  auto cte_map = node.find("cte_map");
  if (cte_map != node.end() && cte_map->is_object() && cte_map->contains("map")) {
    for (const auto& entry : (*cte_map)["map"])
      if (entry.is_object() && entry.contains("key") && entry["key"].is_string()) ctes.insert(Lower(entry["key"].get<std::string>()));
  }
  for (const auto& [key, child] : node.items()) Collect(child, tables, functions, ctes);
}

}  // namespace

std::string QuoteDefaultNamespace(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  size_t i = 0;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
  while (i < sql.size()) {
    const char c = sql[i];
    size_t end = i + 1;
    if (c == '\'' || c == '"') {  // a string or a quoted identifier; doubled quotes stay inside
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          ++end;
          break;
        }
        ++end;
      }
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (is_word(c)) {
      while (end < sql.size() && is_word(sql[end])) ++end;
      size_t next = end;
      while (next < sql.size() && std::isspace(static_cast<unsigned char>(sql[next]))) ++next;
      if (Lower(sql.substr(i, end - i)) == "default" && next < sql.size() && sql[next] == '.') {
        out += "\"default\"";
        i = end;
        continue;
      }
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

Result<std::vector<store::QualifiedName>> RelationsRead(duckdb::Connection& connection, const std::string& sql,
                                                        const RelationExists& exists) {
  HANGAR_ASSIGN_OR_RETURN(auto text, CallTextFunction(connection, "json_serialize_sql", sql));
  auto tree = nlohmann::json::parse(text, nullptr, false);
  if (!tree.is_object()) return Status::Internal("DuckDB's parse of the query is not JSON");
  if (tree.value("error", false)) {
    std::string message = tree.value("error_message", std::string("cannot parse the query"));
    if (message.find("Only SELECT") != std::string::npos)
      return Status::Invalid("only queries (SELECT, VALUES, WITH ...) run as a statement query; "
                             "INSERT INTO a table is an update (CommandStatementUpdate)");
    return Status::Invalid(message);
  }
  const auto& statements = tree["statements"];
  if (!statements.is_array() || statements.size() != 1)
    return Status::Invalid("expected exactly one SQL statement, got " + std::to_string(statements.size()));

  std::vector<TableRef> tables;
  std::vector<std::string> functions;
  std::set<std::string> ctes;
  Collect(statements, tables, functions, ctes);
  for (const auto& function : functions) {
    if (!AllowedTableFunctions().count(Lower(function)))
      return Status::Invalid("the table function " + function +
                             " is not available through Hangar: read tables and topics by name (\"default\".t, kafka.t)");
  }
  std::vector<store::QualifiedName> out;
  auto add = [&](store::QualifiedName name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const auto& ref : tables) {
    if (!ref.catalog.empty() && ref.catalog != "memory" && ref.catalog != "system")
      return Status::Invalid("unknown catalog '" + ref.catalog + "' in " + ref.catalog + "." + ref.schema + "." + ref.table);
    if (IsSystemSchema(ref.schema)) continue;
    if (ref.schema.empty()) {
      store::QualifiedName name{std::string(store::kDefaultNamespace), ref.table};
      const bool is_relation = exists(name);
      if (is_relation) {
        add(std::move(name));  // even if a CTE has its name: the reference may be outside its scope
        continue;
      }
      if (ctes.count(Lower(ref.table))) continue;
      return Status::Invalid("no table named '" + ref.table + "' (tables are namespace.name; topics kafka.name)");
    }
    add(store::QualifiedName{ref.schema, ref.table});
  }
  return out;
}

}  // namespace hangar::sql
