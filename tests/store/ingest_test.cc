// Streaming ingest on real files: acknowledgements level by level in LSN
// order, rows visible from the memory ack on, flushes into Parquet, replay of
// what was only in the log, refused batches, and bounded memory.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/ipc/decoder.h"
#include "arrow/ipc/encoder.h"
#include "arrow/ipc/reader.h"
#include "store/file_util.h"
#include "store/ingest.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::Events;
using testing::EventSchema;
using testing::OpenStore;
using testing::ReadAll;
using testing::TempDir;

const QualifiedName kEvents{"default", "events"};

struct AckLog {
  std::mutex mu;
  std::vector<std::tuple<uint64_t, Durability, Status>> acks;
  int duplicates = 0;
  Ingest::Ack Callback() {
    return [this](const Ingest::BatchAck& a) {
      std::lock_guard lock(mu);
      acks.emplace_back(a.lsn, a.level, a.status);
      duplicates += a.duplicate;
    };
  }
  size_t Count(Durability level) {
    std::lock_guard lock(mu);
    return std::count_if(acks.begin(), acks.end(), [&](const auto& a) { return std::get<1>(a) == level; });
  }
  bool WaitFor(Durability level, size_t n) {
    for (int i = 0; i < 1000 && Count(level) < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return Count(level) >= n;
  }
};

// Every ack is OK, every batch has one ack per level of `levels` in that
// order, and each level's acks come in LSN order.
void ExpectEveryLevelInLsnOrder(AckLog& log, const std::vector<Durability>& levels) {
  std::lock_guard lock(log.mu);
  std::map<uint64_t, std::vector<Durability>> per_batch;
  std::map<Durability, uint64_t> last;
  for (const auto& [lsn, level, st] : log.acks) {
    EXPECT_TRUE(st.ok()) << st.ToString();
    per_batch[lsn].push_back(level);
    EXPECT_GT(lsn, last[level]) << "level " << DurabilityName(level) << " out of LSN order";
    last[level] = lsn;
  }
  for (const auto& [lsn, got] : per_batch) EXPECT_EQ(got, levels) << "batch " << lsn;
}

// A store in `dir` with an empty table `events`.
std::shared_ptr<TableStore> StoreWithEvents(const TempDir& dir) {
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  EXPECT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
  return store;
}

int64_t Rows(TableStore& store, const QualifiedName& name) {
  auto snapshot = store.Snapshot(name).value();
  auto scan = store.Scan(snapshot).value();
  auto all = ReadAll(scan.get()).value();
  return all ? all->num_rows : 0;
}

TEST(Ingest, AcksComeLevelByLevelInLsnOrderAndRowsAreVisibleAtOnce) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  AckLog log;
  std::vector<uint64_t> lsns;
  for (int i = 0; i < 20; ++i)
    lsns.push_back(ingest->Write(kEvents, Events(i * 10, 10), Durability::kCommitted, log.Callback()).value().lsn);
  EXPECT_TRUE(std::is_sorted(lsns.begin(), lsns.end()));
  // Memory acks come before Write returns: the rows are readable now.
  EXPECT_EQ(log.Count(Durability::kMemory), 20u);
  ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 20));
  ExpectEveryLevelInLsnOrder(log, {Durability::kMemory, Durability::kDisk, Durability::kCommitted});
  // Committed: in a Parquet file, out of the memtable, the log truncated.
  auto snapshot = store->Snapshot(kEvents).value();
  EXPECT_TRUE(snapshot->memtable->empty());
  EXPECT_EQ(snapshot->flushed_lsn, lsns.back());
  EXPECT_EQ(Rows(*store, kEvents), 200);
}

// A mirror that reaches a level as soon as the store commits: each level's
// answers for the LSNs a commit covers, in LSN order.
class InstantMirror : public TableMirror {
 public:
  void Committed(uint64_t table_id, Change, const SnapshotPtr& snapshot) override {
    std::vector<std::function<void(const Status&)>> ready;
    {
      std::lock_guard lock(mu_);
      flushed_[table_id] = std::max(flushed_[table_id], snapshot->flushed_lsn);
      changes_.push_back(snapshot->version);
      for (auto& level : waiters_) {
        auto end = level.upper_bound(flushed_[table_id]);
        for (auto it = level.begin(); it != end; ++it) ready.push_back(std::move(it->second));
        level.erase(level.begin(), end);
      }
    }
    for (auto& done : ready) done(Status::OK());
  }
  void WhenReached(uint64_t table_id, uint64_t lsn, MirrorLevel level,
                   std::function<void(const Status&)> done) override {
    {
      std::lock_guard lock(mu_);
      if (flushed_[table_id] < lsn) {
        waiters_[level == MirrorLevel::kObjectStorage ? 0 : 1].emplace(lsn, std::move(done));
        return;
      }
    }
    done(Status::OK());
  }
  std::vector<int64_t> changes() {
    std::lock_guard lock(mu_);
    return changes_;
  }

 private:
  std::mutex mu_;
  std::map<uint64_t, uint64_t> flushed_;
  std::vector<int64_t> changes_;  // the versions committed, in order
  std::multimap<uint64_t, std::function<void(const Status&)>> waiters_[2];
};

TEST(Ingest, TheMirrorsLevelsComeAfterCommittedLevelByLevelInLsnOrder) {
  TempDir dir;
  auto mirror = std::make_shared<InstantMirror>();
  StoreOptions options;
  options.mirror = mirror;
  std::shared_ptr<TableStore> store(OpenStore(dir.path(), options));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  EXPECT_TRUE(ingest->mirrored());
  AckLog log;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(ingest->Write(kEvents, Events(i * 10, 10), Durability::kIcebergCommitted, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kIcebergCommitted, 10));
  ExpectEveryLevelInLsnOrder(log, {Durability::kMemory, Durability::kDisk, Durability::kCommitted,
                                   Durability::kObjectStorage, Durability::kIcebergCommitted});
  // The mirror heard of the table when it was made and of every commit since, in order.
  const auto changes = mirror->changes();
  ASSERT_GE(changes.size(), 2u);
  EXPECT_EQ(changes.front(), 1);
  EXPECT_TRUE(std::is_sorted(changes.begin(), changes.end()));
}

TEST(Ingest, WithoutAMirrorTheObjectStoreLevelsAreAnErrorAck) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  EXPECT_FALSE(ingest->mirrored());
  AckLog log;
  ASSERT_TRUE(ingest->Write(kEvents, Events(0, 10), Durability::kObjectStorage, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kObjectStorage, 1));
  std::lock_guard lock(log.mu);
  const auto& [lsn, level, st] = log.acks.back();
  EXPECT_EQ(level, Durability::kObjectStorage);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("--object-store"), std::string::npos) << st.message();
}

TEST(Ingest, WhatWasOnlyInTheLogComesBackAfterARestart) {
  TempDir dir;
  uint64_t last = 0;
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
    ASSERT_TRUE(store->CreateTable({"default", "gone"}, EventSchema()).ok());
    IngestOptions options;
    options.flush_interval = std::chrono::hours(1);
    options.flush_on_close = false;
    auto ingest = Ingest::Open(store, options).value();
    AckLog log;
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(ingest->Write(kEvents, Events(i * 10, 10), Durability::kDisk, log.Callback()).ok());
    ASSERT_TRUE(ingest->FlushAll().ok());  // the first 50 rows into Parquet
    for (int i = 5; i < 8; ++i)
      last = ingest->Write(kEvents, Events(i * 10, 10), Durability::kDisk, log.Callback()).value().lsn;
    ASSERT_TRUE(ingest->Write({"default", "gone"}, Events(0, 1), Durability::kDisk, log.Callback()).ok());
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, 9));
    ASSERT_TRUE(store->DropTable({"default", "gone"}).ok());
    // As after a crash: the memtable is lost, the log is not (no flush on the way out).
    ingest.reset();
  }
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  WalOpenReport report;
  auto ingest = Ingest::Open(store, IngestOptions{}, &report).value();
  EXPECT_EQ(report.last_lsn, last + 1);
  auto snapshot = store->Snapshot(kEvents).value();
  ASSERT_EQ(snapshot->memtable->size(), 3u);  // the 3 batches after the flush, not the 5 before
  EXPECT_EQ(snapshot->memtable->back().lsn, last);
  EXPECT_EQ(Rows(*store, kEvents), 80);
  EXPECT_FALSE(store->Snapshot({"default", "gone"}).ok());
}

// The log keeps a streamed batch's IPC message as the client sent it, behind
// the table's schema; a batch with dictionaries (which travel in messages of
// their own) is encoded again. Both come back after a crash.
TEST(Ingest, ABatchLoggedAsItArrivedComesBackAfterARestart) {
  TempDir dir;
  const QualifiedName kLabels{"default", "labels"};
  auto label_schema = arrow::schema({arrow::field("label", arrow::dictionary(arrow::int32(), arrow::utf8()))});
  // As a client sends them: every field nullable.
  auto sent_schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("what", arrow::utf8())});
  auto sent = [&](const arrow::RecordBatchPtr& batch) {
    arrow::ipc::StreamEncoder encoder(batch->schema, {});
    auto messages = encoder.EncodeBatch(*batch).value();
    std::string body;
    for (const auto& piece : messages.back().body) body += piece->view();
    auto message = arrow::ipc::Message::Open(messages.back().metadata, arrow::Buffer::FromString(body)).value();
    arrow::ipc::StreamDecoder decoder;
    if (!decoder.Consume(encoder.EncodeSchema().value().metadata, nullptr).ok())
      return std::make_pair(arrow::RecordBatchPtr(), message);
    for (size_t i = 0; i + 1 < messages.size(); ++i) {  // dictionaries first
      std::string dictionary;
      for (const auto& piece : messages[i].body) dictionary += piece->view();
      if (!decoder.Consume(messages[i].metadata, arrow::Buffer::FromString(dictionary)).ok())
        return std::make_pair(arrow::RecordBatchPtr(), message);
    }
    return std::make_pair(decoder.Consume(message).value().batch, message);
  };
  arrow::DictionaryBuilder labels(label_schema->field(0)->type());
  for (const char* l : {"red", "green", "red"}) ASSERT_TRUE(labels.Append(l).ok());
  auto label_batch = arrow::MakeRecordBatch(label_schema, 3, {labels.Finish().value()});
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
    ASSERT_TRUE(store->CreateTable(kLabels, label_schema).ok());
    IngestOptions options;
    options.flush_interval = std::chrono::hours(1);
    options.flush_on_close = false;
    auto ingest = Ingest::Open(store, options).value();
    AckLog log;
    for (int i = 0; i < 4; ++i) {
      auto events = Events(i * 10, 10);
      auto [batch, message] = sent(arrow::MakeRecordBatch(sent_schema, 10, events->columns));
      ASSERT_NE(batch, nullptr);
      ASSERT_TRUE(ingest->Write(kEvents, batch, Durability::kDisk, log.Callback(), "", &message).ok());
    }
    auto [batch, message] = sent(label_batch);
    ASSERT_NE(batch, nullptr);
    ASSERT_TRUE(ingest->Write(kLabels, batch, Durability::kDisk, log.Callback(), "", &message).ok());
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, 5));
    ingest.reset();  // as after a crash: only the log has the rows
  }
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  auto ingest = Ingest::Open(store, IngestOptions{});
  ASSERT_TRUE(ingest.ok()) << ingest.status().ToString();  // replay found every record whole
  auto events = ReadAll(store->Scan(store->Snapshot(kEvents).value()).value().get()).value();
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(arrow::BatchDiff(*Events(0, 40), *events), "");
  auto back = ReadAll(store->Scan(store->Snapshot(kLabels).value()).value().get()).value();
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(arrow::BatchDiff(*label_batch, *back), "");
}

TEST(Ingest, ABatchThatDoesNotFitIsRefusedAndTheOthersGoOn) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  AckLog log;
  auto wrong = arrow::MakeRecordBatch(arrow::schema({arrow::field("id", arrow::int32(), false)}), 0,
                                      {arrow::MakeBuilder(arrow::int32()).value()->Finish().value()});
  auto refused = ingest->Write(kEvents, wrong, Durability::kDisk, log.Callback());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("'id'"), std::string::npos) << refused.status().ToString();
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  ids.AppendNull();
  arrow::BinaryBuilder what(arrow::utf8());
  what.Append("x");
  auto nulls = arrow::MakeRecordBatch(EventSchema(), 1, {ids.Finish().value(), what.Finish().value()});
  EXPECT_EQ(ingest->Write(kEvents, nulls, Durability::kDisk, log.Callback()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ingest->Write({"default", "nope"}, Events(0, 1), Durability::kDisk, log.Callback()).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(ingest->Write(kEvents, Events(0, 3), Durability::kDisk, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, 1));
  EXPECT_EQ(Rows(*store, kEvents), 3);
  EXPECT_EQ(ParseDurability("eventually").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDurability("iceberg_committed").value(), Durability::kIcebergCommitted);
  EXPECT_EQ(ParseDurability("object_storage").value(), Durability::kObjectStorage);
}

TEST(Ingest, AWriterWaitingForCommittedHearsWhenItsTableIsDropped) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  IngestOptions options;
  options.commit_delay = std::chrono::milliseconds(2000);  // time to drop the table first
  auto ingest = Ingest::Open(store, options).value();
  AckLog log;
  ASSERT_TRUE(ingest->Write(kEvents, Events(0, 10), Durability::kCommitted, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, 1));
  ASSERT_TRUE(store->DropTable(kEvents).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 1));
  std::lock_guard lock(log.mu);
  const auto& [lsn, level, st] = log.acks.back();
  EXPECT_EQ(level, Durability::kCommitted);
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
}

TEST(Ingest, AWriterWaitingForCommittedHearsWhenAPutFlushedItsRows) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema(), {"id"}).ok());
  IngestOptions options;
  options.commit_delay = std::chrono::milliseconds(1000);  // time for the put to flush first
  auto ingest = Ingest::Open(store, options).value();
  AckLog log;
  ASSERT_TRUE(ingest->Write(kEvents, Events(0, 10), Durability::kCommitted, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, 1));
  // An upsert flushes the memtable's rows ahead of its own: the flusher
  // then finds the memtable empty, and must still say `committed`.
  arrow::VectorSource source(EventSchema(), {Events(5, 10)});
  ASSERT_TRUE(store->Put(kEvents, PutMode::kAppend, &source).ok());
  ASSERT_TRUE(store->Snapshot(kEvents).value()->memtable->empty());
  ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 1));
  ExpectEveryLevelInLsnOrder(log, {Durability::kMemory, Durability::kDisk, Durability::kCommitted});
  EXPECT_EQ(Rows(*store, kEvents), 15);
}

TEST(Ingest, AWriterFasterThanTheFlusherIsHeldToTheMemoryBound) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  IngestOptions options;
  options.max_memtable_bytes = 1 << 20;
  options.flush_bytes = 256 << 10;
  options.fsync = false;
  auto ingest = Ingest::Open(store, options).value();
  AckLog log;
  int64_t peak = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(ingest->Write(kEvents, Events(i * 1000, 1000), Durability::kMemory, log.Callback()).ok());
    peak = std::max(peak, ingest->memtable_bytes());
  }
  // 200 batches of ~30 KB went through; at most the bound (plus one batch) was ever held.
  EXPECT_LE(peak, options.max_memtable_bytes + 64 * 1024);
  EXPECT_EQ(Rows(*store, kEvents), 200000);
}

// The ids of a table, in the order a whole-table scan gives them.
std::vector<int64_t> Ids(TableStore& store, const QualifiedName& name) {
  auto snapshot = store.Snapshot(name).value();
  auto scan = store.Scan(snapshot).value();
  std::vector<int64_t> ids;
  while (true) {
    auto batch = scan->Next().value();
    if (batch == nullptr) return ids;
    const int64_t* values = batch->column(0)->values<int64_t>();
    ids.insert(ids.end(), values, values + batch->num_rows);
  }
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = i;
  return out;
}

size_t KeptInTheLog(const TableSnapshot& snapshot) {
  size_t n = 0;
  for (const auto& m : *snapshot.memtable) n += m.batch == nullptr && m.logged != nullptr;
  return n;
}

// Past the memtable bound a batch is kept in the log only: `disk` acks do
// not wait for the flush (here failing, as on a full disk, until the test
// lets it), memory stays at the bound, and reads and the flush read the
// batches back from the log, in order, each row once.
TEST(Ingest, PastTheMemoryBoundBatchesAreKeptInTheLogAndReadBackInOrder) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  IngestOptions options;
  options.max_memtable_bytes = 256 << 10;
  std::atomic<bool> disk_full = true;
  options.flush_fault = [&](const Table&) {
    return disk_full ? Status::IOError("no space left on device (the test's)") : Status::OK();
  };
  auto ingest = Ingest::Open(store, options).value();
  AckLog log;
  constexpr int kBatches = 60;
  int64_t peak = 0;
  for (int i = 0; i < kBatches; ++i) {
    ASSERT_TRUE(ingest->Write(kEvents, Events(i * 1000, 1000), Durability::kDisk, log.Callback()).ok());
    peak = std::max(peak, ingest->memtable_bytes());
  }
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, kBatches));
  ExpectEveryLevelInLsnOrder(log, {Durability::kMemory, Durability::kDisk});
  EXPECT_LE(peak, options.max_memtable_bytes);
  auto snapshot = store->Snapshot(kEvents).value();
  EXPECT_TRUE(snapshot->files.empty());
  EXPECT_EQ(snapshot->memtable->size(), size_t{kBatches});
  EXPECT_GT(KeptInTheLog(*snapshot), size_t{kBatches / 2});
  EXPECT_LE(snapshot->memtable->resident_bytes(), options.max_memtable_bytes);
  EXPECT_EQ(Ids(*store, kEvents), Iota(kBatches * 1000));
  // The disk takes writes again: everything reaches Parquet, once.
  disk_full = false;
  ASSERT_TRUE(ingest->FlushAll().ok());
  snapshot = store->Snapshot(kEvents).value();
  EXPECT_TRUE(snapshot->memtable->empty());
  EXPECT_GT(snapshot->files.size(), 1u);  // read back in parts of a quarter of the bound
  EXPECT_EQ(Ids(*store, kEvents), Iota(kBatches * 1000));
  EXPECT_EQ(ingest->memtable_bytes(), 0);
}

// A crash while batches exist only in the log's overflow: they come back on
// replay, kept in the log again past the bound, and are flushed once.
TEST(Ingest, BatchesKeptOnlyInTheLogComeBackAfterACrash) {
  TempDir dir;
  IngestOptions options;
  options.max_memtable_bytes = 256 << 10;
  options.flush_on_close = false;
  constexpr int kBatches = 40;
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
    IngestOptions crashing = options;
    crashing.flush_fault = [](const Table&) { return Status::IOError("the disk is full (the test's)"); };
    auto ingest = Ingest::Open(store, crashing).value();
    AckLog log;
    for (int i = 0; i < kBatches; ++i)
      ASSERT_TRUE(ingest->Write(kEvents, Events(i * 1000, 1000), Durability::kDisk, log.Callback()).ok());
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, kBatches));
    EXPECT_GT(KeptInTheLog(*store->Snapshot(kEvents).value()), 0u);
    ingest.reset();  // as after a crash: nothing flushed on the way out
  }
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  auto ingest = Ingest::Open(store, options).value();
  auto snapshot = store->Snapshot(kEvents).value();
  EXPECT_EQ(snapshot->memtable->size(), size_t{kBatches});
  EXPECT_GT(KeptInTheLog(*snapshot), 0u);
  EXPECT_LE(ingest->memtable_bytes(), options.max_memtable_bytes);
  EXPECT_EQ(Ids(*store, kEvents), Iota(kBatches * 1000));
  ASSERT_TRUE(ingest->FlushAll().ok());
  EXPECT_EQ(Ids(*store, kEvents), Iota(kBatches * 1000));
  EXPECT_TRUE(store->Snapshot(kEvents).value()->memtable->empty());
}

// Past the log's bound no batch is kept in the log only: writers wait for
// room in memory (the flush), and nothing is lost.
TEST(Ingest, PastTheLogBoundWritersWaitForTheFlush) {
  TempDir dir;
  std::shared_ptr<TableStore> store = StoreWithEvents(dir);
  IngestOptions options;
  options.max_memtable_bytes = 64 << 10;
  options.max_log_bytes = 512 << 10;
  auto ingest = Ingest::Open(store, options).value();
  AckLog log;
  constexpr int kBatches = 80;
  int64_t peak_logged = 0, peak_memory = 0;
  for (int i = 0; i < kBatches; ++i) {
    ASSERT_TRUE(ingest->Write(kEvents, Events(i * 1000, 1000), Durability::kDisk, log.Callback()).ok());
    int64_t logged = 0;
    for (const auto& m : *store->Snapshot(kEvents).value()->memtable) logged += m.batch == nullptr ? m.bytes : 0;
    peak_logged = std::max(peak_logged, logged);
    peak_memory = std::max(peak_memory, ingest->memtable_bytes());
  }
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, kBatches));
  EXPECT_GT(peak_logged, 0);
  EXPECT_LE(peak_logged, options.max_log_bytes);
  EXPECT_LE(peak_memory, options.max_memtable_bytes);
  ASSERT_TRUE(ingest->FlushAll().ok());
  EXPECT_EQ(Ids(*store, kEvents), Iota(kBatches * 1000));
}

TEST(Ingest, AnIdempotencyKeyWritesOnceAcrossFlushesCrashesAndRestarts) {
  TempDir dir;
  IngestOptions crashing;
  crashing.flush_interval = std::chrono::hours(1);
  crashing.flush_on_close = false;
  uint64_t flushed_key_lsn = 0, logged_key_lsn = 0;
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
    auto ingest = Ingest::Open(store, crashing).value();
    AckLog log;
    auto first = ingest->Write(kEvents, Events(0, 10), Durability::kCommitted, log.Callback(), "batch-a").value();
    EXPECT_FALSE(first.duplicate);
    flushed_key_lsn = first.lsn;
    // Sent again at once: the original's LSN, level by level, nothing written.
    auto again = ingest->Write(kEvents, Events(100, 10), Durability::kCommitted, log.Callback(), "batch-a").value();
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.lsn, first.lsn);
    ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 2));
    {
      std::lock_guard lock(log.mu);
      EXPECT_EQ(log.duplicates, 3);  // memory, disk, committed
      for (const auto& [lsn, level, st] : log.acks) {
        EXPECT_EQ(lsn, first.lsn);
        EXPECT_TRUE(st.ok()) << st.ToString();
      }
    }
    // The first key is in Parquet now and its log record gone; a second one
    // is only in the log when the process dies.
    logged_key_lsn = ingest->Write(kEvents, Events(10, 10), Durability::kDisk, log.Callback(), "batch-b").value().lsn;
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, 3));
    EXPECT_EQ(Rows(*store, kEvents), 20);
  }
  for (int restart = 0; restart < 2; ++restart) {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    auto ingest = Ingest::Open(store, crashing).value();
    AckLog log;
    auto a = ingest->Write(kEvents, Events(0, 10), Durability::kDisk, log.Callback(), "batch-a").value();
    auto b = ingest->Write(kEvents, Events(10, 10), Durability::kDisk, log.Callback(), "batch-b").value();
    EXPECT_TRUE(a.duplicate && b.duplicate);
    EXPECT_EQ(a.lsn, flushed_key_lsn);
    EXPECT_EQ(b.lsn, logged_key_lsn);
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, 2));
    EXPECT_EQ(Rows(*store, kEvents), 20 + restart);
    // A key never seen writes; flushing everything moves batch-b's key from
    // the log into the key file, which the second round reads.
    auto c = ingest
                 ->Write(kEvents, Events(20 + restart, 1), Durability::kDisk, log.Callback(),
                         "batch-c" + std::to_string(restart))
                 .value();
    EXPECT_FALSE(c.duplicate);
    ASSERT_TRUE(ingest->FlushAll().ok());
  }
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  EXPECT_EQ(Rows(*store, kEvents), 22);
}

TEST(IdempotencyKeys, ExpireAfterTheWindowAndATornAppendIsCut) {
  TempDir dir;
  const int64_t hour_us = int64_t{3600} * 1000000;
  {
    auto keys = IdempotencyKeys::Open(dir.path(), std::chrono::hours(1), true).value();
    keys->Add("old", 1, 0);
    keys->Add("new", 2, hour_us);
    keys->Add("unflushed", 3, hour_us);
    EXPECT_EQ(keys->first_unpersisted(), 1u);
    ASSERT_TRUE(keys->Persist(2, hour_us / 2).ok());  // 1 and 2 to the file; nothing expired yet
    EXPECT_EQ(keys->first_unpersisted(), 3u);
    ASSERT_TRUE(keys->Persist(2, hour_us + 1).ok());  // "old" is past the window
    EXPECT_FALSE(keys->Find("old").has_value());
    EXPECT_EQ(keys->Find("new"), 2u);
  }
  // The file has both records (expiry rewrites it only once it is mostly
  // expired) and lacks the unflushed key (it lives in the write-ahead log).
  const fs::path file = dir.path() / IdempotencyKeys::kFileName;
  {
    auto keys = IdempotencyKeys::Open(dir.path(), std::chrono::hours(1), true).value();
    EXPECT_EQ(keys->Find("new"), 2u);
    EXPECT_FALSE(keys->Find("unflushed").has_value());
    EXPECT_EQ(keys->first_unpersisted(), 0u);
  }
  // A crash in the middle of an append: the whole records stay, the torn one goes.
  const auto whole = fs::file_size(file);
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out.write("\x05\x00\x00\x00garbage", 11);
  }
  auto keys = IdempotencyKeys::Open(dir.path(), std::chrono::hours(1), true).value();
  EXPECT_EQ(fs::file_size(file), whole);
  EXPECT_EQ(keys->Find("new"), 2u);
  // Once most records are expired the file is written afresh with the live ones.
  for (int i = 0; i < 3000; ++i) keys->Add("k" + std::to_string(i), 10 + i, hour_us);
  ASSERT_TRUE(keys->Persist(5000, hour_us).ok());
  const auto big = fs::file_size(file);
  keys->Add("late", 6000, 3 * hour_us);
  ASSERT_TRUE(keys->Persist(6000, 3 * hour_us).ok());
  EXPECT_LT(fs::file_size(file), big / 100);
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_EQ(IdempotencyKeys::Open(dir.path(), std::chrono::hours(1), true).value()->Find("late"), 6000u);
}

}  // namespace
}  // namespace hangar::store

namespace hangar::store {
namespace {

// A memtable that cannot be flushed (a fault injected into every flush of
// one table) makes that table read-only after Ingest::kFlushAttempts tries,
// with the reason on every write; its rows stay readable and in the log
// across a restart; the other table goes on. RetryFlush fails while the
// fault lasts and works once it is gone; QuarantineMemtable moves the rows
// into a named Arrow file, from which they read back exactly.
TEST(Ingest, AMemtableThatCannotBeFlushedMakesItsTableReadOnlyUntilAnAdminActs) {
  TempDir dir;
  const QualifiedName bad{"default", "bad"};
  std::atomic<bool> faulty = true;
  IngestOptions options;
  options.flush_interval = std::chrono::hours(1);
  options.flush_fault = [&](const Table& table) {
    return faulty && table.snapshot()->name == bad ? Status::Invalid("injected flush failure") : Status::OK();
  };
  std::vector<arrow::RecordBatchPtr> written;
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(bad, EventSchema()).ok());
    ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
    auto ingest = Ingest::Open(store, options).value();
    AckLog log;
    for (int i = 0; i < 3; ++i) {
      written.push_back(Events(i * 10, 10));
      ASSERT_TRUE(ingest->Write(bad, written.back(), Durability::kCommitted, log.Callback()).ok());
    }
    ASSERT_TRUE(log.WaitFor(Durability::kDisk, 3));
    for (int attempt = 0; attempt < Ingest::kFlushAttempts; ++attempt) EXPECT_FALSE(ingest->FlushAll().ok());
    auto table = store->FindTable(bad).value();
    ASSERT_TRUE(table->read_only().has_value());
    EXPECT_NE(table->read_only()->find("injected flush failure"), std::string::npos) << *table->read_only();
    // The writers that wait for `committed` hear it; new writes are refused by name.
    ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 3));
    {
      std::lock_guard lock(log.mu);
      for (const auto& [lsn, level, st] : log.acks) {
        if (level == Durability::kCommitted) {
          EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
        }
      }
    }
    auto refused = ingest->Write(bad, Events(0, 1), Durability::kMemory, log.Callback());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("RetryFlush"), std::string::npos) << refused.status().ToString();
    arrow::VectorSource put(EventSchema(), {Events(0, 1)});
    EXPECT_EQ(store->Put(bad, PutMode::kAppend, &put).status().code(), StatusCode::kFailedPrecondition);
    // Reads go on, and so does the other table.
    EXPECT_EQ(Rows(*store, bad), 30);
    ASSERT_TRUE(ingest->Write(kEvents, Events(0, 5), Durability::kMemory, log.Callback()).ok());
    ASSERT_TRUE(ingest->FlushAll().ok()) << "the read-only table is no longer tried";
    EXPECT_EQ(store->Snapshot(kEvents).value()->flushed_lsn > 0, true);
    // A retry while the fault lasts fails and leaves the table read-only.
    EXPECT_FALSE(ingest->RetryFlush(bad).ok());
    EXPECT_TRUE(table->read_only().has_value());
  }
  {
    // After a restart the rows are back from the log, and nothing was lost.
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    auto ingest = Ingest::Open(store, options).value();
    EXPECT_EQ(store->Snapshot(bad).value()->memtable->size(), 3u);
    EXPECT_EQ(Rows(*store, bad), 30);
    for (int attempt = 0; attempt < Ingest::kFlushAttempts; ++attempt) (void)ingest->FlushAll();
    ASSERT_TRUE(store->FindTable(bad).value()->read_only().has_value());
    // Quarantine: the rows go into a file, the table takes writes again.
    auto moved = ingest->Quarantine(bad);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    auto result = nlohmann::json::parse(*moved);
    EXPECT_EQ(result["rows"], 30);
    EXPECT_EQ(result["batches"], 3);
    const std::string file = result["file"];
    auto bytes = ReadWholeFile(dir.path() / file).value();
    auto read = arrow::ipc::ReadStream(arrow::Buffer::FromString(std::move(bytes)));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->batches.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(arrow::BatchDiff(*written[i], *read->batches[i]), "");
    EXPECT_FALSE(store->FindTable(bad).value()->read_only().has_value());
    EXPECT_EQ(Rows(*store, bad), 0);
    AckLog log;
    ASSERT_TRUE(ingest->Write(bad, Events(100, 4), Durability::kDisk, log.Callback()).ok());
    // Once the cause is gone a retry flushes.
    faulty = false;
    auto retried = ingest->RetryFlush(bad);
    ASSERT_TRUE(retried.ok()) << retried.status().ToString();
    EXPECT_TRUE(store->Snapshot(bad).value()->memtable->empty());
    EXPECT_EQ(Rows(*store, bad), 4);
  }
  {
    // Quarantined rows never come back from the log.
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    auto ingest = Ingest::Open(store, IngestOptions{}).value();
    EXPECT_EQ(Rows(*store, bad), 4);
  }
}

}  // namespace
}  // namespace hangar::store

namespace hangar::store {
namespace {

// Small streamed batches are written to Parquet together; two whose
// dictionaries do not fit one dictionary<int8> (100 distinct values each)
// are written apart instead of failing the flush. (Found by the Arrow gold
// file generated_nested_dictionary streamed at `committed`.)
TEST(Ingest, SmallBatchesWhoseDictionariesOverflowTogetherStillFlush) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  auto type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto schema = arrow::schema({arrow::field("tag", type)});
  const QualifiedName tags{"default", "tags"};
  ASSERT_TRUE(store->CreateTable(tags, schema).ok());
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  AckLog log;
  for (int b = 0; b < 2; ++b) {
    arrow::DictionaryBuilder builder(type);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(builder.Append("b" + std::to_string(b) + "-" + std::to_string(i)).ok());
    auto batch = arrow::MakeRecordBatch(schema, 100, {builder.Finish().value()});
    ASSERT_TRUE(ingest->Write(tags, batch, Durability::kCommitted, log.Callback()).ok());
  }
  ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 2));
  std::lock_guard lock(log.mu);
  for (const auto& [lsn, level, st] : log.acks) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(store->Snapshot(tags).value()->memtable->empty());
  EXPECT_EQ(store->Snapshot(tags).value()->rows, 200);
}

}  // namespace
}  // namespace hangar::store
