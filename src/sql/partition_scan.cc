#include "sql/partition_scan.h"

#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace hangar::sql {

namespace {

// DuckDB's parse of one SELECT statement, or why not.
Result<nlohmann::json> Parse(duckdb::Connection& connection, const std::string& sql) {
  HANGAR_ASSIGN_OR_RETURN(auto text, CallTextFunction(connection, "json_serialize_sql", sql));
  auto tree = nlohmann::json::parse(text, nullptr, false);
  if (!tree.is_object() || tree.value("error", false) || !tree["statements"].is_array() ||
      tree["statements"].size() != 1)
    return Status::Invalid("not a single SELECT statement");
  return tree;
}

// The names of DuckDB's aggregate functions (sum, count, ...).
Result<std::set<std::string>> AggregateNames(duckdb::Connection& connection) {
  static std::set<std::string> names;  // the same for every connection of this DuckDB version
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (!names.empty()) return names;
  duckdb_result result;
  if (duckdb_query(connection.handle(),
                   "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'aggregate'",
                   &result) != DuckDBSuccess) {
    Status st = connection.Failure(duckdb_result_error(&result), "DuckDB cannot list its aggregates");
    duckdb_destroy_result(&result);
    return st;
  }
  for (idx_t row = 0; row < duckdb_row_count(&result); ++row) {
    char* value = duckdb_value_varchar(&result, 0, row);
    if (value) names.insert(value);
    duckdb_free(value);
  }
  duckdb_destroy_result(&result);
  return names;
}

// Whether an expression tree holds anything that makes a query more than a
// row-by-row scan: an aggregate, a window, a subquery.
bool RowByRow(const nlohmann::json& node, const std::set<std::string>& aggregates) {
  if (node.is_array()) {
    for (const auto& child : node)
      if (!RowByRow(child, aggregates)) return false;
    return true;
  }
  if (!node.is_object()) return true;
  const std::string cls = node.value("class", "");
  if (cls == "WINDOW" || cls == "SUBQUERY") return false;
  if (cls == "FUNCTION" && aggregates.count(node.value("function_name", ""))) return false;
  for (const auto& [key, child] : node.items())
    if (!RowByRow(child, aggregates)) return false;
  return true;
}

}  // namespace

Result<std::string> CallTextFunction(duckdb::Connection& connection, const std::string& function,
                                     const std::string& argument) {
  duckdb_prepared_statement prepared = nullptr;
  const std::string query = "SELECT " + function + "($1::VARCHAR)";
  if (duckdb_prepare(connection.handle(), query.c_str(), &prepared) != DuckDBSuccess) {
    Status st = connection.Failure(duckdb_prepare_error(prepared), "DuckDB cannot run " + function);
    duckdb_destroy_prepare(&prepared);
    return st;
  }
  duckdb_bind_varchar_length(prepared, 1, argument.data(), argument.size());
  duckdb_result result;
  const bool ran = duckdb_execute_prepared(prepared, &result) == DuckDBSuccess;
  duckdb_destroy_prepare(&prepared);
  std::string text;
  if (ran) {
    char* value = duckdb_value_varchar(&result, 0, 0);
    if (value) text = value;
    duckdb_free(value);
  } else {
    text = std::string("{\"error\": true, \"error_message\": ") +
           JsonText(nlohmann::json(duckdb_result_error(&result))) + "}";
  }
  duckdb_destroy_result(&result);
  return text;
}

Result<std::optional<store::QualifiedName>> PureTopicScan(duckdb::Connection& connection, const std::string& sql) {
  const std::optional<store::QualifiedName> no;
  auto tree = Parse(connection, sql);
  if (!tree.ok()) return no;
  const auto& node = (*tree)["statements"][0]["node"];
  if (node.value("type", "") != "SELECT_NODE") return no;
  const auto& from = node["from_table"];
  if (!from.is_object() || from.value("type", "") != "BASE_TABLE" ||
      from.value("schema_name", "") != store::kKafkaNamespace || !from.value("catalog_name", "").empty() ||
      !from["sample"].is_null() || !from["at_clause"].is_null())
    return no;
  if (!node["modifiers"].empty() || !node["cte_map"]["map"].empty() || !node["group_expressions"].empty() ||
      !node["group_sets"].empty() || !node["having"].is_null() || !node["qualify"].is_null() ||
      !node["sample"].is_null() || node.value("aggregate_handling", "") != "STANDARD_HANDLING")
    return no;
  HANGAR_ASSIGN_OR_RETURN(auto aggregates, AggregateNames(connection));
  if (!RowByRow(node["select_list"], aggregates) || !RowByRow(node["where_clause"], aggregates)) return no;
  return std::optional<store::QualifiedName>(
      store::QualifiedName{std::string(store::kKafkaNamespace), from.value("table_name", "")});
}

bool IsWholeTableScan(const ParsedQuery& query) {
  auto tree = nlohmann::json::parse(query.tree, nullptr, false);
  if (!tree.is_object() || !tree["statements"].is_array() || tree["statements"].size() != 1) return false;
  const auto& node = tree["statements"][0]["node"];
  if (!node.is_object() || node.value("type", "") != "SELECT_NODE") return false;
  const auto& from = node["from_table"];
  if (!from.is_object() || from.value("type", "") != "BASE_TABLE" || !from["sample"].is_null() ||
      !from["at_clause"].is_null() || (from.contains("column_name_alias") && !from["column_name_alias"].empty()))
    return false;
  if (!node["modifiers"].empty() || !node["cte_map"]["map"].empty() || !node["group_expressions"].empty() ||
      !node["group_sets"].empty() || !node["having"].is_null() || !node["qualify"].is_null() ||
      !node["sample"].is_null() || !node["where_clause"].is_null() ||
      node.value("aggregate_handling", "") != "STANDARD_HANDLING")
    return false;
  const auto& list = node["select_list"];
  if (!list.is_array() || list.size() != 1) return false;
  const auto& star = list[0];
  auto empty = [&](const char* key) { return !star.contains(key) || star[key].empty(); };
  return star.value("class", "") == "STAR" && star.value("alias", "").empty() &&
         star.value("relation_name", "").empty() && empty("exclude_list") && empty("replace_list") &&
         empty("rename_list") && empty("qualified_exclude_list") && !star.value("columns", false) &&
         (!star.contains("expr") || star["expr"].is_null()) && !star.value("unpacked", false);
}

Result<std::string> PartitionScanSql(duckdb::Connection& connection, const std::string& sql,
                                     const std::string& scan_function, int32_t partition) {
  HANGAR_ASSIGN_OR_RETURN(auto tree, Parse(connection, sql));
  auto& from = tree["statements"][0]["node"]["from_table"];
  if (from.value("type", "") != "BASE_TABLE") return Status::Invalid("not a scan of one topic");
  const std::string topic = from.value("table_name", "");
  std::string alias = from.value("alias", "");
  if (alias.empty()) alias = topic;
  // The table function's node, as DuckDB writes it, from a query that holds
  // just that; the alias keeps every column reference of the query valid.
  const std::string argument = std::string(store::kKafkaNamespace) + "." + topic + "#" + std::to_string(partition);
  HANGAR_ASSIGN_OR_RETURN(
      auto scan, Parse(connection, "SELECT * FROM " + scan_function + "(" + duckdb::QuoteLiteral(argument) + ") AS " +
                                       duckdb::QuoteIdentifier(alias)));
  from = scan["statements"][0]["node"]["from_table"];
  HANGAR_ASSIGN_OR_RETURN(auto text, CallTextFunction(connection, "json_deserialize_sql", JsonText(tree)));
  if (text.rfind("{\"error\"", 0) == 0) return Status::Internal("DuckDB cannot write the partition's query: " + text);
  return text;
}

}  // namespace hangar::sql
