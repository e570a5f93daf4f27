// The table store: every table under <data-dir>/tables, Parquet files
// written and read through DuckDB, Arrow in and out.
//
//   <data-dir>/tables/<namespace>.<name>-<id>/manifest.json
//                                            /00000001.parquet ...
//   <data-dir>/staging/      Parquet files being written (emptied on start)
//
// A put streams its batches into DuckDB, which writes zstd-compressed Parquet
// into staging/ while the batches arrive (memory stays bounded whatever the
// size of the put); when the stream ends cleanly the files are fsynced and
// committed to the table in one manifest switch. A put that fails or is cut
// off leaves nothing behind. Tables keep the exact Arrow schema that was put:
// what comes back from Parquet is conformed to it (storage_types.h).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"
#include "store/table.h"

namespace hangar::store {

struct StoreOptions {
  fs::path data_dir;
  // A put is split into Parquet files of about this size; GetFlightInfo
  // offers one endpoint per group of files up to file_group_bytes.
  int64_t target_file_bytes = 256 << 20;
  int64_t file_group_bytes = 256 << 20;
  int64_t row_group_rows = 122880;
};

enum class PutMode {
  kAppend,     // create the table if needed, else append (schemas must match)
  kCreate,     // the table must not exist
  kOverwrite,  // replace the table's contents and schema (create it if needed)
};
Result<PutMode> ParsePutMode(std::string_view text);

struct PutResult {
  SnapshotPtr snapshot;  // right after the put's commit
  int64_t rows = 0;
  int64_t bytes = 0;  // Parquet bytes written
  bool created = false;
};

class TableStore {
 public:
  static Result<std::unique_ptr<TableStore>> Open(StoreOptions options, std::shared_ptr<duckdb::Database> db);

  Result<SnapshotPtr> Snapshot(const QualifiedName& name) const;
  // Every table's current snapshot, ordered by name.
  std::vector<SnapshotPtr> List() const;

  // Streams `source` into the table (see PutMode). Atomic: on any error
  // nothing of the put is visible or left on disk.
  Result<PutResult> Put(const QualifiedName& name, PutMode mode, arrow::RecordBatchSource* source);
  // An empty table with `schema`; AlreadyExists if there is one.
  Result<SnapshotPtr> CreateTable(const QualifiedName& name, arrow::SchemaPtr schema);
  Status DropTable(const QualifiedName& name);

  // Reads `files` of a snapshot (all of them if empty) in order, as batches
  // of the table's schema, streaming.
  Result<std::unique_ptr<arrow::RecordBatchSource>> Scan(const SnapshotPtr& snapshot,
                                                         const std::vector<std::string>& files = {}) const;

  // Groups of a snapshot's files, in order, for parallel reads; none when
  // the snapshot has memtable rows (then one reader reads it all).
  std::vector<std::vector<std::string>> FileGroups(const TableSnapshot& snapshot) const;

  // For streaming ingest (ingest.h).
  std::vector<std::shared_ptr<Table>> Tables() const;
  Result<std::shared_ptr<Table>> FindTable(const QualifiedName& name) const;
  // Writes the memtable rows of `snapshot` (a snapshot of `table`) as
  // Parquet and commits them, taking them out of the memtable in the same
  // switch (their log records are then flushed).
  Result<SnapshotPtr> FlushMemtable(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot);

  const StoreOptions& options() const { return options_; }

 private:
  TableStore(StoreOptions options, std::shared_ptr<duckdb::Database> db);
  Status Load();
  struct Staging;
  // Streams `source` into Parquet files in a new staging folder.
  Status WriteStaged(arrow::RecordBatchSource* source, Staging* staging, int64_t* rows, int64_t* bytes);
  fs::path tables_dir() const { return options_.data_dir / "tables"; }
  fs::path staging_dir() const { return options_.data_dir / "staging"; }

  StoreOptions options_;
  std::shared_ptr<duckdb::Database> db_;
  mutable std::mutex mu_;
  std::map<QualifiedName, std::shared_ptr<Table>> tables_;  // guarded by mu_
};

}  // namespace hangar::store
