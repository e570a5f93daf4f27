// Primary-key tables on real files: upserts through streaming ingest and
// puts, the latest row per key across memtable, files and restarts, keys
// refused when they cannot be keys, and compaction merging versions.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "store/compactor.h"
#include "store/ingest.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::OpenStore;
using testing::ReadAll;
using testing::TempDir;

const QualifiedName kUsers{"default", "users"};

arrow::SchemaPtr UserSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8())});
}

arrow::RecordBatchPtr Users(const std::vector<std::pair<int64_t, std::string>>& rows) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder names(arrow::utf8());
  for (const auto& [id, name] : rows) {
    ids.Append(id);
    names.Append(name);
  }
  return arrow::MakeRecordBatch(UserSchema(), static_cast<int64_t>(rows.size()),
                                {ids.Finish().value(), names.Finish().value()});
}

// id -> name as a reader of the table sees it, checking that ids come in
// order and once each.
std::map<int64_t, std::string> Read(TableStore& store) {
  auto snapshot = store.Snapshot(kUsers).value();
  auto scan = store.Scan(snapshot).value();
  auto all = ReadAll(scan.get()).value();
  std::map<int64_t, std::string> out;
  if (all == nullptr) return out;
  EXPECT_TRUE(all->schema->Equals(*UserSchema()));
  const auto* ids = all->column(0)->values<int64_t>();
  int64_t previous = INT64_MIN;
  for (int64_t i = 0; i < all->num_rows; ++i) {
    EXPECT_GT(ids[i], previous) << "keys out of order or repeated";
    previous = ids[i];
    out[ids[i]] = std::string(all->column(1)->GetBinary(i));
  }
  EXPECT_EQ(store.CountRows(snapshot).value(), all->num_rows);
  return out;
}

Status PutUsers(TableStore& store, const std::vector<arrow::RecordBatchPtr>& batches, PutMode mode = PutMode::kAppend) {
  arrow::VectorSource source(UserSchema(), batches);
  return store.Put(kUsers, mode, &source).status();
}

Ingest::Ack Ignore() {
  return [](const Ingest::BatchAck&) {};
}

TEST(PrimaryKey, CreateTableRefusesKeysThatCannotBeKeys) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("tags", arrow::list(arrow::utf8()))});
  auto refused = [&](std::vector<std::string> key, const std::string& words) {
    auto st = store->CreateTable(kUsers, schema, key).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find(words), std::string::npos) << st.message();
  };
  refused({"nope"}, "'nope' is not a field");
  refused({"id", "id"}, "named twice");
  refused({"tags"}, "cannot be a key");
  ASSERT_TRUE(store->CreateTable(kUsers, schema, {"id"}).ok());
  EXPECT_EQ(store->Snapshot(kUsers).value()->primary_key, std::vector<std::string>{"id"});
}

TEST(PrimaryKey, EveryReadSeesTheLatestRowPerKeyAcrossMemtableFilesAndPuts) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kUsers, UserSchema(), {"id"}).ok());
  IngestOptions options;
  options.flush_interval = std::chrono::hours(1);
  auto ingest = Ingest::Open(store, options).value();

  ASSERT_TRUE(ingest->Write(kUsers, Users({{1, "a1"}, {2, "a2"}, {3, "a3"}}), Durability::kMemory, Ignore()).ok());
  // Within one batch the last row of a key wins; across batches the later batch.
  ASSERT_TRUE(ingest->Write(kUsers, Users({{3, "b3"}, {4, "b4"}, {4, "c4"}}), Durability::kMemory, Ignore()).ok());
  std::map<int64_t, std::string> want{{1, "a1"}, {2, "a2"}, {3, "b3"}, {4, "c4"}};
  EXPECT_EQ(Read(*store), want);

  ASSERT_TRUE(ingest->FlushAll().ok());  // into a file
  EXPECT_EQ(store->Snapshot(kUsers).value()->files.size(), 1u);
  EXPECT_EQ(store->Snapshot(kUsers).value()->files[0].meta.rows, 4) << "a flushed file holds one row per key";
  EXPECT_EQ(Read(*store), want);

  // Memtable over files.
  ASSERT_TRUE(ingest->Write(kUsers, Users({{1, "d1"}, {2, "d2"}}), Durability::kMemory, Ignore()).ok());
  want[1] = "d1";
  want[2] = "d2";
  EXPECT_EQ(Read(*store), want);

  // A put is newer than the memtable rows before it: its 2 wins over d2,
  // and d1 (still in memory when the put came) is not lost.
  ASSERT_TRUE(PutUsers(*store, {Users({{2, "p2"}, {5, "p5"}}), Users({{2, "q2"}})}).ok());
  want[2] = "q2";
  want[5] = "p5";
  EXPECT_EQ(Read(*store), want);
  EXPECT_TRUE(store->Snapshot(kUsers).value()->memtable->empty()) << "the put moved the memtable into files first";

  // And a write after the put is newer than it.
  ASSERT_TRUE(ingest->Write(kUsers, Users({{5, "e5"}}), Durability::kMemory, Ignore()).ok());
  want[5] = "e5";
  EXPECT_EQ(Read(*store), want);
  auto snapshot = store->Snapshot(kUsers).value();
  EXPECT_GT(snapshot->rows, static_cast<int64_t>(want.size())) << "older versions are still stored";
  EXPECT_EQ(store->CountRows(snapshot).value(), static_cast<int64_t>(want.size()));
}

TEST(PrimaryKey, APutAfterLoggedRowsStaysNewerThanThemAfterACrash) {
  TempDir dir;
  {
    std::shared_ptr<TableStore> store(OpenStore(dir.path()));
    ASSERT_TRUE(store->CreateTable(kUsers, UserSchema(), {"id"}).ok());
    IngestOptions options;
    options.flush_interval = std::chrono::hours(1);
    options.flush_on_close = false;  // as after a crash: what is only in memory is lost
    auto ingest = Ingest::Open(store, options).value();
    std::atomic<int> disk{0};
    auto ack = [&](const Ingest::BatchAck& a) { disk += a.level == Durability::kDisk; };
    ASSERT_TRUE(ingest->Write(kUsers, Users({{1, "logged"}, {2, "logged"}}), Durability::kDisk, ack).ok());
    ASSERT_TRUE(PutUsers(*store, {Users({{1, "put"}})}).ok());
    ASSERT_TRUE(ingest->Write(kUsers, Users({{2, "after"}}), Durability::kDisk, ack).ok());
    for (int i = 0; i < 500 && disk < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(disk, 2);
  }
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  std::map<int64_t, std::string> want{{1, "put"}, {2, "after"}};
  EXPECT_EQ(Read(*store), want);
}

TEST(PrimaryKey, RowsWithoutAKeyAreRefusedAndNothingIsWritten) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8())});
  ASSERT_TRUE(store->CreateTable(kUsers, schema, {"id"}).ok());
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  ids.Append(1);
  ids.AppendNull();
  arrow::BinaryBuilder names(arrow::utf8());
  names.Append("x");
  names.Append("y");
  auto batch = arrow::MakeRecordBatch(schema, 2, {ids.Finish().value(), names.Finish().value()});
  auto ingest = Ingest::Open(store, IngestOptions{}).value();
  auto written = ingest->Write(kUsers, batch, Durability::kMemory, Ignore());
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("primary key column 'id' has nulls"), std::string::npos);
  arrow::VectorSource source(schema, {batch});
  auto put = store->Put(kUsers, PutMode::kAppend, &source);
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.status().message().find("primary key column 'id' has nulls"), std::string::npos);
  EXPECT_EQ(store->Snapshot(kUsers).value()->rows, 0);
  // An overwrite must keep the key column.
  arrow::VectorSource other(arrow::schema({arrow::field("name", arrow::utf8())}), {});
  auto overwrite = store->Put(kUsers, PutMode::kOverwrite, &other);
  EXPECT_EQ(overwrite.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(overwrite.status().message().find("keeps its primary key"), std::string::npos);
}

TEST(PrimaryKey, CompactionMergesVersionsAndReadersSeeTheSameRows) {
  TempDir dir;
  std::shared_ptr<TableStore> store(OpenStore(dir.path()));
  ASSERT_TRUE(store->CreateTable(kUsers, UserSchema(), {"id"}).ok());
  std::map<int64_t, std::string> want;
  for (int round = 0; round < 6; ++round) {
    std::vector<std::pair<int64_t, std::string>> rows;
    for (int64_t id = round; id < round + 10; ++id) rows.emplace_back(id, "r" + std::to_string(round));
    for (const auto& [id, name] : rows) want[id] = name;
    ASSERT_TRUE(PutUsers(*store, {Users(rows)}).ok());
  }
  auto before = store->Snapshot(kUsers).value();
  ASSERT_EQ(before->files.size(), 6u);
  EXPECT_EQ(before->rows, 60);
  EXPECT_EQ(Read(*store), want);
  auto table = store->FindTable(kUsers).value();
  auto result = store->Compact(table, true).value();
  EXPECT_EQ(result.files_before, 6);
  EXPECT_EQ(result.files_after, 1);
  EXPECT_EQ(result.rows_before, 60);
  EXPECT_EQ(result.rows_after, static_cast<int64_t>(want.size()));
  EXPECT_EQ(Read(*store), want);
  // A snapshot taken before still reads (its files go with its last reader).
  auto old_scan = store->Scan(before).value();
  EXPECT_EQ(ReadAll(old_scan.get()).value()->num_rows, static_cast<int64_t>(want.size()));
}

TEST(Compaction, RunsOfSmallFilesBecomeOneAndTicketsNamingThemStillRead) {
  TempDir dir;
  StoreOptions options;
  options.compact_min_files = 4;
  std::shared_ptr<TableStore> store(OpenStore(dir.path(), options));
  const QualifiedName events{"default", "events"};
  for (int i = 0; i < 5; ++i) {
    arrow::VectorSource source(testing::EventSchema(), {testing::Events(i * 100, 100)});
    ASSERT_TRUE(store->Put(events, PutMode::kAppend, &source).ok());
  }
  auto before = store->Snapshot(events).value();
  auto groups = store->FileGroups(*before);
  ASSERT_EQ(before->files.size(), 5u);
  {
    Compactor compactor(store, std::chrono::hours(1));
    compactor.CompactDue();
  }
  auto after = store->Snapshot(events).value();
  ASSERT_EQ(after->files.size(), 1u);
  EXPECT_EQ(after->rows, 500);
  auto rows = ReadAll(store->Scan(after).value().get()).value();
  ASSERT_EQ(rows->num_rows, 500);
  for (int64_t i = 0; i < 500; ++i) ASSERT_EQ(rows->column(0)->values<int64_t>()[i], i) << "order kept";
  // A ticket from before the compaction names the old files: they still read.
  std::vector<std::string> old_names;
  for (const auto& f : before->files) old_names.push_back(f.meta.name);
  auto old = ReadAll(store->Scan(after, old_names).value().get()).value();
  EXPECT_EQ(old->num_rows, 500);
  // Nothing more to do now.
  auto again = store->Compact(store->FindTable(events).value(), false).value();
  EXPECT_EQ(again.files_after, again.files_before);
}

}  // namespace
}  // namespace hangar::store
