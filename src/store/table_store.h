// The table store: every table under <data-dir>/tables, Parquet files
// written and read through DuckDB, Arrow in and out.
//
//   <data-dir>/tables/<namespace>.<name>-<id>/manifest.json
//                                            /00000001.parquet ...
//   <data-dir>/staging/      Parquet files being written (emptied on start)
//
// A put streams its batches into DuckDB, which writes zstd-compressed Parquet
// into staging/ while the batches arrive (parquet_writer.h) (memory stays bounded whatever the
// size of the put); when the stream ends cleanly the files are fsynced and
// committed to the table in one manifest switch. A put that fails or is cut
// off leaves nothing behind. Reads go through a TableReader (table_reader.h). Tables keep the exact Arrow schema that
// was put: what comes back from Parquet is conformed to it (storage_types.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "arrow/record_batch_source.h"
#include "duckdb/database.h"
#include "store/memtable_scan.h"
#include "store/parquet_writer.h"
#include "store/read_copy.h"
#include "store/table.h"
#include "store/table_mirror.h"
#include "store/table_reader.h"

namespace hangar::store {

struct StoreOptions {
  fs::path data_dir;
  // A put is split into Parquet files of about this size; GetFlightInfo
  // offers one endpoint per group of files up to file_group_bytes.
  int64_t target_file_bytes = 256 << 20;
  int64_t file_group_bytes = 256 << 20;
  int64_t row_group_rows = 122880;
  // The most partitions of a partitioned table one put may write into.
  int64_t max_put_partitions = 10000;
  // Background compaction (compactor.h): a run of at least compact_min_files
  // consecutive files each under compact_small_bytes is rewritten as one.
  int64_t compact_small_bytes = 32 << 20;
  int compact_min_files = 8;
  // A memtable flush writes up to this many parts at once (at least
  // kMinFlushPartBytes each): DuckDB writes one Arrow stream on one thread.
  int flush_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // In a cluster (docs/cluster.md): the folder holding every node's folder
  // (data_dir is one of them). The tables in the others are this store's
  // peers: listed and read as their manifests say now, never written.
  fs::path peers_dir;
  // Asked before every change this store commits; an error refuses it. A
  // cluster node answers whether it still owns its folder (fencing).
  std::function<Status()> fence;
  // Told of every table and every change committed (table_mirror.h); null:
  // the tables live on this disk only.
  std::shared_ptr<TableMirror> mirror;
  // Keep an Arrow IPC read copy beside every data file of an append-only
  // table (read_copy.h): whole-file reads (DoGet) then serve mapped memory
  // instead of decoding Parquet, for about as many more bytes on disk as
  // the table's Arrow size, written in the background after each commit.
  bool read_copies = true;
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
  static constexpr int64_t kFlushPartLogBytes = int64_t{64} << 20;  // see FlushMemtable
  // Opens the tables of the data directory. A table folder that cannot be
  // served (an unreadable manifest, an invalid name, a second folder of one
  // name) is moved to <data dir>/quarantine/tables/ and reported, and the
  // others are served: one bad folder never keeps a server from starting.
  static Result<std::unique_ptr<TableStore>> Open(StoreOptions options, std::shared_ptr<duckdb::Database> db);

  struct QuarantinedFolder {
    std::string folder;  // relative to the data directory
    std::string reason;
  };
  // The folders moved aside when the store opened.
  std::vector<QuarantinedFolder> QuarantinedFolders() const;

  // A table's current snapshot: one of this store's tables or, in a
  // cluster, of a peer's (its committed state).
  Result<SnapshotPtr> Snapshot(const QualifiedName& name) const;
  // Every table's current snapshot (peers' included), ordered by name.
  std::vector<SnapshotPtr> List() const;
  // The node folder (its name: the node's id) holding `name` if a peer
  // holds it; nullopt if this store does or no one does.
  std::optional<std::string> PeerOf(const QualifiedName& name) const;
  // PeerOf for every peer's table at once (one look at the peers' folders).
  std::map<QualifiedName, std::string> PeerTables() const;
  // Takes over the tables of a peer's folder whose log has been replayed
  // and flushed (RecoverFolder): their folders move into this store. A name
  // this store has already stays where it is (an error says so).
  // `log_position`: the last LSN of this store's write-ahead log now. An
  // adopted table's flushed LSN counted in the peer's log; it is set to this,
  // so that only records this store's log takes from now on are its
  // (replayed after a crash, and acknowledged `committed` once flushed).
  Status Adopt(const fs::path& peer_folder, uint64_t log_position);

  // Streams `source` into the table (see PutMode). Atomic: on any error
  // nothing of the put is visible or left on disk. Into a primary-key table
  // a put is an upsert: its rows are newer than every row before them
  // (the memtable's included), and its last row per key wins.
  Result<PutResult> Put(const QualifiedName& name, PutMode mode, arrow::RecordBatchSource* source);
  // An empty table with `schema`; AlreadyExists if there is one. With a
  // `primary_key` (primary_key.h), a primary-key table.
  Result<SnapshotPtr> CreateTable(const QualifiedName& name, arrow::SchemaPtr schema,
                                  std::vector<std::string> primary_key = {}, PartitionSpec partition_spec = {});
  Status DropTable(const QualifiedName& name);

  // Reads `files` of a snapshot (all of them if empty: then its memtable
  // rows too) in order, as batches of the table's schema, streaming. A
  // primary-key table reads whole, its latest row per key, ordered by key.
  // With `partitions` (paths, partition_spec.h), only their rows.
  Result<std::unique_ptr<arrow::RecordBatchSource>> Scan(const SnapshotPtr& snapshot,
                                                         const std::vector<std::string>& files = {},
                                                         const std::vector<std::string>& partitions = {}) const;
  // The rows a reader of `snapshot` sees: one per key in a primary-key
  // table (counted once per snapshot), all of them in an append-only one;
  // those of `partitions` only, if given.
  Result<int64_t> CountRows(const SnapshotPtr& snapshot, const std::vector<std::string>& partitions = {}) const;
  // A SELECT of what a reader of `snapshot` sees, in DuckDB: its files and
  // memtable rows (the latest row per key of a primary-key table). For SQL
  // views; it reads the memtable only while `snapshot` is held.
  std::string SelectAll(const SnapshotPtr& snapshot) const;

  // Groups of a snapshot's files, in order, for parallel reads: a group per
  // partition (of `partitions` if given), split by size; none when the
  // snapshot has memtable rows or a primary key (then one reader reads it all).
  std::vector<std::vector<std::string>> FileGroups(const TableSnapshot& snapshot,
                                                   const std::vector<std::string>& partitions = {}) const;

  struct CompactResult {
    int files_before = 0;
    int files_after = 0;
    int64_t rows_before = 0;  // rows in files, every version of a key
    int64_t rows_after = 0;
  };
  // Rewrites a table's files: all of them (`all`), merging every version of
  // a key into one row, or else the first run of small files (see
  // StoreOptions). Readers and writers go on meanwhile; files added since
  // stay after the compacted ones.
  Result<CompactResult> Compact(const std::shared_ptr<Table>& table, bool all);

  // For streaming ingest (ingest.h): this store's own tables.
  std::vector<std::shared_ptr<Table>> Tables() const;
  Result<std::shared_ptr<Table>> FindTable(const QualifiedName& name) const;
  // Writes the memtable rows of `snapshot` (a snapshot of `table`) as
  // Parquet and commits them, taking them out of the memtable in the same
  // switch (their log records are then flushed).
  // Batches kept in the log only are read back in parts of about
  // `part_log_bytes`, each committed on its own.
  Result<SnapshotPtr> FlushMemtable(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                    int64_t part_log_bytes = kFlushPartLogBytes);

  const StoreOptions& options() const { return options_; }
  // Waits until the read copies of every commit so far are written (or
  // failed); at once if the store keeps none. For tests and benchmarks.
  void WaitForReadCopies() const;
  // hangar_memtable, for SQL views over tables with memtable rows.
  MemtableScan& memtable_scan() const { return *memtable_scan_; }

 private:
  TableStore(StoreOptions options, std::shared_ptr<duckdb::Database> db);
  Status Load();
  // Opens one table folder into tables_ (at Load).
  Status LoadFolder(const fs::path& dir);
  // Moves a folder that cannot be served to <data dir>/quarantine/tables/.
  Status QuarantineFolder(const fs::path& dir, const Status& why);
  // A table whose name differs from `name` only by case, or `name` itself (needs mu_).
  std::optional<QualifiedName> CaseTwinOf(const QualifiedName& name) const;
  // AlreadyExists if `name`, or a name that differs from it only by case, is taken (needs mu_).
  Status CheckNameFree(const QualifiedName& name) const;
  // Rewrites `run` (files of one partition, consecutive among its files) as
  // one file; returns its rows.
  Result<int64_t> CompactRun(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                             const std::vector<const DataFile*>& run);
  // FlushMemtable, with the table's memtable_write_mu held.
  Result<SnapshotPtr> FlushLocked(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                  int64_t part_log_bytes = kFlushPartLogBytes);
  // OK unless the fence refuses, or `name` is a peer's table (its owner writes it).
  Status CheckWritable(const QualifiedName& name) const;
  // Re-reads the peers' folders: tables created or dropped, manifests switched.
  void RefreshPeers() const;
  // Registers an own table (with the fence); needs mu_.
  void AddTable(const QualifiedName& name, std::shared_ptr<Table> table);
  fs::path tables_dir() const { return options_.data_dir / "tables"; }
  fs::path staging_dir() const { return options_.data_dir / "staging"; }

  StoreOptions options_;
  std::shared_ptr<duckdb::Database> db_;
  ParquetWriter writer_;  // puts, flushes and compactions stage their files through it
  std::shared_ptr<MemtableScan> memtable_scan_;
  std::unique_ptr<TableReader> reader_;         // made once memtable_scan_ is registered
  std::shared_ptr<ReadCopyMaker> read_copies_;  // null unless options_.read_copies
  mutable std::mutex mu_;
  std::map<QualifiedName, std::shared_ptr<Table>> tables_;  // guarded by mu_
  std::vector<QuarantinedFolder> quarantined_;              // guarded by mu_

  struct PeerTable {
    std::string node;  // the folder's name
    std::shared_ptr<Table> table;
    std::string manifest_text;  // as read: parsed again when it changes
  };
  mutable std::mutex peers_mu_;
  mutable std::map<QualifiedName, PeerTable> peers_;  // guarded by peers_mu_
};

}  // namespace hangar::store
