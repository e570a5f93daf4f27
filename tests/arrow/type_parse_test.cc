#include <gtest/gtest.h>

#include "arrow/type_parse.h"
#include "c_data_samples.h"

namespace hangar::arrow {
namespace {

TEST(TypeParse, EveryToStringReadsBackAsTheSameType) {
  for (const auto& f : testing::EveryTypeFields()) {
    const auto& t = *f->type();
    const bool unsupported = t.is_union() || t.id() == TypeId::kRunEndEncoded || f->name() == "deep";  // a union inside
    auto parsed = ParseType(t.ToString());
    if (unsupported) {
      EXPECT_FALSE(parsed.ok()) << t.ToString();
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << t.ToString() << ": " << parsed.status().ToString();
    EXPECT_TRUE((*parsed)->Equals(t, false)) << t.ToString() << " read back as " << (*parsed)->ToString();
  }
}

TEST(TypeParse, NamesPeopleWrite) {
  const std::vector<std::pair<std::string, TypePtr>> cases = {
      {"Int64", int64()},
      {"string", utf8()},
      {"double", float64()},
      {"bool", boolean()},
      {"timestamp[us, UTC]", timestamp(TimeUnit::kMicro, "UTC")},
      {"timestamp[ns]", timestamp(TimeUnit::kNano)},
      {"decimal128(10, 2)", decimal128(10, 2)},
      {"decimal(40, 3)", decimal256(40, 3)},
      {"list<int32>", list(int32())},
      {"LIST<item: utf8 not null>", list(field("item", utf8(), false))},
      {"struct<a: int32>", struct_({field("a", int32())})},
      {"struct<a: int32, b: list<string> not null>", struct_({field("a", int32()), field("b", list(utf8()), false)})},
      {"map<utf8, double>", map(utf8(), float64())},
      {"fixed_size_binary[16]", fixed_size_binary(16)},
      {"dictionary<values=string, indices=int8>", dictionary(int8(), utf8())},
  };
  for (const auto& [text, want] : cases) {
    auto got = ParseType(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
    EXPECT_TRUE((*got)->Equals(*want)) << text << " -> " << (*got)->ToString();
  }
  auto f = ParseField("id: int64 not null");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->ToString(), "id: int64 not null");
}

TEST(TypeParse, MistakesAreNamed) {
  for (const char* bad :
       {"", "int65", "list<int32", "timestamp[weeks]", "decimal128(10, 2", "time32[us]", "struct<a int32>",
        "int64 extra", "dictionary<indices=utf8, values=int8>", "decimal128(0, 0)"}) {
    auto r = ParseType(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseType("int65").status().message().find("unknown type 'int65'"), std::string::npos);
}

}  // namespace
}  // namespace hangar::arrow
