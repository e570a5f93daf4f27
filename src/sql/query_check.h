// What a query reads, from DuckDB's own parse of it — the basis of SQL
// permissions, and what keeps SQL from reaching any file by name.
//
// Hangar's relations are DuckDB views (`"default".users`, `kafka.orders`);
// a user may read one only with read permission on its name. DuckDB parses
// the query (json_serialize_sql, which serializes SELECT statements only —
// so anything else is refused here) and every table reference in the tree
// is checked:
// - a name that is a Hangar relation (matched as DuckDB matches names,
//   whatever the case) becomes a resource to check, under its own name;
// - a bare name may also be a CTE, where that CTE is in scope (its WITH's
//   query, and the CTEs defined after it) — outside its scope DuckDB would
//   read a file of that name;
// - any other name is refused: DuckDB would look for a file called so;
// - DuckDB's metadata schemas are readable only through the views that show
//   no view definitions and no paths (information_schema.tables, columns,
//   schemata, ...; pg_catalog's namespace/class/attribute/type tables);
// - table functions other than a few generators are refused, since
//   read_parquet, query_table and their like read around the views, and so
//   are the scalar functions that show the server's settings (paths).
// A statement whose parse holds more than kMaxQueryNodes nodes is refused
// before DuckDB plans it: DuckDB's planning time grows with the square of
// a long OR list, and cannot be interrupted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duckdb/database.h"
#include "store/names.h"

namespace hangar::sql {

// `default` is a reserved word in SQL, so `default.users` does not parse;
// Hangar's names are spelled that way, so the word is quoted wherever it is
// followed by a dot (outside strings, quoted identifiers and comments).
std::string QuoteDefaultNamespace(std::string_view sql);

// The Hangar relation (table or topic) a namespace.name as written means,
// its name as Hangar spells it; nullopt if none; INVALID_ARGUMENT if the
// name is ambiguous (two relations that differ only by case).
using RelationResolver = std::function<Result<std::optional<store::QualifiedName>>(const store::QualifiedName&)>;

inline constexpr int64_t kMaxQueryNodes = 50000;

// A statement as DuckDB parsed it (json_serialize_sql), before any check.
struct ParsedQuery {
  std::string tree;  // DuckDB's JSON
};
// Parses `sql`: INVALID_ARGUMENT for anything but one SELECT statement, or
// one over kMaxQueryNodes nodes.
Result<ParsedQuery> ParseQuery(duckdb::Connection& connection, const std::string& sql);

// The Hangar relations a parsed statement reads (each once, in order of
// appearance), or INVALID_ARGUMENT for what it may not read (see above).
// Bare names are those of namespace `bare_names_in`.
Result<std::vector<store::QualifiedName>> RelationsIn(const ParsedQuery& query, const RelationResolver& resolve,
                                                      std::string_view bare_names_in = store::kDefaultNamespace);

// ParseQuery, then RelationsIn.
Result<std::vector<store::QualifiedName>> RelationsRead(duckdb::Connection& connection, const std::string& sql,
                                                        const RelationResolver& resolve,
                                                        std::string_view bare_names_in = store::kDefaultNamespace);

}  // namespace hangar::sql
