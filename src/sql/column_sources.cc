#include "sql/column_sources.h"

#include <nlohmann/json.hpp>

namespace hangar::sql {

namespace {

using nlohmann::json;

std::string StringAt(const json& node, const char* key) {
  return node.contains(key) && node[key].is_string() ? node[key].get<std::string>() : "";
}

// A `*` that stands for every column of the FROM, unchanged.
bool IsPlainStar(const json& e) {
  auto empty = [&](const char* key) { return !e.contains(key) || e[key].is_null() || e[key].empty(); };
  return StringAt(e, "class") == "STAR" && empty("exclude_list") && empty("replace_list") && empty("rename_list") &&
         empty("qualified_exclude_list") && empty("expr") &&
         !(e.contains("columns") && e["columns"].is_boolean() && e["columns"].get<bool>());
}

std::optional<int> ParameterOf(const json& e) {
  if (StringAt(e, "class") != "PARAMETER") return std::nullopt;
  const std::string id = StringAt(e, "identifier");
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos || id.size() > 6) return std::nullopt;
  return std::stoi(id);
}

}  // namespace

std::vector<ColumnSource> ColumnSources(const ParsedQuery& query, const RelationResolver& resolve,
                                        std::string_view bare_names_in, size_t result_columns) {
  const std::vector<ColumnSource> unknown(result_columns);
  const json tree = json::parse(query.tree, nullptr, false);
  if (!tree.is_object() || !tree.contains("statements") || tree["statements"].size() != 1) return unknown;
  const json& node = tree["statements"][0]["node"];
  if (StringAt(node, "type") != "SELECT_NODE" || !node.contains("select_list") || !node.contains("from_table"))
    return unknown;
  if (node.contains("cte_map") && node["cte_map"].contains("map") && !node["cte_map"]["map"].empty()) return unknown;
  const json& from = node["from_table"];
  const json& list = node["select_list"];
  const std::string from_type = StringAt(from, "type");

  // What a `*` stands for: the table's columns, or the one row of VALUES.
  std::optional<store::QualifiedName> table;
  std::vector<ColumnSource> star;
  if (from_type == "BASE_TABLE") {
    const std::string schema = StringAt(from, "schema_name");
    auto found = resolve(
        store::QualifiedName{schema.empty() ? std::string(bare_names_in) : schema, StringAt(from, "table_name")});
    if (!found.ok() || !*found) return unknown;
    table = **found;
  } else if (from_type == "EXPRESSION_LIST") {
    if (!from.contains("values") || from["values"].size() != 1) return unknown;
    for (const auto& value : from["values"][0]) star.push_back(ColumnSource{std::nullopt, ParameterOf(value)});
  } else if (from_type != "EMPTY") {
    return unknown;
  }

  std::vector<ColumnSource> out;
  size_t stars = 0;
  for (const auto& e : list) stars += StringAt(e, "class") == "STAR" ? 1 : 0;
  if (stars > 1 || list.size() - stars > result_columns) return unknown;
  for (const auto& e : list) {
    const std::string kind = StringAt(e, "class");
    if (kind == "STAR") {
      if (!IsPlainStar(e)) return unknown;
      const size_t width = result_columns - (list.size() - 1);
      if (table) {
        out.insert(out.end(), width, ColumnSource{table, std::nullopt});
      } else {
        if (star.size() != width) return unknown;
        out.insert(out.end(), star.begin(), star.end());
      }
    } else if (kind == "COLUMN_REF" && table) {
      out.push_back(ColumnSource{table, std::nullopt});
    } else {
      out.push_back(ColumnSource{std::nullopt, ParameterOf(e)});
    }
  }
  if (out.size() != result_columns) return unknown;
  return out;
}

}  // namespace hangar::sql
