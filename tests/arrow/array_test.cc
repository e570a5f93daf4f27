// Slicing, null counts, equality with first-difference messages,
// concatenation and printing, on arrays built by hand and by builders.
#include <gtest/gtest.h>

#include <cmath>

#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/concatenate.h"
#include "arrow/pretty_print.h"
#include "arrow/validate.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::Strings;

ArrayPtr IntList(const std::vector<std::optional<std::vector<int32_t>>>& rows) {
  auto b = MakeBuilder(list(int32())).ValueOr(nullptr);
  auto* l = static_cast<ListBuilder*>(b.get());
  auto* v = static_cast<PrimitiveBuilder<int32_t>*>(l->value_builder());
  for (const auto& r : rows) {
    if (!r) {
      l->AppendNull();
      continue;
    }
    l->Append();
    for (int32_t x : *r) v->Append(x);
  }
  return b->Finish().ValueOr(nullptr);
}

TEST(ArrayTest, SlicesShareBuffersAndCountTheirOwnNulls) {
  auto a = Column<int32_t>(int32(), {1, 2, 3, 4, 5}, {true, false, true, false, true});
  auto s = a->Slice(1, 3);
  EXPECT_EQ(s->buffers[1], a->buffers[1]);  // zero-copy
  EXPECT_EQ(s->null_count(), 2);
  EXPECT_EQ(PrettyPrint(*s), "[null, 3, null]");
  EXPECT_TRUE(ValidateArray(*s).ok());
  EXPECT_EQ(MakeNullArray(utf8(), 3)->null_count(), 3);
  EXPECT_EQ(PrettyPrint(*MakeNullArray(struct_({field("a", int32())}), 2)), "[null, null]");
}

TEST(ArrayTest, DiffNamesTheFirstDifference) {
  auto a = Strings({"x", "y", std::nullopt});
  auto b = Strings({"x", "z", std::nullopt});
  EXPECT_EQ(ArrayDiff(*a, *b), "row 1: \"y\" vs \"z\"");
  EXPECT_EQ(ArrayDiff(*a, *a->Slice(0, 2)), "length: 3 vs 2");
  EXPECT_EQ(ArrayDiff(*a, *Column<int32_t>(int32(), {1, 2, 3})), "type: utf8 vs int32");
  // Values under nulls do not matter.
  auto c = Column<int32_t>(int32(), {1, 7}, {true, false});
  auto d = Column<int32_t>(int32(), {1, 9}, {true, false});
  EXPECT_TRUE(ArrayEquals(*c, *d));
  auto sch = schema({field("s", utf8())});
  EXPECT_EQ(BatchDiff(*MakeRecordBatch(sch, 3, {a}), *MakeRecordBatch(sch, 3, {b})),
            "column 0 's' row 1: \"y\" vs \"z\"");
}

TEST(ArrayTest, NaNsCompareEqualUnlessAskedOtherwise) {
  auto a = Column<double>(float64(), {std::nan(""), 1.0});
  EXPECT_TRUE(ArrayEquals(*a, *a));
  EqualOptions strict;
  strict.nans_equal = false;
  EXPECT_FALSE(ArrayEquals(*a, *a, strict));
}

TEST(ArrayTest, ConcatenateHonoursSlices) {
  auto a = Strings({"a", "bb", std::nullopt, "ddd"})->Slice(1, 3);
  auto b = Strings({"e", std::nullopt});
  auto c = Concatenate({a, b});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(PrettyPrint(**c), "[\"bb\", null, \"ddd\", \"e\", null]");
  EXPECT_EQ((*c)->offset, 0);
  EXPECT_TRUE(ValidateArray(**c).ok());

  auto l = Concatenate({IntList({{{1, 2}}, std::nullopt, {{3}}})->Slice(1, 2), IntList({{{}}, {{4, 5}}})});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(PrettyPrint(**l), "[null, [3], [], [4, 5]]");
  EXPECT_TRUE(ValidateArray(**l).ok());

  auto bits = Concatenate({Column<uint8_t>(uint8(), {1, 2, 3})->Slice(2, 1), Column<uint8_t>(uint8(), {9})});
  ASSERT_TRUE(bits.ok());
  EXPECT_EQ(PrettyPrint(**bits), "[3, 9]");
}

TEST(ArrayTest, ConcatenateRefusesMixedTypes) {
  auto r = Concatenate({Strings({"a"}), Column<int32_t>(int32(), {1})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "cannot concatenate arrays of different types: utf8 and int32");
}

TEST(ArrayTest, PrettyPrintElidesLongArraysAndFormatsValues) {
  std::vector<int64_t> v(30);
  for (int i = 0; i < 30; ++i) v[i] = i;
  EXPECT_EQ(PrettyPrint(*Column<int64_t>(int64(), v), {2}), "[0, 1, ..., 28, 29]");
  uint8_t bytes[16] = {};
  bytes[0] = 0x85;  // -123 as int128 (two's complement)
  for (int i = 1; i < 16; ++i) bytes[i] = 0xFF;
  EXPECT_EQ(FormatDecimal(bytes, 16, 2), "-1.23");
  EXPECT_EQ(FormatDecimal(bytes, 16, -2), "-12300");
  EXPECT_EQ(FormatDecimal(bytes, 16, 2000000000), "-123e-2000000000");
  EXPECT_EQ(PrettyPrint(*Column<int64_t>(timestamp(TimeUnit::kSecond), {-1})), "[1969-12-31 23:59:59]");
}

}  // namespace
}  // namespace hangar::arrow
