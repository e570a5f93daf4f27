// Cluster nodes' folders in one shared directory, on real files and a real
// DuckDB: a store reads its peers' tables (never writes them), follows their
// changes, recovers a dead peer's folder from its log and adopts its tables,
// and refuses every change while its fence says it may have lost its folder.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>

#include "arrow/array_access.h"
#include "store/ingest.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using namespace testing;

// One batch as a source, for puts.
struct OneBatch : arrow::RecordBatchSource {
  arrow::RecordBatchPtr batch;
  explicit OneBatch(arrow::RecordBatchPtr b) : batch(std::move(b)) {}
  const arrow::SchemaPtr& schema() const override { return batch->schema; }
  Result<arrow::RecordBatchPtr> Next() override { return std::exchange(batch, nullptr); }
};

std::unique_ptr<TableStore> OpenNode(const TempDir& shared, const std::string& node, StoreOptions options = {}) {
  options.peers_dir = shared.path() / "nodes";
  return OpenStore(shared.path() / "nodes" / node, options);
}

// The ids a reader of `snapshot` sees, in order.
std::vector<int64_t> Ids(const TableStore& store, const SnapshotPtr& snapshot) {
  auto all = ReadAll(store.Scan(snapshot).value().get()).value();
  std::vector<int64_t> ids;
  for (int64_t r = 0; all && r < all->num_rows; ++r) ids.push_back(arrow::LoadInteger(*all->column(0), r));
  return ids;
}

const QualifiedName kEvents{"default", "events"};

TEST(PeerFolders, AStoreReadsItsPeersTablesFollowsTheirChangesAndNeverWritesThem) {
  TempDir shared;
  auto a = OpenNode(shared, "a");
  auto b = OpenNode(shared, "b");
  OneBatch first(Events(1, 10));
  ASSERT_TRUE(a->Put(kEvents, PutMode::kCreate, &first).ok());
  ASSERT_EQ(b->List().size(), 1u);
  EXPECT_EQ(b->PeerOf(kEvents), "a");
  EXPECT_EQ(a->PeerOf(kEvents), std::nullopt);
  EXPECT_EQ(b->PeerTables(), (std::map<QualifiedName, std::string>{{kEvents, "a"}}));
  EXPECT_TRUE(a->PeerTables().empty());
  EXPECT_EQ(Ids(*b, b->Snapshot(kEvents).value()).size(), 10u);
  // The owner's next commit is what the peer reads next.
  OneBatch second(Events(11, 5));
  ASSERT_TRUE(a->Put(kEvents, PutMode::kAppend, &second).ok());
  auto seen = b->Snapshot(kEvents).value();
  EXPECT_EQ(seen->version, a->Snapshot(kEvents).value()->version);
  EXPECT_EQ(Ids(*b, seen).back(), 15);
  // A peer's table is written by its owner only: puts, creates and drops
  // elsewhere are refused naming the owner, and nothing changes.
  OneBatch stray(Events(100, 1));
  auto put = b->Put(kEvents, PutMode::kAppend, &stray);
  EXPECT_EQ(put.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(put.status().message().find("cluster node a"), std::string::npos) << put.status().ToString();
  EXPECT_EQ(b->CreateTable(kEvents, EventSchema()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->DropTable(kEvents).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(b->Tables().empty());
  EXPECT_EQ(Ids(*a, a->Snapshot(kEvents).value()).size(), 15u);
  // A drop by the owner is seen too.
  ASSERT_TRUE(a->DropTable(kEvents).ok());
  EXPECT_EQ(b->Snapshot(kEvents).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(b->List().empty());
}

TEST(PeerFolders, ADeadPeersFolderIsRecoveredFromItsLogAndAdoptedWithEveryBatchAckedAtDisk) {
  TempDir shared;
  std::set<int64_t> acked;
  {
    // Node a streams batches, acknowledged at `disk`, and dies before any
    // flush (nothing of them is in Parquet: only its log has them).
    std::shared_ptr<TableStore> a = OpenNode(shared, "a");
    ASSERT_TRUE(a->CreateTable(kEvents, EventSchema(), {"id"}).ok());
    IngestOptions options;
    options.flush_on_close = false;
    auto ingest = Ingest::Open(a, options).value();
    std::mutex mu;
    std::condition_variable cv;
    int disk_acks = 0;
    for (int i = 0; i < 20; ++i) {
      auto written =
          ingest->Write(kEvents, Events(i * 10 + 1, 10), Durability::kDisk, [&](const Ingest::BatchAck& ack) {
            if (ack.level != Durability::kDisk || !ack.status.ok()) return;
            std::lock_guard lock(mu);
            ++disk_acks;
            cv.notify_all();
          });
      ASSERT_TRUE(written.ok()) << written.status().ToString();
      for (int64_t id = i * 10 + 1; id <= i * 10 + 10; ++id) acked.insert(id);
    }
    // The same key written again (an upsert): the later row wins.
    ASSERT_TRUE(ingest
                    ->Write(kEvents, Events(5, 1), Durability::kDisk,
                            [&](const Ingest::BatchAck& ack) {
                              if (ack.level != Durability::kDisk) return;
                              std::lock_guard lock(mu);
                              ++disk_acks;
                              cv.notify_all();
                            })
                    .ok());
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return disk_acks == 21; }));
  }
  std::shared_ptr<TableStore> b = OpenNode(shared, "b");
  IngestOptions no_flush;
  no_flush.flush_on_close = false;
  auto b_ingest = Ingest::Open(b, no_flush).value();
  // Before recovery the peer's table shows what its files hold: nothing.
  EXPECT_TRUE(Ids(*b, b->Snapshot(kEvents).value()).empty());
  ASSERT_TRUE(RecoverFolder(shared.path() / "nodes" / "a", SharedDuckDb(), IngestOptions{}).ok());
  ASSERT_TRUE(b->Adopt(shared.path() / "nodes" / "a", b_ingest->wal().last_lsn()).ok());
  EXPECT_EQ(b->PeerOf(kEvents), std::nullopt);
  ASSERT_EQ(b->Tables().size(), 1u);
  auto ids = Ids(*b, b->Snapshot(kEvents).value());
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()), acked);
  EXPECT_EQ(ids.size(), acked.size());  // every key once
  EXPECT_TRUE(fs::is_empty(shared.path() / "nodes" / "a" / "tables"));
  // The adopter writes the table now, through its own log, whose LSNs start
  // low again: a batch acknowledged at `disk` and never flushed comes back
  // after b's own crash (its LSN is above the table's flushed LSN, which
  // counts in b's log now, not a's).
  OneBatch more(Events(1000, 1));
  EXPECT_TRUE(b->Put(kEvents, PutMode::kAppend, &more).ok());
  std::promise<void> durable;
  ASSERT_TRUE(b_ingest
                  ->Write(kEvents, Events(2000, 1), Durability::kDisk,
                          [&](const Ingest::BatchAck& ack) {
                            if (ack.level == Durability::kDisk && ack.status.ok()) durable.set_value();
                          })
                  .ok());
  ASSERT_EQ(durable.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  b_ingest.reset();  // a crash: the memtable is not flushed
  b.reset();
  std::shared_ptr<TableStore> again = OpenNode(shared, "b");
  auto replayed = Ingest::Open(again, IngestOptions{}).value();
  ids = Ids(*again, again->Snapshot(kEvents).value());
  EXPECT_EQ(ids.size(), acked.size() + 2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2000), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 1000), 1);
}

TEST(PeerFolders, WhileTheFenceRefusesNothingIsCommittedOrWritten) {
  TempDir shared;
  std::atomic<bool> owns = true;
  StoreOptions options;
  options.fence = [&] { return owns ? Status::OK() : Status::Unavailable("this node may have lost its folder"); };
  std::shared_ptr<TableStore> store = OpenNode(shared, "a", options);
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema()).ok());
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  ASSERT_TRUE(ingest->Write(kEvents, Events(1, 3), Durability::kMemory, [](const Ingest::BatchAck&) {}).ok());
  owns = false;
  OneBatch batch(Events(10, 1));
  EXPECT_EQ(store->Put(kEvents, PutMode::kAppend, &batch).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store->CreateTable({"default", "other"}, EventSchema()).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store->DropTable(kEvents).code(), StatusCode::kUnavailable);
  EXPECT_EQ(ingest->Write(kEvents, Events(20, 1), Durability::kMemory, [](const Ingest::BatchAck&) {}).status().code(),
            StatusCode::kUnavailable);
  // A flush (the memtable's 3 rows) cannot commit either: the manifest stays.
  const int64_t version = store->Snapshot(kEvents).value()->version;
  EXPECT_EQ(ingest->FlushAll().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Manifest::Read(store->Tables()[0]->dir()).value().version, version);
  owns = true;
  EXPECT_TRUE(ingest->FlushAll().ok());
  EXPECT_EQ(store->Snapshot(kEvents).value()->files.size(), 1u);
}

}  // namespace
}  // namespace hangar::store
