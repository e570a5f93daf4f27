// Every type of the Arrow core through a table: put, Parquet on disk, read
// back (from Parquet, then from the read copy), and compared value by value
// with what was put (schema and metadata included), also after compaction. Nothing may be refused, fail or differ.
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

// Dictionaries of values that are not flat, nested dictionaries, wide
// decimals and their negative scales: beyond EveryTypeFields.
std::vector<arrow::FieldPtr> MoreFields() {
  using namespace arrow;
  auto point = struct_({field("x", int32()), field("label", utf8())});
  return {
      field("dict_struct", dictionary(int32(), point)),
      field("dict_list", dictionary(int8(), list(utf8()))),
      field("dict_bool", dictionary(int16(), boolean())),
      field("dict_decimal", dictionary(uint8(), decimal128(10, 2))),
      field("dict_of_struct_with_dict", dictionary(int64(), struct_({field("tag", dictionary(int8(), utf8()))}))),
      field("struct_with_dict", struct_({field("d", dictionary(int32(), large_utf8())), field("n", int64())})),
      field("dict_union", dictionary(int32(), sparse_union({field("i", int32()), field("s", utf8())}, {1, 4}))),
      field("dict_ree", run_end_encoded(int32(), dictionary(int16(), utf8()))),
      field("decimal256_39", decimal256(39, 0)),
      field("decimal128_neg", decimal128(10, -5)),
      field("decimal32_neg", decimal(7, -2, 32)),
      field("union_in_list", list(dense_union({field("a", utf8()), field("type_code", int8())}, {2, 0}))),
  };
}

// A dictionary column of `type` whose values are a sample array of its value type.
arrow::ArrayPtr DictionaryColumn(const arrow::TypePtr& type, int64_t n) {
  auto values = arrow::testing::SampleArray(type->value_type(), 5);
  auto builder = arrow::MakeBuilder(type->index_type()).value();
  const int width = type->index_type()->bit_width() / 8;
  for (int64_t i = 0; i < n; ++i) {
    if (i % 7 == 6) {
      builder->AppendNull();
      continue;
    }
    const int64_t index = (i * 3) % 5;
    EXPECT_TRUE(arrow::AppendBytes(builder.get(), std::string_view(reinterpret_cast<const char*>(&index), width)).ok());
  }
  auto indices = builder->Finish().value();
  return arrow::MakeArray(type, n, indices->buffers, {}, -1, 0, values);
}

// The sample value of timestamp[s] is outside Parquet's range; this one is not.
arrow::ArrayPtr ColumnFor(const arrow::FieldPtr& f, int64_t n) {
  if (f->type()->id() == arrow::TypeId::kDictionary && f->name() != "dictionary" && f->name() != "dictionary_u32_int")
    return DictionaryColumn(f->type(), n);
  if (f->name() == "timestamp_s") {
    arrow::PrimitiveBuilder<int64_t> b(f->type());
    for (int64_t i = 0; i < n; ++i) {
      if (i % 4 == 3)
        b.AppendNull();
      else
        b.Append(1705314600 + i * 86399 - 20 * 86400 * 365);
    }
    return b.Finish().value();
  }
  return arrow::testing::SampleArray(f->type(), n, f->nullable());
}

TEST(StorageTypes, EveryTypeRoundTripsExactly) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  const int64_t n = 40;
  auto fields = arrow::testing::EveryTypeFields();
  for (auto& f : MoreFields()) fields.push_back(std::move(f));
  for (const auto& f : fields) {
    SCOPED_TRACE(f->ToString());
    auto schema = arrow::schema({f}, {{"owner", "store-test"}});
    auto batch = arrow::MakeRecordBatch(schema, n, {ColumnFor(f, n)});
    // Two batches, so that reads cross batch boundaries.
    arrow::VectorSource source(schema, {batch->Slice(0, 15), batch->Slice(15, n - 15)});
    auto put = store->Put({"default", "t_" + f->name()}, PutMode::kCreate, &source);
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
    // And from the file's read copy (read_copy.h), once it is made.
    store->WaitForReadCopies();
    EXPECT_TRUE(fs::exists(ReadCopyPath(put->snapshot->files.at(0).path())));
    auto from_copy = ReadAll(store->Scan(put->snapshot).value().get());
    ASSERT_TRUE(from_copy.ok()) << from_copy.status().ToString();
    EXPECT_EQ(arrow::BatchDiff(*batch, **from_copy), "");
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
