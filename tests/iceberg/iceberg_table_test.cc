// Commits of Hangar table states into an Iceberg table in a local-folder
// object store: files uploaded, metadata versions created once each, the
// snapshot summaries and logs, statistics from the Parquet footers, schema
// evolution, position deletes of a primary-key table, expiry.
#include <gtest/gtest.h>

#include <filesystem>

#include "iceberg/iceberg_table.h"

namespace hangar::iceberg {
namespace {

namespace fs = std::filesystem;
namespace a = hangar::arrow;
using nlohmann::json;

a::FieldPtr F(std::string name, a::TypePtr type, bool nullable = true) {
  return std::make_shared<a::Field>(std::move(name), std::move(type), nullable);
}

class IcebergTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hangar_iceberg_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "local");
    auto store = objstore::OpenLocalObjectStore(dir_ / "bucket");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto db = duckdb::Database::Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = *db;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A Parquet file of `select` (a DuckDB query), as Hangar's store writes them.
  TableState::File Write(const std::string& name, const std::string& select, std::string partition = "") {
    const fs::path path = dir_ / "local" / name;
    auto conn = duckdb::Connection::Open(db_);
    EXPECT_TRUE(conn.ok());
    EXPECT_TRUE((*conn)->Execute("COPY (" + select + ") TO '" + path.string() + "' (FORMAT parquet)").ok());
    auto count = (*conn)->Execute("SELECT 1");
    (void)count;
    TableState::File f;
    f.relative = partition.empty() ? name : partition + "/" + name;
    f.local = path;
    f.bytes = static_cast<int64_t>(fs::file_size(path));
    f.partition = std::move(partition);
    return f;
  }

  json Metadata(IcebergTable& table) {
    auto text = store_->Get(table.MetadataKey(table.metadata_version()));
    EXPECT_TRUE(text.ok());
    return json::parse(*text);
  }

  fs::path dir_;
  std::unique_ptr<objstore::ObjectStore> store_;
  std::shared_ptr<duckdb::Database> db_;
};

TEST_F(IcebergTableTest, CommitsUploadFilesAndWriteOneMetadataVersionEach) {
  auto table = IcebergTable::Open(store_.get(), "default/t-1", db_, dir_ / "scratch");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  TableState state;
  state.name = "default.t";
  state.schema =
      std::make_shared<a::Schema>(std::vector<a::FieldPtr>{F("id", a::int64(), false), F("name", a::utf8())});
  state.files = {Write("00000001.parquet", "SELECT range AS id, 'n' || range AS name FROM range(1, 4)")};
  state.files[0].rows = 3;
  state.version = 2;
  state.flushed_lsn = 5;
  bool uploaded = false;
  ASSERT_TRUE((*table)->Commit(state, [&] { uploaded = true; }).ok());
  EXPECT_TRUE(uploaded);
  EXPECT_EQ((*table)->metadata_version(), 1);
  EXPECT_TRUE(store_->Get("default/t-1/data/00000001.parquet").ok());
  EXPECT_EQ(*store_->Get("default/t-1/metadata/version-hint.text"), "1");

  json m = Metadata(**table);
  EXPECT_EQ(m["format-version"], 2);
  EXPECT_EQ(m["location"], store_->UriOf("default/t-1"));
  EXPECT_EQ(m["last-sequence-number"], 1);
  EXPECT_EQ(m["last-column-id"], 2);
  ASSERT_EQ(m["snapshots"].size(), 1u);
  const json& snap = m["snapshots"][0];
  EXPECT_EQ(snap["summary"]["operation"], "append");
  EXPECT_EQ(snap["summary"]["added-records"], "3");
  EXPECT_EQ(snap["summary"]["total-records"], "3");
  EXPECT_EQ(snap["summary"]["hangar.flushed-lsn"], "5");
  EXPECT_EQ(m["current-snapshot-id"], snap["snapshot-id"]);
  EXPECT_EQ(m["refs"]["main"]["snapshot-id"], snap["snapshot-id"]);
  EXPECT_EQ(m["snapshot-log"].size(), 1u);
  EXPECT_TRUE(m["metadata-log"].empty());
  EXPECT_EQ(json::parse(m["properties"]["schema.name-mapping.default"].get<std::string>())[0]["names"][0], "id");

  // The same Hangar version again commits nothing.
  ASSERT_TRUE((*table)->Commit(state).ok());
  EXPECT_EQ((*table)->metadata_version(), 1);

  // A second file, and a column added: a new schema with the old ids.
  state.schema = std::make_shared<a::Schema>(
      std::vector<a::FieldPtr>{F("id", a::int64(), false), F("name", a::utf8()), F("note", a::utf8())});
  state.files.push_back(Write("00000002.parquet", "SELECT 10::BIGINT AS id, 'x' AS name, NULL::VARCHAR AS note"));
  state.files[1].rows = 1;
  state.version = 3;
  ASSERT_TRUE((*table)->Commit(state).ok());
  m = Metadata(**table);
  EXPECT_EQ((*table)->metadata_version(), 2);
  EXPECT_EQ(m["current-schema-id"], 1);
  EXPECT_EQ(m["schemas"].size(), 2u);
  EXPECT_EQ(m["schemas"][1]["fields"][2]["id"], 3);
  EXPECT_EQ(m["metadata-log"].size(), 1u);
  EXPECT_EQ(m["snapshots"][1]["parent-snapshot-id"], m["snapshots"][0]["snapshot-id"]);
  EXPECT_EQ(m["snapshots"][1]["summary"]["total-records"], "4");
  EXPECT_EQ(m["snapshots"][1]["summary"]["total-data-files"], "2");

  // Another writer reopening the table continues from version 2.
  auto again = IcebergTable::Open(store_.get(), "default/t-1", db_, dir_ / "scratch");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->metadata_version(), 2);
  EXPECT_EQ((*again)->hangar_version(), 3);
  EXPECT_EQ((*again)->flushed_lsn(), 5u);
}

TEST_F(IcebergTableTest, AVersionAnotherWriterCreatedFirstIsNotOverwritten) {
  auto first = IcebergTable::Open(store_.get(), "default/t-2", db_, dir_ / "scratch");
  auto second = IcebergTable::Open(store_.get(), "default/t-2", db_, dir_ / "scratch");
  ASSERT_TRUE(first.ok() && second.ok());
  TableState state;
  state.name = "default.t";
  state.schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{F("id", a::int64())});
  state.files = {Write("00000001.parquet", "SELECT 1::BIGINT AS id")};
  state.version = 2;
  ASSERT_TRUE((*first)->Commit(state).ok());
  const std::string v1 = *store_->Get((*first)->MetadataKey(1));
  // The second writer wanted version 1 as well: it finds it taken, reads
  // it, sees the same Hangar version there and has nothing left to do.
  ASSERT_TRUE((*second)->Commit(state).ok());
  EXPECT_EQ(*store_->Get((*first)->MetadataKey(1)), v1);
  EXPECT_EQ((*second)->metadata_version(), 1);
}

TEST_F(IcebergTableTest, StatisticsComeFromTheParquetFooter) {
  auto table = IcebergTable::Open(store_.get(), "default/t-3", db_, dir_ / "scratch");
  ASSERT_TRUE(table.ok());
  TableState state;
  state.name = "default.t";
  state.schema = std::make_shared<a::Schema>(
      std::vector<a::FieldPtr>{F("id", a::int64()), F("name", a::utf8()), F("d", a::date32()), F("x", a::float64())});
  state.files = {Write("00000001.parquet",
                       "SELECT * FROM (VALUES (5::BIGINT, 'b', DATE '2024-01-02', 1.5::DOUBLE), "
                       "(-2, NULL, DATE '1969-12-31', 2.5), (7, 'a', NULL, NULL)) v(id, name, d, x)")};
  state.files[0].rows = 3;
  state.version = 2;
  ASSERT_TRUE((*table)->Commit(state).ok());
  auto index = store_->Get("default/t-3/metadata/snap-" + std::to_string(*(*table)->metadata()->current_snapshot_id) +
                           ".hangar.json");
  ASSERT_TRUE(index.ok());
  const json stats = json::parse(*index)["files"][0]["stats"];
  ASSERT_EQ(stats.size(), 4u) << stats.dump();
  EXPECT_EQ(
      stats[0],
      json::parse(R"({"id": 1, "values": 3, "nulls": 0, "lower": "feffffffffffffff", "upper": "0700000000000000"})"));
  EXPECT_EQ(stats[1], json::parse(R"({"id": 2, "values": 3, "nulls": 1, "lower": "61", "upper": "62"})"));
  EXPECT_EQ(stats[2], json::parse(R"({"id": 3, "values": 3, "nulls": 1, "lower": "ffffffff", "upper": "0c4d0000"})"));
  EXPECT_EQ(
      stats[3],
      json::parse(R"({"id": 4, "values": 3, "nulls": 1, "lower": "000000000000f83f", "upper": "0000000000000440"})"));
}

TEST_F(IcebergTableTest, APrimaryKeyTableDeletesTheRowsLaterFilesSupersede) {
  auto table = IcebergTable::Open(store_.get(), "default/pk-4", db_, dir_ / "scratch");
  ASSERT_TRUE(table.ok());
  TableState state;
  state.name = "default.pk";
  state.schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{F("k", a::int64(), false), F("v", a::utf8())});
  state.primary_key = {"k"};
  state.files = {Write("00000001.parquet", "SELECT range AS k, 'old' AS v FROM range(0, 4)"),
                 Write("00000002.parquet", "SELECT * FROM (VALUES (2::BIGINT, 'new'), (9, 'new')) t(k, v)")};
  state.version = 3;
  ASSERT_TRUE((*table)->Commit(state).ok());
  json m = Metadata(**table);
  EXPECT_EQ(m["default-sort-order-id"], 1);
  EXPECT_EQ(m["sort-orders"][1]["fields"][0]["source-id"], 1);
  EXPECT_EQ(m["schemas"][0]["identifier-field-ids"], json::array({1}));
  const json& summary = m["snapshots"][0]["summary"];
  EXPECT_EQ(summary["total-delete-files"], "1");
  EXPECT_EQ(summary["total-position-deletes"], "1");
  // The delete file names row 2 of the first file.
  auto index = json::parse(*store_->Get("default/pk-4/metadata/snap-" +
                                        std::to_string(*(*table)->metadata()->current_snapshot_id) + ".hangar.json"));
  const std::string relative = index["deletes"][0]["relative"];
  auto objects = store_->List("default/pk-4/" + relative);
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 1u);
  const fs::path copy = dir_ / "deletes.parquet";
  ASSERT_TRUE(store_->GetFile("default/pk-4/" + relative, copy).ok());
  auto conn = duckdb::Connection::Open(db_);
  ASSERT_TRUE(conn.ok());
  duckdb_result result;
  ASSERT_EQ(duckdb_query((*conn)->handle(), ("SELECT file_path, pos FROM '" + copy.string() + "'").c_str(), &result),
            DuckDBSuccess);
  ASSERT_EQ(duckdb_row_count(&result), 1u);
  char* path = duckdb_value_varchar(&result, 0, 0);
  EXPECT_EQ(std::string(path), store_->UriOf("default/pk-4/data/00000001.parquet"));
  duckdb_free(path);
  EXPECT_EQ(duckdb_value_int64(&result, 1, 0), 2);
  duckdb_destroy_result(&result);
}

TEST_F(IcebergTableTest, TheMetadataLogKeepsTheLastHundredVersions) {
  auto table = IcebergTable::Open(store_.get(), "default/t-6", db_, dir_ / "scratch");
  ASSERT_TRUE(table.ok());
  TableState state;
  state.name = "default.t";
  state.schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{F("id", a::int64())});
  for (int64_t v = 1; v <= 103; ++v) {
    state.version = v;
    ASSERT_TRUE((*table)->Commit(state).ok());
  }
  json m = Metadata(**table);
  ASSERT_EQ(m["metadata-log"].size(), 100u);
  EXPECT_EQ(m["metadata-log"][0]["metadata-file"], store_->UriOf((*table)->MetadataKey(3)));
  EXPECT_EQ(store_->Get((*table)->MetadataKey(2)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Get((*table)->MetadataKey(3)).ok());
}

TEST_F(IcebergTableTest, ExpiryDeletesWhatNoKeptSnapshotNeeds) {
  auto table = IcebergTable::Open(store_.get(), "default/t-5", db_, dir_ / "scratch");
  ASSERT_TRUE(table.ok());
  TableState state;
  state.name = "default.t";
  state.schema = std::make_shared<a::Schema>(std::vector<a::FieldPtr>{F("id", a::int64())});
  state.files = {Write("00000001.parquet", "SELECT 1::BIGINT AS id")};
  state.version = 2;
  ASSERT_TRUE((*table)->Commit(state).ok());
  // An overwrite: the first file leaves the table.
  state.files = {Write("00000002.parquet", "SELECT 2::BIGINT AS id")};
  state.version = 3;
  ASSERT_TRUE((*table)->Commit(state).ok());
  const int64_t first = (*table)->metadata()->snapshots[0].snapshot_id;
  EXPECT_EQ(Metadata(**table)["snapshots"][1]["summary"]["deleted-data-files"], "1");
  EXPECT_TRUE(store_->Get("default/t-5/data/00000001.parquet").ok());  // time travel still reads it

  ASSERT_TRUE((*table)->ExpireSnapshots({1, 0}).ok());
  json m = Metadata(**table);
  ASSERT_EQ(m["snapshots"].size(), 1u);
  EXPECT_EQ(m["snapshot-log"].size(), 1u);
  EXPECT_FALSE(m["snapshots"][0].contains("parent-snapshot-id"));
  EXPECT_EQ(store_->Get("default/t-5/data/00000001.parquet").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Get("default/t-5/data/00000002.parquet").ok());
  EXPECT_EQ(store_->Get("default/t-5/metadata/snap-" + std::to_string(first) + ".hangar.json").status().code(),
            StatusCode::kNotFound);

  ASSERT_TRUE((*table)->Purge().ok());
  EXPECT_TRUE(store_->List("default/t-5/")->empty());
}

}  // namespace
}  // namespace hangar::iceberg
