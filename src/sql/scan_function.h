// hangar_scan(name): the DuckDB table function through which SQL reads what
// is not a Parquet file — Kafka topics, empty tables (and later memtables).
//
// A ScanProvider turns a relation name into an Arrow schema (at bind) and a
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

namespace hangar::sql {

class ScanProvider {
 public:
  virtual ~ScanProvider() = default;
  virtual Result<arrow::SchemaPtr> Schema(const std::string& name) = 0;
  virtual Result<std::unique_ptr<arrow::RecordBatchSource>> Open(const std::string& name) = 0;
};

inline constexpr const char* kScanFunction = "hangar_scan";

// Registers hangar_scan on the database `connection` belongs to. The
// provider lives as long as the database.
Status RegisterScanFunction(duckdb::Connection& connection, std::shared_ptr<ScanProvider> provider);

}  // namespace hangar::sql
