// Take (rows by index) and value keys, over every type of the Arrow core.
#include <gtest/gtest.h>

#include <set>

#include "arrow/array_access.h"
#include "arrow/compare.h"
#include "arrow/take.h"
#include "arrow/value_key.h"
#include "c_data_samples.h"

namespace hangar::arrow {
namespace {

std::string KeyOf(const Array& a, int64_t i) {
  std::string key;
  AppendValueKey(a, i, &key);
  return key;
}

TEST(Take, EveryTypeRowByRow) {
  const std::vector<int64_t> indices = {3, 0, -1, 7, 7, 8, 9, 1, -1, 19};
  for (const auto& f : testing::EveryTypeFields()) {
    SCOPED_TRACE(f->ToString());
    // From a slice, so that offsets are honoured.
    auto values = testing::SampleArray(f->type(), 25)->Slice(3, 20);
    auto taken = Take(values, indices);
    ASSERT_TRUE(taken.ok()) << taken.status().ToString();
    ASSERT_EQ((*taken)->length, static_cast<int64_t>(indices.size()));
    for (size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] < 0) {
        EXPECT_FALSE(IsLogicallyValid(**taken, static_cast<int64_t>(k))) << "row " << k;
        continue;
      }
      EXPECT_EQ(ArrayDiff(*values->Slice(indices[k], 1), *(*taken)->Slice(static_cast<int64_t>(k), 1)), "")
          << "row " << k;
    }
  }
}

TEST(Take, RefusesAnIndexPastTheEnd) {
  auto values = testing::SampleArray(int32(), 5);
  EXPECT_EQ(Take(values, {5}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ValueKey, EqualKeysExactlyForEqualValues) {
  for (const auto& f : testing::EveryTypeFields()) {
    SCOPED_TRACE(f->ToString());
    auto values = testing::SampleArray(f->type(), 30);
    for (int64_t i = 0; i < values->length; ++i) {
      for (int64_t j = i + 1; j < values->length; ++j) {
        const bool equal =
            ArrayEquals(*values->Slice(i, 1), *values->Slice(j, 1), {.nans_equal = true, .signed_zeros_equal = false});
        EXPECT_EQ(KeyOf(*values, i) == KeyOf(*values, j), equal) << "rows " << i << " and " << j;
      }
    }
  }
}

TEST(ValueKey, LayoutsOfOneValueShareItsKey) {
  // A dictionary slot and a plain utf8 value; a view and a string.
  auto dict = testing::SampleArray(dictionary(int8(), utf8()), 3);
  BinaryBuilder plain(utf8());
  plain.Append("word0");
  auto word = plain.Finish().value();
  EXPECT_EQ(KeyOf(*dict, 0), KeyOf(*word, 0));
  BinaryViewBuilder view(utf8_view());
  view.Append("word0");
  EXPECT_EQ(KeyOf(*view.Finish().value(), 0), KeyOf(*word, 0));
  // Union slots of different members differ even when their bytes agree.
  auto u = testing::SampleArray(sparse_union({field("a", int32()), field("b", int32())}, {0, 1}), 2);
  EXPECT_NE(KeyOf(*u, 0), KeyOf(*u, 1));
}

}  // namespace
}  // namespace hangar::arrow
