// A DuckDB failure does not break the store: the statement that hit it fails
// as INTERNAL, the engine is replaced, and tables written before read back
// and take new writes. Also how DuckDB's error texts are worded for clients.
#include <gtest/gtest.h>

#include "arrow/builder.h"
#include "duckdb/database.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

arrow::RecordBatchPtr Numbers(int64_t n) {
  auto schema = arrow::schema({arrow::field("n", arrow::int64())});
  arrow::PrimitiveBuilder<int64_t> b(arrow::int64());
  for (int64_t i = 0; i < n; ++i) b.Append(i);
  return arrow::MakeRecordBatch(schema, n, {b.Finish().value()});
}

TEST(EngineReset, AFailureReplacesTheEngineAndTheStoreGoesOn) {
  testing::TempDir dir;
  // A database of its own: the other tests share one.
  auto db = duckdb::Database::Open().value();
  StoreOptions options;
  options.data_dir = dir.path();
  auto store = TableStore::Open(options, db).value();
  auto batch = Numbers(100);
  arrow::VectorSource first(batch->schema, {batch});
  ASSERT_TRUE(store->Put({"default", "t"}, PutMode::kCreate, &first).ok());

  std::vector<bool> states;
  db->SetStateListener([&](bool serving) { states.push_back(serving); });
  const uint64_t before = db->generation();
  auto old_connection = duckdb::Connection::Open(db).value();
  Status failed = duckdb::InjectEngineFailure(*old_connection);
  EXPECT_EQ(failed.code(), StatusCode::kInternal) << failed.ToString();
  EXPECT_TRUE(duckdb::IsEngineFailure(failed.message().substr(failed.message().find("the SQL engine failed: ") + 23)))
      << failed.ToString();
  EXPECT_EQ(db->generation(), before + 1);
  EXPECT_EQ(db->resets(), 1);
  EXPECT_EQ(states, (std::vector<bool>{false, true}));
  // The old instance stays broken for whoever still holds it, and that
  // resets nothing more.
  EXPECT_FALSE(old_connection->Execute("SELECT 1").ok());
  EXPECT_EQ(db->generation(), before + 1);

  // The table reads back and takes writes, on the new instance.
  auto scan = store->Scan(store->Snapshot({"default", "t"}).value());
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  auto back = testing::ReadAll(scan->get());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->num_rows, 100);
  arrow::VectorSource second(batch->schema, {batch});
  ASSERT_TRUE(store->Put({"default", "t"}, PutMode::kAppend, &second).ok());
  EXPECT_EQ(store->Snapshot({"default", "t"}).value()->rows, 200);
  auto fresh = duckdb::Connection::Open(db).value();
  EXPECT_TRUE(fresh->Execute("SELECT 1").ok());
}

TEST(EngineReset, ErrorsAreWordedForClients) {
  Status engine = duckdb::ErrorFrom("INTERNAL Error: something broke\n\nStack Trace:\n/usr/lib/libduckdb.so(+0x1)");
  EXPECT_EQ(engine.code(), StatusCode::kInternal);
  EXPECT_TRUE(duckdb::IsEngineFailure("FATAL Error: x"));
  EXPECT_TRUE(duckdb::IsEngineFailure(
      "Invalid Input Error: the database has been invalidated because of a previous fatal error"));
  EXPECT_FALSE(duckdb::IsEngineFailure("Binder Error: column x not found"));
  Status user = duckdb::ErrorFrom("Binder Error: no column x\n\nStack Trace:\n/usr/lib/libduckdb.so(+0x1)", "query");
  EXPECT_EQ(user.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(user.message(), "query: Binder Error: no column x");
}

}  // namespace
}  // namespace hangar::store
