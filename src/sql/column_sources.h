// Where each column of a statement's result comes from, when DuckDB's parse
// of it says so plainly: a column of the one table the statement reads
// (`SELECT id, name FROM users`, `SELECT * FROM sales.orders o`), or a
// parameter (`VALUES (?, ?)`, `SELECT $1, $2`). JDBC's getTableName and
// getSchemaName read the first (column_metadata.h); a prepared INSERT types
// its parameters by the second, as the table columns they fill.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/query_check.h"

namespace hangar::sql {

struct ColumnSource {
  std::optional<store::QualifiedName> table;  // a column of this table
  std::optional<int> parameter;               // or the value of this parameter (1-based)
};

// One source per result column (`result_columns` of them: a `*` stands for
// those the others leave), each empty where the column is computed; all
// empty when the statement is not one plain SELECT over one table or
// VALUES (joins, subqueries, CTEs, set operations).
std::vector<ColumnSource> ColumnSources(const ParsedQuery& query, const RelationResolver& resolve,
                                        std::string_view bare_names_in, size_t result_columns);

}  // namespace hangar::sql
