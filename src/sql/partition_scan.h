// Pure scans of a topic, split by partition: what lets a cluster answer a
// query with one endpoint per partition, each run by the node that owns it.
// And whole scans of a table (`SELECT * FROM t` and nothing else), which the
// table store answers without DuckDB.
//
// A query is a pure scan when it is a projection and a filter over one
// topic: one SELECT with a single base table `kafka.<topic>` in FROM, no
// aggregates, window functions, subqueries, GROUP BY, HAVING, QUALIFY,
// ORDER BY, LIMIT, DISTINCT or CTEs. Its result is then the union of its
// results over each partition, in any order. Both the test and the rewrite
// work on DuckDB's own parse (json_serialize_sql / json_deserialize_sql),
// never on the text.
#pragma once

#include <optional>
#include <string>

#include "duckdb/database.h"
#include "sql/query_check.h"
#include "store/names.h"

namespace hangar::sql {

// The value of `SELECT function($1::VARCHAR)` for `argument` (DuckDB's error
// message in a JSON object when it fails, as json_serialize_sql reports).
Result<std::string> CallTextFunction(duckdb::Connection& connection, const std::string& function,
                                     const std::string& argument);

// The topic `sql` purely scans, or nullopt when it is anything else.
Result<std::optional<store::QualifiedName>> PureTopicScan(duckdb::Connection& connection, const std::string& sql);

// Whether `query` is `SELECT * FROM <one table or view>` and nothing more:
// no column list, EXCLUDE, REPLACE or qualified star, no filter, sample,
// time travel, grouping, ordering, limit, DISTINCT or CTE.
bool IsWholeTableScan(const ParsedQuery& query);

// `sql` (a pure scan) reading only `partition` of its topic: the table is
// replaced by `scan_function('kafka.<topic>#<partition>')` under the same alias.
Result<std::string> PartitionScanSql(duckdb::Connection& connection, const std::string& sql,
                                     const std::string& scan_function, int32_t partition);

}  // namespace hangar::sql
