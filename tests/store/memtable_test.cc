// A memtable of many small batches: appends stay cheap (copies share
// chunks), every snapshot keeps seeing exactly its own batches, and the
// memory bound counts what the batches cost decoded, not their bytes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/ingest.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::Events;
using testing::EventSchema;
using testing::OpenStore;
using testing::TempDir;

MemBatch Numbered(uint64_t lsn) { return MemBatch{lsn, Events(static_cast<int64_t>(lsn), 1), 100, {}, 0, nullptr}; }

std::vector<uint64_t> Lsns(const MemRows& rows) {
  std::vector<uint64_t> out;
  for (const auto& m : rows) out.push_back(m.lsn);
  return out;
}

TEST(MemRows, CopiesSeeTheirOwnBatchesWhileTheLatestGrows) {
  MemRows rows;
  std::vector<MemRows> copies;
  for (uint64_t lsn = 1; lsn <= 3000; ++lsn) {
    rows.push_back(Numbered(lsn));
    if (lsn % 700 == 0) copies.push_back(rows);
  }
  EXPECT_EQ(rows.size(), 3000u);
  EXPECT_EQ(rows.rows(), 3000);
  EXPECT_EQ(rows.bytes(), 300000);
  EXPECT_EQ(rows.front().lsn, 1u);
  EXPECT_EQ(rows.back().lsn, 3000u);
  for (size_t c = 0; c < copies.size(); ++c) {
    const auto lsns = Lsns(copies[c]);
    ASSERT_EQ(lsns.size(), 700 * (c + 1));
    for (size_t i = 0; i < lsns.size(); ++i) ASSERT_EQ(lsns[i], i + 1);
  }
  // An older copy that grows forks: neither sees the other's batches.
  MemRows fork = copies[0];
  fork.push_back(Numbered(9999));
  EXPECT_EQ(fork.back().lsn, 9999u);
  EXPECT_EQ(fork.size(), 701u);
  EXPECT_EQ(rows[700].lsn, 701u);
  EXPECT_EQ(copies[1][700].lsn, 701u);
  rows.push_back(Numbered(3001));
  EXPECT_EQ(fork.back().lsn, 9999u);
  EXPECT_EQ(Lsns(copies[0]).size(), 700u);
}

TEST(MemRows, SnapshotsAreReadWhileTheTableAppends) {
  // Snapshots are read by other threads while the table appends.
  auto rows = std::make_shared<const MemRows>();
  std::mutex mu;
  std::atomic<bool> done = false;
  std::atomic<int64_t> checked = 0;
  std::thread reader([&] {
    while (!done) {
      std::shared_ptr<const MemRows> snapshot;
      {
        std::lock_guard lock(mu);
        snapshot = rows;
      }
      uint64_t expected = 1;
      for (const auto& m : *snapshot) ASSERT_EQ(m.lsn, expected++);
      ++checked;
    }
  });
  for (uint64_t lsn = 1; lsn <= 5000; ++lsn) {
    auto next = std::make_shared<MemRows>(*rows);
    next->push_back(Numbered(lsn));
    std::lock_guard lock(mu);
    rows = std::move(next);
  }
  done = true;
  reader.join();
  EXPECT_GT(checked.load(), 0);
}

TEST(Ingest, TheMemoryBoundCountsSmallBatchesAtWhatTheyCostDecoded) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  const QualifiedName events{"default", "events"};
  ASSERT_TRUE(store->CreateTable(events, EventSchema()).ok());
  IngestOptions options;
  options.fsync = false;
  options.max_memtable_bytes = 1 << 20;  // a thousand or so small batches, counted decoded
  auto ingest = Ingest::Open(store, options).value();
  std::atomic<int64_t> most = 0;
  std::atomic<bool> done = false;
  std::thread watcher([&] {
    while (!done) {
      most = std::max<int64_t>(most, ingest->memtable_bytes());
      std::this_thread::yield();
    }
  });
  constexpr int kBatches = 5000;
  for (int i = 0; i < kBatches; ++i)
    ASSERT_TRUE(ingest->Write(events, Events(i, 1), Durability::kMemory, [](const Ingest::BatchAck&) {}).ok());
  done = true;
  watcher.join();
  // Each one-row batch counts at least its objects' overhead...
  const auto snapshot = store->Snapshot(events).value();
  for (const auto& m : *snapshot->memtable) EXPECT_GE(m.bytes, arrow::kBatchOverheadBytes);
  // ...so the memtables never held more than the bound and a batch,
  // however few bytes of values they are.
  EXPECT_LE(most.load(), options.max_memtable_bytes + 4 * arrow::kBatchOverheadBytes);
  EXPECT_EQ(snapshot->rows, kBatches);
}

}  // namespace
}  // namespace hangar::store
