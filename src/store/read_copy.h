// Read copies: each committed Parquet file of a table may have an Arrow IPC
// file beside it (00000001.parquet -> 00000001.arrow) holding the same rows
// in the table's exact schema. A DoGet that reads whole files serves a file
// with a read copy straight from its memory-mapped pages: no Parquet decode,
// no copy (the Flight layer sends slices of the mapping).
//
// SQL reads them too, for tables of the types DuckDB reads alike from both
// (hangar_read_copies, memtable_scan.h). Parquet stays the source of truth
// (compaction, the Iceberg mirror and recovery read only Parquet); a read
// copy is a cache:
//  - it is made after the commit, in the background (ReadCopyMaker), from the
//    committed Parquet file read back as the table reads it, so a read copy
//    answers exactly what the Parquet file would;
//  - it is written under a temporary name, fsynced and renamed: it exists
//    whole or not at all; a missing one is made again (on start, every file
//    lacking one is queued);
//  - it is checked when opened (footer, schema, row count against the
//    manifest): a torn or foreign file is ignored and the Parquet file read;
//  - it goes with its Parquet file (compaction, overwrite, drop).
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"
#include "store/table.h"

namespace hangar::store {

namespace fs = std::filesystem;

// Writes the read copy of `file`, a committed file of a table of `schema`,
// from the file itself; atomic (temporary name, fsync, rename).
Status WriteReadCopy(const std::shared_ptr<duckdb::Database>& db, const DataFile& file, const arrow::SchemaPtr& schema);

// The rows of `file` from its read copy, as batches of `schema` viewing the
// mapped file. NotFound if it has none; DataLoss if it is not a whole read
// copy of the file (then the Parquet file is to be read instead).
Result<std::unique_ptr<arrow::RecordBatchSource>> OpenReadCopy(const DataFile& file, const arrow::SchemaPtr& schema);

// Parts read one after the other, each opened by `open_next` when the one
// before has ended, so that a read of many files maps one read copy at a
// time; `open_next` gives null when none is left.
class ChainedSource : public arrow::RecordBatchSource {
 public:
  using OpenNext = std::function<Result<std::unique_ptr<arrow::RecordBatchSource>>()>;
  ChainedSource(arrow::SchemaPtr schema, OpenNext open_next)
      : schema_(std::move(schema)), open_next_(std::move(open_next)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override;

 private:
  arrow::SchemaPtr schema_;
  OpenNext open_next_;
  std::unique_ptr<arrow::RecordBatchSource> part_;
  bool done_ = false;
};

// Makes the missing read copies of the tables it is given, one file at a
// time on a thread of its own (what a put or flush committed is readable at
// once from Parquet meanwhile). It copies the files of a table's current
// snapshot, which it holds while it copies them (a file never disappears
// under it; a read copy written goes with its file), and holds no table:
// once a table is dropped (or overwritten) its old files are not copied.
class ReadCopyMaker {
 public:
  explicit ReadCopyMaker(std::shared_ptr<duckdb::Database> db);
  ~ReadCopyMaker();  // stops after the file being written
  ReadCopyMaker(const ReadCopyMaker&) = delete;
  ReadCopyMaker& operator=(const ReadCopyMaker&) = delete;

  // Queues the files of the table's snapshot (when their turn comes) that
  // have no read copy. A primary-key table's reads merge rows in DuckDB:
  // its files get none.
  void Add(std::weak_ptr<Table> table);
  // Waits until everything queued so far is written (or failed); for tests
  // and benchmarks.
  void Wait();
  // Files whose read copy could not be written, since the start.
  int64_t failures() const;

 private:
  void Run();

  std::shared_ptr<duckdb::Database> db_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::weak_ptr<Table>> queue_;  // guarded by mu_
  bool busy_ = false;                       // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  int64_t failures_ = 0;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace hangar::store
