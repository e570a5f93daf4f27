// Every type of the Arrow core through a table: put, Parquet on disk, read
// back, and compared value by value with what was put (schema and metadata
// included). The types Parquet cannot carry exactly are refused at put time
// with a message naming the column; nothing else may fail or differ.
#include <gtest/gtest.h>

#include <map>

#include "../arrow/c_data_samples.h"
#include "arrow/array_access.h"
#include "arrow/compare.h"
#include "store/storage_types.h"
#include "store_test_util.h"

namespace hangar::store {
namespace {

using namespace testing;

// Column name -> words the refusal must contain.
const std::map<std::string, std::string> kRefused = {
    {"decimal64", "negative scale"},   // decimal64(18, -3)
    {"decimal256", "38 decimal digits"},  // decimal256(76, 20)
    {"time64_ns", "microseconds"},
    {"sparse_union", "no union type"},
    {"dense_union", "no union type"},
    {"ree_i32", "run-end encoded"},
    {"ree_i16", "run-end encoded"},
    {"ree_i64", "run-end encoded"},
    {"deep", "column 'deep.item.u'"},  // a union deep inside
};

// The sample value of timestamp[s] is outside Parquet's range; this one is not.
arrow::ArrayPtr ColumnFor(const arrow::FieldPtr& f, int64_t n) {
  if (f->name() == "timestamp_s") {
    arrow::PrimitiveBuilder<int64_t> b(f->type());
    for (int64_t i = 0; i < n; ++i) {
      if (i % 4 == 3) b.AppendNull(); else b.Append(1705314600 + i * 86399 - 20 * 86400 * 365);
    }
    return b.Finish().value();
  }
  return arrow::testing::SampleArray(f->type(), n, f->nullable());
}

TEST(StorageTypes, EveryTypeRoundTripsExactlyOrIsRefusedByName) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  const int64_t n = 40;
  for (const auto& f : arrow::testing::EveryTypeFields()) {
    SCOPED_TRACE(f->ToString());
    auto schema = arrow::schema({f}, {{"owner", "store-test"}});
    auto batch = arrow::MakeRecordBatch(schema, n, {ColumnFor(f, n)});
    // Two batches, so that reads cross batch boundaries.
    arrow::VectorSource source(schema, {batch->Slice(0, 15), batch->Slice(15, n - 15)});
    auto put = store->Put({"default", "t_" + f->name()}, PutMode::kCreate, &source);
    auto refused = kRefused.find(f->name());
    if (refused != kRefused.end()) {
      ASSERT_FALSE(put.ok());
      EXPECT_EQ(put.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(put.status().message().find(refused->second), std::string::npos) << put.status().ToString();
      EXPECT_FALSE(store->Snapshot({"default", "t_" + f->name()}).ok()) << "a refused put created a table";
      continue;
    }
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_EQ(put->rows, n);
    auto scan = store->Scan(put->snapshot);
    ASSERT_TRUE(scan.ok()) << scan.status().ToString();
    EXPECT_TRUE((*scan)->schema()->Equals(*schema));
    auto back = ReadAll(scan->get());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_NE(*back, nullptr);
    EXPECT_TRUE((*back)->schema->Equals(*schema)) << (*back)->schema->ToString();
    EXPECT_EQ(arrow::BatchDiff(*batch, **back), "");
    // Compaction rewrites Parquet as DuckDB reads it: what comes back must not change.
    arrow::VectorSource again(schema, {batch});
    ASSERT_TRUE(store->Put({"default", "t_" + f->name()}, PutMode::kAppend, &again).ok());
    auto table = store->FindTable({"default", "t_" + f->name()}).value();
    auto compacted = store->Compact(table, true);
    ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
    EXPECT_EQ(compacted->files_after, 1);
    auto twice = ReadAll(store->Scan(table->snapshot()).value().get()).value();
    ASSERT_EQ(twice->num_rows, 2 * n);
    EXPECT_EQ(arrow::BatchDiff(*batch, *twice->Slice(0, n)), "");
    EXPECT_EQ(arrow::BatchDiff(*batch, *twice->Slice(n, n)), "");
  }
  // Nothing is left in staging.
  EXPECT_TRUE(fs::is_empty(dir.path() / "staging"));
}

TEST(StorageTypes, RefusalsComeBeforeAnyDataIsRead) {
  auto schema = arrow::schema({arrow::field("ok", arrow::int32()),
                               arrow::field("u", arrow::dense_union({arrow::field("x", arrow::int8())}, {0}))});
  Status st = CheckStorable(*schema);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("column 'u'"), std::string::npos) << st.ToString();
  EXPECT_TRUE(CheckStorable(*arrow::schema({arrow::field("ok", arrow::int32())})).ok());
}

}  // namespace
}  // namespace hangar::store

namespace hangar::store {
namespace {

// Two puts of 100 distinct strings each into a dictionary<int8> column: the
// table holds 200 distinct values, more than one int8 dictionary can, and
// every batch read back must still fit the type.
TEST(StorageTypes, NarrowDictionariesAcrossPutsAreSplitIntoBatchesThatFit) {
  testing::TempDir dir;
  auto store = testing::OpenStore(dir.path());
  auto type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto schema = arrow::schema({arrow::field("tag", type)});
  std::vector<std::string> expected;
  for (int put = 0; put < 2; ++put) {
    arrow::DictionaryBuilder b(type);
    for (int i = 0; i < 100; ++i) {
      expected.push_back("p" + std::to_string(put) + "-" + std::to_string(i));
      ASSERT_TRUE(b.Append(expected.back()).ok());
    }
    arrow::VectorSource source(schema, {arrow::MakeRecordBatch(schema, 100, {b.Finish().value()})});
    ASSERT_TRUE(store->Put({"default", "tags"}, PutMode::kAppend, &source).ok());
  }
  auto scan = store->Scan(store->Snapshot({"default", "tags"}).value()).value();
  std::vector<std::string> got;
  int batches = 0;
  while (true) {
    auto batch = scan->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (*batch == nullptr) break;
    ++batches;
    const auto& column = *(*batch)->column(0);
    ASSERT_TRUE(column.type->Equals(*type));
    for (int64_t i = 0; i < column.length; ++i)
      got.emplace_back(column.dictionary->GetBinary(arrow::DictionaryIndex(column, i)));
  }
  EXPECT_EQ(got, expected);
  EXPECT_GE(batches, 2);
}

}  // namespace
}  // namespace hangar::store
