// Printed text of every kind of value, elision, bounds, and record batches.
#include "arrow/pretty_print.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "arrow/builder.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::Strings;
using namespace std::string_literals;

template <typename T>
BufferPtr Values(std::initializer_list<T> v) {
  MutableBuffer b;
  for (const T& x : v) b.AppendValue(x);
  return b.Finish();
}

std::string Print(const ArrayPtr& a, int64_t window = 0) { return PrettyPrint(*a, {window}); }

TEST(PrettyPrintTest, IntegersBoolsAndNulls) {
  EXPECT_EQ(Print(Column<int32_t>(int32(), {1, 2, 3}, {true, true, false})), "[1, 2, null]");
  EXPECT_EQ(Print(Column<int8_t>(int8(), {-128, 127})), "[-128, 127]");
  EXPECT_EQ(Print(Column<uint64_t>(uint64(), {std::numeric_limits<uint64_t>::max()})), "[18446744073709551615]");
  EXPECT_EQ(Print(MakeNullArray(null(), 2)), "[null, null]");
  EXPECT_EQ(Print(MakeNullArray(int32(), 0)), "[]");
  BooleanBuilder b;
  b.Append(true);
  b.AppendNull();
  b.Append(false);
  EXPECT_EQ(Print(b.Finish().ValueOr(nullptr)), "[true, null, false]");
}

TEST(PrettyPrintTest, FloatsInTheirShortestExactForm) {
  EXPECT_EQ(
      Print(Column<float>(float32(), {0.1f, 1e10f, -0.0f, std::nanf(""), -std::numeric_limits<float>::infinity()})),
      "[0.1, 1e+10, -0, nan, -inf]");
  EXPECT_EQ(Print(Column<double>(float64(), {0.1, 1.0 / 3, 123456789.0, 5e-324})),
            "[0.1, 0.3333333333333333, 123456789, 5e-324]");
  EXPECT_EQ(Print(Column<uint16_t>(float16(), {0x3C00, 0x3555, 0x7C00, 0x0001})),
            "[1, 0.33325195, inf, 5.9604645e-08]");
}

TEST(PrettyPrintTest, StringsAreQuotedAndEscapedBinaryIsHex) {
  EXPECT_EQ(Print(Strings({"plain", "a\"b", "back\\slash", "line\nbreak\r", "tab\t", std::string("\x01\x7f", 2), "ünï",
                           std::nullopt, ""})),
            R"(["plain", "a\"b", "back\\slash", "line\nbreak\r", "tab\t", "\x01\x7f", "ünï", null, ""])");
  auto bin = MakeArray(binary(), 3, {nullptr, Values<int32_t>({0, 2, 2, 5}), Buffer::CopyOf("\x00\xff\xab\xcd\xef"s)});
  EXPECT_EQ(Print(bin), "[00FF, , ABCDEF]");
  auto fsb = MakeArray(fixed_size_binary(2), 2, {nullptr, Buffer::CopyOf("\x01\x02\x0a\x0b")});
  EXPECT_EQ(Print(fsb), "[0102, 0A0B]");
}

TEST(PrettyPrintTest, DecimalsWithTheirScale) {
  DecimalBuilder d(decimal128(38, 2));
  const uint64_t max38[] = {0x098a223fffffffffull, 0x4b3b4ca85a86c47aull};  // 10^38 - 1
  ASSERT_TRUE(d.AppendWords(max38).ok());
  const uint64_t min38[] = {~max38[0] + 1, ~max38[1]};
  ASSERT_TRUE(d.AppendWords(min38).ok());
  d.Append(5);
  d.Append(-5);
  d.Append(0);
  d.AppendNull();
  EXPECT_EQ(Print(d.Finish().ValueOr(nullptr)),
            "[999999999999999999999999999999999999.99, -999999999999999999999999999999999999.99, 0.05, -0.05, 0.00, "
            "null]");

  DecimalBuilder d256(decimal256(76, 0));
  const uint64_t min256[] = {0, 0, 0, 0x8000000000000000ull};
  ASSERT_TRUE(d256.AppendWords(min256).ok());
  EXPECT_EQ(Print(d256.Finish().ValueOr(nullptr)),
            "[-57896044618658097711785492504343953926634992332820282019728792003956564819968]");

  DecimalBuilder d32(decimal(9, -2, 32));
  d32.Append(-123);
  EXPECT_EQ(Print(d32.Finish().ValueOr(nullptr)), "[-12300]");

  uint8_t bytes[16] = {};
  bytes[0] = 0x85;  // -123 as int128 (two's complement)
  for (int i = 1; i < 16; ++i) bytes[i] = 0xFF;
  EXPECT_EQ(FormatDecimal(bytes, 16, 2), "-1.23");
  EXPECT_EQ(FormatDecimal(bytes, 16, 5), "-0.00123");
  EXPECT_EQ(FormatDecimal(bytes, 16, -2), "-12300");
  EXPECT_EQ(FormatDecimal(bytes, 4, 0), "-123");
  EXPECT_EQ(FormatDecimal(bytes, 16, 2000000000), "-123e-2000000000");
  EXPECT_EQ(FormatDecimal(bytes, 12, 0), "-123");
  EXPECT_EQ(FormatDecimal(bytes, 64, 0), "<decimal of 64 bytes>");
}

TEST(PrettyPrintTest, DatesAndTimes) {
  EXPECT_EQ(Print(Column<int32_t>(date32(), {0, 19737, -719162, 2932896, -1})),
            "[1970-01-01, 2024-01-15, 0001-01-01, 9999-12-31, 1969-12-31]");
  EXPECT_EQ(Print(Column<int64_t>(date64(), {1705276800000, -1})), "[2024-01-15, 1969-12-31]");
  EXPECT_EQ(Print(Column<int32_t>(time32(TimeUnit::kSecond), {0, 86399})), "[00:00:00, 23:59:59]");
  EXPECT_EQ(Print(Column<int32_t>(time32(TimeUnit::kMilli), {3723004, -1})), "[01:02:03.004, -00:00:00.001]");
  EXPECT_EQ(Print(Column<int64_t>(time64(TimeUnit::kMicro), {1})), "[00:00:00.000001]");
  EXPECT_EQ(Print(Column<int64_t>(time64(TimeUnit::kNano), {86399999999999})), "[23:59:59.999999999]");
}

TEST(PrettyPrintTest, TimestampsInEveryUnitAndZone) {
  EXPECT_EQ(Print(Column<int64_t>(timestamp(TimeUnit::kSecond), {1705314600, -1})),
            "[2024-01-15 10:30:00, 1969-12-31 23:59:59]");
  EXPECT_EQ(Print(Column<int64_t>(timestamp(TimeUnit::kMilli, "UTC"), {1705314600123})), "[2024-01-15 10:30:00.123Z]");
  EXPECT_EQ(Print(Column<int64_t>(timestamp(TimeUnit::kMicro, "America/New_York"), {1705314600123456})),
            "[2024-01-15 10:30:00.123456Z]");
  EXPECT_EQ(Print(Column<int64_t>(timestamp(TimeUnit::kNano),
                                  {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()})),
            "[1677-09-21 00:12:43.145224192, 2262-04-11 23:47:16.854775807]");
  // Seconds far from the epoch: no overflow, a proleptic Gregorian year.
  EXPECT_EQ(Print(Column<int64_t>(timestamp(TimeUnit::kSecond), {std::numeric_limits<int64_t>::max()})),
            "[292277026596-12-04 15:30:07]");
}

TEST(PrettyPrintTest, DurationsAndIntervals) {
  EXPECT_EQ(Print(Column<int64_t>(duration(TimeUnit::kMilli), {1500, -2})), "[1500ms, -2ms]");
  EXPECT_EQ(Print(Column<int32_t>(interval_year_month(), {14, -1})), "[14M, -1M]");
  EXPECT_EQ(Print(Column<DayTimeInterval>(interval_day_time(), {{4, 5}, {-1, 0}})), "[4d5ms, -1d0ms]");
  EXPECT_EQ(Print(Column<MonthDayNanoInterval>(interval_month_day_nano(), {{1, 2, 3}})), "[1M2d3ns]");
}

TEST(PrettyPrintTest, NestedValues) {
  auto b = MakeBuilder(list(struct_({field("a", int32()), field("b", utf8())}))).ValueOr(nullptr);
  auto* l = static_cast<ListBuilder*>(b.get());
  auto* s = static_cast<StructBuilder*>(l->value_builder());
  l->Append();
  s->Append();
  static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(1);
  static_cast<BinaryBuilder*>(s->field_builder(1))->Append("x");
  s->AppendNull();
  l->AppendNull();
  l->Append();
  EXPECT_EQ(Print(b->Finish().ValueOr(nullptr)), "[[{a: 1, b: \"x\"}, null], null, []]");

  auto m = MakeArray(map(utf8(), int32()), 2, {nullptr, Values<int32_t>({0, 2, 2})},
                     {MakeArray(map(utf8(), int32())->child(0)->type(), 2, {nullptr},
                                {Strings({"k", "j"}), Column<int32_t>(int32(), {1, 2}, {true, false})})});
  EXPECT_EQ(Print(m), "[{\"k\": 1, \"j\": null}, {}]");

  auto u = MakeArray(sparse_union({field("i", int32()), field("s", utf8())}, {3, 4}), 3, {Values<int8_t>({3, 4, 3})},
                     {Column<int32_t>(int32(), {7, 0, 0}, {true, true, false}), Strings({"", "u", ""})});
  EXPECT_EQ(Print(u), "[7, \"u\", null]");

  auto dict =
      MakeArray(dictionary(int16(), utf8()), 3, {nullptr, Values<int16_t>({1, 0, 1})}, {}, 0, 0, Strings({"a", "b"}));
  EXPECT_EQ(Print(dict), "[\"b\", \"a\", \"b\"]");

  auto ree = MakeArray(run_end_encoded(int32(), float64()), 4, {},
                       {Column<int32_t>(int32(), {3, 4}), Column<double>(float64(), {0.5, 0}, {true, false})});
  EXPECT_EQ(Print(ree), "[0.5, 0.5, 0.5, null]");
  EXPECT_EQ(Print(ree->Slice(2, 2)), "[0.5, null]");
}

TEST(PrettyPrintTest, LongArraysAreElided) {
  std::vector<int64_t> v(30);
  for (int i = 0; i < 30; ++i) v[i] = i;
  auto a = Column<int64_t>(int64(), v);
  EXPECT_EQ(PrettyPrint(*a, {2}), "[0, 1, ..., 28, 29]");
  EXPECT_EQ(PrettyPrint(*a->Slice(0, 4), {2}), "[0, 1, 2, 3]");
  EXPECT_EQ(PrettyPrint(*a->Slice(0, 5), {2}), "[0, 1, ..., 3, 4]");
  EXPECT_EQ(PrettyPrint(*a).size(),
            std::string("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ..., 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]").size());
  EXPECT_EQ(PrettyPrint(*a, {0}).find("..."), std::string::npos);

  // Nested lists: PrettyPrint uses its window, FormatValue 10.
  auto lists = MakeArray(list(int64()), 1, {nullptr, Values<int32_t>({0, 25})}, {a});
  EXPECT_EQ(PrettyPrint(*lists, {2}), "[[0, 1, ..., 23, 24]]");
  EXPECT_EQ(FormatValue(*lists, 0), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ..., 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]");
}

TEST(PrettyPrintTest, OutputIsBoundedWhateverTheInput) {
  // One list of a hundred million nulls, with no buffer behind them.
  auto huge = MakeNullArray(fixed_size_list(field("x", null()), 100000000), 1);
  auto valid = MakeArray(huge->type, 1, {nullptr}, huge->children);
  const std::string all = PrettyPrint(*valid, {0});
  EXPECT_LT(all.size(), 5u * 1024 * 1024);
  EXPECT_TRUE(all.ends_with(", ...]]")) << all.substr(all.size() - 20);
  EXPECT_EQ(FormatValue(*valid, 0),
            "[null, null, null, null, null, null, null, null, null, null, ..., "
            "null, null, null, null, null, null, null, null, null, null]");
  // A value longer than the budget prints its start only.
  auto long_string = Strings({std::string(200000, 'x')});
  EXPECT_LT(FormatValue(*long_string, 0).size(), 70000u);
}

TEST(PrettyPrintTest, RecordBatchesOneColumnPerLine) {
  auto batch = MakeRecordBatch(schema({field("a", int32()), field("b", utf8())}), 2,
                               {Column<int32_t>(int32(), {1, 2}), Strings({"x", std::nullopt})});
  EXPECT_EQ(PrettyPrint(*batch), "a: [1, 2]\nb: [\"x\", null]\n");
  EXPECT_EQ(PrettyPrint(*batch->Slice(1, 1)), "a: [2]\nb: [null]\n");
}

TEST(PrettyPrintTest, FormatValueOfOneSlot) {
  auto a = Strings({"x", std::nullopt});
  EXPECT_EQ(FormatValue(*a, 0), "\"x\"");
  EXPECT_EQ(FormatValue(*a, 1), "null");
  EXPECT_EQ(FormatValue(*Column<int32_t>(int32(), {5, 6})->Slice(1, 1), 0), "6");
}

}  // namespace
}  // namespace hangar::arrow
