// Streaming ingest: batches in, acknowledgements out, level by level.
//
//   memory     the batch is in the table's memtable: DoGet and SQL see it
//   disk       its write-ahead-log record is fsynced: it survives a crash
//   committed  it is in a Parquet file named by a committed manifest
//
// Write() appends the batch to the write-ahead log (which gives it its LSN)
// and to the table's memtable under one lock, so a table's memtable is in
// LSN order, and acknowledges `memory` at once; the log's writer thread
// acknowledges `disk` after the fsync that covers the record (group commit:
// concurrent writers share fsyncs); a flusher thread writes memtables to
// Parquet — when a table's memtable reaches flush_bytes, when its oldest row
// is flush_interval old, soon after a writer asks for `committed`, and on
// shutdown — commits them (the manifest records the flushed LSN in the same
// switch), acknowledges `committed`, and truncates the log below the oldest
// LSN still only in memory. Acks of one batch come level by level, and each
// level in LSN order.
//
// On open the log is replayed: records of live tables above the table's
// flushed LSN go back into its memtable (acknowledged `disk` once, they are
// never lost); records of dropped tables, or already in files, are skipped.
//
// A batch may carry an idempotency key (per table). A key already taken —
// by a batch of this process or, within idempotency_window, of an earlier one
// (see idempotency_keys.h) — writes nothing: the batch is acknowledged with
// the LSN of the one that took the key, level by level as that one reaches
// them.
//
// A memtable that fails to flush kFlushAttempts times in a row for a reason
// that is not the environment's (a full disk or a fenced folder is retried
// for ever) makes its table read-only: writes are refused naming the reason,
// its rows stay readable and in the log (replayed after a restart, never
// dropped), and whoever waits for `committed` is told. An admin then either
// retries the flush (RetryFlush) or moves the rows aside into a named Arrow
// file (Quarantine); docs/durability.md.
//
// Memory is bounded: above max_memtable_bytes (all tables), a batch is kept
// in the write-ahead log only — the log is the memtable's overflow
// (logged_batch.h) — and the flusher is asked to flush every memtable at
// once, whatever its size and age. Reads and the flush read such batches
// back from the log. So `disk` acks do not wait for the flush into Parquet,
// which may fall behind a fast writer by up to max_log_bytes of log; past
// that, Write waits for room in memory (the flusher), so a writer faster than
// the flush is slowed, not buffered without end.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "arrow/ipc/message.h"
#include "store/idempotency_keys.h"
#include "store/table_store.h"
#include "store/wal.h"

namespace hangar::store {

// The last two exist when the store has a mirror (table_mirror.h): a batch
// asked for at them is acknowledged `committed` first, then as the mirror
// reports its file in the object store and its Iceberg snapshot committed.
enum class Durability { kMemory = 0, kDisk = 1, kCommitted = 2, kObjectStorage = 3, kIcebergCommitted = 4 };
// "memory", "disk", "committed", "object_storage", "iceberg_committed".
Result<Durability> ParseDurability(std::string_view text);
std::string_view DurabilityName(Durability level);

struct IngestOptions {
  int64_t flush_bytes = 64 << 20;
  std::chrono::milliseconds flush_interval{10000};
  // How soon a batch someone waits to see `committed` is flushed.
  std::chrono::milliseconds commit_delay{50};
  int64_t max_memtable_bytes = 512 << 20;
  // Past max_memtable_bytes batches are kept in the log only (its overflow)
  // while the log holds less than this; past it, writers wait for the flush.
  int64_t max_log_bytes = int64_t{8} << 30;
  // How long a batch's idempotency key is remembered.
  std::chrono::seconds idempotency_window{3600};
  bool fsync = true;  // off only in tests and benchmarks that measure everything but the disk
  // Off only in tests that play a crash: the memtables are then left to the log.
  bool flush_on_close = true;
  // Tests only: asked before each memtable flush; an error fails the flush.
  std::function<Status(const Table&)> flush_fault;
};

class Ingest {
 public:
  // The log lives in <data dir>/wal.
  static Result<std::unique_ptr<Ingest>> Open(std::shared_ptr<TableStore> store, IngestOptions options,
                                              WalOpenReport* report = nullptr);
  // Flushes every memtable (acknowledging `committed` to whoever waits),
  // then stops. Nothing acknowledged at `disk` depends on this.
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  struct BatchAck {
    uint64_t lsn;
    Durability level;
    Status status;   // not OK: the batch stopped at `level`, for this reason
    bool duplicate;  // its idempotency key wrote batch `lsn` before; nothing was written now
  };
  // Called once per level reached, up to the level asked for, or once with
  // the error that stopped the batch at some level. Runs on Hangar's
  // threads: keep it short.
  using Ack = std::function<void(const BatchAck&)>;

  struct Written {
    uint64_t lsn;
    bool duplicate;
  };
  // Writes `batch` into table `name` and returns its LSN; `ack` follows.
  // A batch refused before it gets an LSN (no such table, schema mismatch,
  // nulls in a not-null column) is an error here and is never acked. With an
  // idempotency key that is taken already, nothing is written (see above).
  // `as_received`, if given, is the batch's IPC message as it arrived: the
  // log keeps its bytes instead of encoding the batch again.
  Result<Written> Write(const QualifiedName& name, const arrow::RecordBatchPtr& batch, Durability wanted, Ack ack,
                        const std::string& idempotency_key = {}, const arrow::ipc::Message* as_received = nullptr);

  // Flushes every memtable now.
  Status FlushAll();
  // Shutting down: every Write from now on (and every one waiting for room)
  // is UNAVAILABLE; what was taken is flushed by the destructor.
  void StopWrites();

  // Clears a read-only table's state and flushes its memtable now: JSON
  // {"table", "flushed_lsn"}, or the error (and the table read-only again).
  Result<std::string> RetryFlush(const QualifiedName& name);
  // Writes the memtable of table `name` into
  // <data dir>/quarantine/<table>-lsn<first>-<last>.arrows (an Arrow IPC
  // stream, fsynced), then drops those rows from the table as a flush would,
  // and lets the table take writes again. JSON {"table", "file", "batches",
  // "rows", "first_lsn", "last_lsn"}.
  Result<std::string> Quarantine(const QualifiedName& name);
  static constexpr int kFlushAttempts = 3;

  int64_t memtable_bytes() const;
  // The decoded bytes of batches kept in the log only (the overflow), all tables.
  int64_t logged_bytes() const;
  // Whether object_storage and iceberg_committed can be reached: the store
  // has a mirror.
  bool mirrored() const { return store_->options().mirror != nullptr; }
  const WriteAheadLog& wal() const { return *wal_; }

 private:
  Ingest(std::shared_ptr<TableStore> store, IngestOptions options) : store_(std::move(store)), options_(options) {}
  void FlusherLoop();
  // Flushes the tables that are due (all with `all`); needs flush_mu_.
  Status FlushDue(bool all);
  Status FlushTable(const std::shared_ptr<Table>& table);
  // Counts a failed flush of `table` (clears the count on success) and makes
  // the table read-only after kFlushAttempts; needs flush_mu_.
  void NoteFlush(const std::shared_ptr<Table>& table, const Status& status);
  // Recounts memtable_bytes_ (read-only tables' rows take no room: they
  // cannot grow) and wakes waiting writers.
  void RecountMemtableBytes();
  // Acknowledges `committed` (or `status`) to the waiters of a table up to `upto`.
  void AckCommitted(uint64_t table_id, uint64_t upto, const Status& status);
  void TruncateLog();
  // The keys of a table, read from its folder at first use; needs order_mu_.
  Result<IdempotencyKeys*> KeysOf(const Table& table);
  // Makes the keys of flushed batches durable; forgets dropped tables' keys.
  Status PersistKeys();
  // What a batch acknowledges once its record is durable (see Write).
  WriteAheadLog::Durable OnDurable(std::shared_ptr<Table> table, Durability wanted, Ack ack, bool duplicate,
                                   std::shared_ptr<std::atomic<bool>> abandoned);

  struct CommitWaiter {
    uint64_t lsn;
    Ack ack;
    bool duplicate;
    Durability wanted;
  };
  // After `committed`: the mirror's levels, up to `wanted`.
  void AckBeyondCommitted(uint64_t table_id, uint64_t lsn, Durability wanted, const Ack& ack, bool duplicate);

  std::shared_ptr<TableStore> store_;
  IngestOptions options_;
  std::unique_ptr<WriteAheadLog> wal_;

  std::mutex order_mu_;  // log append + memtable append + memory ack, in one order
  std::map<uint64_t, std::unique_ptr<IdempotencyKeys>> keys_;  // by table id; guarded by order_mu_

  mutable std::mutex mu_;
  std::condition_variable room_;   // writers wait for memtable room
  std::condition_variable flush_;  // wakes the flusher
  int64_t memtable_bytes_ = 0;     // guarded by mu_
  int64_t unlogged_bytes_ = 0;     // overflowing batches held until their record is written; guarded by mu_
  bool commit_wanted_ = false;     // guarded by mu_
  bool room_wanted_ = false;       // a writer waits for memtable room; guarded by mu_
  bool writes_stopped_ = false;    // StopWrites or the destructor; guarded by mu_
  bool stopping_ = false;          // the flusher ends; guarded by mu_
  std::map<uint64_t, std::vector<CommitWaiter>> waiters_;  // by table id; guarded by mu_

  std::mutex flush_mu_;                     // one flush at a time
  std::map<uint64_t, int> flush_failures_;  // failed flushes in a row, by table id; guarded by flush_mu_
  std::thread flusher_;
};

// Brings another node's folder (a cluster node that died) up to date: its
// log replayed into its tables' memtables and those flushed to Parquet, as
// that node's own restart would. Afterwards its tables hold every batch it
// acknowledged at `disk`, and TableStore::Adopt can take them over. Only one
// process may do this at a time, and not the folder's node: the caller holds
// the folder's lock (docs/cluster.md), and `fence` (may be null) says
// whether it still does before every manifest switch.
Status RecoverFolder(const fs::path& folder, std::shared_ptr<duckdb::Database> db, IngestOptions options,
                     std::function<Status()> fence = nullptr);

}  // namespace hangar::store
