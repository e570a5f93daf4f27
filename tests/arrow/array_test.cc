// Arrays as plain data: slicing (zero-copy, offsets accumulate), null counts,
// MakeNullArray for every type, binary access and record batch slices.
#include <gtest/gtest.h>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/pretty_print.h"
#include "arrow/validate.h"
#include "sample_arrays.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::Strings;

TEST(ArrayTest, SlicesShareBuffersAndCountTheirOwnNulls) {
  auto a = Column<int32_t>(int32(), {1, 2, 3, 4, 5}, {true, false, true, false, true});
  EXPECT_EQ(a->null_count(), 2);
  auto s = a->Slice(1, 3);
  EXPECT_EQ(s->buffers[1], a->buffers[1]);  // zero-copy
  EXPECT_EQ(s->buffers[0], a->buffers[0]);
  EXPECT_EQ(s->offset, 1);
  EXPECT_EQ(s->length, 3);
  EXPECT_EQ(s->null_count(), 2);
  EXPECT_EQ(a->Slice(2, 1)->null_count(), 0);
  EXPECT_EQ(PrettyPrint(*s), "[null, 3, null]");
  EXPECT_TRUE(ValidateArray(*s).ok());
  EXPECT_TRUE(s->IsNull(0));
  EXPECT_TRUE(s->IsValid(1));
  EXPECT_EQ(s->values<int32_t>()[1], 3);
}

TEST(ArrayTest, SlicesOfSlicesAccumulateOffsets) {
  auto a = Strings({"a", "bb", std::nullopt, "dddd", "e", "ff"});
  auto s = a->Slice(1, 4)->Slice(2, 2);
  EXPECT_EQ(s->offset, 3);
  EXPECT_EQ(s->length, 2);
  EXPECT_EQ(s->GetBinary(0), "dddd");
  EXPECT_EQ(s->GetBinary(1), "e");
  EXPECT_EQ(s->null_count(), 0);
  EXPECT_EQ(PrettyPrint(*a->Slice(1, 4)->Slice(1, 1)), "[null]");
  EXPECT_EQ(a->Slice(6, 0)->length, 0);
  EXPECT_EQ(PrettyPrint(*a->Slice(6, 0)), "[]");
}

TEST(ArrayTest, NullCountHints) {
  // A known count is kept; a slice of an array without nulls has none; other
  // slices count again.
  auto no_nulls = Column<int8_t>(int8(), {1, 2, 3});
  EXPECT_EQ(no_nulls->null_count_hint, 0);
  EXPECT_EQ(no_nulls->Slice(1, 2)->null_count_hint, 0);
  auto some = Column<int8_t>(int8(), {1, 2, 3}, {false, true, true});
  EXPECT_EQ(some->Slice(1, 2)->null_count_hint, -1);
  EXPECT_EQ(some->Slice(1, 2)->null_count(), 0);
  EXPECT_EQ(some->Slice(0, 2)->null_count(), 1);
  auto unknown = MakeArray(int8(), 3, some->buffers);
  EXPECT_EQ(unknown->null_count_hint, -1);
  EXPECT_EQ(unknown->null_count(), 1);
  // The null type: every slot is null, whatever the slice.
  auto nulls = MakeNullArray(null(), 5);
  EXPECT_EQ(nulls->null_count(), 5);
  EXPECT_EQ(nulls->Slice(1, 3)->null_count(), 3);
  EXPECT_TRUE(nulls->IsNull(0));
}

TEST(ArrayTest, NullCountOfLongBitmapsAtOddOffsets) {
  std::vector<int32_t> values(1000);
  std::vector<bool> valid(1000);
  int64_t nulls_in_slice = 0;
  for (int i = 0; i < 1000; ++i) {
    valid[i] = (i * 7) % 3 != 0;
    if (i >= 13 && i < 13 + 900 && !valid[i]) ++nulls_in_slice;
  }
  auto a = Column<int32_t>(int32(), values, valid);
  EXPECT_EQ(a->Slice(13, 900)->null_count(), nulls_in_slice);
}

TEST(ArrayTest, MakeNullArrayOfEveryType) {
  for (const auto& t : testing::EveryType()) {
    for (int64_t n : {0, 1, 9}) {
      auto a = MakeNullArray(t, n);
      ASSERT_NE(a, nullptr) << t->ToString();
      EXPECT_EQ(a->length, n) << t->ToString();
      EXPECT_EQ(a->offset, 0);
      Status valid = ValidateArray(*a);
      EXPECT_TRUE(valid.ok()) << t->ToString() << ": " << valid.ToString();
      // Unions and run-end encoded arrays have no bitmap of their own: their
      // slots are null through the values they select.
      const int64_t expected_nulls = t->has_validity_bitmap() || t->id() == TypeId::kNull ? n : 0;
      EXPECT_EQ(a->null_count(), expected_nulls) << t->ToString();
      for (int64_t i = 0; i < n; ++i) EXPECT_FALSE(IsLogicallyValid(*a, i)) << t->ToString();
      std::string expected = "[";
      for (int64_t i = 0; i < n; ++i) expected += i ? ", null" : "null";
      EXPECT_EQ(PrettyPrint(*a), expected + "]") << t->ToString();
      EXPECT_EQ(a->Slice(n > 0 ? 1 : 0, n > 0 ? n - 1 : 0)->length, n > 0 ? n - 1 : 0);
    }
  }
}

TEST(ArrayTest, NullArraysEqualBuiltNulls) {
  for (const auto& t : testing::EveryType()) {
    auto b = MakeBuilder(t).ValueOr(nullptr);
    ASSERT_NE(b, nullptr) << t->ToString();
    b->AppendNulls(4);
    auto built = b->Finish().ValueOr(nullptr);
    ASSERT_NE(built, nullptr) << t->ToString();
    EXPECT_EQ(ArrayDiff(*MakeNullArray(t, 4), *built), "") << t->ToString();
  }
}

TEST(ArrayTest, SlicedSamplesOfEveryTypeValidateAndPrint) {
  for (const auto& t : testing::EveryType()) {
    auto a = testing::SampleArray(t, 64);
    ASSERT_NE(a, nullptr) << t->ToString();
    for (auto [off, len] : {std::pair<int64_t, int64_t>{0, 64}, {1, 62}, {7, 9}, {63, 1}, {64, 0}}) {
      auto s = a->Slice(off, len);
      Status valid = ValidateArray(*s);
      EXPECT_TRUE(valid.ok()) << t->ToString() << " @" << off << ": " << valid.ToString();
      // Slot i of the slice is slot off + i of the array.
      for (int64_t i = 0; i < len; ++i) {
        ASSERT_EQ(FormatValue(*s, i), FormatValue(*a, off + i)) << t->ToString() << " @" << off << "+" << i;
      }
    }
  }
}

TEST(ArrayTest, BinaryValuesOfEveryOffsetWidth) {
  LargeBinaryBuilder large(large_utf8());
  large.Append("one");
  large.AppendNull();
  large.Append("three");
  auto l = large.Finish().ValueOr(nullptr);
  EXPECT_EQ(l->GetBinary(2), "three");
  EXPECT_EQ(l->Slice(2, 1)->GetBinary(0), "three");
  EXPECT_EQ(l->GetBinary(1), "");
  EXPECT_EQ(BinaryValue(*l, 0), "one");
}

TEST(ArrayTest, RecordBatchSlicesEveryColumn) {
  auto sch = schema({field("a", int32()), field("b", utf8())});
  auto batch = MakeRecordBatch(sch, 3, {Column<int32_t>(int32(), {1, 2, 3}), Strings({"x", "y", "z"})});
  auto s = batch->Slice(1, 2);
  EXPECT_EQ(s->num_rows, 2);
  EXPECT_EQ(s->schema, sch);
  EXPECT_EQ(s->num_columns(), 2);
  EXPECT_EQ(s->column(0)->offset, 1);
  EXPECT_EQ(PrettyPrint(*s), "a: [2, 3]\nb: [\"y\", \"z\"]\n");
  EXPECT_TRUE(ValidateBatch(*s).ok());
}

}  // namespace
}  // namespace hangar::arrow
