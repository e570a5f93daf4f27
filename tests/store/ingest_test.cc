// Streaming ingest on real files: acknowledgements level by level in LSN
// order, rows visible from the memory ack on, flushes into Parquet, replay of
// what was only in the log, refused batches, and bounded memory.
#include <gtest/gtest.h>

#include <thread>

#include "arrow/builder.h"
#include "store/ingest.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::EventSchema;
using testing::Events;
using testing::OpenStore;
using testing::ReadAll;
using testing::TempDir;

const QualifiedName kEvents{"default", "events"};

struct AckLog {
  std::mutex mu;
  std::vector<std::tuple<uint64_t, Durability, Status>> acks;
  Ingest::Ack Callback() {
    return [this](uint64_t lsn, Durability level, const Status& st) {
      std::lock_guard lock(mu);
      acks.emplace_back(lsn, level, st);
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

int64_t Rows(TableStore& store, const QualifiedName& name) {
  auto snapshot = store.Snapshot(name).value();
  auto scan = store.Scan(snapshot).value();
  auto all = ReadAll(scan.get()).value();
  return all ? all->num_rows : 0;
}

TEST(Ingest, AcksComeLevelByLevelInLsnOrderAndRowsAreVisibleAtOnce) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  AckLog log;
  std::vector<uint64_t> lsns;
  for (int i = 0; i < 20; ++i)
    lsns.push_back(ingest->Write(kEvents, Events(i * 10, 10), Durability::kCommitted, log.Callback()).value());
  EXPECT_TRUE(std::is_sorted(lsns.begin(), lsns.end()));
  // Memory acks come before Write returns: the rows are readable now.
  EXPECT_EQ(log.Count(Durability::kMemory), 20u);
  ASSERT_TRUE(log.WaitFor(Durability::kCommitted, 20));
  std::lock_guard lock(log.mu);
  std::map<uint64_t, std::vector<Durability>> per_batch;
  std::map<Durability, uint64_t> last;
  for (const auto& [lsn, level, st] : log.acks) {
    EXPECT_TRUE(st.ok()) << st.ToString();
    per_batch[lsn].push_back(level);
    EXPECT_GT(lsn, last[level]) << "level " << DurabilityName(level) << " out of LSN order";
    last[level] = lsn;
  }
  for (const auto& [lsn, levels] : per_batch)
    EXPECT_EQ(levels, (std::vector<Durability>{Durability::kMemory, Durability::kDisk, Durability::kCommitted}));
  // Committed: in a Parquet file, out of the memtable, the log truncated.
  auto snapshot = store->Snapshot(kEvents).value();
  EXPECT_TRUE(snapshot->memtable->empty());
  EXPECT_EQ(snapshot->flushed_lsn, lsns.back());
  EXPECT_EQ(Rows(*store, kEvents), 200);
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
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ingest->Write(kEvents, Events(i * 10, 10), Durability::kDisk, log.Callback()).ok());
    ASSERT_TRUE(ingest->FlushAll().ok());  // the first 50 rows into Parquet
    for (int i = 5; i < 8; ++i)
      last = ingest->Write(kEvents, Events(i * 10, 10), Durability::kDisk, log.Callback()).value();
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

TEST(Ingest, ABatchThatDoesNotFitIsRefusedAndTheOthersGoOn) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
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
  EXPECT_EQ(ingest->Write(kEvents, nulls, Durability::kDisk, log.Callback()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ingest->Write({"default", "nope"}, Events(0, 1), Durability::kDisk, log.Callback()).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(ingest->Write(kEvents, Events(0, 3), Durability::kDisk, log.Callback()).ok());
  ASSERT_TRUE(log.WaitFor(Durability::kDisk, 1));
  EXPECT_EQ(Rows(*store, kEvents), 3);
  EXPECT_EQ(ParseDurability("iceberg_committed").status().code(), StatusCode::kInvalidArgument);
}

TEST(Ingest, AWriterWaitingForCommittedHearsWhenItsTableIsDropped) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
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

TEST(Ingest, AWriterFasterThanTheFlusherIsHeldToTheMemoryBound) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
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

}  // namespace
}  // namespace hangar::store
