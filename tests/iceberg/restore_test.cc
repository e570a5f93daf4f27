// Restoring tables from the object store into an empty data directory: a
// store opened there serves what the first one had (schema with its
// metadata, primary key and upserts, partitions), writes go on into the
// same Iceberg table, a local copy as new or newer is kept, a version whose
// files reached the bucket but whose Iceberg commit did not is found, and
// a version missing a file is not restored half.
#include <gtest/gtest.h>

#include <map>

#include "iceberg/restore.h"
#include "iceberg/table_definition.h"
#include "iceberg_test_util.h"
#include "store/table_folder.h"

namespace hangar::iceberg {
namespace {

namespace fs = std::filesystem;
using store::testing::Events;
using store::testing::EventSchema;
using store::testing::TempDir;
using testing::Node;
using testing::Rows;

const store::QualifiedName kEvents{"default", "events"};
const store::QualifiedName kUsers{"default", "users"};
const store::QualifiedName kDaily{"sales", "daily"};

arrow::SchemaPtr UserSchema() {
  return std::make_shared<arrow::Schema>(
      std::vector<arrow::FieldPtr>{arrow::field("id", arrow::int64(), false),
                                   std::make_shared<arrow::Field>("what", arrow::utf8(), true,
                                                                  arrow::KeyValueMetadata{{"comment", "the name"}})},
      arrow::KeyValueMetadata{{"owner", "sales"}});
}

arrow::RecordBatchPtr Users(int64_t first, int64_t n, const std::string& tag) {
  return testing::TaggedRows(UserSchema(), first, n, tag);
}

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bucket = objstore::OpenLocalObjectStore(dir_.path() / "bucket");
    ASSERT_TRUE(bucket.ok());
    bucket_ = std::move(*bucket);
  }

  // Three tables: append-only, primary-key with upserts, partitioned.
  void Fill(Node& node) {
    for (int i = 0; i < 3; ++i) {
      arrow::VectorSource source(EventSchema(), {Events(i * 10, 10)});
      ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &source).ok());
    }
    ASSERT_TRUE(node.store->CreateTable(kUsers, UserSchema(), {"id"}).ok());
    for (int i = 0; i < 3; ++i) {
      arrow::VectorSource source(UserSchema(), {Users(i * 2, 4, "v" + std::to_string(i) + "-")});
      ASSERT_TRUE(node.store->Put(kUsers, store::PutMode::kAppend, &source).ok());
    }
    auto spec = store::ParsePartitionSpec(
        R"({"spec_id": 0, "fields": [{"source_name": "id", "transform": "truncate[10]"}]})", *EventSchema());
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    ASSERT_TRUE(node.store->CreateTable(kDaily, EventSchema(), {}, *spec).ok());
    arrow::VectorSource source(EventSchema(), {Events(0, 25)});
    ASSERT_TRUE(node.store->Put(kDaily, store::PutMode::kAppend, &source).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }

  Result<RestoreReport> Restore(const fs::path& data, bool log_is_new = true) {
    RestoreOptions options;
    options.store = bucket_.get();
    options.tables_dir = data / "tables";
    options.log_is_new = log_is_new;
    return RestoreTables(options);
  }

  TempDir dir_;
  std::shared_ptr<objstore::ObjectStore> bucket_;
};

TEST_F(RestoreTest, AnEmptyDataDirectoryServesEveryTableOfTheBucket) {
  std::map<store::QualifiedName, std::string> before;
  std::map<store::QualifiedName, store::SnapshotPtr> snapshots;
  {
    Node first(dir_.path() / "first", bucket_);
    Fill(first);
    for (const auto& name : {kEvents, kUsers, kDaily}) {
      before[name] = Rows(*first.store, name);
      snapshots[name] = first.store->Snapshot(name).value();
    }
  }
  // The upserts: one row per key, the latest.
  EXPECT_NE(before[kUsers].find("v2-5"), std::string::npos) << before[kUsers];
  EXPECT_EQ(before[kUsers].find("v1-5"), std::string::npos) << before[kUsers];

  const fs::path second = dir_.path() / "second";
  auto report = Restore(second);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored.size(), 3u);
  EXPECT_TRUE(report->skipped.empty()) << report->skipped.front();
  {
    Node node(second, bucket_);
    ASSERT_NE(node.store, nullptr);
    EXPECT_TRUE(node.store->QuarantinedFolders().empty());
    for (const auto& name : {kEvents, kUsers, kDaily}) {
      SCOPED_TRACE(name.ToString());
      auto snapshot = node.store->Snapshot(name);
      ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
      const auto& was = *snapshots[name];
      EXPECT_EQ((*snapshot)->schema->Diff(*was.schema), "");
      EXPECT_EQ((*snapshot)->primary_key, was.primary_key);
      EXPECT_EQ((*snapshot)->partition_spec, was.partition_spec);
      EXPECT_EQ((*snapshot)->version, was.version);
      EXPECT_EQ((*snapshot)->flushed_lsn, 0u);  // a new log counts from the start
      EXPECT_EQ(Rows(*node.store, name), before[name]);
      // The same table: its id, so the mirror goes on in the same Iceberg table.
      EXPECT_EQ(node.store->FindTable(name).value()->id(), store::TableIdOfFolder(was.folder->path()));
    }
    // Writes go on: an upsert supersedes a restored row, an append adds.
    arrow::VectorSource users(UserSchema(), {Users(5, 1, "v3-")});
    ASSERT_TRUE(node.store->Put(kUsers, store::PutMode::kAppend, &users).ok());
    const std::string rows = Rows(*node.store, kUsers);
    EXPECT_NE(rows.find("v3-5"), std::string::npos) << rows;
    EXPECT_EQ(rows.find("v2-5"), std::string::npos) << rows;
    arrow::VectorSource events(EventSchema(), {Events(30, 10)});
    ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &events).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
    for (const auto& info : node.mirror->Tables()) EXPECT_TRUE(info.error.empty()) << info.name << ": " << info.error;
  }
  // And a third disk sees those writes too.
  const fs::path third = dir_.path() / "third";
  ASSERT_TRUE(Restore(third).ok());
  Node node(third, bucket_);
  EXPECT_EQ(node.store->CountRows(node.store->Snapshot(kEvents).value()).value(), 40);
  EXPECT_NE(Rows(*node.store, kUsers).find("v3-5"), std::string::npos);
  EXPECT_EQ(node.store->CountRows(node.store->Snapshot(kUsers).value()).value(), 8);
}

TEST_F(RestoreTest, ALocalCopyAsNewOrNewerStays) {
  const fs::path data = dir_.path() / "data";
  {
    Node node(data, bucket_);
    Fill(node);
  }
  // Same versions: nothing is downloaded.
  auto report = Restore(data, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->restored.empty());
  EXPECT_EQ(report->kept.size(), 3u);
  // Newer here (a put the bucket has not seen: the mirror is not running).
  {
    auto store = store::testing::OpenStore(data);
    arrow::VectorSource source(EventSchema(), {Events(100, 5)});
    ASSERT_TRUE(store->Put(kEvents, store::PutMode::kAppend, &source).ok());
  }
  report = Restore(data, false);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->restored.empty());
  auto store = store::testing::OpenStore(data);
  EXPECT_EQ(store->CountRows(store->Snapshot(kEvents).value()).value(), 35);
  // Another table of that name here (created again): it stays too.
  ASSERT_TRUE(store->DropTable(kDaily).ok());
  ASSERT_TRUE(store->CreateTable(kDaily, EventSchema()).ok());
  store.reset();
  report = Restore(data, false);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->restored.empty());
  store = store::testing::OpenStore(data);
  EXPECT_EQ(store->CountRows(store->Snapshot(kDaily).value()).value(), 0);
}

TEST_F(RestoreTest, AnOlderLocalCopyOfTheSameTableIsReplaced) {
  const fs::path data = dir_.path() / "data";
  const fs::path saved = dir_.path() / "saved";
  {
    Node node(data, bucket_);
    arrow::VectorSource source(EventSchema(), {Events(0, 10)});
    ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &source).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  fs::copy(data, saved, fs::copy_options::recursive);  // the disk as it was then
  {
    Node node(data, bucket_);
    arrow::VectorSource source(EventSchema(), {Events(10, 10)});
    ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &source).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  auto report = Restore(saved, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored, std::vector<std::string>{"default.events"});
  auto store = store::testing::OpenStore(saved);
  EXPECT_EQ(store->CountRows(store->Snapshot(kEvents).value()).value(), 20);
}

TEST_F(RestoreTest, AVersionUploadedButNotYetCommittedToIcebergIsFound) {
  int64_t committed_version = 0;
  {
    Node node(dir_.path() / "first", bucket_);
    arrow::VectorSource source(EventSchema(), {Events(0, 10)});
    ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &source).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
    committed_version = node.mirror->Tables().at(0).metadata_version;
    arrow::VectorSource more(EventSchema(), {Events(10, 10)});
    ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &more).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  // As if the node died between the definition's upload (when
  // `object_storage` is acknowledged) and the metadata commit.
  auto versions = bucket_->List("default/events-");
  ASSERT_TRUE(versions.ok());
  for (const auto& o : *versions) {
    if (o.key.ends_with("/metadata/v" + std::to_string(committed_version + 1) + ".metadata.json")) {
      ASSERT_TRUE(bucket_->Delete(o.key).ok());
    }
  }
  auto report = Restore(dir_.path() / "second");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->restored.size(), 1u);
  Node node(dir_.path() / "second", bucket_);
  EXPECT_EQ(node.store->CountRows(node.store->Snapshot(kEvents).value()).value(), 20);
  // The mirror commits it as the next Iceberg snapshot.
  ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  ASSERT_EQ(node.mirror->Tables().size(), 1u);
  EXPECT_EQ(node.mirror->Tables()[0].metadata_version, committed_version + 1);
  EXPECT_TRUE(node.mirror->Tables()[0].error.empty()) << node.mirror->Tables()[0].error;
}

TEST_F(RestoreTest, ATableMissingADataFileIsNotRestoredHalf) {
  {
    Node node(dir_.path() / "first", bucket_);
    Fill(node);
  }
  auto objects = bucket_->List("default/events-");
  ASSERT_TRUE(objects.ok());
  for (const auto& o : *objects)
    if (o.key.find("/data/") != std::string::npos) {
      ASSERT_TRUE(bucket_->Delete(o.key).ok());
      break;
    }
  auto report = Restore(dir_.path() / "second");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored.size(), 2u);
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("is not in the object store"), std::string::npos) << report->skipped[0];
  auto store = store::testing::OpenStore(dir_.path() / "second");
  EXPECT_FALSE(store->Snapshot(kEvents).ok());
  EXPECT_TRUE(store->Snapshot(kUsers).ok());
}

TEST_F(RestoreTest, ADropTheBucketHasNotSeenIsNotUndoneAndIsFinishedAtTheNextStart) {
  const fs::path data = dir_.path() / "data";
  fs::path folder;
  {
    Node node(data, bucket_);
    Fill(node);
    folder = node.store->FindTable(kEvents).value()->dir();
  }
  // As if the node died right after committing the drop, before the purge.
  auto manifest = store::Manifest::Read(folder);
  ASSERT_TRUE(manifest.ok());
  manifest->dropped = true;
  manifest->version += 1;
  ASSERT_TRUE(manifest->Write(folder).ok());
  auto report = Restore(data, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->restored.empty());
  {
    Node node(data, bucket_);
    EXPECT_FALSE(node.store->Snapshot(kEvents).ok());
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  EXPECT_TRUE(bucket_->List("default/events-").value().empty());
  EXPECT_FALSE(fs::exists(folder));
  report = Restore(dir_.path() / "empty");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->restored.size(), 2u);
}

TEST_F(RestoreTest, ATableMirroredWithoutADefinitionGetsOneAtTheNextStart) {
  const fs::path data = dir_.path() / "data";
  {
    Node node(data, bucket_);
    Fill(node);
  }
  // As a bucket written before definitions were kept.
  auto objects = bucket_->List("");
  ASSERT_TRUE(objects.ok());
  for (const auto& o : *objects) {
    if (DefinitionVersionOf(o.key) > 0) {
      ASSERT_TRUE(bucket_->Delete(o.key).ok());
    }
  }
  auto report = Restore(dir_.path() / "empty");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->restored.empty());
  {
    Node node(data, bucket_);  // nothing changed: the same versions as in the bucket
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  report = Restore(dir_.path() / "later");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored.size(), 3u);
}

// In a cluster, definitions name their writer and its epoch: of a table's
// definitions, the largest epoch's is the table's state, even below
// another's version (a stale writer's, saved after its tables were
// adopted), and a restore can take only the tables one writer writes.
TEST_F(RestoreTest, TheDefinitionOfTheLargestWriterEpochIsTheTables) {
  {
    Node node(dir_.path() / "first", bucket_);
    for (int i = 0; i < 2; ++i) {
      arrow::VectorSource source(EventSchema(), {Events(i * 10, 10)});
      ASSERT_TRUE(node.store->Put(kEvents, store::PutMode::kAppend, &source).ok());
    }
    ASSERT_TRUE(node.mirror->Drain(std::chrono::seconds(60)));
  }
  auto scan = ScanBucket(*bucket_);
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  ASSERT_EQ(scan->tables.count(kEvents), 1u);
  const BucketTable table = scan->tables.at(kEvents);
  EXPECT_EQ(table.definition.writer.node, "");  // saved outside a cluster
  const int64_t version = table.definition.manifest.version;

  // The adopter's definition (epoch 20) and a stale writer's of a later
  // version (epoch 10).
  auto save = [&](int64_t v, const DefinitionWriter& writer) {
    store::Manifest manifest = table.definition.manifest;
    manifest.version = v;
    auto text = EncodeDefinition(manifest, 1, writer);
    ASSERT_TRUE(text.ok());
    ASSERT_TRUE(bucket_->Put(DefinitionKey(table.prefix, v), *text).ok());
  };
  save(version + 1, {"adopter", 20});
  save(version + 3, {"stale", 10});
  scan = ScanBucket(*bucket_);
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  const auto& found = scan->tables.at(kEvents).definition;
  EXPECT_EQ(found.writer.node, "adopter");
  EXPECT_EQ(found.writer.epoch, 20);
  EXPECT_EQ(found.manifest.version, version + 1);

  RestoreOptions options;
  options.store = bucket_.get();
  options.tables_dir = dir_.path() / "other" / "tables";
  options.want = [](const BucketTable& t) { return t.definition.writer.node == "stale"; };
  auto report = RestoreScanned(options, *scan);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->restored.empty());
  options.want = [](const BucketTable& t) { return t.definition.writer.node == "adopter"; };
  report = RestoreScanned(options, *scan);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->restored, std::vector<std::string>{"default.events"});
  Node node(dir_.path() / "other", bucket_);
  EXPECT_EQ(node.store->Snapshot(kEvents).value()->version, version + 1);
}

TEST(TableDefinition, KeysNameTheirVersionAndTable) {
  const std::string key = DefinitionKey("a.b/t-00000000000000ff", 42);
  EXPECT_EQ(key, "a.b/t-00000000000000ff/metadata/hangar-state-00000000000000000042.json");
  EXPECT_EQ(DefinitionVersionOf(key), 42);
  EXPECT_EQ(TablePrefixOfDefinition(key), "a.b/t-00000000000000ff");
  EXPECT_EQ(DefinitionVersionOf("a/t-1/metadata/hangar-state-42.json"), 0);
  EXPECT_EQ(DefinitionVersionOf("a/t-1/data/hangar-state-00000000000000000042.json.tmp"), 0);
  EXPECT_EQ(TablePrefixOfDefinition("a/t-1/metadata/v3.metadata.json"), "");
}

}  // namespace
}  // namespace hangar::iceberg
