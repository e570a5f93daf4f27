// A DuckDB table function over Arrow record batch sources: how SQL reads
// what is not a Parquet file — Kafka topics (hangar_scan, sql/relations.h),
// the rows of table memtables (hangar_memtable) and tables' read copies
// (hangar_read_copies, store/memtable_scan.h).
//
// f('name'): a ScanProvider turns a relation name into an Arrow schema (at bind) and a
// RecordBatchSource (at init, i.e. when the query starts: a topic is bounded
// by the high watermarks of that moment). Batches cross into DuckDB through
// the Arrow C Data Interface (duckdb_data_chunk_from_arrow), sliced into
// DuckDB's vector size, with only the columns the query uses: the function
// supports projection pushdown.
#pragma once

#include <memory>
#include <string>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"

namespace hangar::duckdb {

class ScanProvider {
 public:
  virtual ~ScanProvider() = default;
  virtual Result<arrow::SchemaPtr> Schema(const std::string& name) = 0;
  virtual Result<std::unique_ptr<arrow::RecordBatchSource>> Open(const std::string& name) = 0;
};

// Registers the table function `function_name` on the database instance
// `connection` belongs to, unless one of that name is there already (several
// stores in one process share the engine). The provider lives as long as
// the instance.
Status RegisterScanFunction(Connection& connection, const std::string& function_name,
                            std::shared_ptr<ScanProvider> provider);

}  // namespace hangar::duckdb
