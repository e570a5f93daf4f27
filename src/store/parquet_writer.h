// Writing a table's rows as Parquet files, through DuckDB, into a staging
// folder: the write half of the table store (table_store.h commits what it
// stages).
//
// A stream is written while it arrives, one COPY per portion of about
// target_file_bytes (DuckDB's own file rotation would not keep the rows in
// order), per partition in a partitioned table, and with a primary key
// each file keeps the last row per key of its portion (primary_key.h).
// Values go in their storage form (storage_types.h). Every file is fsynced
// before it is handed over; whatever a write leaves behind goes with its
// Staging unless the files were committed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"
#include "store/partition_spec.h"
#include "store/table.h"

namespace hangar::store {

namespace fs = std::filesystem;

// The least a part of a memtable written on a thread of its own holds.
inline constexpr int64_t kMinFlushPartBytes = 8 << 20;

struct ParquetWriterOptions {
  fs::path staging_dir;  // where Staging folders are made
  int64_t target_file_bytes = 256 << 20;
  int64_t row_group_rows = 122880;
  int flush_threads = 1;  // the most parts a memtable is written in at once
};

// The staged files of one write, removed with whatever DuckDB left unless
// their files were taken (committed) or `dir` cleared.
struct Staging {
  fs::path dir;
  std::vector<StagedFile> files;
  Staging() = default;
  ~Staging();
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  // Makes `dir` a new folder under `root`, unless it has one already.
  Status Prepare(const fs::path& root);
};

class ParquetWriter {
 public:
  ParquetWriter(std::shared_ptr<duckdb::Database> db, ParquetWriterOptions options);

  // Streams `source` into Parquet files in `staging` (made under the
  // staging folder if new), adding to *rows and *bytes; with a `key`, each
  // file keeps the last row per key of its part of the source. At most
  // `max_partitions` partitions (a put's limit; a flush has none: its rows
  // were taken already).
  Status Write(arrow::RecordBatchSource* source, Staging* staging, int64_t* rows, int64_t* bytes,
               const std::vector<std::string>& key = {}, const PartitionSpec& spec = {},
               int64_t max_partitions = INT64_MAX);
  // Stages `rows` (a snapshot's memtable rows), in up to flush_threads parts
  // written at once, whose files follow one another as the rows did.
  Result<std::vector<StagedFile>> WriteMemtable(const TableSnapshot& snapshot, const MemRows& rows, Staging* staging);
  // What `select` answers, as one file of `partition` (a compaction's run).
  Result<StagedFile> WriteOne(const std::string& select, const std::string& partition, Staging* staging);

 private:
  // COPY (select) TO file; or, `partitioned` by kPartitionIdColumn, into the folder `out`.
  Status CopyToParquet(duckdb::Connection& conn, const std::string& select, const fs::path& out,
                       bool partitioned = false) const;
  // The files a partitioned COPY wrote into `out`, with their partitions.
  Result<std::vector<StagedFile>> StagedPartitions(const fs::path& out,
                                                   const std::vector<std::string>& partitions) const;
  // A written file, fsynced, with its size and rows (counted if not given).
  Result<StagedFile> Staged(const fs::path& file, std::optional<int64_t> rows, std::string partition = {}) const;

  std::shared_ptr<duckdb::Database> db_;
  ParquetWriterOptions options_;
};

// The options of DuckDB's COPY ... TO with which tables write Parquet
// ("FORMAT parquet, COMPRESSION zstd, ..."), for `row_group_rows` rows per row
// group. The benchmarks' DuckDB floor writes with the same options.
std::string ParquetWriteOptions(int64_t row_group_rows);

// read_parquet of a table's files (a literal or list of literals), as SQL.
std::string ReadParquet(const std::string& files);
// The one int64 a count query answers.
Result<int64_t> CountQuery(const std::shared_ptr<duckdb::Database>& db, const std::string& sql);

}  // namespace hangar::store
