// C Data Interface: export → import round trips of every gold-file batch
// (every type Arrow's integration suite covers), slices, release semantics,
// and the stream interface including a producer error.
#include "arrow/c_data.h"

#include <gtest/gtest.h>

#include <cstring>

#include "arrow/compare.h"
#include "arrow/ipc/reader.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::Strings;

RecordBatchPtr RoundTrip(const RecordBatchPtr& batch) {
  ArrowArray c_array;
  ArrowSchema c_schema;
  Status st = ExportRecordBatch(batch, &c_array, &c_schema);
  EXPECT_TRUE(st.ok()) << st.ToString();
  auto sch = ImportSchema(&c_schema);
  EXPECT_TRUE(sch.ok()) << sch.status().ToString();
  EXPECT_EQ(c_schema.release, nullptr);
  if (!sch.ok()) {
    c_array.release(&c_array);
    return nullptr;
  }
  auto back = ImportRecordBatch(&c_array, *sch);
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(c_array.release, nullptr);
  return back.ok() ? *back : nullptr;
}

TEST(CDataTest, EveryGoldBatchRoundTrips) {
  int batches = 0;
  for (const auto& path : testing::GoldIpcFiles()) {
    if (!path.ends_with(".stream")) continue;
    auto bytes = ipc::ReadWholeFile(path);
    ASSERT_TRUE(bytes.ok());
    auto data = ipc::ReadStream(*bytes);
    ASSERT_TRUE(data.ok()) << path;
    for (const auto& batch : data->batches) {
      auto back = RoundTrip(batch);
      ASSERT_NE(back, nullptr) << path;
      EXPECT_EQ(BatchDiff(*batch, *back), "") << path;
      if (batch->num_rows > 3) {
        auto slice = batch->Slice(1, batch->num_rows - 2);
        auto sback = RoundTrip(slice);
        ASSERT_NE(sback, nullptr) << path;
        EXPECT_EQ(BatchDiff(*slice, *sback), "") << path << " (sliced)";
      }
      ++batches;
    }
  }
  EXPECT_GT(batches, 100);
}

TEST(CDataTest, FormatStrings) {
  EXPECT_EQ(*FormatString(*timestamp(TimeUnit::kMicro, "UTC")), "tsu:UTC");
  EXPECT_EQ(*FormatString(*decimal128(10, 2)), "d:10,2");
  EXPECT_EQ(*FormatString(*decimal256(40, 2)), "d:40,2,256");
  EXPECT_EQ(*FormatString(*dense_union({field("a", int32()), field("b", utf8())}, {3, 7})), "+ud:3,7");
  EXPECT_EQ(*FormatString(*utf8_view()), "vu");
  EXPECT_EQ(*FormatString(*fixed_size_list(field("x", int8()), 4)), "+w:4");
}

TEST(CDataTest, ImportRejectsUnknownFormat) {
  ArrowSchema s;
  ASSERT_TRUE(ExportType(*int32(), &s).ok());
  s.format = "Q";  // the format string itself stays owned by the export
  auto f = ImportField(&s);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "unsupported C data format string 'Q'");
  EXPECT_EQ(s.release, nullptr);  // released even on failure
}

TEST(CDataTest, ExportKeepsBuffersAliveUntilReleaseAndImportIsZeroCopy) {
  auto column = Strings({"alpha", std::nullopt, "gamma"});
  const uint8_t* data = column->buffers[2]->data();
  std::weak_ptr<const Buffer> weak = column->buffers[2];
  ArrowArray c;
  ASSERT_TRUE(ExportArray(column, &c).ok());
  column.reset();
  EXPECT_FALSE(weak.expired());  // the export holds it
  EXPECT_EQ(c.null_count, 1);
  EXPECT_EQ(c.n_buffers, 3);
  auto imported = ImportArray(&c, utf8());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ((*imported)->buffers[2]->data(), data);  // no copy
  EXPECT_EQ((*imported)->GetBinary(2), "gamma");
  imported = Status::Cancelled("drop");
  EXPECT_TRUE(weak.expired());  // import released the export exactly once
}

// A producer whose release calls are counted.
struct Counted {
  static inline int releases = 0;
  static void Release(ArrowArray* a) {
    ++releases;
    a->release = nullptr;
  }
};

TEST(CDataTest, ImportCallsProducerReleaseExactlyOnce) {
  static int64_t values[3] = {10, 20, 30};
  static const void* buffers[2] = {nullptr, values};
  ArrowArray c{};
  c.length = 3;
  c.null_count = 0;
  c.n_buffers = 2;
  c.buffers = buffers;
  c.release = Counted::Release;
  Counted::releases = 0;
  {
    auto a = ImportArray(&c, int64());
    ASSERT_TRUE(a.ok());
    auto slice = (*a)->Slice(1, 2);
    a = Status::Cancelled("drop");
    EXPECT_EQ(Counted::releases, 0);  // the slice still refers to it
    EXPECT_EQ(slice->values<int64_t>()[0], 20);
    EXPECT_EQ(slice->values<int64_t>()[1], 30);
  }
  EXPECT_EQ(Counted::releases, 1);
}

TEST(CDataTest, ImportRejectsWrongBufferCount) {
  static int64_t values[1] = {1};
  static const void* buffers[1] = {values};
  ArrowArray c{};
  c.length = 1;
  c.n_buffers = 1;
  c.buffers = buffers;
  c.release = Counted::Release;
  Counted::releases = 0;
  auto a = ImportArray(&c, int64());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "C data array of int64 has 1 buffers, expected 2");
  EXPECT_EQ(Counted::releases, 1);
}

class FailingSource : public RecordBatchSource {
 public:
  explicit FailingSource(RecordBatchPtr first) : first_(std::move(first)) {}
  const SchemaPtr& schema() const override { return first_->schema; }
  Result<RecordBatchPtr> Next() override {
    if (calls_++ == 0) return first_;
    return Status::IOError("disk went away");
  }

 private:
  RecordBatchPtr first_;
  int calls_ = 0;
};

TEST(CDataTest, StreamRoundTripAndProducerError) {
  auto sch = schema({field("x", int32(), false), field("s", utf8())});
  auto b1 = MakeRecordBatch(sch, 2, {Column<int32_t>(int32(), {1, 2}), Strings({"a", "b"})});
  auto b2 = MakeRecordBatch(sch, 1, {Column<int32_t>(int32(), {3}), Strings({std::nullopt})});
  ArrowArrayStream stream;
  ASSERT_TRUE(ExportRecordBatchStream(std::make_unique<VectorSource>(sch, std::vector<RecordBatchPtr>{b1, b2}), &stream).ok());
  auto imported = ImportedStream::Open(&stream);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_TRUE((*imported)->schema()->Equals(*sch));
  auto r1 = (*imported)->Next();
  auto r2 = (*imported)->Next();
  auto r3 = (*imported)->Next();
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(BatchDiff(*b1, **r1), "");
  EXPECT_EQ(BatchDiff(*b2, **r2), "");
  EXPECT_EQ(*r3, nullptr);

  ArrowArrayStream failing;
  ASSERT_TRUE(ExportRecordBatchStream(std::make_unique<FailingSource>(b1), &failing).ok());
  auto f = ImportedStream::Open(&failing);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Next().ok());
  auto err = (*f)->Next();
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.status().message().find("disk went away"), std::string::npos) << err.status().message();
}

}  // namespace
}  // namespace hangar::arrow
