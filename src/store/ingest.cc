#include "store/ingest.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "base/background_priority.h"
#include "base/json_text.h"
#include "base/log.h"
#include "store/file_util.h"
#include "store/primary_key.h"

namespace hangar::store {

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<Durability> ParseDurability(std::string_view text) {
  if (text == "memory") return Durability::kMemory;
  if (text == "disk") return Durability::kDisk;
  if (text == "committed") return Durability::kCommitted;
  if (text == "object_storage") return Durability::kObjectStorage;
  if (text == "iceberg_committed") return Durability::kIcebergCommitted;
  return Status::Invalid("unknown durability level '" + std::string(text) +
                         "' (memory, disk, committed, object_storage or iceberg_committed)");
}

std::string_view DurabilityName(Durability level) {
  switch (level) {
    case Durability::kMemory: return "memory";
    case Durability::kDisk: return "disk";
    case Durability::kCommitted: return "committed";
    case Durability::kObjectStorage: return "object_storage";
    case Durability::kIcebergCommitted: return "iceberg_committed";
  }
  return "?";
}

Result<std::unique_ptr<Ingest>> Ingest::Open(std::shared_ptr<TableStore> store, IngestOptions options,
                                             WalOpenReport* report) {
  std::unique_ptr<Ingest> ingest(new Ingest(std::move(store), options));
  std::map<uint64_t, std::shared_ptr<Table>> by_id;
  for (auto& table : ingest->store_->Tables()) by_id[table->id()] = table;
  WalOptions wal_options;
  wal_options.dir = ingest->store_->options().data_dir / "wal";
  wal_options.fsync = options.fsync;
  int64_t bytes = 0;
  const int64_t now_us = NowMicros();
  auto replay = [&](WalRecord record) -> Status {
    auto it = by_id.find(record.table_id);
    if (it == by_id.end()) return Status::OK();  // the table was dropped
    if (!record.key.empty()) {
      // Flushed or not, the batch is the key's (the key file may lack it).
      HANGAR_ASSIGN_OR_RETURN(auto keys, ingest->KeysOf(*it->second));
      keys->Add(record.key, record.lsn, now_us);
    }
    auto snapshot = it->second->snapshot();
    if (record.lsn <= snapshot->flushed_lsn) return Status::OK();  // in a file already
    auto data = arrow::ipc::ReadStream(arrow::Buffer::FromString(std::move(record.payload)));
    if (!data.ok() || data->batches.size() != 1)
      return Status::DataLoss("write-ahead log record " + std::to_string(record.lsn) +
                              " passed its checksum but does not hold one Arrow batch");
    MemBatch batch;
    batch.lsn = record.lsn;
    batch.batch = data->batches[0];
    batch.bytes = arrow::DecodedSize(*batch.batch);
    batch.at = std::chrono::steady_clock::now();
    // Past the memtable bound the replayed batch stays in the log, as it
    // would have while it was written.
    if (bytes > 0 && bytes + batch.bytes > options.max_memtable_bytes) {
      batch.rows = batch.batch->num_rows;
      batch.batch = nullptr;
      batch.logged = std::make_shared<LoggedBatch>(std::move(record.ref));
    } else {
      bytes += batch.bytes;
    }
    return it->second->AppendToMemtable(std::move(batch)).status();
  };
  HANGAR_ASSIGN_OR_RETURN(ingest->wal_, WriteAheadLog::Open(wal_options, replay, report));
  ingest->memtable_bytes_ = bytes;
  ingest->flusher_ = std::thread([i = ingest.get()] { i->FlusherLoop(); });
  return ingest;
}

void Ingest::StopWrites() {
  {
    std::lock_guard lock(mu_);
    writes_stopped_ = true;
  }
  // The flusher goes on: streams finishing their batches may wait for `committed`.
  room_.notify_all();
}

Ingest::~Ingest() {
  {
    std::lock_guard lock(mu_);
    writes_stopped_ = true;
    stopping_ = true;
  }
  flush_.notify_all();
  room_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (options_.flush_on_close) {
    std::lock_guard flush_lock(flush_mu_);
    Status st = FlushDue(true);
    if (!st.ok()) log::Error("flushing the memtables at shutdown failed", {{"error", st.ToString()}});
  }
  // The log next, while this object is whole: its writer thread may still
  // be running the callbacks of its last group, which take this object's
  // locks (a disk callback may even add a waiter for `committed`).
  wal_.reset();
  // Whoever still waits for `committed` learns that it will not come from this process.
  std::map<uint64_t, std::vector<CommitWaiter>> waiters;
  {
    std::lock_guard lock(mu_);
    waiters.swap(waiters_);
  }
  for (auto& [table, list] : waiters)
    for (auto& w : list)
      w.ack({w.lsn, Durability::kCommitted, Status::Unavailable("the server stopped before the batch was committed"),
             w.duplicate});
}

Result<IdempotencyKeys*> Ingest::KeysOf(const Table& table) {
  auto& keys = keys_[table.id()];
  if (keys == nullptr) {
    auto opened = IdempotencyKeys::Open(table.dir(), options_.idempotency_window, options_.fsync);
    if (!opened.ok()) {
      keys_.erase(table.id());
      return opened.status();
    }
    keys = std::move(*opened);
  }
  return keys.get();
}

WriteAheadLog::Durable Ingest::OnDurable(std::shared_ptr<Table> table, Durability wanted, Ack ack, bool duplicate,
                                         std::shared_ptr<std::atomic<bool>> abandoned) {
  return [this, table = std::move(table), wanted, ack = std::move(ack), duplicate, abandoned = std::move(abandoned)](
             uint64_t at, const Status& st) {
    // order_mu_: the memory ack, sent under it, comes first.
    std::lock_guard order(order_mu_);
    if (abandoned->load()) return;
    ack({at, Durability::kDisk, st, duplicate});
    if (!st.ok() || wanted < Durability::kCommitted) return;
    // A flush may have committed it already (it flushes what the log has
    // synced, which includes this record): then say so now. The flusher
    // collects waiters under order_mu_, so none is missed.
    if (table->snapshot()->flushed_lsn >= at) {
      // Unless an earlier record still waits for that flush's acks (its
      // disk callback came before the flush, this one after): this one then
      // waits with it, or `committed` would come out of LSN order.
      bool earlier_waits = false;
      {
        std::lock_guard lock(mu_);
        if (auto it = waiters_.find(table->id()); it != waiters_.end())
          for (const auto& w : it->second) earlier_waits = earlier_waits || w.lsn < at;
      }
      if (!earlier_waits) {
        ack({at, Durability::kCommitted, Status::OK(), duplicate});
        AckBeyondCommitted(table->id(), at, wanted, ack, duplicate);
        return;
      }
    }
    std::lock_guard lock(mu_);
    waiters_[table->id()].push_back({at, ack, duplicate, wanted});
    commit_wanted_ = true;
    flush_.notify_all();
  };
}

Result<Ingest::Written> Ingest::Write(const QualifiedName& name, const arrow::RecordBatchPtr& stream_batch,
                                      Durability wanted, Ack ack, const std::string& idempotency_key,
                                      const arrow::ipc::Message* as_received) {
  // A cluster node that may have lost its folder takes nothing more (fencing).
  if (store_->options().fence) HANGAR_RETURN_NOT_OK(store_->options().fence());
  HANGAR_ASSIGN_OR_RETURN(auto table, store_->FindTable(name));
  HANGAR_RETURN_NOT_OK(table->CheckWritable());
  auto snapshot = table->snapshot();
  const std::string mismatch = SchemaMismatch(*snapshot->schema, *stream_batch->schema);
  if (!mismatch.empty())
    return Status::Invalid("the batch does not match table '" + name.ToString() + "': " + mismatch);
  HANGAR_ASSIGN_OR_RETURN(const auto batch, AsTableBatch(stream_batch, snapshot->schema));
  // Columns whose layout changed are not what the client sent.
  if (batch->columns != stream_batch->columns) as_received = nullptr;
  HANGAR_RETURN_NOT_OK(CheckNotNull(*batch));
  HANGAR_RETURN_NOT_OK(CheckKeyNotNull(*batch, snapshot->primary_key));
  // The log record is an IPC stream: the table's schema, then the batch. The
  // batch's message goes in as the client sent it (only its framing is
  // made here), unless dictionaries would have to travel with it.
  std::string head;
  std::string_view body;
  if (as_received != nullptr && !arrow::HasDictionary(*snapshot->schema)) {
    HANGAR_ASSIGN_OR_RETURN(head, arrow::ipc::StreamHeadFor(snapshot->schema, *as_received));
    body = as_received->body()->view();
  } else {
    HANGAR_ASSIGN_OR_RETURN(head, arrow::ipc::WriteStream(snapshot->schema, {batch}));
  }
  const std::string_view payload[] = {head, body};
  // Decoded size: a small batch costs its objects far more than its bytes.
  const int64_t bytes = arrow::DecodedSize(*batch);
  bool overflow = false;  // decided below
  auto give_back_room = [&] {
    if (overflow) return;
    std::lock_guard lock(mu_);
    memtable_bytes_ -= bytes;
    room_.notify_all();
  };
  // Memory first; past its bound the batch is kept in the log only (its
  // overflow), so that a writer faster than the flush into Parquet is not
  // paced by it; past the log's bound too, the writer waits for the flush.
  {
    std::unique_lock lock(mu_);
    auto in_memory = [&] { return memtable_bytes_ + bytes <= options_.max_memtable_bytes || memtable_bytes_ == 0; };
    // An overflowing batch is held until its record is written: those count
    // apart, bounded to a quarter of the memtables' bound (the disk paces them).
    auto in_log = [&] {
      return (unlogged_bytes_ + bytes <= options_.max_memtable_bytes / 4 || unlogged_bytes_ == 0) &&
             wal_->bytes() + static_cast<int64_t>(head.size() + body.size()) <= options_.max_log_bytes;
    };
    if (!in_memory()) {
      // Full: the flusher writes out what it has now, whatever the sizes and ages.
      room_wanted_ = true;
      flush_.notify_all();
      room_.wait(lock, [&] { return in_memory() || in_log() || writes_stopped_; });
    }
    if (writes_stopped_) return Status::Unavailable("the server is shutting down");
    overflow = !in_memory();
    (overflow ? unlogged_bytes_ : memtable_bytes_) += bytes;
  }
  std::unique_lock order(order_mu_);
  // The disk ack comes from the log's writer thread; it takes order_mu_ too,
  // so it cannot overtake the memory ack sent below.
  IdempotencyKeys* keys = nullptr;
  if (!idempotency_key.empty()) {
    auto found = KeysOf(*table);
    if (!found.ok()) {
      give_back_room();
      return found.status();
    }
    keys = *found;
    if (auto original = keys->Find(idempotency_key)) {
      // Written before: nothing is written now; the acks follow the original.
      give_back_room();
      ack({*original, Durability::kMemory, Status::OK(), true});
      order.unlock();  // the disk ack may come at once, and takes the lock
      if (wanted >= Durability::kDisk)
        wal_->AfterDurable(*original, OnDurable(table, wanted, ack, true, std::make_shared<std::atomic<bool>>(false)));
      return Written{*original, true};
    }
  }
  // Set when the batch turns out not to be taken: its record's durability
  // then concerns nobody.
  auto abandoned = std::make_shared<std::atomic<bool>>(false);
  WriteAheadLog::Durable durable;
  if (wanted >= Durability::kDisk) durable = OnDurable(table, wanted, ack, false, abandoned);
  MemBatch entry;
  entry.batch = batch;
  entry.bytes = bytes;
  entry.at = std::chrono::steady_clock::now();
  WriteAheadLog::Located located;
  if (overflow) {
    auto logged = std::make_shared<LoggedBatch>(batch);
    located = [this, logged, bytes](WalRecordRef ref) {
      logged->Located(std::move(ref));
      std::lock_guard lock(mu_);
      unlogged_bytes_ -= bytes;
      room_.notify_all();
    };
    entry.rows = batch->num_rows;
    entry.batch = nullptr;
    entry.logged = std::move(logged);
  }
  entry.lsn = wal_->Append(table->id(), idempotency_key, payload, std::move(durable), std::move(located));
  const uint64_t lsn = entry.lsn;
  auto appended = table->AppendToMemtable(std::move(entry));
  if (!appended.ok()) {
    // Dropped meanwhile: the log record stays (replay skips it), and its
    // callback says nothing.
    abandoned->store(true);
    give_back_room();
    return appended.status();
  }
  if (keys != nullptr) keys->Add(idempotency_key, lsn, NowMicros());
  ack({lsn, Durability::kMemory, Status::OK(), false});
  return Written{lsn, false};
}

void Ingest::FlusherLoop() {
  RunInBackground();  // the flush into Parquet yields the CPU to the streams it drains
  std::unique_lock lock(mu_);
  while (!stopping_) {
    flush_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || commit_wanted_ || room_wanted_; });
    if (stopping_) break;
    if (commit_wanted_ && !room_wanted_) {
      // Let the batches of the next moments join the same flush.
      flush_.wait_for(lock, options_.commit_delay, [&] { return stopping_ || room_wanted_; });
    }
    commit_wanted_ = false;
    const bool full = std::exchange(room_wanted_, false);
    lock.unlock();
    {
      std::lock_guard flush_lock(flush_mu_);
      Status st = FlushDue(full);
      if (!st.ok()) log::Warn("flushing a memtable failed (will retry)", {{"error", st.ToString()}});
    }
    lock.lock();
  }
}

Status Ingest::FlushDue(bool all) {
  const auto now = std::chrono::steady_clock::now();
  Status first_error;
  for (const auto& table : store_->Tables()) {
    auto snapshot = table->snapshot();
    const auto& rows = *snapshot->memtable;
    if (rows.empty()) {
      // A put into a primary-key table flushes the memtable itself (its
      // rows go ahead of the put's): whoever waits for them hears it here.
      bool waiting;
      {
        std::lock_guard lock(mu_);
        waiting = waiters_.count(table->id()) > 0;
      }
      if (waiting) AckCommitted(table->id(), snapshot->flushed_lsn, Status::OK());
      continue;
    }
    const int64_t bytes = rows.bytes();
    bool waited_for;
    {
      std::lock_guard lock(mu_);
      auto it = waiters_.find(table->id());
      waited_for = it != waiters_.end() && !it->second.empty();
    }
    if (table->read_only()) continue;  // until an admin acts
    if (!all && !waited_for && bytes < options_.flush_bytes && now - rows.front().at < options_.flush_interval)
      continue;
    Status st = FlushTable(table);
    NoteFlush(table, st);
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  // Batches of tables dropped before their flush will never be committed.
  std::vector<uint64_t> orphaned;
  {
    std::lock_guard lock(mu_);
    for (const auto& [table_id, list] : waiters_) orphaned.push_back(table_id);
  }
  for (const auto& table : store_->Tables()) std::erase(orphaned, table->id());
  for (uint64_t table_id : orphaned)
    AckCommitted(table_id, UINT64_MAX, Status::NotFound("the table was dropped before the batch was committed"));
  // Keys first: the log keeps whatever holds the only copy of a key.
  if (Status st = PersistKeys(); !st.ok() && first_error.ok()) first_error = st;
  TruncateLog();
  RecountMemtableBytes();
  return first_error;
}

void Ingest::RecountMemtableBytes() {
  // Recounted rather than only tracked: a dropped table's rows leave with it.
  int64_t held = 0;
  for (const auto& table : store_->Tables()) {
    if (table->read_only()) continue;
    held += table->snapshot()->memtable->resident_bytes();
  }
  {
    std::lock_guard lock(mu_);
    memtable_bytes_ = held;
  }
  room_.notify_all();
}

void Ingest::NoteFlush(const std::shared_ptr<Table>& table, const Status& status) {
  if (status.ok()) {
    flush_failures_.erase(table->id());
    return;
  }
  // The environment's failures (a full or failing disk, a fenced folder, a
  // stop, DuckDB out of memory or spill space) are retried for ever: the
  // rows are fine, the place is not.
  const StatusCode code = status.code();
  if (code == StatusCode::kIOError || code == StatusCode::kUnavailable || code == StatusCode::kFailedPrecondition ||
      code == StatusCode::kResourceExhausted)
    return;
  if (++flush_failures_[table->id()] < kFlushAttempts) return;
  auto snapshot = table->snapshot();
  const auto& rows = *snapshot->memtable;
  const std::string lsns =
      rows.empty() ? std::string("none") : std::to_string(rows.front().lsn) + ".." + std::to_string(rows.back().lsn);
  // The client sees the reason: an internal error's text stays in the log.
  const std::string why = code == StatusCode::kInternal ? "an internal error (see the server's log)" : status.message();
  const std::string reason = "its memtable (LSNs " + lsns + ") failed to flush " + std::to_string(kFlushAttempts) +
                             " times (" + why +
                             "); the rows are kept in the write-ahead log; an admin can retry with the RetryFlush "
                             "action or move them aside with QuarantineMemtable";
  table->SetReadOnly(reason);
  log::Error("a table is read-only: its memtable cannot be flushed",
             {{"table", snapshot->name.ToString()}, {"lsns", lsns}, {"error", status.ToString()}});
  AckCommitted(table->id(), UINT64_MAX,
               Status::FailedPrecondition("table '" + snapshot->name.ToString() + "' takes no writes: " + reason));
}

Result<std::string> Ingest::RetryFlush(const QualifiedName& name) {
  std::lock_guard flush_lock(flush_mu_);
  HANGAR_ASSIGN_OR_RETURN(auto table, store_->FindTable(name));
  table->ClearReadOnly();
  flush_failures_.erase(table->id());
  Status st = FlushTable(table);
  if (!st.ok()) {
    flush_failures_[table->id()] = kFlushAttempts - 1;
    NoteFlush(table, st);
    RecountMemtableBytes();
    return st;
  }
  TruncateLog();
  RecountMemtableBytes();
  return JsonText(nlohmann::json{{"table", name.ToString()}, {"flushed_lsn", table->snapshot()->flushed_lsn}});
}

Result<std::string> Ingest::Quarantine(const QualifiedName& name) {
  std::lock_guard flush_lock(flush_mu_);
  HANGAR_ASSIGN_OR_RETURN(auto table, store_->FindTable(name));
  std::lock_guard writing(table->memtable_write_mu());
  auto snapshot = table->snapshot();
  const auto& rows = *snapshot->memtable;
  nlohmann::json out = {{"table", name.ToString()}, {"batches", rows.size()}};
  if (!rows.empty()) {
    const uint64_t first = rows.front().lsn, last = rows.back().lsn;
    std::vector<arrow::RecordBatchPtr> batches;
    int64_t row_count = 0;
    for (const auto& m : rows) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, m.Load());
      batches.push_back(std::move(batch));
      row_count += m.rows;
    }
    HANGAR_ASSIGN_OR_RETURN(auto stream, arrow::ipc::WriteStream(snapshot->schema, batches));
    const fs::path dir = store_->options().data_dir / "quarantine";
    const std::string file = name.ToString() + "-lsn" + std::to_string(first) + "-" + std::to_string(last) + ".arrows";
    HANGAR_RETURN_NOT_OK(CreateDirectories(dir));
    HANGAR_RETURN_NOT_OK(WriteFileAtomic(dir / file, stream));
    // The rows leave the memtable as a flush's would: the log skips them from now on.
    HANGAR_RETURN_NOT_OK(table->Commit(CommitMode::kAppend, snapshot->schema, {}, last).status());
    log::Warn("quarantined a table's memtable",
              {{"table", name.ToString()}, {"file", "quarantine/" + file}, {"first_lsn", first}, {"last_lsn", last}});
    AckCommitted(table->id(), last, Status::FailedPrecondition("the batch was quarantined into quarantine/" + file));
    out.update({{"file", "quarantine/" + file}, {"rows", row_count}, {"first_lsn", first}, {"last_lsn", last}});
  }
  table->ClearReadOnly();
  flush_failures_.erase(table->id());
  if (Status st = PersistKeys(); !st.ok()) log::Warn("persisting idempotency keys failed", {{"error", st.ToString()}});
  TruncateLog();
  RecountMemtableBytes();
  return JsonText(out);
}

Status Ingest::FlushTable(const std::shared_ptr<Table>& table) {
  auto snapshot = table->snapshot();
  const MemRows& rows = *snapshot->memtable;
  if (rows.empty()) return Status::OK();
  // A batch asked for `committed` may still be waiting for its fsync; the
  // flush covers only what the log already has on disk, so that `committed`
  // never comes before `disk`.
  HANGAR_RETURN_NOT_OK(wal_->WaitDurable(rows.back().lsn));
  if (options_.flush_fault) HANGAR_RETURN_NOT_OK(options_.flush_fault(*table));
  const uint64_t upto = rows.back().lsn;
  const int64_t resident = rows.resident_bytes();
  // What the flush reads back from the log at a time counts against memory too.
  HANGAR_RETURN_NOT_OK(
      store_->FlushMemtable(table, snapshot, std::max<int64_t>(options_.max_memtable_bytes / 4, 1)).status());
  {
    std::lock_guard lock(mu_);
    memtable_bytes_ = std::max<int64_t>(0, memtable_bytes_ - resident);
  }
  room_.notify_all();
  AckCommitted(table->id(), upto, Status::OK());
  return Status::OK();
}

void Ingest::AckCommitted(uint64_t table_id, uint64_t upto, const Status& status) {
  // Under order_mu_: a disk callback registering a waiter either sees the
  // flushed LSN or is collected here (see Write).
  std::lock_guard order(order_mu_);
  std::vector<CommitWaiter> done;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(table_id);
    if (it == waiters_.end()) return;
    auto& list = it->second;
    auto split = std::partition(list.begin(), list.end(), [&](const CommitWaiter& w) { return w.lsn > upto; });
    done.assign(std::make_move_iterator(split), std::make_move_iterator(list.end()));
    list.erase(split, list.end());
    if (list.empty()) waiters_.erase(it);
  }
  std::sort(done.begin(), done.end(), [](const CommitWaiter& a, const CommitWaiter& b) { return a.lsn < b.lsn; });
  for (auto& w : done) {
    w.ack({w.lsn, Durability::kCommitted, status, w.duplicate});
    if (status.ok()) AckBeyondCommitted(table_id, w.lsn, w.wanted, w.ack, w.duplicate);
  }
}

void Ingest::AckBeyondCommitted(uint64_t table_id, uint64_t lsn, Durability wanted, const Ack& ack, bool duplicate) {
  if (wanted <= Durability::kCommitted) return;
  std::shared_ptr<TableMirror> mirror = store_->options().mirror;
  if (!mirror) {
    ack({lsn, Durability::kObjectStorage,
         Status::FailedPrecondition("this server has no object store (start it with --object-store)"), duplicate});
    return;
  }
  // The mirror answers each level in LSN order; iceberg_committed is asked
  // for once object_storage is reached, so the two come in that order too.
  mirror->WhenReached(
      table_id, lsn, MirrorLevel::kObjectStorage, [mirror, table_id, lsn, wanted, ack, duplicate](const Status& st) {
        ack({lsn, Durability::kObjectStorage, st, duplicate});
        if (!st.ok() || wanted != Durability::kIcebergCommitted) return;
        mirror->WhenReached(table_id, lsn, MirrorLevel::kIcebergCommitted, [lsn, ack, duplicate](const Status& st2) {
          ack({lsn, Durability::kIcebergCommitted, st2, duplicate});
        });
      });
}

Status Ingest::PersistKeys() {
  std::lock_guard order(order_mu_);
  std::map<uint64_t, std::unique_ptr<IdempotencyKeys>> live;
  Status first_error;
  const int64_t now_us = NowMicros();
  for (const auto& table : store_->Tables()) {
    auto it = keys_.find(table->id());
    if (it == keys_.end()) continue;
    Status st = it->second->Persist(table->snapshot()->flushed_lsn, now_us);
    if (!st.ok() && first_error.ok()) first_error = st;
    live.insert(keys_.extract(it));
  }
  keys_.swap(live);  // a dropped table's keys go with it
  return first_error;
}

void Ingest::TruncateLog() {
  // Every record below the oldest LSN still only in memory is in a file, and
  // its key (if any) in the table's key file.
  uint64_t keep_from;
  {
    std::lock_guard order(order_mu_);
    keep_from = wal_->last_lsn() + 1;
    for (const auto& table : store_->Tables()) {
      auto snapshot = table->snapshot();
      if (!snapshot->memtable->empty()) keep_from = std::min(keep_from, snapshot->memtable->front().lsn);
    }
    for (const auto& [table_id, keys] : keys_)
      if (keys->first_unpersisted() != 0) keep_from = std::min(keep_from, keys->first_unpersisted());
  }
  // The files' removal and the folder's fsync happen outside the lock, which
  // every write and every disk ack takes: records appended meanwhile come
  // after keep_from, so they stay.
  Status st = wal_->Truncate(keep_from - 1);
  if (!st.ok()) log::Warn("truncating the write-ahead log failed", {{"error", st.ToString()}});
}

Status Ingest::FlushAll() {
  std::lock_guard flush_lock(flush_mu_);
  return FlushDue(true);
}

Status RecoverFolder(const fs::path& folder, std::shared_ptr<duckdb::Database> db, IngestOptions options,
                     std::function<Status()> fence) {
  StoreOptions store_options;
  store_options.data_dir = folder;
  store_options.fence = std::move(fence);
  HANGAR_ASSIGN_OR_RETURN(std::shared_ptr<TableStore> store, TableStore::Open(store_options, std::move(db)));
  WalOpenReport report;
  HANGAR_ASSIGN_OR_RETURN(auto ingest, Ingest::Open(store, options, &report));
  if (!report.cut_reason.empty())
    log::Warn("recovering a folder: its log ended in a torn or corrupt record, cut there",
              {{"folder", folder.string()}, {"reason", report.cut_reason}});
  HANGAR_RETURN_NOT_OK(ingest->FlushAll());
  log::Info("recovered a folder", {{"folder", folder.string()}, {"log_records", std::to_string(report.records)}});
  return Status::OK();
}

int64_t Ingest::logged_bytes() const {
  int64_t logged = 0;
  for (const auto& table : store_->Tables()) {
    const auto snapshot = table->snapshot();
    logged += snapshot->memtable->bytes() - snapshot->memtable->resident_bytes();
  }
  return logged;
}

int64_t Ingest::memtable_bytes() const {
  std::lock_guard lock(mu_);
  return memtable_bytes_;
}

}  // namespace hangar::store
