// What a query reads, from DuckDB's own parse of it — the basis of SQL
// permissions.
//
// Hangar's relations are DuckDB views (`"default".users`, `kafka.orders`);
// a user may read one only with read permission on its name. DuckDB parses
// the query (json_serialize_sql, which serializes SELECT statements only —
// so anything else is refused here) and every table reference in the tree
// is checked: names of Hangar relations become resources to check; table
// functions other than a few generators are refused, since functions such
// as read_parquet or query_table would read around the views; and a bare
// name that is neither a Hangar relation nor a CTE is refused, since DuckDB
// would read a file of that name.
#pragma once

#include <functional>
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

// Whether a namespace.name is a Hangar relation (table or topic).
using RelationExists = std::function<bool(const store::QualifiedName&)>;

// The Hangar relations `sql` reads (each once, in order of appearance).
// INVALID_ARGUMENT for anything but one SELECT statement, and for what it
// may not read (see above).
Result<std::vector<store::QualifiedName>> RelationsRead(duckdb::Connection& connection, const std::string& sql,
                                                        const RelationExists& exists);

}  // namespace hangar::sql
