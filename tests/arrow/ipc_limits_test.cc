// What a reader takes from a sender it does not trust: rows per batch that
// no buffer backs, compressed buffers claiming more than a message, and
// dictionaries grown by deltas; what a decoded batch costs
// (DecodedSize); and small batches put together for consumers that pay per
// batch (CoalescingSource).
#include <gtest/gtest.h>

#include "arrow/compare.h"
#include "arrow/concatenate.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "test_util.h"

namespace hangar::arrow::ipc {
namespace {

using testing::Column;
using testing::Strings;

#define EXPECT_REFUSED(status, expected_code, text)                           \
  do {                                                                        \
    const Status st_ = (status);                                              \
    EXPECT_EQ(st_.code(), expected_code) << st_.ToString();                   \
    EXPECT_NE(st_.message().find(text), std::string::npos) << st_.ToString(); \
  } while (0)

ReadOptions Limited(int64_t rows) {
  ReadOptions options;
  options.max_batch_rows = rows;
  options.max_batch_rows_origin = " (here)";
  return options;
}

TEST(IpcLimits, ABatchClaimingMoreRowsThanTheLimitIsRefusedFromItsHeader) {
  // Two billion nulls: no buffer at all, a message of a few hundred bytes.
  const int64_t rows = INT32_MAX;
  auto sch = schema({field("n", null())});
  auto stream = WriteStream(sch, {MakeRecordBatch(sch, rows, {MakeArray(null(), rows, {})})}).value();
  EXPECT_LT(stream.size(), 1000u);
  auto refused = ReadStream(Buffer::FromString(stream), Limited(1 << 20));
  EXPECT_REFUSED(refused.status(), StatusCode::kResourceExhausted, "2147483647 rows");
  EXPECT_NE(refused.status().message().find("1048576 rows per batch (here)"), std::string::npos);
  // Unlimited (the default), it reads: nothing is made per row.
  auto read = ReadStream(Buffer::FromString(stream));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->batches[0]->num_rows, rows);
  // A struct of nulls and a fixed-size list of nulls, the same.
  auto structs = schema({field("s", struct_({field("n", null())}))});
  auto struct_stream =
      WriteStream(structs, {MakeRecordBatch(
                               structs, rows,
                               {MakeArray(structs->field(0)->type(), rows, {nullptr}, {MakeArray(null(), rows, {})})})})
          .value();
  EXPECT_REFUSED(ReadStream(Buffer::FromString(struct_stream), Limited(1 << 20)).status(),
                 StatusCode::kResourceExhausted, "rows per batch");
}

TEST(IpcLimits, AChildClaimingMoreThanTheBodyBacksIsRefused) {
  // Four rows, each a fixed-size list of 2^30 nulls: the child claims 2^32.
  auto type = fixed_size_list(field("item", null()), 1 << 30);
  auto sch = schema({field("l", type)});
  auto lists = MakeArray(type, 4, {nullptr}, {MakeArray(null(), int64_t{4} << 30, {})});
  auto stream = WriteStream(sch, {MakeRecordBatch(sch, 4, {lists})}).value();
  EXPECT_LT(stream.size(), 1000u);
  EXPECT_REFUSED(ReadStream(Buffer::FromString(stream), Limited(1 << 20)).status(), StatusCode::kResourceExhausted,
                 "an array claims 4294967296 elements");
  // A child of more values than the limit, each backed by its bytes, is fine.
  const int64_t values = 3 << 20;
  std::vector<int8_t> bytes(static_cast<size_t>(values), 7);
  auto ints = schema({field("l", list(int8()))});
  auto backed =
      MakeArray(list(int8()), 1, {nullptr, Column<int32_t>(int32(), {0, static_cast<int32_t>(values)})->buffers[1]},
                {Column<int8_t>(int8(), bytes)});
  auto ok_stream = WriteStream(ints, {MakeRecordBatch(ints, 1, {backed})}).value();
  auto read = ReadStream(Buffer::FromString(ok_stream), Limited(1 << 20));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->batches[0]->column(0)->children[0]->length, values);
}

TEST(IpcLimits, CompressedBuffersMayNotClaimMoreThanAMessageTogether) {
  // Three columns of a megabyte of zeros each: a few kilobytes compressed.
  std::vector<int64_t> zeros(1 << 17, 0);
  auto sch = schema({field("a", int64()), field("b", int64()), field("c", int64())});
  auto column = Column<int64_t>(int64(), zeros);
  WriteOptions zstd;
  zstd.compression = Compression::kZstd;
  auto stream = WriteStream(sch, {MakeRecordBatch(sch, 1 << 17, {column, column, column})}, zstd).value();
  EXPECT_LT(stream.size(), 100'000u);
  ReadOptions small;
  small.max_message_size = 2 << 20;  // each buffer alone fits
  EXPECT_REFUSED(ReadStream(Buffer::FromString(stream), small).status(), StatusCode::kInvalidArgument,
                 "claim more than the 2097152 bytes a message may hold");
  ReadOptions enough;
  enough.max_message_size = 4 << 20;
  EXPECT_TRUE(ReadStream(Buffer::FromString(stream), enough).ok());
}

TEST(IpcLimits, DictionaryDeltasMayNotGrowItBeyondTheLimit) {
  auto sch = schema({field("city", dictionary(int32(), utf8()))});
  std::vector<RecordBatchPtr> batches;
  std::vector<std::optional<std::string>> dict;
  for (int i = 0; i < 20; ++i) {
    dict.push_back(std::string(1000, static_cast<char>('a' + i)));
    auto column = MakeArray(sch->field(0)->type(), 1, {nullptr, Column<int32_t>(int32(), {i})->buffers[1]}, {}, 0, 0,
                            Strings(dict));
    batches.push_back(MakeRecordBatch(sch, 1, {column}));
  }
  WriteOptions deltas;
  deltas.emit_dictionary_deltas = true;
  auto stream = WriteStream(sch, batches, deltas).value();
  ReadOptions limited;
  limited.max_dictionary_bytes = 10'000;
  limited.max_dictionary_bytes_origin = " (here)";
  EXPECT_REFUSED(ReadStream(Buffer::FromString(stream), limited).status(), StatusCode::kResourceExhausted,
                 "bytes through deltas, more than the limit of 10000 bytes (here)");
  // In values too, under the rows limit.
  EXPECT_REFUSED(ReadStream(Buffer::FromString(stream), Limited(10)).status(), StatusCode::kResourceExhausted,
                 "values through deltas");
  auto read = ReadStream(Buffer::FromString(stream));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->batches.size(), 20u);
  // A first dictionary above the limit is refused as well.
  auto single = WriteStream(sch, {batches.back()}).value();
  EXPECT_REFUSED(ReadStream(Buffer::FromString(single), limited).status(), StatusCode::kResourceExhausted,
                 "more than the limit of 10000 bytes");
}

TEST(IpcLimits, DecodedSizeCountsObjectsAndUnbackedElements) {
  auto sch = schema({field("x", int64()), field("s", utf8())});
  auto one = MakeRecordBatch(sch, 1, {Column<int64_t>(int64(), {1}), Strings({"a"})});
  // A few bytes of values, a kilobyte and more of objects.
  EXPECT_LT(TotalBufferSize(*one), 32);
  EXPECT_GE(DecodedSize(*one), kBatchOverheadBytes + 2 * kArrayOverheadBytes + 3 * kBufferOverheadBytes);
  // Null arrays cost a byte per element: whoever reads them expands them.
  auto nulls = MakeRecordBatch(schema({field("n", null())}), 1 << 20, {MakeArray(null(), 1 << 20, {})});
  EXPECT_EQ(TotalBufferSize(*nulls), 0);
  EXPECT_GE(DecodedSize(*nulls), 1 << 20);
}

TEST(IpcLimits, SmallBatchesAreCoalescedInOrderAndLargeOnesPassAsTheyAre) {
  auto sch = schema({field("x", int64())});
  std::vector<RecordBatchPtr> batches;
  for (int64_t i = 0; i < 1000; ++i) batches.push_back(MakeRecordBatch(sch, 1, {Column<int64_t>(int64(), {i})}));
  std::vector<int64_t> big_values(20000);
  for (size_t i = 0; i < big_values.size(); ++i) big_values[i] = 1000 + static_cast<int64_t>(i);
  auto big = MakeRecordBatch(sch, 20000, {Column<int64_t>(int64(), big_values)});
  batches.push_back(big);
  for (int64_t i = 0; i < 10; ++i) batches.push_back(MakeRecordBatch(sch, 1, {Column<int64_t>(int64(), {21000 + i})}));
  VectorSource source(sch, batches);
  CoalescingSource coalesced(&source, 256);
  std::vector<RecordBatchPtr> out;
  while (true) {
    auto batch = coalesced.Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (*batch == nullptr) break;
    out.push_back(*batch);
  }
  // 1000 one-row batches in groups of 256, the big one as it was, the last 10 together.
  ASSERT_EQ(out.size(), 4u + 1u + 1u);
  EXPECT_EQ(out[0]->num_rows, 256);
  EXPECT_EQ(out[4].get(), big.get());
  EXPECT_EQ(out[5]->num_rows, 10);
  std::vector<int64_t> seen;
  for (const auto& b : out)
    for (int64_t r = 0; r < b->num_rows; ++r) seen.push_back(b->column(0)->values<int64_t>()[r]);
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 1000; ++i) expected.push_back(i);
  expected.insert(expected.end(), big_values.begin(), big_values.end());
  for (int64_t i = 0; i < 10; ++i) expected.push_back(21000 + i);
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace hangar::arrow::ipc
