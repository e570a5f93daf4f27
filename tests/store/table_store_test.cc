// The table store on real files and a real DuckDB: atomic puts, modes,
// restart and leftovers, snapshots that outlive drops and overwrites,
// concurrent writers and readers.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "arrow/builder.h"
#include "arrow/compare.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using namespace testing;

arrow::SchemaPtr TripSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("fare", arrow::float64()),
                        arrow::field("city", arrow::utf8())});
}

arrow::RecordBatchPtr Trips(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::PrimitiveBuilder<double> fares(arrow::float64());
  arrow::BinaryBuilder cities(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    if (i % 7 == 0)
      fares.AppendNull();
    else
      fares.Append(static_cast<double>(i) * 0.25);
    cities.Append(i % 2 ? "Lisbon" : "Zürich");
  }
  return arrow::MakeRecordBatch(TripSchema(), n,
                                {ids.Finish().value(), fares.Finish().value(), cities.Finish().value()});
}

// Batches of Trips, then optionally an error instead of the end.
class TripSource : public arrow::RecordBatchSource {
 public:
  TripSource(int batches, int64_t rows_per_batch, Status fail_at_end = Status::OK())
      : schema_(TripSchema()), batches_(batches), rows_(rows_per_batch), fail_(std::move(fail_at_end)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (next_ == batches_) {
      if (!fail_.ok()) return fail_;
      return arrow::RecordBatchPtr();
    }
    return Trips(rows_ * next_++, rows_);
  }

 private:
  arrow::SchemaPtr schema_;
  int batches_;
  int64_t rows_;
  Status fail_;
  int next_ = 0;
};

int64_t CountRows(TableStore& store, const QualifiedName& name) {
  auto snap = store.Snapshot(name);
  if (!snap.ok()) return -1;
  auto scan = store.Scan(*snap);
  EXPECT_TRUE(scan.ok());
  auto all = ReadAll(scan->get());
  EXPECT_TRUE(all.ok());
  const int64_t rows = *all ? (*all)->num_rows : 0;
  EXPECT_EQ(rows, (*snap)->rows);
  return rows;
}

const QualifiedName kTrips{"default", "trips"};

TEST(TableStore, PutThenScanGivesTheRowsBackInOrder) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  TripSource source(5, 1000);
  auto put = store->Put(kTrips, PutMode::kAppend, &source);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->rows, 5000);
  EXPECT_GT(put->bytes, 0);
  auto scan = store->Scan(put->snapshot);
  ASSERT_TRUE(scan.ok());
  auto all = ReadAll(scan->get());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(arrow::BatchDiff(*Trips(0, 5000), **all), "");
  // The files are zstd-compressed Parquet named by the manifest.
  auto manifest = Manifest::Read(put->snapshot->folder->path());
  ASSERT_TRUE(manifest.ok());
  ASSERT_EQ(manifest->files.size(), 1u);
  EXPECT_EQ(manifest->files[0].rows, 5000);
  EXPECT_EQ(manifest->schema->ToString(), TripSchema()->ToString());
}

// Puts into one table that arrive while a commit runs are committed
// together, in one manifest switch (group commit), and each gets its rows
// in: here the first commit is held in its manifest write until the others
// wait behind it.
TEST(TableStore, ConcurrentPutsIntoOneTableShareOneCommit) {
  TempDir dir;
  std::atomic<bool> hold = false;
  StoreOptions options;
  options.fence = [&] {
    if (hold.exchange(false)) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return Status::OK();
  };
  auto store = OpenStore(dir.path(), options);
  TripSource first(1, 10);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kAppend, &first).ok());
  const int64_t version = store->Snapshot(kTrips).value()->version;
  hold = true;
  constexpr int kPuts = 6;
  std::vector<std::thread> puts;
  std::atomic<int> failed = 0;
  for (int i = 0; i < kPuts; ++i)
    puts.emplace_back([&] {
      TripSource source(1, 100);
      if (!store->Put(kTrips, PutMode::kAppend, &source).ok()) ++failed;
    });
  for (auto& t : puts) t.join();
  EXPECT_EQ(failed, 0);
  auto snapshot = store->Snapshot(kTrips).value();
  EXPECT_EQ(snapshot->files.size(), size_t{kPuts + 1});
  EXPECT_EQ(CountRows(*store, kTrips), 10 + kPuts * 100);
  // Fewer switches than puts: at least the ones waiting behind the held one went together.
  EXPECT_LT(snapshot->version - version, kPuts);
}

TEST(TableStore, AFailingStreamLeavesNoTrace) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  TripSource broken(3, 100, Status::Invalid("batch 4 is malformed"));
  auto put = store->Put(kTrips, PutMode::kAppend, &broken);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().ToString(), "InvalidArgument: batch 4 is malformed") << "the stream's own error, not DuckDB's";
  EXPECT_FALSE(store->Snapshot(kTrips).ok());

  TripSource good(2, 100);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kAppend, &good).ok());
  TripSource broken_again(3, 100, Status::Cancelled("the client went away"));
  EXPECT_EQ(store->Put(kTrips, PutMode::kAppend, &broken_again).status().code(), StatusCode::kCancelled);
  EXPECT_EQ(CountRows(*store, kTrips), 200);
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
}

TEST(TableStore, SchemaMismatchNamesTheFieldAndWritesNothing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  TripSource good(1, 10);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kAppend, &good).ok());
  auto other = arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("fare", arrow::float32()),
                              arrow::field("city", arrow::utf8())});
  arrow::VectorSource wrong(other, {});
  auto put = store->Put(kTrips, PutMode::kAppend, &wrong);
  EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(put.status().message().find("field 'fare'"), std::string::npos) << put.status().ToString();
  EXPECT_EQ(CountRows(*store, kTrips), 10);
}

TEST(TableStore, NullsInANotNullColumnAreRefusedAndNothingIsWritten) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::PrimitiveBuilder<double> fares(arrow::float64());
  arrow::BinaryBuilder cities(arrow::utf8());
  ids.Append(1);
  ids.AppendNull();
  for (int i = 0; i < 2; ++i) {
    fares.Append(1.0);
    cities.Append("Faro");
  }
  auto bad =
      arrow::MakeRecordBatch(TripSchema(), 2, {ids.Finish().value(), fares.Finish().value(), cities.Finish().value()});
  arrow::VectorSource source(TripSchema(), {Trips(0, 3), bad});
  auto put = store->Put(kTrips, PutMode::kAppend, &source);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(put.status().message().find("'id' is declared not null"), std::string::npos) << put.status().ToString();
  EXPECT_EQ(CountRows(*store, kTrips), -1);  // not even created
}

TEST(TableStore, CreateAndOverwriteModes) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  TripSource first(1, 10);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kCreate, &first).ok());
  TripSource again(1, 10);
  EXPECT_EQ(store->Put(kTrips, PutMode::kCreate, &again).status().code(), StatusCode::kAlreadyExists);
  // Overwrite replaces rows and may change the schema.
  auto narrow = arrow::schema({arrow::field("x", arrow::int32())});
  arrow::PrimitiveBuilder<int32_t> xs(arrow::int32());
  xs.Append(7);
  arrow::VectorSource replacement(narrow, {arrow::MakeRecordBatch(narrow, 1, {xs.Finish().value()})});
  auto put = store->Put(kTrips, PutMode::kOverwrite, &replacement);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->snapshot->rows, 1);
  EXPECT_TRUE(put->snapshot->schema->Equals(*narrow));
  EXPECT_EQ(CountRows(*store, kTrips), 1);
  EXPECT_EQ(ParsePutMode("upsert").status().code(), StatusCode::kInvalidArgument);
}

TEST(TableStore, RestartFindsEveryTableAndRemovesLeftovers) {
  TempDir dir;
  fs::path table_dir;
  {
    auto store = OpenStore(dir.path());
    TripSource a(2, 50), b(1, 30);
    ASSERT_TRUE(store->Put(kTrips, PutMode::kAppend, &a).ok());
    auto put = store->Put({"sales", "orders"}, PutMode::kAppend, &b);
    ASSERT_TRUE(put.ok());
    table_dir = put->snapshot->folder->path();
    TripSource dropped(1, 5);
    ASSERT_TRUE(store->Put({"default", "gone"}, PutMode::kAppend, &dropped).ok());
    ASSERT_TRUE(store->DropTable({"default", "gone"}).ok());
  }
  // What a crash can leave: a staged file, a file moved in but never
  // named by a manifest, a half-written manifest, a table being created.
  std::ofstream(dir.path() / "staging" / "x.parquet") << "partial";
  std::ofstream(table_dir / "00000099.parquet") << "orphan";
  std::ofstream(table_dir / "manifest.json.tmp") << "{\"half";
  fs::create_directories(dir.path() / "tables" / ".new-0123");
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  auto names = store->List();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0]->name.ToString(), "default.trips");
  EXPECT_EQ(names[1]->name.ToString(), "sales.orders");
  EXPECT_EQ(CountRows(*store, kTrips), 100);
  EXPECT_EQ(CountRows(*store, {"sales", "orders"}), 30);
  EXPECT_FALSE(fs::exists(table_dir / "00000099.parquet"));
  EXPECT_FALSE(fs::exists(table_dir / "manifest.json.tmp"));
  EXPECT_FALSE(fs::exists(dir.path() / "tables" / ".new-0123"));
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
  int folders = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() / "tables")) ++folders;
  EXPECT_EQ(folders, 2) << "the dropped table's folder is gone";
}

TEST(TableStore, ACorruptManifestIsMovedAsideAndReportedAndTheRestIsServed) {
  TempDir dir;
  fs::path table_dir;
  const QualifiedName other{"default", "other"};
  {
    auto store = OpenStore(dir.path());
    TripSource a(1, 5);
    auto put = store->Put(kTrips, PutMode::kAppend, &a);
    ASSERT_TRUE(put.ok());
    table_dir = put->snapshot->folder->path();
    TripSource b(1, 7);
    ASSERT_TRUE(store->Put(other, PutMode::kAppend, &b).ok());
  }
  std::ofstream(table_dir / "manifest.json") << "{\"format\": 1, \"na";
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Snapshot(kTrips).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Snapshot(other).value()->rows, 7);
  auto quarantined = store->QuarantinedFolders();
  ASSERT_EQ(quarantined.size(), 1u);
  EXPECT_EQ(quarantined[0].folder, "quarantine/tables/" + table_dir.filename().string());
  EXPECT_NE(quarantined[0].reason.find("manifest"), std::string::npos) << quarantined[0].reason;
  // Nothing is lost: the folder is kept whole, out of the way.
  EXPECT_FALSE(fs::exists(table_dir));
  EXPECT_TRUE(fs::exists(dir.path() / quarantined[0].folder / "manifest.json"));
  // And the name can be used again.
  TripSource c(1, 3);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kAppend, &c).ok());
}

// Names: a namespace has no dots and none of DuckDB's own; a table name may
// hold dots and be 255 characters long, and keeps its identity across a
// restart; names that differ only by case are one name.
TEST(TableStore, NamesAreUnambiguousAndSurviveRestarts) {
  TempDir dir;
  const QualifiedName dotted{"default", "sales.orders"};
  const QualifiedName longest{"ns-1", std::string(255, 'x')};
  {
    auto store = OpenStore(dir.path());
    for (const std::string ns : {"a.b", "default.", "information_schema", "PG_CATALOG", "main"}) {
      TripSource a(1, 1);
      auto put = store->Put({ns, "t"}, PutMode::kAppend, &a);
      EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument) << ns;
      EXPECT_EQ(store->CreateTable({ns, "t"}, a.schema()).status().code(), StatusCode::kInvalidArgument) << ns;
    }
    for (const auto& name : {dotted, longest}) {
      TripSource a(1, 2);
      auto put = store->Put(name, PutMode::kAppend, &a);
      ASSERT_TRUE(put.ok()) << put.status().ToString();
    }
    TripSource twin(1, 1);
    auto put = store->Put({"default", "Sales.Orders"}, PutMode::kAppend, &twin);
    EXPECT_EQ(put.status().code(), StatusCode::kAlreadyExists) << put.status().ToString();
    EXPECT_EQ(store->CreateTable({"DEFAULT", "sales.orders"}, twin.schema()).status().code(),
              StatusCode::kAlreadyExists);
  }
  auto store = OpenStore(dir.path());
  EXPECT_TRUE(store->QuarantinedFolders().empty());
  EXPECT_EQ(store->Snapshot(dotted).value()->rows, 2);
  EXPECT_EQ(store->Snapshot(longest).value()->rows, 2);
  EXPECT_FALSE(store->Snapshot({"default.sales", "orders"}).ok());
}

TEST(TableStore, AReaderFinishesOnItsSnapshotAcrossDropAndOverwrite) {
  TempDir dir;
  StoreOptions options;
  options.target_file_bytes = 64 << 10;  // many files, so that the reader is mid-way
  auto store = OpenStore(dir.path(), options);
  TripSource source(20, 4000);
  auto put = store->Put(kTrips, PutMode::kAppend, &source);
  ASSERT_TRUE(put.ok());
  ASSERT_GT(put->snapshot->files.size(), 3u);
  const fs::path folder = put->snapshot->folder->path();
  put->snapshot.reset();

  auto snap = store->Snapshot(kTrips).value();
  auto scan = store->Scan(snap).value();
  snap.reset();
  auto first = scan->Next();
  ASSERT_TRUE(first.ok() && *first);
  // Overwrite, then drop, while the scan is open.
  TripSource small(1, 3);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kOverwrite, &small).ok());
  ASSERT_TRUE(store->DropTable(kTrips).ok());
  EXPECT_FALSE(store->Snapshot(kTrips).ok());
  int64_t rows = (*first)->num_rows;
  while (true) {
    auto batch = scan->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (*batch == nullptr) break;
    rows += (*batch)->num_rows;
  }
  EXPECT_EQ(rows, 80000);
  EXPECT_TRUE(fs::exists(folder));
  store->WaitForReadCopies();  // a read copy being made holds the snapshot it copies
  scan.reset();
  EXPECT_FALSE(fs::exists(folder)) << "the last reader gone, the dropped folder goes";
}

TEST(TableStore, FileGroupsAndTicketsForGoneFiles) {
  TempDir dir;
  StoreOptions options;
  options.target_file_bytes = 64 << 10;
  options.file_group_bytes = 1;  // one file per group
  auto store = OpenStore(dir.path(), options);
  TripSource source(8, 4000);
  auto put = store->Put(kTrips, PutMode::kAppend, &source);
  ASSERT_TRUE(put.ok());
  auto groups = store->FileGroups(*put->snapshot);
  ASSERT_EQ(groups.size(), put->snapshot->files.size());
  int64_t rows = 0;
  for (const auto& group : groups) {
    auto scan = store->Scan(put->snapshot, group);
    ASSERT_TRUE(scan.ok());
    rows += ReadAll(scan->get()).value()->num_rows;
  }
  EXPECT_EQ(rows, 32000);
  TripSource replacement(1, 1);
  ASSERT_TRUE(store->Put(kTrips, PutMode::kOverwrite, &replacement).ok());
  auto stale = store->Scan(store->Snapshot(kTrips).value(), groups[0]);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
}

TEST(TableStore, ConcurrentWritersAndReaders) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      const QualifiedName name{"default", t < 4 ? "shared" : "own" + std::to_string(t)};
      for (int i = 0; i < 5; ++i) {
        TripSource source(2, 100);
        if (!store->Put(name, PutMode::kAppend, &source).ok()) ++failures;
        if (auto snap = store->Snapshot(name); snap.ok()) {
          auto scan = store->Scan(*snap);
          auto all = scan.ok() ? ReadAll(scan->get()) : Result<arrow::RecordBatchPtr>(scan.status());
          if (!all.ok() || (*all ? (*all)->num_rows : 0) != (*snap)->rows) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountRows(*store, {"default", "shared"}), 4 * 5 * 200);
  EXPECT_EQ(CountRows(*store, {"default", "own4"}), 5 * 200);
}

TEST(TableStore, NamesAreCheckedBeforeAnyPath) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  TripSource source(1, 1);
  auto put = store->Put({"default", "../../etc/passwd"}, PutMode::kAppend, &source);
  EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CreateTable({"..", "x"}, TripSchema()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hangar::store
