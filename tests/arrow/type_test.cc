#include "arrow/type.h"

#include <gtest/gtest.h>

namespace hangar::arrow {
namespace {

TEST(TypeTest, ToStringIsReadable) {
  EXPECT_EQ(int32()->ToString(), "int32");
  EXPECT_EQ(timestamp(TimeUnit::kMicro, "UTC")->ToString(), "timestamp[us, tz=UTC]");
  EXPECT_EQ(list(int32())->ToString(), "list<item: int32>");
  EXPECT_EQ(struct_({field("a", int32()), field("b", utf8(), false)})->ToString(),
            "struct<a: int32, b: utf8 not null>");
  EXPECT_EQ(dictionary(int8(), utf8())->ToString(), "dictionary<values=utf8, indices=int8>");
  EXPECT_EQ(decimal128(10, 2)->ToString(), "decimal128(10, 2)");
}

TEST(TypeTest, EqualityComparesParameters) {
  EXPECT_TRUE(timestamp(TimeUnit::kMicro, "UTC")->Equals(*timestamp(TimeUnit::kMicro, "UTC")));
  EXPECT_FALSE(timestamp(TimeUnit::kMicro, "UTC")->Equals(*timestamp(TimeUnit::kMicro)));
  EXPECT_FALSE(list(int32())->Equals(*list(int64())));
  EXPECT_FALSE(fixed_size_binary(3)->Equals(*fixed_size_binary(4)));
}

TEST(TypeTest, SchemaDiffNamesFirstDifferingField) {
  auto a = schema({field("id", int64(), false), field("price", float64())});
  auto b = schema({field("id", int64(), false), field("price", int64())});
  EXPECT_EQ(a->Diff(*b), "field 1 'price': price: float64 vs price: int64");
  EXPECT_TRUE(a->Equals(*a));
}

TEST(TypeTest, ValidateRejectsBadUnion) {
  EXPECT_FALSE(ValidateType(*sparse_union({field("a", int32())}, {1, 2})).ok());
  EXPECT_TRUE(ValidateType(*dense_union({field("a", int32()), field("b", utf8())}, {5, 7})).ok());
}

}  // namespace
}  // namespace hangar::arrow
