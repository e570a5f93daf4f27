// Builders of every type: the buffers they produce (checked byte for byte
// against the layout in array.h for each layout family), the values (through
// the pretty printer, exact text), validation, reuse after Finish, and the
// errors misuse gets.
#include "arrow/builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "arrow/array_access.h"
#include "arrow/compare.h"
#include "arrow/pretty_print.h"
#include "arrow/validate.h"
#include "sample_arrays.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Strings;

template <typename T>
std::vector<T> Ints(const BufferPtr& b, int64_t n) {
  std::vector<T> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(LoadValue<T>(b->data(), i));
  return out;
}

// Bits [0, n) as "1"/"0", bit 0 first.
std::string Bits(const BufferPtr& b, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; ++i) out += bit::Get(b->data(), i) ? '1' : '0';
  return out;
}

ArrayPtr Done(ArrayBuilder* b) {
  auto r = b->Finish();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return nullptr;
  Status valid = ValidateArray(**r);
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  EXPECT_EQ(b->length(), 0) << "Finish resets the builder";
  return *r;
}

std::string Printed(ArrayBuilder* b) {
  auto a = Done(b);
  return a ? PrettyPrint(*a, {0}) : "<error>";
}

std::string FinishError(ArrayBuilder* b) {
  auto r = b->Finish();
  EXPECT_EQ(b->length(), 0) << "Finish resets the builder after an error too";
  return r.ok() ? "<ok>" : r.status().message();
}

std::unique_ptr<ArrayBuilder> Make(const TypePtr& type) {
  auto b = MakeBuilder(type);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : nullptr;
}

template <typename B>
B* As(const std::unique_ptr<ArrayBuilder>& b) {
  auto* typed = dynamic_cast<B*>(b.get());
  EXPECT_NE(typed, nullptr);
  return typed;
}

// --- Flat fixed-width layouts ----------------------------------------------------------

TEST(BuilderTest, Int32BuffersAreExactlyTheLayout) {
  PrimitiveBuilder<int32_t> b(int32());
  b.Append(1);
  b.AppendNull();
  b.Append(-3);
  EXPECT_EQ(b.length(), 3);
  EXPECT_EQ(b.null_count(), 1);
  auto a = Done(&b);
  ASSERT_EQ(a->buffers.size(), 2u);
  EXPECT_EQ(a->offset, 0);
  EXPECT_EQ(a->null_count(), 1);
  EXPECT_EQ(Bits(a->buffers[0], 3), "101");
  EXPECT_EQ(a->buffers[1]->size(), 12);
  EXPECT_EQ(Ints<int32_t>(a->buffers[1], 3), (std::vector<int32_t>{1, 0, -3}));
  // Buffers are 64-byte aligned, as the format recommends.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a->buffers[1]->data()) % 64, 0u);
}

TEST(BuilderTest, BitmapAppearsOnlyWithTheFirstNull) {
  PrimitiveBuilder<int64_t> b(int64());
  for (int64_t i = 0; i < 10; ++i) b.Append(i);
  auto no_nulls = Done(&b);
  EXPECT_EQ(no_nulls->buffers[0], nullptr);
  EXPECT_EQ(no_nulls->null_count(), 0);

  for (int64_t i = 0; i < 10; ++i) b.Append(i);
  b.AppendNull();
  b.Append(11);
  auto a = Done(&b);
  ASSERT_NE(a->buffers[0], nullptr);
  EXPECT_EQ(Bits(a->buffers[0], 12), "111111111101");
  EXPECT_EQ(a->buffers[0]->data()[1] >> 4, 0) << "bits past the length stay zero";
  EXPECT_EQ(a->null_count(), 1);
}

TEST(BuilderTest, BulkAppendsMatchSingleAppends) {
  PrimitiveBuilder<int16_t> b(int16());
  const int16_t v[] = {1, 2, 3};
  b.AppendValues(v);
  b.AppendNulls(10);
  b.Append(4);
  b.AppendNulls(0);
  b.AppendNulls(-5);
  auto a = Done(&b);
  EXPECT_EQ(a->length, 14);
  EXPECT_EQ(a->null_count(), 10);
  EXPECT_EQ(Bits(a->buffers[0], 14), "11100000000001");
  EXPECT_EQ(Ints<int16_t>(a->buffers[1], 14), (std::vector<int16_t>{1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}));

  PrimitiveBuilder<int16_t> one_by_one(int16());
  for (int16_t x : v) one_by_one.Append(x);
  for (int i = 0; i < 10; ++i) one_by_one.AppendNull();
  one_by_one.Append(4);
  EXPECT_EQ(ArrayDiff(*a, *Done(&one_by_one)), "");
}

TEST(BuilderTest, ReuseAfterFinishLeavesEarlierArraysIntact) {
  BinaryBuilder b(utf8());
  b.Append("first");
  b.AppendNull();
  auto first = Done(&b);
  b.Append("second");
  auto second = Done(&b);
  EXPECT_EQ(PrettyPrint(*first), "[\"first\", null]");
  EXPECT_EQ(PrettyPrint(*second), "[\"second\"]");
  EXPECT_EQ(second->buffers[0], nullptr) << "the null of the first batch does not leak into the second";
  EXPECT_EQ(Ints<int32_t>(second->buffers[1], 2), (std::vector<int32_t>{0, 6}));
}

TEST(BuilderTest, IntegersAtTheirLimits) {
  auto check = [](const TypePtr& type, auto lo, auto hi, const std::string& expected) {
    using T = decltype(lo);
    auto b = Make(type);
    As<PrimitiveBuilder<T>>(b)->Append(lo);
    b->AppendNull();
    As<PrimitiveBuilder<T>>(b)->Append(hi);
    EXPECT_EQ(Printed(b.get()), expected) << type->ToString();
  };
  check(int8(), int8_t{-128}, int8_t{127}, "[-128, null, 127]");
  check(int16(), int16_t{-32768}, int16_t{32767}, "[-32768, null, 32767]");
  check(int32(), std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
        "[-2147483648, null, 2147483647]");
  check(int64(), std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
        "[-9223372036854775808, null, 9223372036854775807]");
  check(uint8(), uint8_t{0}, uint8_t{255}, "[0, null, 255]");
  check(uint16(), uint16_t{0}, uint16_t{65535}, "[0, null, 65535]");
  check(uint32(), uint32_t{0}, std::numeric_limits<uint32_t>::max(), "[0, null, 4294967295]");
  check(uint64(), uint64_t{0}, std::numeric_limits<uint64_t>::max(), "[0, null, 18446744073709551615]");
}

TEST(BuilderTest, Floats) {
  auto f = Make(float32());
  for (float v : {0.1f, -0.0f, 3.0f, std::numeric_limits<float>::infinity(), std::nanf("")})
    As<PrimitiveBuilder<float>>(f)->Append(v);
  EXPECT_EQ(Printed(f.get()), "[0.1, -0, 3, inf, nan]");
  auto d = Make(float64());
  for (double v : {1e300, -2.5, -std::numeric_limits<double>::infinity()}) As<PrimitiveBuilder<double>>(d)->Append(v);
  d->AppendNull();
  EXPECT_EQ(Printed(d.get()), "[1e+300, -2.5, -inf, null]");
}

TEST(BuilderTest, HalfFloatConversionRoundsToNearestEven) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(1.5f), 0x3E00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);  // largest half
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);  // rounds down
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // rounds up to infinity
  EXPECT_EQ(FloatToHalf(1e6f), 0x7C00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);         // smallest normal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);         // tie: to even (zero)
  EXPECT_EQ(FloatToHalf(std::ldexp(1.5f, -25)), 0x0001);         // above the tie
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)), 0x0002);         // tie between 1 and 2: even
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie: even
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(3.0f, -11)), 0x3C02);  // tie: even
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(std::nanf("")))));
  // Every half that is not a NaN survives a trip through float exactly.
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    if ((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0) continue;
    ASSERT_EQ(FloatToHalf(HalfToFloat(bits)), bits) << std::hex << h;
  }
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);

  auto b = Make(float16());
  As<HalfFloatBuilder>(b)->AppendFloat(1.5f);
  As<HalfFloatBuilder>(b)->Append(0x3C00);
  b->AppendNull();
  As<HalfFloatBuilder>(b)->AppendFloat(-0.0f);
  auto a = Done(b.get());
  EXPECT_EQ(Ints<uint16_t>(a->buffers[1], 4), (std::vector<uint16_t>{0x3E00, 0x3C00, 0, 0x8000}));
  EXPECT_EQ(PrettyPrint(*a), "[1.5, 1, null, -0]");
}

TEST(BuilderTest, BooleanBitsAndNulls) {
  BooleanBuilder b;
  b.Append(true);
  b.AppendNull();
  for (int i = 0; i < 9; ++i) b.Append(i % 2 == 0);
  b.AppendNulls(3);
  const bool more[] = {true, true, false};
  b.AppendValues(more);
  auto a = Done(&b);
  EXPECT_EQ(a->length, 17);
  EXPECT_EQ(a->null_count(), 4);
  EXPECT_EQ(Bits(a->buffers[0], 17), "10111111111000111");
  EXPECT_EQ(Bits(a->buffers[1], 17), "10101010101000110");
  EXPECT_EQ(PrettyPrint(*a),
            "[true, null, true, false, true, false, true, false, true, false, true, null, null, null, "
            "true, true, false]");
}

TEST(BuilderTest, NullBuilderHasNoBuffers) {
  NullBuilder n;
  n.AppendNulls(3);
  n.AppendNull();
  auto a = Done(&n);
  EXPECT_EQ(a->length, 4);
  EXPECT_EQ(a->null_count(), 4);
  EXPECT_TRUE(a->buffers.empty());
  EXPECT_EQ(PrettyPrint(*a), "[null, null, null, null]");
}

TEST(BuilderTest, WrongSizedPrimitiveBuilderIsRefused) {
  PrimitiveBuilder<int32_t> b(int64());
  b.Append(1);
  EXPECT_EQ(FinishError(&b), "a builder of 4-byte values cannot build int64");
}

// --- Variable-length bytes -------------------------------------------------------------

TEST(BuilderTest, BinaryOffsetsAndData) {
  for (const auto& type : {utf8(), binary(), large_utf8(), large_binary()}) {
    auto b = Make(type);
    ASSERT_TRUE(AppendBytes(b.get(), "héllo").ok());
    b->AppendNull();
    ASSERT_TRUE(AppendBytes(b.get(), "").ok());
    b->AppendNulls(2);
    ASSERT_TRUE(AppendBytes(b.get(), "x").ok());
    auto a = Done(b.get());
    const bool large = type->id() == TypeId::kLargeUtf8 || type->id() == TypeId::kLargeBinary;
    const std::vector<int64_t> offsets{0, 6, 6, 6, 6, 6, 7};
    if (large) {
      EXPECT_EQ(Ints<int64_t>(a->buffers[1], 7), offsets);
    } else {
      EXPECT_EQ(Ints<int32_t>(a->buffers[1], 7), (std::vector<int32_t>{0, 6, 6, 6, 6, 6, 7}));
    }
    EXPECT_EQ(a->buffers[2]->view(), "héllox");
    EXPECT_EQ(Bits(a->buffers[0], 6), "101001");
    EXPECT_EQ(PrettyPrint(*a), type->id() == TypeId::kUtf8 || type->id() == TypeId::kLargeUtf8
                                   ? "[\"héllo\", null, \"\", null, null, \"x\"]"
                                   : "[68C3A96C6C6F, null, , null, null, 78]");
  }
  BinaryBuilder empty(binary());
  auto a = Done(&empty);
  EXPECT_EQ(a->length, 0);
  EXPECT_EQ(Ints<int32_t>(a->buffers[1], 1), (std::vector<int32_t>{0}));
}

TEST(BuilderTest, BinaryDataLengthAndReserve) {
  LargeBinaryBuilder b(large_binary());
  b.Reserve(100);
  b.ReserveData(1000);
  b.Append(std::string(300, 'z'));
  b.Append(std::string("\0\x01", 2));
  EXPECT_EQ(b.data_length(), 302);
  auto a = Done(&b);
  EXPECT_EQ(a->GetBinary(1), std::string_view("\0\x01", 2));
  EXPECT_EQ(a->GetBinary(0).size(), 300u);
}

TEST(BuilderTest, ViewsInlineUpToTwelveBytesAndPrefixedBeyond) {
  BinaryViewBuilder b(utf8_view());
  b.Append("short");
  b.Append("exactly12byt");
  b.Append("a string longer than twelve bytes");
  b.AppendNull();
  b.Append("thirteen byte");
  auto a = Done(&b);
  ASSERT_EQ(a->buffers.size(), 3u);  // validity, views, one data buffer
  const uint8_t* v = a->buffers[1]->data();
  auto view = [&](int i) { return std::string(reinterpret_cast<const char*>(v + 16 * i), 16); };
  auto le32 = [](int32_t x) { return std::string(reinterpret_cast<const char*>(&x), 4); };
  EXPECT_EQ(view(0), le32(5) + std::string("short") + std::string(7, '\0'));
  EXPECT_EQ(view(1), le32(12) + "exactly12byt");
  EXPECT_EQ(view(2), le32(33) + "a st" + le32(0) + le32(0));
  EXPECT_EQ(view(3), std::string(16, '\0'));
  EXPECT_EQ(view(4), le32(13) + "thir" + le32(0) + le32(33));
  EXPECT_EQ(a->buffers[2]->view(), "a string longer than twelve bytesthirteen byte");
  EXPECT_EQ(PrettyPrint(*a),
            "[\"short\", \"exactly12byt\", \"a string longer than twelve bytes\", null, \"thirteen byte\"]");
}

TEST(BuilderTest, ViewsStartANewDataBufferWhenOneIsFull) {
  BinaryViewBuilder b(binary_view());
  const std::string k400(400 * 1024, 'a'), big(2 * 1024 * 1024, 'b');
  b.Append(k400);                  // buffer 0 @ 0
  b.Append(k400);                  // buffer 0 @ 400 KiB
  b.Append(k400);                  // would pass 1 MiB: buffer 1 @ 0
  b.Append(big);                   // larger than a buffer: its own, buffer 2 @ 0
  b.Append("tail of many bytes");  // buffer 3 @ 0
  auto a = Done(&b);
  ASSERT_EQ(a->buffers.size(), 6u);
  const int32_t expected[][2] = {{0, 0}, {0, 400 * 1024}, {1, 0}, {2, 0}, {3, 0}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(LoadValue<int32_t>(a->buffers[1]->data() + 16 * i, 2), expected[i][0]) << i;
    EXPECT_EQ(LoadValue<int32_t>(a->buffers[1]->data() + 16 * i, 3), expected[i][1]) << i;
  }
  EXPECT_EQ(a->buffers[2]->size(), 800 * 1024);
  EXPECT_EQ(a->buffers[4]->size(), 2 * 1024 * 1024);
  const std::string values[] = {k400, k400, k400, big, "tail of many bytes"};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(BinaryValue(*a, i) == values[i]) << i;
}

TEST(BuilderTest, FixedSizeBinary) {
  auto f = Make(fixed_size_binary(2));
  ASSERT_TRUE(As<FixedSizeBinaryBuilder>(f)->Append("ab").ok());
  Status st = As<FixedSizeBinaryBuilder>(f)->Append("abc");
  EXPECT_EQ(st.message(), "fixed_size_binary[2] value must have 2 bytes, got 3");
  f->AppendNull();
  ASSERT_TRUE(As<FixedSizeBinaryBuilder>(f)->Append(std::string("\0\xff", 2)).ok());
  auto a = Done(f.get());
  EXPECT_EQ(a->length, 3);
  EXPECT_EQ(a->buffers[1]->view(), std::string("ab\0\0\0\xff", 6));
  EXPECT_EQ(PrettyPrint(*a), "[6162, null, 00FF]");
}

// --- Decimals ---------------------------------------------------------------------

TEST(BuilderTest, DecimalsFromInt64) {
  for (const auto& type : {decimal(5, 2, 32), decimal(18, 2, 64), decimal128(10, 2), decimal256(40, 2)}) {
    auto d = Make(type);
    As<DecimalBuilder>(d)->Append(12345);
    As<DecimalBuilder>(d)->Append(-5);
    d->AppendNull();
    auto a = Done(d.get());
    EXPECT_EQ(PrettyPrint(*a), "[123.45, -0.05, null]") << type->ToString();
    // -5 sign-extended over the whole width.
    const int64_t width = type->bit_width() / 8;
    for (int64_t k = 0; k < width; ++k) {
      EXPECT_EQ(a->buffers[1]->data()[width + k], k == 0 ? 0xFB : 0xFF) << type->ToString() << " byte " << k;
    }
  }
}

TEST(BuilderTest, DecimalsFromWords) {
  DecimalBuilder d128(decimal128(38, 0));
  const uint64_t two_to_64[] = {0, 1};
  ASSERT_TRUE(d128.AppendWords(two_to_64).ok());
  const uint64_t minus_one[] = {~uint64_t{0}};  // one word, sign-extended
  ASSERT_TRUE(d128.AppendWords(minus_one).ok());
  EXPECT_EQ(Printed(&d128), "[18446744073709551616, -1]");

  DecimalBuilder d256(decimal256(76, 3));
  const uint64_t two_to_128[] = {0, 0, 1};
  ASSERT_TRUE(d256.AppendWords(two_to_128).ok());
  const uint64_t five_words_fit[] = {5, 0, 0, 0, 0};
  ASSERT_TRUE(d256.AppendWords(five_words_fit).ok());
  const uint64_t five_words_too_big[] = {5, 0, 0, 0, 1};
  EXPECT_EQ(d256.AppendWords(five_words_too_big).message(), "decimal value of 5 words does not fit decimal256(76, 3)");
  EXPECT_EQ(Printed(&d256), "[340282366920938463463374607431768211.456, 0.005]");

  DecimalBuilder d64(decimal(18, 2, 64));
  EXPECT_EQ(d64.AppendWords(two_to_64).message(), "decimal value of 2 words does not fit decimal64(18, 2)");
  const uint64_t minus_two[] = {~uint64_t{1}, ~uint64_t{0}};  // -2 in two words narrows
  ASSERT_TRUE(d64.AppendWords(minus_two).ok());
  EXPECT_EQ(Printed(&d64), "[-0.02]");
}

TEST(BuilderTest, DecimalsFromBigEndianBytes) {
  DecimalBuilder d(decimal128(10, 2));
  ASSERT_TRUE(d.AppendBigEndian("\x30\x39").ok());                        // 12345
  ASSERT_TRUE(d.AppendBigEndian("\xcf\xc7").ok());                        // -12345
  ASSERT_TRUE(d.AppendBigEndian("").ok());                                // 0
  ASSERT_TRUE(d.AppendBigEndian(std::string(16, '\xff') + "\x85").ok());  // -123 in 17 bytes
  EXPECT_EQ(d.AppendBigEndian("\x01" + std::string(16, '\0')).message(),
            "big-endian decimal value of 17 bytes does not fit decimal128(10, 2)");
  EXPECT_EQ(Printed(&d), "[123.45, -123.45, 0.00, -1.23]");

  DecimalBuilder d32(decimal(9, 0, 32));
  ASSERT_TRUE(d32.AppendBigEndian(std::string("\x80\x00\x00\x01", 4)).ok());
  EXPECT_EQ(Printed(&d32), "[-2147483647]");
}

TEST(BuilderTest, Decimal32RefusesAnInt64ThatDoesNotFit) {
  DecimalBuilder d(decimal(9, 2, 32));
  d.Append(1);
  d.Append(5000000000);
  EXPECT_EQ(FinishError(&d), "unscaled value 5000000000 does not fit decimal32(9, 2)");
  d.Append(7);
  EXPECT_EQ(Printed(&d), "[0.07]");
}

// --- Temporal types -----------------------------------------------------------------

TEST(BuilderTest, TemporalAndIntervals) {
  auto i64 = [](const TypePtr& type, std::vector<int64_t> values) {
    auto b = Make(type);
    for (int64_t v : values) As<PrimitiveBuilder<int64_t>>(b)->Append(v);
    return Printed(b.get());
  };
  auto i32 = [](const TypePtr& type, std::vector<int32_t> values) {
    auto b = Make(type);
    for (int32_t v : values) As<PrimitiveBuilder<int32_t>>(b)->Append(v);
    return Printed(b.get());
  };
  EXPECT_EQ(i32(date32(), {19737, -1}), "[2024-01-15, 1969-12-31]");
  EXPECT_EQ(i64(date64(), {1705276800000}), "[2024-01-15]");
  EXPECT_EQ(i32(time32(TimeUnit::kSecond), {3723}), "[01:02:03]");
  EXPECT_EQ(i32(time32(TimeUnit::kMilli), {3723004}), "[01:02:03.004]");
  EXPECT_EQ(i64(time64(TimeUnit::kMicro), {3723000001}), "[01:02:03.000001]");
  EXPECT_EQ(i64(time64(TimeUnit::kNano), {3723000000001}), "[01:02:03.000000001]");
  EXPECT_EQ(i64(timestamp(TimeUnit::kSecond), {1705314600}), "[2024-01-15 10:30:00]");
  EXPECT_EQ(i64(timestamp(TimeUnit::kMilli, "UTC"), {1705314600123}), "[2024-01-15 10:30:00.123Z]");
  EXPECT_EQ(i64(timestamp(TimeUnit::kMicro, "+05:30"), {1705314600123456}), "[2024-01-15 10:30:00.123456Z]");
  EXPECT_EQ(i64(timestamp(TimeUnit::kNano), {-1}), "[1969-12-31 23:59:59.999999999]");
  EXPECT_EQ(i64(duration(TimeUnit::kNano), {15}), "[15ns]");
  EXPECT_EQ(i64(duration(TimeUnit::kSecond), {-3}), "[-3s]");
  EXPECT_EQ(i32(interval_year_month(), {14}), "[14M]");

  auto dt = Make(interval_day_time());
  As<PrimitiveBuilder<DayTimeInterval>>(dt)->Append({4, 5});
  auto dta = Done(dt.get());
  EXPECT_EQ(Ints<int32_t>(dta->buffers[1], 2), (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(PrettyPrint(*dta), "[4d5ms]");

  auto mdn = Make(interval_month_day_nano());
  As<PrimitiveBuilder<MonthDayNanoInterval>>(mdn)->Append({1, -2, 3});
  mdn->AppendNull();
  auto mdna = Done(mdn.get());
  EXPECT_EQ(Ints<int32_t>(mdna->buffers[1], 2), (std::vector<int32_t>{1, -2}));
  EXPECT_EQ(LoadValue<int64_t>(mdna->buffers[1]->data(), 1), 3);
  EXPECT_EQ(PrettyPrint(*mdna), "[1M-2d3ns, null]");
}

// --- Nested layouts ------------------------------------------------------------------

TEST(BuilderTest, ListsOffsetsAndViews) {
  for (const auto& type : {list(int32()), large_list(field("item", int32())), list_view(field("item", int32())),
                           large_list_view(field("item", int32()))}) {
    auto b = Make(type);
    auto* v = dynamic_cast<PrimitiveBuilder<int32_t>*>(b->child(0));
    ASSERT_NE(v, nullptr);
    auto open = [&] {
      switch (type->id()) {
        case TypeId::kList: As<ListBuilder>(b)->Append(); break;
        case TypeId::kLargeList: As<LargeListBuilder>(b)->Append(); break;
        case TypeId::kListView: As<ListViewBuilder>(b)->Append(); break;
        default: As<LargeListViewBuilder>(b)->Append(); break;
      }
    };
    open();
    v->Append(1);
    v->Append(2);
    b->AppendNull();
    open();
    open();
    v->Append(3);
    b->AppendNulls(2);
    auto a = Done(b.get());
    EXPECT_EQ(PrettyPrint(*a), "[[1, 2], null, [], [3], null, null]") << type->ToString();
    EXPECT_EQ(Bits(a->buffers[0], 6), "101100");
    switch (type->id()) {
      case TypeId::kList:
        EXPECT_EQ(Ints<int32_t>(a->buffers[1], 7), (std::vector<int32_t>{0, 2, 2, 2, 3, 3, 3}));
        break;
      case TypeId::kLargeList:
        EXPECT_EQ(Ints<int64_t>(a->buffers[1], 7), (std::vector<int64_t>{0, 2, 2, 2, 3, 3, 3}));
        break;
      case TypeId::kListView:
        EXPECT_EQ(Ints<int32_t>(a->buffers[1], 6), (std::vector<int32_t>{0, 0, 2, 2, 0, 0}));
        EXPECT_EQ(Ints<int32_t>(a->buffers[2], 6), (std::vector<int32_t>{2, 0, 0, 1, 0, 0}));
        break;
      default:
        EXPECT_EQ(Ints<int64_t>(a->buffers[1], 6), (std::vector<int64_t>{0, 0, 2, 2, 0, 0}));
        EXPECT_EQ(Ints<int64_t>(a->buffers[2], 6), (std::vector<int64_t>{2, 0, 0, 1, 0, 0}));
    }
  }
}

TEST(BuilderTest, FixedSizeList) {
  auto b = Make(fixed_size_list(field("item", int16()), 2));
  auto* fsl = As<FixedSizeListBuilder>(b);
  auto* v = static_cast<PrimitiveBuilder<int16_t>*>(fsl->value_builder());
  fsl->Append();
  v->Append(1);
  v->Append(2);
  fsl->AppendNull();
  fsl->Append();
  v->Append(3);
  v->AppendNull();
  fsl->AppendNulls(1);
  auto a = Done(b.get());
  EXPECT_EQ(PrettyPrint(*a), "[[1, 2], null, [3, null], null]");
  EXPECT_EQ(Bits(a->buffers[0], 4), "1010");
  EXPECT_EQ(a->children[0]->length, 8);
  EXPECT_EQ(Bits(a->children[0]->buffers[0], 8), "11001000");

  fsl->Append();
  v->Append(1);
  EXPECT_EQ(FinishError(b.get()),
            "fixed_size_list<item: int16>[2] builder: child 'item' has 1 values for 2 list values");
  EXPECT_EQ(v->length(), 0) << "children are reset too";
}

TEST(BuilderTest, StructAppendsNullsToItsFields) {
  auto b = Make(struct_({field("a", int32()), field("b", utf8())}));
  auto* s = As<StructBuilder>(b);
  s->Append();
  static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(1);
  static_cast<BinaryBuilder*>(s->field_builder(1))->Append("x");
  s->AppendNull();
  s->Append();
  s->field_builder(0)->AppendNull();
  static_cast<BinaryBuilder*>(s->field_builder(1))->Append("y");
  s->AppendNulls(2);
  EXPECT_EQ(s->num_fields(), 2);
  auto a = Done(b.get());
  EXPECT_EQ(PrettyPrint(*a), "[{a: 1, b: \"x\"}, null, {a: null, b: \"y\"}, null, null]");
  EXPECT_EQ(Bits(a->buffers[0], 5), "10100");
  EXPECT_EQ(a->children[0]->length, 5);
  EXPECT_EQ(a->children[1]->length, 5);

  s->Append();
  static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(1);
  EXPECT_EQ(FinishError(b.get()), "struct<a: int32, b: utf8> builder: child 'b' has 0 values for 1 rows");
}

TEST(BuilderTest, MapEntriesKeysAndItems) {
  auto b = Make(map(utf8(), int64()));
  auto* m = As<MapBuilder>(b);
  auto* keys = static_cast<BinaryBuilder*>(m->key_builder());
  auto* items = static_cast<PrimitiveBuilder<int64_t>*>(m->item_builder());
  m->Append();
  m->entries_builder()->Append();
  keys->Append("k");
  items->Append(9);
  m->entries_builder()->Append();
  keys->Append("j");
  items->AppendNull();
  m->AppendNull();
  m->Append();
  auto a = Done(b.get());
  EXPECT_EQ(PrettyPrint(*a), "[{\"k\": 9, \"j\": null}, null, {}]");
  EXPECT_EQ(Ints<int32_t>(a->buffers[1], 4), (std::vector<int32_t>{0, 2, 2, 2}));
  EXPECT_EQ(a->children[0]->buffers[0], nullptr) << "entries are never null";
}

TEST(BuilderTest, UnionsTypeIdsOffsetsAndChildren) {
  const std::vector<FieldPtr> fields{field("i", int32()), field("s", utf8())};
  for (const auto& type : {sparse_union(fields, {5, 7}), dense_union(fields, {5, 7})}) {
    const bool dense = type->id() == TypeId::kDenseUnion;
    auto b = Make(type);
    auto* u = As<UnionBuilder>(b);
    ASSERT_TRUE(u->Append(5).ok());
    static_cast<PrimitiveBuilder<int32_t>*>(u->child_builder(5))->Append(42);
    ASSERT_TRUE(u->Append(7).ok());
    static_cast<BinaryBuilder*>(u->child_builder(7))->Append("hi");
    u->AppendNull();
    EXPECT_EQ(u->child_builder(3), nullptr);
    EXPECT_EQ(u->Append(3).message(), "type code 3 is not in " + type->ToString());
    EXPECT_EQ(u->Append(-1).message(), "type code -1 is not in " + type->ToString());
    auto a = Done(b.get());
    EXPECT_EQ(PrettyPrint(*a), "[42, \"hi\", null]") << type->ToString();
    EXPECT_EQ(Ints<int8_t>(a->buffers[0], 3), (std::vector<int8_t>{5, 7, 5}));
    EXPECT_EQ(a->null_count(), 0);
    if (dense) {
      ASSERT_EQ(a->buffers.size(), 2u);
      EXPECT_EQ(Ints<int32_t>(a->buffers[1], 3), (std::vector<int32_t>{0, 0, 1}));
      EXPECT_EQ(a->children[0]->length, 2);
      EXPECT_EQ(a->children[1]->length, 1);
    } else {
      ASSERT_EQ(a->buffers.size(), 1u);
      EXPECT_EQ(a->children[0]->length, 3);
      EXPECT_EQ(PrettyPrint(*a->children[1]), "[null, \"hi\", null]");
    }
    ASSERT_TRUE(u->Append(5).ok());  // and no value
    EXPECT_EQ(FinishError(b.get()),
              type->ToString() + " builder: child 'i' has 0 values for 1 " + (dense ? "slots that chose it" : "slots"));
  }
}

TEST(BuilderTest, DeeplyNestedTree) {
  auto type =
      list(struct_({field("m", map(utf8(), list(int64()))), field("u", dense_union({field("x", utf8_view())}, {1}))}));
  auto b = Make(type);
  auto* l = As<ListBuilder>(b);
  auto* s = static_cast<StructBuilder*>(l->value_builder());
  auto* m = static_cast<MapBuilder*>(s->field_builder(0));
  auto* u = static_cast<UnionBuilder*>(s->field_builder(1));
  auto* ml = static_cast<ListBuilder*>(m->item_builder());
  l->Append();
  s->Append();
  m->Append();
  m->entries_builder()->Append();
  ASSERT_TRUE(AppendBytes(m->key_builder(), "k").ok());
  ml->Append();
  static_cast<PrimitiveBuilder<int64_t>*>(ml->value_builder())->Append(7);
  ASSERT_TRUE(u->Append(1).ok());
  static_cast<BinaryViewBuilder*>(u->child_builder(1))->Append("view value, not inline");
  s->AppendNull();
  l->AppendNull();
  auto a = Done(b.get());
  EXPECT_EQ(PrettyPrint(*a), "[[{m: {\"k\": [7]}, u: \"view value, not inline\"}, null], null]");
}

// --- Dictionaries ----------------------------------------------------------------

TEST(BuilderTest, DictionaryMemoizesValues) {
  auto b = Make(dictionary(int8(), utf8()));
  auto* d = As<DictionaryBuilder>(b);
  for (const char* v : {"red", "green", "red", "red"}) ASSERT_TRUE(d->Append(v).ok());
  d->AppendNull();
  EXPECT_EQ(d->dictionary_length(), 2);
  auto a = Done(b.get());
  EXPECT_EQ(Ints<int8_t>(a->buffers[1], 5), (std::vector<int8_t>{0, 1, 0, 0, 0}));
  EXPECT_EQ(Bits(a->buffers[0], 5), "11110");
  EXPECT_EQ(PrettyPrint(*a->dictionary), "[\"red\", \"green\"]");
  EXPECT_EQ(a->dictionary->buffers[0], nullptr);
  EXPECT_EQ(PrettyPrint(*a), "[\"red\", \"green\", \"red\", \"red\", null]");
  // Finish starts a new dictionary.
  ASSERT_TRUE(d->Append("blue").ok());
  auto next = Done(b.get());
  EXPECT_EQ(PrettyPrint(*next->dictionary), "[\"blue\"]");
}

TEST(BuilderTest, DictionaryOfEveryMemoizedValueType) {
  {
    auto b = Make(dictionary(int32(), int64()));
    auto* d = As<DictionaryBuilder>(b);
    for (int64_t v : {10, 10, 20, -5, 20}) ASSERT_TRUE(d->AppendValue<int64_t>(v).ok());
    EXPECT_EQ(d->AppendValue<int32_t>(1).message(), "dictionary value of int64 must have 8 bytes, got 4");
    auto a = Done(b.get());
    EXPECT_EQ(Ints<int32_t>(a->buffers[1], 5), (std::vector<int32_t>{0, 0, 1, 2, 1}));
    EXPECT_EQ(Ints<int64_t>(a->dictionary->buffers[1], 3), (std::vector<int64_t>{10, 20, -5}));
    EXPECT_EQ(PrettyPrint(*a), "[10, 10, 20, -5, 20]");
  }
  struct Case {
    TypePtr values;
    std::vector<std::string> input;
    std::string printed;
  };
  const std::string d1(16, '\0'), d2 = std::string("\x01") + std::string(15, '\0');
  const double x = 1.5, y = -0.25;
  const std::string fx(reinterpret_cast<const char*>(&x), 8), fy(reinterpret_cast<const char*>(&y), 8);
  const std::vector<Case> cases{
      {large_utf8(), {"a", "bb", "a"}, "[\"a\", \"bb\", \"a\"]"},
      {binary(), {"\x01", "", "\x01"}, "[01, , 01]"},
      {binary_view(),
       {"a long value past twelve", "s", "a long value past twelve"},
       "[61206C6F6E672076616C75652070617374207477656C7665, 73, 61206C6F6E672076616C75652070617374207477656C7665]"},
      {utf8_view(), {"x", "y", "x"}, "[\"x\", \"y\", \"x\"]"},
      {fixed_size_binary(2), {"ab", "cd", "cd"}, "[6162, 6364, 6364]"},
      {decimal128(5, 1), {d2, d1, d2}, "[0.1, 0.0, 0.1]"},
      {float64(), {fy, fx, fy}, "[-0.25, 1.5, -0.25]"},
  };
  for (const auto& c : cases) {
    auto b = Make(dictionary(uint16(), c.values));
    for (const auto& v : c.input) ASSERT_TRUE(As<DictionaryBuilder>(b)->Append(v).ok()) << c.values->ToString();
    auto a = Done(b.get());
    EXPECT_EQ(a->dictionary->length, 2) << c.values->ToString();
    EXPECT_EQ(PrettyPrint(*a), c.printed) << c.values->ToString();
  }
}

TEST(BuilderTest, DictionaryIndicesAndPresetValues) {
  DictionaryBuilder d(dictionary(int8(), utf8()));
  ASSERT_TRUE(d.InsertMemoValues(*Strings({"CLUBS", "DIAMONDS", "HEARTS"})).ok());  // an Avro enum's symbols
  EXPECT_EQ(d.dictionary_length(), 3);
  ASSERT_TRUE(d.AppendIndex(2).ok());
  ASSERT_TRUE(d.AppendIndex(0).ok());
  EXPECT_EQ(d.AppendIndex(3).message(), "dictionary index 3 is out of range: the dictionary has 3 values");
  EXPECT_EQ(d.AppendIndex(-1).message(), "dictionary index -1 is out of range: the dictionary has 3 values");
  ASSERT_TRUE(d.Append("DIAMONDS").ok());
  ASSERT_TRUE(d.Append("SPADES").ok());
  EXPECT_EQ(d.InsertMemoValues(*Strings({"X", "X"})).message(),
            "dictionary value 1 is already in the dictionary (at index 4)");
  EXPECT_EQ(d.InsertMemoValues(*Strings({"Y", std::nullopt})).message(), "dictionary value 1 is null");
  EXPECT_EQ(d.InsertMemoValues(*testing::Column<int32_t>(int32(), {1})).message(),
            "dictionary values of type int32 for dictionary<values=utf8, indices=int8>");
  auto a = Done(&d);
  EXPECT_EQ(Ints<int8_t>(a->buffers[1], 4), (std::vector<int8_t>{2, 0, 1, 3}));
  EXPECT_EQ(PrettyPrint(*a), "[\"HEARTS\", \"CLUBS\", \"DIAMONDS\", \"SPADES\"]");
  EXPECT_EQ(PrettyPrint(*a->dictionary), "[\"CLUBS\", \"DIAMONDS\", \"HEARTS\", \"SPADES\", \"X\", \"Y\"]");

  // Sliced preset values.
  ASSERT_TRUE(d.InsertMemoValues(*Strings({"skip", "b", "c"})->Slice(1, 2)).ok());
  ASSERT_TRUE(d.AppendIndex(1).ok());
  EXPECT_EQ(Printed(&d), "[\"c\"]");
}

TEST(BuilderTest, DictionaryRefusesToOverflowItsIndexType) {
  auto b = Make(dictionary(int8(), utf8()));
  auto* d = As<DictionaryBuilder>(b);
  for (int i = 0; i < 128; ++i) ASSERT_TRUE(d->Append(std::to_string(i)).ok());
  Status st = d->Append("one too many");
  EXPECT_EQ(st.message(), "dictionary outgrew its index type int8");
  ASSERT_TRUE(d->Append("127").ok()) << "known values still append";
  EXPECT_EQ(d->dictionary_length(), 128);
  EXPECT_EQ(Done(b.get())->length, 129);

  DictionaryBuilder u8(dictionary(uint8(), int32()));
  for (int32_t i = 0; i < 256; ++i) ASSERT_TRUE(u8.AppendValue(i).ok());
  EXPECT_EQ(u8.AppendValue<int32_t>(256).message(), "dictionary outgrew its index type uint8");
}

TEST(BuilderTest, DictionaryOfValuesItCannotMemoize) {
  auto b = Make(dictionary(int32(), list(int32())));
  auto* d = As<DictionaryBuilder>(b);
  EXPECT_EQ(d->Append("x").message(), "dictionary builder cannot memoize values of list<item: int32>");
  EXPECT_EQ(d->AppendValue(true).code(), StatusCode::kUnimplemented);
  d->AppendNulls(2);
  auto a = Done(b.get());
  EXPECT_EQ(a->dictionary->length, 0);
  EXPECT_EQ(PrettyPrint(*a), "[null, null]");
}

// --- Run-end encoded ---------------------------------------------------------------

TEST(BuilderTest, RunEndEncodedExtendsRunsOfEqualValues) {
  auto b = Make(run_end_encoded(int32(), utf8()));
  auto* r = As<RunEndEncodedBuilder>(b);
  ASSERT_TRUE(r->Append("a").ok());
  ASSERT_TRUE(r->Append("a", 2).ok());
  r->AppendNull();
  r->AppendNulls(2);
  ASSERT_TRUE(r->Append("b").ok());
  ASSERT_TRUE(r->Append("a").ok());
  EXPECT_EQ(r->num_runs(), 4);
  EXPECT_EQ(r->length(), 8);
  auto a = Done(b.get());
  EXPECT_EQ(a->length, 8);
  EXPECT_TRUE(a->buffers.empty());
  EXPECT_EQ(Ints<int32_t>(a->children[0]->buffers[1], 4), (std::vector<int32_t>{3, 6, 7, 8}));
  EXPECT_EQ(PrettyPrint(*a->children[1]), "[\"a\", null, \"b\", \"a\"]");
  EXPECT_EQ(PrettyPrint(*a), "[\"a\", \"a\", \"a\", null, null, null, \"b\", \"a\"]");
  EXPECT_EQ(r->Append("x", 0).message(), "a run has at least one value, got 0");
}

TEST(BuilderTest, RunEndEncodedRefusesToOverflowItsRunEnds) {
  RunEndEncodedBuilder r(run_end_encoded(int16(), int32()), std::make_unique<PrimitiveBuilder<int32_t>>(int32()));
  ASSERT_TRUE(r.AppendValue<int32_t>(7, 32767).ok());
  EXPECT_EQ(r.AppendValue<int32_t>(7).message(), "run ends outgrew int16 at 32767 + 1 values");
  EXPECT_EQ(r.AppendValue<int32_t>(8).message(), "run ends outgrew int16 at 32767 + 1 values");
  EXPECT_EQ(r.AppendValue<int64_t>(8).message(), "run ends outgrew int16 at 32767 + 1 values");
  auto a = Done(&r);
  EXPECT_EQ(a->length, 32767);
  EXPECT_EQ(a->children[1]->length, 1);

  ASSERT_TRUE(r.AppendValue<int32_t>(1, 32767).ok());
  r.AppendNull();
  EXPECT_EQ(FinishError(&r), "run ends outgrew int16 at 32767 + 1 values");
  EXPECT_EQ(r.AppendValue<int64_t>(8).message(), "int32 value must have 4 bytes, got 8");
}

TEST(BuilderTest, RunEndEncodedOfNestedValuesTakesRunsFromTheCaller) {
  auto b = Make(run_end_encoded(int64(), list(int32())));
  auto* r = As<RunEndEncodedBuilder>(b);
  auto* l = static_cast<ListBuilder*>(r->value_builder());
  auto* v = static_cast<PrimitiveBuilder<int32_t>*>(l->value_builder());
  EXPECT_EQ(r->ExtendRun(1).message(), "no run to extend");
  l->Append();
  v->Append(1);
  v->Append(2);
  ASSERT_TRUE(r->AppendRun(2).ok());
  ASSERT_TRUE(r->ExtendRun(1).ok());
  EXPECT_EQ(r->AppendRun(1).message(),
            "append exactly the run's value to value_builder() before AppendRun (it has 1 values for 2 runs)");
  EXPECT_EQ(r->Append("bytes").message(), "cannot append a value of list<item: int32> as bytes");
  r->AppendNull();
  auto a = Done(b.get());
  EXPECT_EQ(PrettyPrint(*a), "[[1, 2], [1, 2], [1, 2], null]");
  EXPECT_EQ(Ints<int64_t>(a->children[0]->buffers[1], 2), (std::vector<int64_t>{3, 4}));
}

TEST(BuilderTest, RunEndEncodedBoolAndFloatValues) {
  auto b = Make(run_end_encoded(int32(), boolean()));
  auto* r = As<RunEndEncodedBuilder>(b);
  ASSERT_TRUE(r->AppendValue(true).ok());
  ASSERT_TRUE(r->AppendValue(true).ok());
  ASSERT_TRUE(r->AppendValue(false).ok());
  EXPECT_EQ(Printed(b.get()), "[true, true, false]");

  RunEndEncodedBuilder f(run_end_encoded(int32(), float64()), std::make_unique<PrimitiveBuilder<double>>(float64()));
  ASSERT_TRUE(f.AppendValue(0.5).ok());
  ASSERT_TRUE(f.AppendValue(0.5, 3).ok());
  ASSERT_TRUE(f.AppendValue(-0.5).ok());
  EXPECT_EQ(f.num_runs(), 2);
  EXPECT_EQ(Printed(&f), "[0.5, 0.5, 0.5, 0.5, -0.5]");
}

// --- The factory and generic appends --------------------------------------------------

TEST(BuilderTest, MakeBuilderReturnsTheDocumentedClass) {
  auto is = [](const TypePtr& t, auto* probe) {
    auto b = Make(t);
    return dynamic_cast<decltype(probe)>(b.get()) != nullptr;
  };
  EXPECT_TRUE(is(null(), static_cast<NullBuilder*>(nullptr)));
  EXPECT_TRUE(is(boolean(), static_cast<BooleanBuilder*>(nullptr)));
  EXPECT_TRUE(is(uint16(), static_cast<PrimitiveBuilder<uint16_t>*>(nullptr)));
  EXPECT_TRUE(is(float16(), static_cast<HalfFloatBuilder*>(nullptr)));
  EXPECT_TRUE(is(date32(), static_cast<PrimitiveBuilder<int32_t>*>(nullptr)));
  EXPECT_TRUE(is(time32(TimeUnit::kMilli), static_cast<PrimitiveBuilder<int32_t>*>(nullptr)));
  EXPECT_TRUE(is(interval_year_month(), static_cast<PrimitiveBuilder<int32_t>*>(nullptr)));
  EXPECT_TRUE(is(date64(), static_cast<PrimitiveBuilder<int64_t>*>(nullptr)));
  EXPECT_TRUE(is(timestamp(TimeUnit::kNano, "UTC"), static_cast<PrimitiveBuilder<int64_t>*>(nullptr)));
  EXPECT_TRUE(is(duration(TimeUnit::kMicro), static_cast<PrimitiveBuilder<int64_t>*>(nullptr)));
  EXPECT_TRUE(is(interval_day_time(), static_cast<PrimitiveBuilder<DayTimeInterval>*>(nullptr)));
  EXPECT_TRUE(is(interval_month_day_nano(), static_cast<PrimitiveBuilder<MonthDayNanoInterval>*>(nullptr)));
  EXPECT_TRUE(is(binary(), static_cast<BinaryBuilder*>(nullptr)));
  EXPECT_TRUE(is(large_utf8(), static_cast<LargeBinaryBuilder*>(nullptr)));
  EXPECT_TRUE(is(binary_view(), static_cast<BinaryViewBuilder*>(nullptr)));
  EXPECT_TRUE(is(fixed_size_binary(4), static_cast<FixedSizeBinaryBuilder*>(nullptr)));
  EXPECT_TRUE(is(decimal256(40, 1), static_cast<DecimalBuilder*>(nullptr)));
  EXPECT_TRUE(is(map(utf8(), utf8()), static_cast<MapBuilder*>(nullptr)));
  EXPECT_TRUE(is(map(utf8(), utf8()), static_cast<ListBuilder*>(nullptr)));
  EXPECT_TRUE(is(large_list_view(field("x", int8())), static_cast<LargeListViewBuilder*>(nullptr)));
  EXPECT_TRUE(is(dense_union({field("a", int8())}), static_cast<UnionBuilder*>(nullptr)));
  EXPECT_TRUE(is(run_end_encoded(int16(), utf8()), static_cast<RunEndEncodedBuilder*>(nullptr)));
}

TEST(BuilderTest, MakeBuilderRefusesInvalidTypes) {
  EXPECT_EQ(MakeBuilder(nullptr).status().message(), "cannot make a builder without a type");
  auto bad_map = map(field("entries", struct_({field("key", utf8())}), false));
  EXPECT_EQ(MakeBuilder(bad_map).status().message(), "map entries must be a struct with two fields (key, value)");
  auto bad_union = sparse_union({field("a", int8()), field("b", int8())}, {1, 1});
  EXPECT_EQ(MakeBuilder(list(bad_union)).status().message(), "union type codes are not unique");
}

TEST(BuilderTest, AppendBytesCoversEveryFlatType) {
  auto b = Make(int32());
  const int32_t v = -7;
  ASSERT_TRUE(AppendBytes(b.get(), std::string_view(reinterpret_cast<const char*>(&v), 4)).ok());
  EXPECT_EQ(AppendBytes(b.get(), "abc").message(), "int32 value must have 4 bytes, got 3");
  EXPECT_EQ(Printed(b.get()), "[-7]");

  auto bools = Make(boolean());
  ASSERT_TRUE(AppendBytes(bools.get(), std::string(1, '\0')).ok());
  ASSERT_TRUE(AppendBytes(bools.get(), "\x02").ok());
  EXPECT_EQ(AppendBytes(bools.get(), "ab").message(), "bool value must have 1 byte, got 2");
  EXPECT_EQ(Printed(bools.get()), "[false, true]");

  PrimitiveBuilder<int32_t> mismatched(utf8());
  EXPECT_EQ(AppendBytes(&mismatched, "x").message(), "builder does not match its type utf8");
  EXPECT_EQ(AppendBytes(Make(null()).get(), "").code(), StatusCode::kUnimplemented);
}

TEST(BuilderTest, EveryTypeBuildsNullsAndValues) {
  for (const auto& t : testing::EveryType()) {
    auto b = Make(t);
    ASSERT_NE(b, nullptr) << t->ToString();
    b->Reserve(16);
    b->AppendNulls(3);
    auto nulls = Done(b.get());
    ASSERT_NE(nulls, nullptr) << t->ToString();
    EXPECT_EQ(nulls->length, 3) << t->ToString();
    EXPECT_EQ(PrettyPrint(*nulls), "[null, null, null]") << t->ToString();

    // The same appends twice through one builder give equal arrays.
    for (int64_t i = 0; i < 40; ++i) ASSERT_TRUE(testing::AppendSample(b.get(), *t, i, 3)) << t->ToString();
    auto first = Done(b.get());
    for (int64_t i = 0; i < 40; ++i) ASSERT_TRUE(testing::AppendSample(b.get(), *t, i, 3)) << t->ToString();
    auto second = Done(b.get());
    ASSERT_NE(first, nullptr) << t->ToString();
    EXPECT_EQ(first->length, 40) << t->ToString();
    EXPECT_EQ(ArrayDiff(*first, *second), "") << t->ToString();
  }
}

}  // namespace
}  // namespace hangar::arrow
