// Restoring tables from a real S3 bucket (SeaweedFS, tests/support/s3_server.h):
// a primary-key table with upserts and a partitioned table (keys with '='
// in their partition folders) mirrored by one node come back whole on an
// empty data directory, and the mirror goes on from there.
#include <gtest/gtest.h>

#include <unistd.h>

#include "iceberg/restore.h"
#include "iceberg_test_util.h"
#include "objstore/open_object_store.h"
#include "support/s3_server.h"

namespace hangar::iceberg {
namespace {

namespace fs = std::filesystem;
using store::testing::Events;
using store::testing::EventSchema;
using store::testing::TempDir;
using testing::Node;
using testing::Rows;

const store::QualifiedName kUsers{"default", "users"};
const store::QualifiedName kDaily{"sales", "daily"};

arrow::RecordBatchPtr Renamed(int64_t first, int64_t n, const std::string& tag) {
  return testing::TaggedRows(EventSchema(), first, n, tag);
}

TEST(RestoreS3, AnEmptyDataDirectoryServesTheTablesOfTheBucket) {
  TempDir dir;
  auto server = hangar::testing::S3Server::Start(dir.path() / "server");
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto opened = objstore::OpenObjectStore("s3://hangar/tables", (*server)->options());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::shared_ptr<objstore::ObjectStore> bucket = std::move(*opened);

  std::string users, daily;
  {
    Node first(dir.path() / "first", bucket);
    ASSERT_TRUE(first.store->CreateTable(kUsers, EventSchema(), {"id"}).ok());
    for (int i = 0; i < 3; ++i) {
      arrow::VectorSource source(EventSchema(), {Renamed(i * 3, 5, "v" + std::to_string(i) + "-")});
      ASSERT_TRUE(first.store->Put(kUsers, store::PutMode::kAppend, &source).ok());
    }
    auto spec = store::ParsePartitionSpec(
        R"({"spec_id": 0, "fields": [{"source_name": "id", "transform": "truncate[10]"}]})", *EventSchema());
    ASSERT_TRUE(spec.ok());
    ASSERT_TRUE(first.store->CreateTable(kDaily, EventSchema(), {}, *spec).ok());
    arrow::VectorSource source(EventSchema(), {Events(0, 35)});
    ASSERT_TRUE(first.store->Put(kDaily, store::PutMode::kAppend, &source).ok());
    ASSERT_TRUE(first.mirror->Drain(std::chrono::seconds(120)));
    for (const auto& info : first.mirror->Tables()) ASSERT_TRUE(info.error.empty()) << info.name << ": " << info.error;
    users = Rows(*first.store, kUsers);
    daily = Rows(*first.store, kDaily);
  }
  ASSERT_NE(users.find("v2-6"), std::string::npos) << users;
  ASSERT_EQ(users.find("v1-6"), std::string::npos) << users;

  const fs::path second = dir.path() / "second";
  RestoreOptions options;
  options.store = bucket.get();
  options.tables_dir = second / "tables";
  options.log_is_new = true;
  auto report = RestoreTables(options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored.size(), 2u);
  EXPECT_TRUE(report->skipped.empty()) << report->skipped.front();
  Node node(second, bucket);
  EXPECT_EQ(Rows(*node.store, kUsers), users);
  EXPECT_EQ(Rows(*node.store, kDaily), daily);
  EXPECT_EQ(node.store->Snapshot(kDaily).value()->files.size(), 4u);  // a file per partition
  arrow::VectorSource source(EventSchema(), {Renamed(6, 1, "v3-")});
  ASSERT_TRUE(node.store->Put(kUsers, store::PutMode::kAppend, &source).ok());
  ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(120)));
  for (const auto& info : node.mirror->Tables()) EXPECT_TRUE(info.error.empty()) << info.name << ": " << info.error;
  EXPECT_NE(Rows(*node.store, kUsers).find("v3-6"), std::string::npos);
}

}  // namespace
}  // namespace hangar::iceberg
