// INSERT INTO a Hangar table, taken apart so that it can go through the
// table write path (an atomic put) instead of DuckDB's own tables:
//
//   INSERT INTO name [(column, ...)] query
//
// where name is `t`, `ns.t` (either part may be "quoted") and query is any
// SELECT, VALUES, WITH or FROM query. The query runs through the SQL engine
// (with its permission checks) and its rows are appended to the table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::sql {

struct InsertStatement {
  std::string table;                 // "users" or "ns.users", unquoted
  std::vector<std::string> columns;  // empty: every column, in order
  std::string query;
};

// The INSERT in `sql`; nullopt if `sql` is not an INSERT; INVALID_ARGUMENT
// for an INSERT of a form Hangar does not take (OR REPLACE, DEFAULT VALUES).
Result<std::optional<InsertStatement>> ParseInsert(std::string_view sql);

}  // namespace hangar::sql
