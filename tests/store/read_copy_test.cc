// Read copies (store/read_copy.h): every type comes back from them exactly
// as it was put; a read copy that is missing, torn or foreign is passed over
// for its Parquet file with identical results; a crash between a commit and
// its read copy leaves nothing that is read; snapshots keep their files'
// read copies, which go with their files (overwrite, compaction, drop);
// partitions read from them; primary-key tables get none.
#include <gtest/gtest.h>

#include <fstream>

#include "../arrow/c_data_samples.h"
#include "arrow/compare.h"
#include "store/read_copy.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using namespace testing;

const QualifiedName kEvents{"default", "events"};

// Read copies on disk under `dir`, and temporaries of them.
int CountEnding(const fs::path& dir, const std::string& ending) {
  int n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().string().ends_with(ending)) ++n;
  return n;
}

arrow::RecordBatchPtr ScanAll(TableStore& store, const SnapshotPtr& snapshot,
                              const std::vector<std::string>& partitions = {}) {
  auto scan = store.Scan(snapshot, {}, partitions);
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  if (!scan.ok()) return nullptr;
  auto all = ReadAll(scan->get());
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? *all : nullptr;
}

// Three puts of 1000 events: three files.
std::unique_ptr<TableStore> StoreWithEvents(const fs::path& dir, bool read_copies = true) {
  StoreOptions options;
  options.read_copies = read_copies;
  auto store = OpenStore(dir, options);
  for (int p = 0; p < 3; ++p) {
    arrow::VectorSource source(EventSchema(), {Events(p * 1000, 600), Events(p * 1000 + 600, 400)});
    EXPECT_TRUE(store->Put(kEvents, PutMode::kAppend, &source).ok());
  }
  store->WaitForReadCopies();
  return store;
}

TEST(ReadCopies, EveryTypeComesBackExactlyFromItsReadCopy) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  const int64_t n = 40;
  for (const auto& f : arrow::testing::EveryTypeFields()) {
    SCOPED_TRACE(f->ToString());
    if (f->name() == "timestamp_s") continue;  // its sample value is outside Parquet's range
    auto schema = arrow::schema({f}, {{"owner", "store-test"}});
    auto batch = arrow::MakeRecordBatch(schema, n, {arrow::testing::SampleArray(f->type(), n, f->nullable())});
    arrow::VectorSource source(schema, {batch->Slice(0, 15), batch->Slice(15, n - 15)});
    auto put = store->Put({"default", "t_" + f->name()}, PutMode::kCreate, &source);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    store->WaitForReadCopies();
    const auto& file = put->snapshot->files.at(0);
    ASSERT_TRUE(fs::exists(ReadCopyPath(file.path())));
    // What the read copy holds, and what the table answers: the rows put.
    auto copy = OpenReadCopy(file, schema);
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    auto from_copy = ReadAll(copy->get()).value();
    EXPECT_TRUE(from_copy->schema->Equals(*schema));
    EXPECT_EQ(arrow::BatchDiff(*batch, *from_copy), "");
    auto back = ScanAll(*store, put->snapshot);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(arrow::BatchDiff(*batch, *back), "");
  }
  EXPECT_EQ(CountEnding(dir.path(), ".tmp"), 0);
}

TEST(ReadCopies, AMissingTornOrForeignReadCopyIsPassedOverForTheParquetFile) {
  TempDir dir;
  auto store = StoreWithEvents(dir.path());
  auto snapshot = store->Snapshot(kEvents).value();
  ASSERT_EQ(snapshot->files.size(), 3u);
  ASSERT_EQ(CountEnding(dir.path(), ".arrow"), 3);
  auto expected = ScanAll(*store, snapshot);
  ASSERT_EQ(expected->num_rows, 3000);
  const fs::path first = ReadCopyPath(snapshot->files[0].path());
  const fs::path second = ReadCopyPath(snapshot->files[1].path());
  const fs::path third = ReadCopyPath(snapshot->files[2].path());
  // Torn: cut in the middle (its footer is gone).
  fs::resize_file(first, fs::file_size(first) / 2);
  EXPECT_EQ(OpenReadCopy(snapshot->files[0], snapshot->schema).status().code(), StatusCode::kDataLoss);
  // Foreign: a whole read copy, of another table's 10 rows.
  {
    arrow::VectorSource other(EventSchema(), {Events(0, 10)});
    ASSERT_TRUE(store->Put({"default", "other"}, PutMode::kCreate, &other).ok());
    store->WaitForReadCopies();
    auto other_file = store->Snapshot({"default", "other"}).value()->files.at(0).path();
    fs::copy_file(ReadCopyPath(other_file), second, fs::copy_options::overwrite_existing);
  }
  EXPECT_EQ(OpenReadCopy(snapshot->files[1], snapshot->schema).status().code(), StatusCode::kDataLoss);
  // Missing.
  fs::remove(third);
  EXPECT_EQ(OpenReadCopy(snapshot->files[2], snapshot->schema).status().code(), StatusCode::kNotFound);
  auto back = ScanAll(*store, snapshot);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(arrow::BatchDiff(*expected, *back), "");
  // The same without any read copy, from a store that keeps none.
  StoreOptions none;
  none.read_copies = false;
  store.reset();
  auto parquet_only = OpenStore(dir.path(), none);
  auto from_parquet = ScanAll(*parquet_only, parquet_only->Snapshot(kEvents).value());
  EXPECT_EQ(arrow::BatchDiff(*expected, *from_parquet), "");
}

TEST(ReadCopies, ACrashBeforeTheReadCopyIsRenamedLeavesItToBeMadeAgain) {
  TempDir dir;
  arrow::RecordBatchPtr expected;
  {
    // No read copies: as after a crash right after the commit.
    auto store = StoreWithEvents(dir.path(), false);
    expected = ScanAll(*store, store->Snapshot(kEvents).value());
    EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 0);
  }
  // A temporary left by a crash while one was written.
  fs::path table_dir;
  for (const auto& entry : fs::directory_iterator(dir.path() / "tables")) table_dir = entry.path();
  {
    std::ofstream torn(table_dir / "00000001.arrow.tmp");
    torn << "ARROW1 half a file";
  }
  auto store = OpenStore(dir.path());
  store->WaitForReadCopies();
  EXPECT_EQ(CountEnding(dir.path(), ".tmp"), 0) << "removed when the table is opened";
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 3) << "every file's read copy made again";
  auto back = ScanAll(*store, store->Snapshot(kEvents).value());
  EXPECT_EQ(arrow::BatchDiff(*expected, *back), "");
}

TEST(ReadCopies, SnapshotsKeepTheirReadCopiesWhichGoWithTheirFiles) {
  TempDir dir;
  auto store = StoreWithEvents(dir.path());
  auto old = store->Snapshot(kEvents).value();
  auto old_rows = ScanAll(*store, old);
  ASSERT_EQ(old_rows->num_rows, 3000);
  // An overwrite replaces every file; the old snapshot still reads them, from their read copies.
  arrow::VectorSource fresh(EventSchema(), {Events(100000, 10)});
  ASSERT_TRUE(store->Put(kEvents, PutMode::kOverwrite, &fresh).ok());
  store->WaitForReadCopies();
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 4);
  for (const auto& f : old->files) EXPECT_TRUE(OpenReadCopy(f, old->schema).ok());
  EXPECT_EQ(arrow::BatchDiff(*old_rows, *ScanAll(*store, old)), "");
  EXPECT_EQ(ScanAll(*store, store->Snapshot(kEvents).value())->num_rows, 10);
  // The old files go with the last snapshot of them, their read copies too.
  old.reset();
  EXPECT_EQ(CountEnding(dir.path(), ".parquet"), 1);
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 1);
  // A compaction's file gets its read copy; the rows do not change.
  for (int p = 0; p < 3; ++p) {
    arrow::VectorSource more(EventSchema(), {Events(200000 + p * 10, 10)});
    ASSERT_TRUE(store->Put(kEvents, PutMode::kAppend, &more).ok());
  }
  auto before = ScanAll(*store, store->Snapshot(kEvents).value());
  auto table = store->FindTable(kEvents).value();
  ASSERT_TRUE(store->Compact(table, true).ok());
  store->WaitForReadCopies();
  auto compacted = store->Snapshot(kEvents).value();
  ASSERT_EQ(compacted->files.size(), 1u);
  EXPECT_TRUE(OpenReadCopy(compacted->files[0], compacted->schema).ok());
  EXPECT_EQ(arrow::BatchDiff(*before, *ScanAll(*store, compacted)), "");
  // A dropped table's folder goes whole (the files the compaction replaced
  // are kept for tickets naming them meanwhile, their read copies too).
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), CountEnding(dir.path(), ".parquet"));
  compacted.reset();
  table.reset();
  ASSERT_TRUE(store->DropTable(kEvents).ok());
  EXPECT_EQ(CountEnding(dir.path() / "tables", ".arrow"), 0);
}

TEST(ReadCopies, PartitionsReadFromThemAndPrimaryKeyTablesHaveNone) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto spec =
      ParsePartitionSpec(R"({"fields": [{"source_name": "id", "transform": "truncate[1000]"}]})", *EventSchema());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_TRUE(store->CreateTable(kEvents, EventSchema(), {}, *spec).ok());
  arrow::VectorSource source(EventSchema(), {Events(0, 3000)});
  ASSERT_TRUE(store->Put(kEvents, PutMode::kAppend, &source).ok());
  store->WaitForReadCopies();
  auto snapshot = store->Snapshot(kEvents).value();
  ASSERT_EQ(snapshot->files.size(), 3u);
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 3);
  auto one = ScanAll(*store, snapshot, {snapshot->files[1].meta.partition});
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(arrow::BatchDiff(*Events(1000, 1000), *one), "");

  const QualifiedName keyed{"default", "keyed"};
  ASSERT_TRUE(store->CreateTable(keyed, EventSchema(), {"id"}).ok());
  arrow::VectorSource rows(EventSchema(), {Events(0, 100)});
  ASSERT_TRUE(store->Put(keyed, PutMode::kAppend, &rows).ok());
  store->WaitForReadCopies();
  EXPECT_EQ(CountEnding(dir.path(), ".arrow"), 3);
  EXPECT_EQ(ScanAll(*store, store->Snapshot(keyed).value())->num_rows, 100);
}

}  // namespace
}  // namespace hangar::store
