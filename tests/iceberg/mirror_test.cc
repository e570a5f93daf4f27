// The mirror with a real table store: each commit reaches the object store
// as an Iceberg snapshot, waiters hear of both levels in LSN order, a type
// Iceberg cannot hold is said at once, a drop empties the table's folder.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>

#include "iceberg_test_util.h"

namespace hangar::iceberg {
namespace {

namespace fs = std::filesystem;
using store::testing::Events;
using store::testing::EventSchema;
using store::testing::TempDir;

class MirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bucket = objstore::OpenLocalObjectStore(dir_.path() / "bucket");
    ASSERT_TRUE(bucket.ok());
    bucket_ = std::move(*bucket);
    node_ = std::make_unique<testing::Node>(dir_.path() / "data", bucket_);
    mirror_ = node_->mirror.get();
    store_ = node_->store.get();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { node_.reset(); }

  // Waits for `level` of LSN `lsn` of the table; the status it was answered with.
  Status Reached(const store::QualifiedName& name, uint64_t lsn, store::MirrorLevel level) {
    auto table = store_->FindTable(name);
    if (!table.ok()) return table.status();
    auto answered = std::make_shared<std::promise<Status>>();
    auto future = answered->get_future();
    mirror_->WhenReached((*table)->id(), lsn, level, [answered](const Status& st) { answered->set_value(st); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return Status::Unavailable("no answer");
    return future.get();
  }

  TempDir dir_;
  std::shared_ptr<objstore::ObjectStore> bucket_;
  std::unique_ptr<testing::Node> node_;
  Mirror* mirror_ = nullptr;            // node_'s
  store::TableStore* store_ = nullptr;  // node_'s
};

TEST_F(MirrorTest, EveryPutIsASnapshotAndFlushedLsnsReachBothLevels) {
  const store::QualifiedName name{"default", "events"};
  for (int i = 0; i < 3; ++i) {
    arrow::VectorSource source(EventSchema(), {Events(i * 10, 10)});
    ASSERT_TRUE(store_->Put(name, store::PutMode::kAppend, &source).ok());
  }
  // A put writes no log: flushed LSN 0 is reached once the puts are mirrored.
  ASSERT_TRUE(Reached(name, 0, store::MirrorLevel::kIcebergCommitted).ok());
  ASSERT_TRUE(mirror_->Drain(std::chrono::seconds(30)));
  const auto tables = mirror_->Tables();
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].name, "default.events");
  EXPECT_TRUE(tables[0].error.empty()) << tables[0].error;
  auto text = bucket_->Get(tables[0].metadata_key);
  ASSERT_TRUE(text.ok());
  auto metadata = ParseMetadata(*text);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  std::vector<std::string> totals;
  for (const auto& s : metadata->snapshots) totals.push_back(s.summary.at("total-records"));
  // The table as created (empty), then one snapshot per put.
  EXPECT_EQ(totals, (std::vector<std::string>{"0", "10", "20", "30"}));
  EXPECT_EQ(mirror_->backlog(), 0);
}

TEST_F(MirrorTest, ATypeIcebergCannotHoldIsSaidToTheWaitersAtOnce) {
  const store::QualifiedName name{"default", "wide"};
  auto schema = arrow::schema({arrow::field("big", arrow::uint64())});
  ASSERT_TRUE(store_->CreateTable(name, schema).ok());
  ASSERT_TRUE(mirror_->Drain(std::chrono::seconds(30)));
  Status st = Reached(name, 1, store::MirrorLevel::kObjectStorage);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("'big'"), std::string::npos) << st.message();
  EXPECT_TRUE(bucket_->List("default/wide-")->empty());
}

TEST_F(MirrorTest, ADropEmptiesTheTablesFolderAndAnswersItsWaiters) {
  const store::QualifiedName name{"default", "gone"};
  arrow::VectorSource source(EventSchema(), {Events(0, 5)});
  ASSERT_TRUE(store_->Put(name, store::PutMode::kAppend, &source).ok());
  ASSERT_TRUE(mirror_->Drain(std::chrono::seconds(30)));
  ASSERT_FALSE(bucket_->List("default/gone-")->empty());
  auto table = store_->FindTable(name);
  ASSERT_TRUE(table.ok());
  const uint64_t id = (*table)->id();
  auto answered = std::make_shared<std::promise<Status>>();
  mirror_->WhenReached(id, 1000, store::MirrorLevel::kObjectStorage,
                       [answered](const Status& s) { answered->set_value(s); });
  ASSERT_TRUE(store_->DropTable(name).ok());
  auto future = answered->get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), StatusCode::kNotFound);
  ASSERT_TRUE(mirror_->Drain(std::chrono::seconds(30)));
  EXPECT_TRUE(bucket_->List("default/gone-")->empty());
}

}  // namespace
}  // namespace hangar::iceberg
