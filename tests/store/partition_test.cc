// Partitioned tables: Iceberg's transforms and bucket hash (checked against
// the reference values of the Iceberg specification), specs refused when a
// transform does not fit its column, and a partitioned table on real files —
// a folder per partition, reads of chosen partitions across files and
// memtable, restarts and compaction within a partition.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "arrow/builder.h"
#include "store/ingest.h"
#include "store/partition_spec.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using testing::OpenStore;
using testing::ReadAll;
using testing::TempDir;

int32_t HashOf(const std::string& bytes) {
  return IcebergHash(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(PartitionSpec, IcebergHashMatchesTheSpecificationsReferenceValues) {
  std::string thirty_four(8, '\0');
  thirty_four[0] = 34;  // an int or long is hashed as 8 little-endian bytes
  EXPECT_EQ(HashOf(thirty_four), 2017239379);
  EXPECT_EQ(HashOf("iceberg"), 1210000089);
  EXPECT_EQ(HashOf(std::string("\x00\x01\x02\x03", 4)), -188683207);
}

// One row per transform case, each column read by one spec field.
TEST(PartitionSpec, TransformsGiveIcebergsValuesAsPathSegments) {
  auto schema = arrow::schema({
      arrow::field("n", arrow::int64()),
      arrow::field("d", arrow::decimal128(9, 2)),
      arrow::field("day", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::kMicro)),
      arrow::field("s", arrow::utf8()),
  });
  arrow::PrimitiveBuilder<int64_t> n(arrow::int64());
  arrow::DecimalBuilder d(arrow::decimal128(9, 2));
  arrow::PrimitiveBuilder<int32_t> day(arrow::date32());
  arrow::PrimitiveBuilder<int64_t> ts(arrow::timestamp(arrow::TimeUnit::kMicro));
  arrow::BinaryBuilder s(arrow::utf8());
  // 2017-11-16T22:31:08 and the hour before 1970.
  n.Append(34);
  d.Append(1420);  // 14.20
  day.Append(17486);
  ts.Append(1510871468000000);
  s.Append("iceberg");
  n.Append(-1);
  d.AppendNull();
  day.Append(-1);
  ts.Append(-3600000000);
  s.Append("h\xc3\xa9llo");
  auto batch = arrow::MakeRecordBatch(
      schema, 2,
      {n.Finish().value(), d.Finish().value(), day.Finish().value(), ts.Finish().value(), s.Finish().value()});
  auto paths_for = [&](const std::string& spec_json) {
    auto spec = ParsePartitionSpec(spec_json, *schema);
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    return PartitionPaths(*spec, *batch).value();
  };
  auto field = [](const std::string& source, const std::string& transform) {
    return R"({"source_name": ")" + source + R"(", "transform": ")" + transform + R"("})";
  };
  auto spec = [&](std::initializer_list<std::string> fields) {
    std::string out = R"({"spec_id": 0, "fields": [)";
    bool first = true;
    for (const auto& f : fields) out += (first ? "" : ", ") + f, first = false;
    return out + "]}";
  };
  // The first row holds the specification's reference values.
  auto buckets = paths_for(spec({field("n", "bucket[100]"), field("d", "Bucket[100]"), field("day", "bucket[100]"),
                                 field("ts", "bucket[100]"), field("s", "bucket[100]")}));
  EXPECT_EQ(buckets[0], "n_bucket_100=79/d_bucket_100=59/day_bucket_100=26/ts_bucket_100=7/s_bucket_100=89");
  EXPECT_NE(buckets[1].find("/d_bucket_100=__HIVE_DEFAULT_PARTITION__/"), std::string::npos) << buckets[1];
  EXPECT_EQ(paths_for(spec({field("ts", "year"), field("ts", "month"), field("ts", "day"), field("ts", "hour")})),
            (std::vector<std::string>{"ts_year=2017/ts_month=2017-11/ts_day=2017-11-16/ts_hour=2017-11-16-22",
                                      "ts_year=1969/ts_month=1969-12/ts_day=1969-12-31/ts_hour=1969-12-31-23"}));
  EXPECT_EQ(paths_for(spec({field("day", "day"), field("day", "identity"), field("ts", "identity")})),
            (std::vector<std::string>{"day_day=2017-11-16/day=2017-11-16/ts=2017-11-16T22%3A31%3A08.000000",
                                      "day_day=1969-12-31/day=1969-12-31/ts=1969-12-31T23%3A00%3A00.000000"}));
  EXPECT_EQ(paths_for(spec({field("n", "truncate[10]"), field("s", "truncate[2]"), field("n", "identity")})),
            (std::vector<std::string>{"n_truncate_10=30/s_truncate_2=ic/n=34",
                                      "n_truncate_10=-10/s_truncate_2=h%C3%A9/n=-1"}));
}

TEST(PartitionSpec, SpecsThatDoNotFitTheirColumnsAreRefused) {
  auto schema = arrow::schema({arrow::field("at", arrow::date32()), arrow::field("x", arrow::float64())});
  auto refused = [&](const std::string& json, const std::string& words) {
    auto spec = ParsePartitionSpec(json, *schema);
    ASSERT_FALSE(spec.ok()) << json;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(spec.status().message().find(words), std::string::npos) << spec.status().message();
  };
  refused(R"({"fields": [{"source_name": "nope", "transform": "day"}]})", "'nope' is not in the schema");
  refused(R"({"fields": [{"source_name": "at", "transform": "hour"}]})",
          "hour does not take column 'at' of type date32");
  refused(R"({"fields": [{"source_name": "x", "transform": "bucket[4]"}]})", "does not take column 'x'");
  refused(R"({"fields": [{"source_name": "at", "transform": "bucket[0]"}]})", "positive whole number");
  refused(R"({"fields": [{"source_name": "at", "transform": "week"}]})", "unknown transform 'week'");
  refused(R"({"fields": [{"source_id": 3, "transform": "day"}]})", "source_id 3 is not a column");
  refused(R"({"fields": [{"source_id": 1, "transform": "day"}, {"source_name": "at", "transform": "day"}]})",
          "'at_day' is used twice");
  auto spec = ParsePartitionSpec(R"({"spec_id": 2, "fields": [{"source_id": 1, "transform": "Month", "field_id": 7}]})",
                                 *schema);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(SerializePartitionSpec(*spec),
            R"({"fields":[{"field_id":7,"name":"at_month","source_name":"at","transform":"month"}],"spec_id":2})");
}

const QualifiedName kEvents{"default", "events"};

arrow::SchemaPtr EventSchema() {
  return arrow::schema({arrow::field("at", arrow::timestamp(arrow::TimeUnit::kMicro, "UTC")),
                        arrow::field("id", arrow::int64(), false)});
}

constexpr int64_t kDay = 86'400'000'000;

// Events ids first..first+n-1, event i at day (i % 3) of 2024-01-01.. (19723 days after 1970).
arrow::RecordBatchPtr Events(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> at(EventSchema()->field(0)->type());
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  for (int64_t i = first; i < first + n; ++i) {
    at.Append((19723 + i % 3) * kDay + i);
    ids.Append(i);
  }
  return arrow::MakeRecordBatch(EventSchema(), n, {at.Finish().value(), ids.Finish().value()});
}

std::multiset<int64_t> Ids(arrow::RecordBatchSource* source) {
  std::multiset<int64_t> out;
  auto all = ReadAll(source).value();
  if (all == nullptr) return out;
  for (int64_t i = 0; i < all->num_rows; ++i) out.insert(all->column(1)->values<int64_t>()[i]);
  return out;
}

std::multiset<int64_t> IdsOnDay(int64_t first, int64_t last, int day) {
  std::multiset<int64_t> out;
  for (int64_t i = first; i <= last; ++i)
    if (i % 3 == day) out.insert(i);
  return out;
}

TEST(PartitionedTable, FilesPerPartitionAndReadsOfChosenPartitionsAcrossFilesAndMemtable) {
  TempDir dir;
  StoreOptions options;
  options.compact_min_files = 2;
  std::shared_ptr<TableStore> store(OpenStore(dir.path(), options));
  auto spec =
      ParsePartitionSpec(R"({"fields": [{"source_name": "at", "name": "day", "transform": "day"}]})", *EventSchema())
          .value();
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema(), {}, spec).ok());
  arrow::VectorSource first(EventSchema(), {Events(0, 30)});
  ASSERT_TRUE(store->Put(kEvents, PutMode::kAppend, &first).ok());
  auto snapshot = store->Snapshot(kEvents).value();
  ASSERT_EQ(snapshot->files.size(), 3u);
  std::set<std::string> partitions;
  for (const auto& f : snapshot->files) {
    partitions.insert(f.meta.partition);
    EXPECT_EQ(f.path().parent_path().filename().string(), f.meta.partition) << "a folder per partition";
    EXPECT_EQ(f.meta.rows, 10);
  }
  EXPECT_EQ(partitions, (std::set<std::string>{"day=2024-01-01", "day=2024-01-02", "day=2024-01-03"}));
  EXPECT_EQ(store->FileGroups(*snapshot).size(), 3u);
  EXPECT_EQ(store->FileGroups(*snapshot, {"day=2024-01-02"}).size(), 1u);
  EXPECT_EQ(Ids(store->Scan(snapshot, {}, {"day=2024-01-02"}).value().get()), IdsOnDay(0, 29, 1));
  EXPECT_EQ(store->CountRows(snapshot, {"day=2024-01-02", "day=2024-01-03"}).value(), 20);

  // Rows in memory are chosen by partition too.
  IngestOptions ingest_options;
  ingest_options.flush_interval = std::chrono::hours(1);
  auto ingest = Ingest::Open(store, ingest_options).value();
  ASSERT_TRUE(ingest->Write(kEvents, Events(30, 6), Durability::kMemory, [](const Ingest::BatchAck&) {}).ok());
  snapshot = store->Snapshot(kEvents).value();
  EXPECT_TRUE(store->FileGroups(*snapshot).empty()) << "rows in memory: one endpoint reads all";
  EXPECT_EQ(Ids(store->Scan(snapshot, {}, {"day=2024-01-01"}).value().get()), IdsOnDay(0, 35, 0));
  EXPECT_EQ(store->CountRows(snapshot, {"day=2024-01-01"}).value(), 12);
  EXPECT_EQ(Ids(store->Scan(snapshot).value().get()).size(), 36u);
  // A flush writes them into their partitions' folders; compaction then
  // merges each partition's two files.
  ASSERT_TRUE(ingest->FlushAll().ok());
  snapshot = store->Snapshot(kEvents).value();
  EXPECT_EQ(snapshot->files.size(), 6u);
  auto compacted = store->Compact(store->FindTable(kEvents).value(), true).value();
  EXPECT_EQ(compacted.files_after, 3);
  EXPECT_EQ(compacted.rows_after, 36);
  snapshot = store->Snapshot(kEvents).value();
  for (int d = 0; d < 3; ++d)
    EXPECT_EQ(Ids(store->Scan(snapshot, {}, {"day=2024-01-0" + std::to_string(d + 1)}).value().get()),
              IdsOnDay(0, 35, d));
  auto bad = store->Scan(snapshot, {}, {"../../etc"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  ingest.reset();
  store.reset();

  // After a restart: the same files; a leftover in a partition folder goes.
  const fs::path leftover = snapshot->files[0].path().parent_path() / "99999999.parquet";
  { std::ofstream(leftover) << "torn"; }
  snapshot.reset();
  store = OpenStore(dir.path(), options);
  EXPECT_FALSE(fs::exists(leftover));
  snapshot = store->Snapshot(kEvents).value();
  EXPECT_EQ(snapshot->partition_spec, spec);
  EXPECT_EQ(Ids(store->Scan(snapshot).value().get()).size(), 36u);
}

TEST(PartitionedTable, APutReachingMorePartitionsThanItsLimitIsRefusedAndLeavesNothing) {
  // A bucket count in the millions puts nearly every row in a partition of
  // its own: a folder and a file each.
  TempDir dir;
  StoreOptions options;
  options.max_put_partitions = 100;
  std::shared_ptr<TableStore> store(OpenStore(dir.path(), options));
  auto spec =
      ParsePartitionSpec(R"({"fields": [{"source_name": "id", "transform": "bucket[2000000000]"}]})", *EventSchema())
          .value();
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema(), {}, spec).ok());
  arrow::VectorSource many(EventSchema(), {Events(0, 1000)});
  auto refused = store->Put(kEvents, PutMode::kAppend, &many);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("--max-put-partitions"), std::string::npos) << refused.status().message();
  EXPECT_TRUE(store->Snapshot(kEvents).value()->files.empty());
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging", ec)) << "the refused put left staged files";
  // Within the limit it is a put like any other.
  arrow::VectorSource few(EventSchema(), {Events(0, 50)});
  ASSERT_TRUE(store->Put(kEvents, PutMode::kAppend, &few).ok());
  EXPECT_EQ(store->Snapshot(kEvents).value()->files.size(), 50u);
}

}  // namespace
}  // namespace hangar::store
