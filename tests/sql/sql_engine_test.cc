// The SQL engine over the table store, on real files and a real DuckDB:
// tables as views, empty tables, snapshots a query keeps across overwrites
// and drops, parameters, INSERT through the write path, cancellation and
// timeouts.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "sql/engine.h"
#include "sql/engine_fixture.h"
#include "store/store_test_util.h"

namespace hangar::sql {
namespace {

namespace fs = std::filesystem;
using store::testing::ReadAll;

arrow::SchemaPtr TripSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("city", arrow::utf8())});
}

arrow::RecordBatchPtr Trips(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder cities(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    cities.Append(i % 2 ? "Lisbon" : "Porto");
  }
  return arrow::MakeRecordBatch(TripSchema(), n, {ids.Finish().value(), cities.Finish().value()});
}

class SqlEngineTest : public testing::EngineFixture {
 protected:
  void PutTrips(const std::string& table, int64_t rows, store::PutMode mode = store::PutMode::kAppend) {
    arrow::VectorSource source(TripSchema(), {Trips(0, rows)});
    ASSERT_TRUE(tables_->Put({"default", table}, mode, &source).ok());
  }

  // The query's result in one batch.
  arrow::RecordBatchPtr Query(const std::string& sql, const duckdb::Parameters* parameters = nullptr) {
    auto source = engine_->Run("test", sql, parameters);
    EXPECT_TRUE(source.ok()) << sql << ": " << source.status().ToString();
    if (!source.ok()) return nullptr;
    auto all = ReadAll(source->get());
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : nullptr;
  }

  int64_t Int(const arrow::RecordBatchPtr& batch, int column, int64_t row = 0) {
    return arrow::LoadInteger(*batch->column(column), batch->column(column)->offset + row);
  }
};

TEST_F(SqlEngineTest, TablesAreViewsInTheirNamespace) {
  PutTrips("trips", 1000);
  arrow::VectorSource other(TripSchema(), {Trips(5, 3)});
  ASSERT_TRUE(tables_->Put({"sales", "trips"}, store::PutMode::kAppend, &other).ok());
  auto counts = Query(
      "SELECT (SELECT count(*) FROM trips) AS bare, (SELECT count(*) FROM default.trips) AS qualified, "
      "(SELECT sum(id) FROM sales.trips) AS other");
  ASSERT_TRUE(counts);
  EXPECT_EQ(Int(counts, 0), 1000);
  EXPECT_EQ(Int(counts, 1), 1000);
  EXPECT_EQ(Int(counts, 2), 5 + 6 + 7);
  auto grouped = Query("SELECT city, count(*) AS n FROM trips GROUP BY city ORDER BY city");
  ASSERT_TRUE(grouped);
  EXPECT_EQ(arrow::BinaryValue(*grouped->column(0), 0), "Lisbon");
  EXPECT_EQ(Int(grouped, 1, 0), 500);
  // A dropped table's view goes with it.
  ASSERT_TRUE(tables_->DropTable({"sales", "trips"}).ok());
  auto gone = engine_->Run("test", "SELECT * FROM sales.trips", nullptr);
  EXPECT_EQ(gone.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqlEngineTest, AWholeTableScanIsReadByTheStoreAndAnswersWhatDuckDbDoes) {
  // Files with read copies, then rows of another put.
  PutTrips("trips", 5000);
  tables_->WaitForReadCopies();
  arrow::VectorSource more(TripSchema(), {Trips(5000, 10), Trips(5010, 20)});
  ASSERT_TRUE(tables_->Put({"default", "trips"}, store::PutMode::kAppend, &more).ok());
  tables_->WaitForReadCopies();  // the view reads them too
  auto whole = Query("SELECT * FROM trips");
  auto by_duckdb = Query("SELECT * FROM trips WHERE true");  // the same rows, through DuckDB
  ASSERT_TRUE(whole && by_duckdb);
  EXPECT_TRUE(whole->schema->Equals(*by_duckdb->schema)) << whole->schema->ToString();
  EXPECT_EQ(arrow::BatchDiff(*by_duckdb, *whole), "");
  EXPECT_EQ(whole->num_rows, 5030);
  // Both read the read copies (DuckDB through hangar_read_copies): one
  // swapped for that of other rows (of the same schema and count) shows
  // through the whole scan and through DuckDB alike.
  arrow::VectorSource others(TripSchema(), {Trips(100000, 5000)});
  ASSERT_TRUE(tables_->Put({"default", "others"}, store::PutMode::kAppend, &others).ok());
  tables_->WaitForReadCopies();
  const auto trips = tables_->Snapshot({"default", "trips"}).value();
  const auto other = tables_->Snapshot({"default", "others"}).value();
  fs::copy_file(store::ReadCopyPath(other->files.at(0).path()), store::ReadCopyPath(trips->files.at(0).path()),
                fs::copy_options::overwrite_existing);
  auto swapped = Query("SELECT * FROM trips");
  ASSERT_TRUE(swapped);
  EXPECT_EQ(Int(swapped, 0, 0), 100000);
  EXPECT_EQ(Int(Query("SELECT * FROM trips WHERE true"), 0, 0), 100000);
}

TEST_F(SqlEngineTest, AnEmptyTableHasItsColumns) {
  ASSERT_TRUE(tables_->CreateTable({"default", "empty"}, TripSchema()).ok());
  auto schemas = engine_->Describe("SELECT * FROM empty");
  ASSERT_TRUE(schemas.ok()) << schemas.status().ToString();
  ASSERT_EQ(schemas->result->num_fields(), 2);
  EXPECT_EQ(schemas->result->field(0)->name(), "id");
  EXPECT_EQ(schemas->result->field(0)->type()->id(), arrow::TypeId::kInt64);
  auto source = engine_->Run("test", "SELECT * FROM empty", nullptr);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(ReadAll(source->get()).value(), nullptr);
  // Once it has rows, its view reads them.
  PutTrips("empty", 10);
  EXPECT_EQ(Int(Query("SELECT count(*) FROM empty"), 0), 10);
}

TEST_F(SqlEngineTest, AQueryFinishesOnItsSnapshotAcrossOverwriteAndDrop) {
  SqlOptions options;
  options.query.batch_rows = 2048;  // many small batches
  Open(options);
  PutTrips("trips", 100000);
  auto source = engine_->Run("test", "SELECT id FROM trips", nullptr);
  ASSERT_TRUE(source.ok());
  auto first = (*source)->Next();
  ASSERT_TRUE(first.ok() && *first);
  int64_t rows = (*first)->num_rows;
  // The table is replaced, then dropped, while the query reads its files.
  PutTrips("trips", 5, store::PutMode::kOverwrite);
  EXPECT_EQ(Int(Query("SELECT count(*) FROM trips"), 0), 5);
  ASSERT_TRUE(tables_->DropTable({"default", "trips"}).ok());
  while (true) {
    auto batch = (*source)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (*batch == nullptr) break;
    rows += (*batch)->num_rows;
  }
  EXPECT_EQ(rows, 100000);
}

TEST_F(SqlEngineTest, ParametersAreBoundFromARow) {
  arrow::PrimitiveBuilder<int64_t> numbers(arrow::int64());
  arrow::BinaryBuilder words(arrow::utf8());
  numbers.Append(41);
  words.Append("hangar");
  auto row =
      arrow::MakeRecordBatch(arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8())}), 1,
                             {numbers.Finish().value(), words.Finish().value()});
  auto parameters = duckdb::Parameters::FromRow(*row, 0).value();
  auto result = Query("SELECT $1 + 1 AS answer, upper($2) AS name", &parameters);
  ASSERT_TRUE(result);
  EXPECT_EQ(Int(result, 0), 42);
  EXPECT_EQ(arrow::BinaryValue(*result->column(1), 0), "HANGAR");
  auto schemas = engine_->Describe("SELECT $1::BIGINT AS a, $2 AS b");
  ASSERT_TRUE(schemas.ok());
  ASSERT_EQ(schemas->parameters->num_fields(), 2);
  EXPECT_EQ(schemas->parameters->field(0)->type()->id(), arrow::TypeId::kInt64);
  // Too few values is an error, not a crash.
  auto none = engine_->Run("test", "SELECT $1 AS a", nullptr);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqlEngineTest, InsertAppendsThroughTheWritePathOrNotAtAll) {
  PutTrips("trips", 3);
  auto insert = ParseInsert("INSERT INTO trips (city, id) SELECT 'Faro', id + 100 FROM trips WHERE id < 2").value();
  EXPECT_EQ(engine_->Insert("test", *insert, {}).value(), 2);
  auto snapshot = tables_->Snapshot({"default", "trips"}).value();
  EXPECT_EQ(snapshot->rows, 5);
  EXPECT_TRUE(snapshot->schema->Equals(*TripSchema()));
  // A row that cannot be converted fails the whole statement.
  auto bad = ParseInsert("INSERT INTO trips VALUES (7, 'ok'), ('x', 'bad')").value();
  auto failed = engine_->Insert("test", *bad, {});
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(tables_->Snapshot({"default", "trips"}).value()->rows, 5);
  // NULL into a NOT NULL column is refused too.
  auto null_id = ParseInsert("INSERT INTO trips VALUES (NULL, 'x')").value();
  EXPECT_FALSE(engine_->Insert("test", *null_id, {}).ok());
  EXPECT_EQ(tables_->Snapshot({"default", "trips"}).value()->rows, 5);
}

// The JDBC driver cannot bind a value to a null-typed parameter: a prepared
// INSERT's parameters that go straight into columns take the columns' types.
TEST_F(SqlEngineTest, APreparedInsertsParametersTakeTheirColumnsTypes) {
  PutTrips("trips", 1);
  auto values = engine_->DescribeInsert(*ParseInsert("INSERT INTO trips VALUES (?, ?)").value());
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->parameters->num_fields(), 2);
  EXPECT_TRUE(values->parameters->field(0)->type()->Equals(*TripSchema()->field(0)->type()));
  EXPECT_TRUE(values->parameters->field(1)->type()->Equals(*TripSchema()->field(1)->type()));
  // A column list in another order: each parameter takes its own column's type.
  auto listed = engine_->DescribeInsert(*ParseInsert("INSERT INTO trips (city, id) SELECT ?, ?").value());
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->parameters->field(0)->type()->Equals(*TripSchema()->field(1)->type()));
  EXPECT_TRUE(listed->parameters->field(1)->type()->Equals(*TripSchema()->field(0)->type()));
  // A computed value keeps what DuckDB says of it.
  auto computed = engine_->DescribeInsert(*ParseInsert("INSERT INTO trips SELECT ? + 1, 'x'").value());
  ASSERT_TRUE(computed.ok()) << computed.status().ToString();
  EXPECT_NE(computed->parameters->field(0)->type()->id(), arrow::TypeId::kUtf8);
}

constexpr const char* kLongQuery = "SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b";

TEST_F(SqlEngineTest, CancelInterruptsARunningQuery) {
  Result<std::unique_ptr<arrow::RecordBatchSource>> result = Status::Internal("not run");
  std::thread runner([&] { result = engine_->Run("long", kLongQuery, nullptr); });
  bool cancelled = false;
  for (int i = 0; i < 200 && !cancelled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancelled = engine_->Cancel("long");
  }
  runner.join();
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled) << result.status().ToString();
  EXPECT_FALSE(engine_->Cancel("long"));  // nothing runs under that id any more
}

TEST_F(SqlEngineTest, AQueryWhoseClientWentAwayIsInterrupted) {
  std::atomic<bool> gone = false;
  std::thread client([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = true;
  });
  auto result = engine_->Run("long", kLongQuery, nullptr, [&] { return gone.load(); });
  client.join();
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled);
  EXPECT_NE(result.status().message().find("went away"), std::string::npos) << result.status().ToString();
}

TEST_F(SqlEngineTest, AQueryPastTheTimeoutIsInterrupted) {
  SqlOptions options;
  options.query_timeout = std::chrono::milliseconds(200);
  Open(options);
  auto result = engine_->Run("long", kLongQuery, nullptr);
  EXPECT_EQ(result.status().code(), StatusCode::kCancelled);
  EXPECT_NE(result.status().message().find("200 ms"), std::string::npos) << result.status().ToString();
}

}  // namespace
}  // namespace hangar::sql
