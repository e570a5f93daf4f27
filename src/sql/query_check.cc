#include "sql/query_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "metrics/registry.h"
#include "sql/partition_scan.h"

namespace hangar::sql {

namespace {

// Table functions a query may call: they generate rows and read nothing.
const std::set<std::string>& AllowedTableFunctions() {
  static const std::set<std::string> allowed = {"range", "generate_series", "unnest", "generate_subscripts"};
  return allowed;
}

// DuckDB's own metadata schemas, readable by anyone (they hold no data),
// through the views that show neither view definitions nor settings: a
// view's SQL names the table's files, with their paths.
bool IsSystemSchema(std::string_view schema) { return schema == "information_schema" || schema == "pg_catalog"; }
bool IsReadableSystemView(std::string_view schema, std::string_view table) {
  static const std::set<std::string, std::less<>> information_schema = {"schemata",
                                                                        "tables",
                                                                        "columns",
                                                                        "table_constraints",
                                                                        "key_column_usage",
                                                                        "referential_constraints",
                                                                        "constraint_column_usage",
                                                                        "character_sets"};
  static const std::set<std::string, std::less<>> pg_catalog = {
      "pg_namespace", "pg_class",      "pg_attribute", "pg_type",        "pg_tables", "pg_index",
      "pg_database",  "pg_constraint", "pg_attrdef",   "pg_description", "pg_am"};
  return schema == "information_schema" ? information_schema.count(table) > 0 : pg_catalog.count(table) > 0;
}

// Scalar functions that show the server's settings (its paths among them).
bool IsHiddenFunction(std::string_view name) { return name == "current_setting" || name == "getvariable"; }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct TableRef {
  std::string catalog, schema, table;
  bool cte = false;  // a bare name with a CTE of that name in scope
};

struct Collected {
  std::vector<TableRef> tables;
  std::vector<std::string> table_functions;
  std::vector<std::string> functions;
  int64_t nodes = 0;
};

// Walks DuckDB's parse tree. `scope` holds the CTE names (lower case) that
// a table reference at this point may mean: a WITH's names are in scope in
// its query and, one by one, in the CTEs defined after (and in, for a
// recursive one) each name — as DuckDB binds them.
void Collect(const nlohmann::json& node, std::vector<std::string>& scope, Collected& out) {
  ++out.nodes;
  if (node.is_array()) {
    for (const auto& child : node) Collect(child, scope, out);
    return;
  }
  if (!node.is_object()) return;
  auto type = node.find("type");
  if (type != node.end() && type->is_string()) {
    if (*type == "BASE_TABLE") {
      TableRef ref{node.value("catalog_name", ""), node.value("schema_name", ""), node.value("table_name", "")};
      ref.cte = ref.catalog.empty() && ref.schema.empty() &&
                std::find(scope.begin(), scope.end(), Lower(ref.table)) != scope.end();
      out.tables.push_back(std::move(ref));
    } else if (*type == "TABLE_FUNCTION" && node.contains("function") && node["function"].is_object()) {
      out.table_functions.push_back(node["function"].value("function_name", ""));
    }
  }
  if (node.value("class", "") == "FUNCTION") out.functions.push_back(node.value("function_name", ""));
  const size_t outer = scope.size();
  auto cte_map = node.find("cte_map");
  if (cte_map != node.end() && cte_map->is_object() && cte_map->contains("map") && (*cte_map)["map"].is_array()) {
    for (const auto& entry : (*cte_map)["map"]) {
      if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string()) continue;
      scope.push_back(Lower(entry["key"].get<std::string>()));  // itself (recursive CTEs) and what comes after
      if (entry.contains("value")) Collect(entry["value"], scope, out);
    }
  }
  for (const auto& [key, child] : node.items()) {
    if (key != "cte_map") Collect(child, scope, out);
  }
  scope.resize(outer);
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

Result<ParsedQuery> ParseQuery(duckdb::Connection& connection, const std::string& sql) {
  static auto& parses = metrics::DefaultRegistry()
                            .Counter("hangar_sql_parses_total",
                                     "SQL statements DuckDB parsed to find what they read (once per statement call)")
                            .WithLabels({});
  parses.Add();
  HANGAR_ASSIGN_OR_RETURN(auto text, CallTextFunction(connection, "json_serialize_sql", sql));
  return ParsedQuery{std::move(text)};
}

Result<std::vector<store::QualifiedName>> RelationsIn(const ParsedQuery& query, const RelationResolver& resolve,
                                                      std::string_view bare_names_in) {
  auto tree = nlohmann::json::parse(query.tree, nullptr, false);
  if (!tree.is_object()) return Status::Internal("DuckDB's parse of the query is not JSON");
  if (tree.value("error", false)) {
    std::string message = tree.value("error_message", std::string("cannot parse the query"));
    if (message.find("Only SELECT") != std::string::npos)
      return Status::Invalid(
          "only queries (SELECT, VALUES, WITH ...) run as a statement query; "
          "INSERT INTO a table is an update (CommandStatementUpdate)");
    return Status::Invalid(message);
  }
  const auto& statements = tree["statements"];
  if (!statements.is_array() || statements.size() != 1)
    return Status::Invalid("expected exactly one SQL statement, got " + std::to_string(statements.size()));

  Collected found;
  std::vector<std::string> scope;
  Collect(statements, scope, found);
  if (found.nodes > kMaxQueryNodes)
    return Status::Invalid("the statement is too large to plan: " + std::to_string(found.nodes) +
                           " parse nodes, at most " + std::to_string(kMaxQueryNodes) +
                           " (a long list of ORs is better written as IN (...) or a join)");
  for (const auto& function : found.table_functions) {
    if (!AllowedTableFunctions().count(Lower(function)))
      return Status::Invalid(
          "the table function " + function +
          " is not available through Hangar: read tables and topics by name (\"default\".t, kafka.t)");
  }
  for (const auto& function : found.functions) {
    if (IsHiddenFunction(Lower(function)))
      return Status::Invalid("the function " + function + " is not available through Hangar");
  }
  std::vector<store::QualifiedName> out;
  auto add = [&](store::QualifiedName name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const auto& ref : found.tables) {
    const std::string written =
        (ref.catalog.empty() ? "" : ref.catalog + ".") + (ref.schema.empty() ? "" : ref.schema + ".") + ref.table;
    if (!ref.catalog.empty() && ref.catalog != "memory" && ref.catalog != "system")
      return Status::Invalid("unknown catalog '" + ref.catalog + "' in " + written);
    if (IsSystemSchema(Lower(ref.schema))) {
      if (!IsReadableSystemView(Lower(ref.schema), Lower(ref.table)))
        return Status::Invalid(written +
                               " is not available through Hangar (its metadata: information_schema.tables, "
                               "columns, schemata; pg_catalog.pg_class, pg_attribute, ...)");
      continue;
    }
    if (ref.catalog == "system") return Status::Invalid("no table named '" + written + "'");
    // A relation first: a CTE named like a table hides it only in the CTE's scope.
    const store::QualifiedName asked{ref.schema.empty() ? std::string(bare_names_in) : ref.schema, ref.table};
    HANGAR_ASSIGN_OR_RETURN(auto relation, resolve(asked));
    if (relation) {
      add(std::move(*relation));
      continue;
    }
    if (ref.cte) continue;
    return Status::Invalid("no table named '" + written + "' (tables are namespace.name; topics kafka.name)");
  }
  return out;
}

Result<std::vector<store::QualifiedName>> RelationsRead(duckdb::Connection& connection, const std::string& sql,
                                                        const RelationResolver& resolve,
                                                        std::string_view bare_names_in) {
  HANGAR_ASSIGN_OR_RETURN(auto parsed, ParseQuery(connection, sql));
  return RelationsIn(parsed, resolve, bare_names_in);
}

}  // namespace hangar::sql
