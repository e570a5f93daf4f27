// One table: its folder, its committed state and the snapshots readers hold.
//
// Readers never lock: they take the current snapshot (a shared_ptr) and read
// its files. Writers are serialized per table by Commit, which moves staged
// Parquet files into the folder, switches the manifest and publishes the new
// snapshot. Files a change removes (overwrite) and the folder of a dropped
// table are deleted only when the last snapshot that can still read them is
// gone, so a reader always finishes on the snapshot it started with.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "arrow/array.h"
#include "arrow/record_batch_source.h"
#include "store/logged_batch.h"
#include "store/manifest.h"

namespace hangar::store {

class TableMirror;

// What a committed change did to a table, as a TableMirror is told.
enum class TableChange {
  kOpened,      // the table as it is when the store opens it or creates it
  kAppend,      // a put or a flush added files
  kOverwrite,   // an overwrite replaced every file (and maybe the schema)
  kCompaction,  // files replaced by files holding the same rows
  kDropped,     // the drop is committed
};

// A file or folder deleted when the last reference goes, if by then it has
// been marked obsolete; with it `companion`, if given (a data file's read
// copy).
class Deletable {
 public:
  explicit Deletable(fs::path path, fs::path companion = {})
      : path_(std::move(path)), companion_(std::move(companion)) {}
  ~Deletable();
  Deletable(const Deletable&) = delete;
  Deletable& operator=(const Deletable&) = delete;
  const fs::path& path() const { return path_; }
  void MarkObsolete() { obsolete_ = true; }

 private:
  fs::path path_;
  fs::path companion_;
  std::atomic<bool> obsolete_ = false;
};

// Where the read copy of a table's data file is, if it has one
// (read_copy.h): beside it, named as it is, ending in .arrow.
fs::path ReadCopyPath(const fs::path& data_file);

struct DataFile {
  ManifestFile meta;
  std::shared_ptr<Deletable> file;
  const fs::path& path() const { return file->path(); }
};

// A batch written by streaming ingest, in memory until flushed to a file —
// or, past the memtable bound, in the write-ahead log only (`logged`).
struct MemBatch {
  uint64_t lsn = 0;
  arrow::RecordBatchPtr batch;               // null when the batch is `logged`
  int64_t bytes = 0;                         // decoded size
  std::chrono::steady_clock::time_point at;  // when it arrived
  int64_t rows = 0;
  std::shared_ptr<const LoggedBatch> logged;

  // The batch, read back from the log if it is kept there.
  Result<arrow::RecordBatchPtr> Load() const {
    return batch != nullptr ? Result<arrow::RecordBatchPtr>(batch) : logged->Load();
  }
};

// A memtable's batches in LSN order. Every append publishes a new snapshot
// holding a copy of the list, so the list is made of fixed-size chunks that
// copies share: a copy costs a pointer per kChunk batches, not a copy of
// every batch (which, with a batch per message, made a stream of small
// batches quadratic). Chunks are append-only: a copy sees its own prefix of
// a shared chunk, and an append to a copy that is not the chunk's latest
// (a fork) copies the chunk first.
class MemRows {
 public:
  static constexpr size_t kChunk = 1024;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = MemBatch;
    using difference_type = std::ptrdiff_t;
    using pointer = const MemBatch*;
    using reference = const MemBatch&;
    Iterator(const MemRows* rows, size_t index) : rows_(rows), index_(index) {}
    reference operator*() const { return (*rows_)[index_]; }
    pointer operator->() const { return &(*rows_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const MemRows* rows_;
    size_t index_;
  };

  void push_back(MemBatch batch);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const MemBatch& operator[](size_t i) const { return chunks_[i / kChunk]->items[i % kChunk]; }
  const MemBatch& front() const { return (*this)[0]; }
  const MemBatch& back() const { return (*this)[size_ - 1]; }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size_); }
  // Sums over every batch, kept as they are appended.
  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_; }
  // The bytes of the batches held in memory (not only in the log).
  int64_t resident_bytes() const { return resident_bytes_; }

 private:
  struct Chunk {
    MemBatch items[kChunk];
    size_t used = 0;  // slots written; only the latest holder appends (under the table's lock)
  };
  std::vector<std::shared_ptr<Chunk>> chunks_;
  size_t size_ = 0;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  int64_t resident_bytes_ = 0;
};

// The memtable's batches in order, those kept in the log read back one at a
// time as they come.
std::unique_ptr<arrow::RecordBatchSource> ScanMemtable(arrow::SchemaPtr schema, std::shared_ptr<const MemRows> rows);

struct TableSnapshot {
  uint64_t id = 0;  // unique to this snapshot object, process-wide
  QualifiedName name;
  int64_t version = 0;  // of the manifest
  arrow::SchemaPtr schema;
  std::vector<DataFile> files;
  // Rows acknowledged by streaming ingest and not yet in files, in LSN
  // order (never null). Readers see the files, then these.
  std::shared_ptr<const MemRows> memtable;
  uint64_t flushed_lsn = 0;
  std::shared_ptr<Deletable> folder;     // keeps a dropped table's folder until its readers finish
  int64_t rows = 0;                      // files and memtable (every version of a key, in a primary-key table)
  int64_t bytes = 0;                     // files
  std::vector<std::string> primary_key;  // empty: an append-only table
  PartitionSpec partition_spec;          // empty: an unpartitioned table
  // Files a compaction replaced lately: tickets issued before it name them,
  // and they hold the same rows as the files that replaced them.
  std::vector<DataFile> retired;
  // Rows a reader sees (one per key in a primary-key table), once counted; -1 before.
  mutable std::atomic<int64_t> latest_rows = -1;
};
using SnapshotPtr = std::shared_ptr<const TableSnapshot>;

// A Parquet file written outside the table, waiting to be committed.
struct StagedFile {
  fs::path path;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string partition;  // its partition path, in a partitioned table
};

enum class CommitMode { kAppend, kOverwrite };

// Writes rows of a memtable as staged files (store/table_store.h).
using MemtableStager = std::function<Result<std::vector<StagedFile>>(const MemRows& rows)>;

// How long files a compaction replaced stay readable for tickets naming them.
inline constexpr std::chrono::minutes kRetiredFileGrace{10};

class Table {
 public:
  // Creates the table's folder with an empty version-1 manifest, atomically:
  // the folder is prepared under a temporary name and renamed into place.
  static Result<std::shared_ptr<Table>> Create(const fs::path& tables_dir, const QualifiedName& name,
                                               arrow::SchemaPtr schema, std::vector<std::string> primary_key = {},
                                               PartitionSpec partition_spec = {});
  // Opens an existing folder, removing files its manifest does not name.
  static Result<std::shared_ptr<Table>> Open(const fs::path& dir, Manifest manifest);
  // A table another cluster node owns, as its manifest says now: read-only
  // here (nothing in the folder is touched; see TableStore's peers).
  static std::shared_ptr<Table> OpenPeer(const fs::path& dir, Manifest manifest);

  // Asked right before every manifest switch; an error refuses the change.
  // A cluster node sets it to "do I still own my folder" (fencing).
  void set_fence(std::function<Status()> fence) { fence_ = std::move(fence); }
  // Told of every change committed from now on (table_mirror.h), and at
  // once of the table as it is. Set before the table is shared.
  void set_mirror(std::shared_ptr<TableMirror> mirror);
  // Called with the snapshot of every switch that may add files (a commit,
  // a compaction); the read copies are made so (read_copy.h). Set before
  // the table is shared.
  void set_on_switch(std::function<void(const SnapshotPtr&)> on_switch) { on_switch_ = std::move(on_switch); }

  SnapshotPtr snapshot() const;
  const fs::path& dir() const { return folder_->path(); }
  // The random id in the folder's name: how the write-ahead log names the
  // table (a table created again under the same name has another).
  uint64_t id() const { return id_; }

  // Adds `staged` to the table (kAppend: `schema` must be the table's) or
  // replaces its contents and schema (kOverwrite, which drops the memtable
  // too). The staged files are moved into the folder. With `flushed_lsn`,
  // the files hold the memtable's rows up to it: they leave the memtable in
  // the same switch. With `stage_memtable` (an append to a primary-key
  // table, whose memtable rows are older than the staged files), whatever the
  // memtable holds then is staged by it, under the table's lock, and
  // committed ahead of `staged`. Returns the new snapshot.
  //
  // Appends without `stage_memtable` that arrive while another commit runs
  // are committed together, in one switch (group commit: concurrent puts
  // and flushes into one table share the manifest's fsyncs); each is
  // checked on its own, and gets the group's snapshot.
  Result<SnapshotPtr> Commit(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged,
                             std::optional<uint64_t> flushed_lsn = std::nullopt,
                             const MemtableStager& stage_memtable = nullptr);
  // Replaces `run`, files of the table, by `staged`, put where the first of
  // them was (a compaction: the run's files are consecutive among the files
  // of their partition); FailedPrecondition if they are no longer there.
  Result<SnapshotPtr> ReplaceFiles(const std::vector<std::string>& run, std::vector<StagedFile> staged);
  // Adds an ingested batch (of the table's schema) to the memtable; readers
  // see it from the returned snapshot on.
  Result<SnapshotPtr> AppendToMemtable(MemBatch batch);
  // Commits the drop (the manifest says so); the folder goes with the last snapshot.
  Status Drop();

  // Why the table takes no writes, if it does not: set when its memtable
  // cannot be flushed (store/ingest.h), cleared when an admin retries the
  // flush or moves the rows aside. Only writes are refused; reads go on.
  void SetReadOnly(std::string reason);
  void ClearReadOnly();
  std::optional<std::string> read_only() const;
  // OK, or FailedPrecondition naming the table and the reason.
  Status CheckWritable() const;

  // Held while the memtable's rows are written out and committed (a flush,
  // or a put to a primary-key table): one at a time per table, so that no
  // row is written to two files.
  std::mutex& memtable_write_mu() { return memtable_write_mu_; }

 private:
  Table(std::shared_ptr<Deletable> folder, Manifest manifest);
  SnapshotPtr MakeSnapshot();  // of manifest_; needs write_mu_
  // Moves staged files into the folder, named as the next files of `next`.
  Result<std::vector<DataFile>> MoveIn(std::vector<StagedFile>& staged, Manifest& next);
  // Makes `next` the manifest (with `files` its files) and publishes a
  // snapshot; the memtable's rows up to `flushed_upto` (if given) leave it.
  // Needs commit_mu_; takes write_mu_ only once the manifest is written.
  Result<SnapshotPtr> Switch(Manifest next, std::vector<DataFile> files, std::vector<DataFile>& added,
                             std::optional<uint64_t> flushed_upto, TableChange change);

  struct GroupedAppend;
  // Commits a group of appends (see Commit); needs commit_mu_.
  void CommitGroup(std::vector<GroupedAppend*>& group);
  // Whether rows of `schema` can be appended now (the table not dropped,
  // the schema its own); needs commit_mu_.
  Status CheckAppend(const arrow::Schema& schema) const;
  // Commit for the rest; needs commit_mu_.
  Result<SnapshotPtr> CommitLocked(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged,
                                   std::optional<uint64_t> flushed_lsn, const MemtableStager& stage_memtable);

  // The fence, then the manifest written: the one place a change becomes durable.
  Status WriteManifest(const Manifest& next);

  std::shared_ptr<Deletable> folder_;
  uint64_t id_ = 0;
  std::function<Status()> fence_;                      // set before the table is shared
  std::shared_ptr<TableMirror> mirror_;                // likewise
  std::function<void(const SnapshotPtr&)> on_switch_;  // likewise
  // Two locks, so that streamed batches do not wait for a commit's fsyncs:
  // commit_mu_ serializes Commit, ReplaceFiles and Drop for their whole
  // length (files moved in, manifest written); write_mu_ guards the fields
  // below for moments (an append to the memtable, a commit's switch). The
  // manifest and files change only under both, so a committer reads them
  // holding commit_mu_ alone.
  std::mutex commit_mu_;
  std::mutex write_mu_;
  std::mutex group_mu_;                 // the appends waiting to be committed together
  std::condition_variable group_done_;  // a group was committed
  std::vector<GroupedAppend*> group_;   // guarded by group_mu_
  bool group_leader_ = false;           // a thread commits a group now; guarded by group_mu_
  Manifest manifest_;                   // guarded by write_mu_ (written under both)
  std::vector<DataFile> files_;         // manifest_.files with their lifetimes; likewise
  std::shared_ptr<const MemRows> memtable_ = std::make_shared<MemRows>();            // guarded by write_mu_
  std::vector<std::pair<std::chrono::steady_clock::time_point, DataFile>> retired_;  // guarded by write_mu_
  std::mutex memtable_write_mu_;
  mutable std::mutex snapshot_mu_;
  SnapshotPtr snapshot_;                  // guarded by snapshot_mu_
  std::optional<std::string> read_only_;  // guarded by snapshot_mu_
};

// The first difference between a table's schema and a stream's, in words
// ("field 'id' is int64 in the table but int32 in the stream"); empty if none.
// Nullability of the top-level fields may differ (most clients declare every
// field nullable): rows are written as AsTableBatch makes them, and
// CheckNotNull holds them to the table's declaration. So may the layout of
// strings and binaries (utf8, large_utf8, utf8_view: arrow/layout.h): pandas
// and polars append to one table.
std::string SchemaMismatch(const arrow::Schema& table, const arrow::Schema& stream);

// `batch` (whose schema SchemaMismatch accepted) under the table's schema,
// its columns in the table's layouts.
Result<arrow::RecordBatchPtr> AsTableBatch(const arrow::RecordBatchPtr& batch, const arrow::SchemaPtr& schema);

// A column declared not null must hold no null: Parquet would store the
// nulls anyway, and readers trust the declaration. Every write path checks.
Status CheckNotNull(const arrow::RecordBatch& batch);

}  // namespace hangar::store
