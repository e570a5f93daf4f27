// Logical equality and first-difference messages: offsets and slices, values
// under nulls, floats, nested paths, unions, dictionaries, run-end encoding,
// views, and record batches.
#include "arrow/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "arrow/builder.h"
#include "arrow/pretty_print.h"
#include "sample_arrays.h"
#include "test_util.h"

namespace hangar::arrow {
namespace {

using testing::Column;
using testing::Strings;

BufferPtr Bytes(std::string_view s) { return Buffer::CopyOf(s); }

template <typename T>
BufferPtr Values(std::initializer_list<T> v) {
  MutableBuffer b;
  for (const T& x : v) b.AppendValue(x);
  return b.Finish();
}

ArrayPtr Finish(ArrayBuilder& b) {
  auto r = b.Finish();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

ArrayPtr IntList(const std::vector<std::optional<std::vector<int32_t>>>& rows) {
  ListBuilder l(list(int32()), std::make_unique<PrimitiveBuilder<int32_t>>(int32()));
  auto* v = static_cast<PrimitiveBuilder<int32_t>*>(l.value_builder());
  for (const auto& r : rows) {
    if (!r) {
      l.AppendNull();
      continue;
    }
    l.Append();
    for (int32_t x : *r) v->Append(x);
  }
  return Finish(l);
}

// struct<a: int32, b: utf8> rows; nullopt is a null struct.
ArrayPtr Pairs(const std::vector<std::optional<std::pair<int32_t, std::string>>>& rows) {
  auto b = MakeBuilder(struct_({field("a", int32()), field("b", utf8())})).ValueOr(nullptr);
  auto* s = static_cast<StructBuilder*>(b.get());
  for (const auto& r : rows) {
    if (!r) {
      s->AppendNull();
      continue;
    }
    s->Append();
    static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(r->first);
    static_cast<BinaryBuilder*>(s->field_builder(1))->Append(r->second);
  }
  return Finish(*b);
}

TEST(CompareTest, SlicesCompareByLogicalPosition) {
  auto a = Column<int32_t>(int32(), {0, 1, 2, 3, 4, 5})->Slice(2, 3);
  auto b = Column<int32_t>(int32(), {2, 3, 4});
  EXPECT_TRUE(ArrayEquals(*a, *b));
  EXPECT_EQ(ArrayDiff(*a, *b), "");
  EXPECT_EQ(ArrayDiff(*a->Slice(1, 2), *b->Slice(0, 2)), "row 0: 3 vs 2");
}

TEST(CompareTest, EveryTypeEqualsItselfBuiltAtAnotherOffset) {
  for (const auto& t : testing::EveryType()) {
    auto whole = testing::SampleArray(t, 60);
    ASSERT_NE(whole, nullptr) << t->ToString();
    // Slots 10..39 built on their own: the same values at offset 0.
    auto builder = MakeBuilder(t);
    ASSERT_TRUE(builder.ok());
    for (int64_t i = 10; i < 40; ++i) ASSERT_TRUE(testing::AppendSample(builder->get(), *t, i, 1));
    auto part = Finish(**builder);
    auto slice = whole->Slice(10, 30);
    EXPECT_EQ(ArrayDiff(*slice, *part), "") << t->ToString();
    EXPECT_TRUE(ArrayEquals(*part, *slice)) << t->ToString();
    if (t->id() != TypeId::kNull) {
      EXPECT_FALSE(ArrayEquals(*slice, *whole->Slice(11, 30))) << t->ToString();
      EXPECT_NE(ArrayDiff(*slice, *whole->Slice(11, 30)), "") << t->ToString();
    }
  }
}

TEST(CompareTest, ValuesUnderNullsAreIgnored) {
  auto c = Column<int32_t>(int32(), {1, 7}, {true, false});
  auto d = Column<int32_t>(int32(), {1, 9}, {true, false});
  EXPECT_TRUE(ArrayEquals(*c, *d));
  // A null struct slot hides whatever its children hold.
  EXPECT_TRUE(ArrayEquals(*Pairs({{{1, "x"}}, std::nullopt}),
                          *MakeArray(struct_({field("a", int32()), field("b", utf8())}), 2, {Bytes("\x01")},
                                     {Column<int32_t>(int32(), {1, 55}), Strings({"x", "junk"})})));
  // A null list slot may span child values; they do not matter.
  auto spanning =
      MakeArray(list(int32()), 2, {Bytes("\x02"), Values<int32_t>({0, 2, 3})}, {Column<int32_t>(int32(), {8, 9, 4})});
  EXPECT_EQ(ArrayDiff(*spanning, *IntList({std::nullopt, {{4}}})), "");
  // But validity itself must agree.
  EXPECT_EQ(ArrayDiff(*Column<int32_t>(int32(), {1, 2, 3}, {true, true, false}), *Column<int32_t>(int32(), {1, 2, 3})),
            "row 2: null vs 3");
}

TEST(CompareTest, NaNsAndSignedZeros) {
  auto nan64 = Column<double>(float64(), {std::nan(""), 1.0});
  EXPECT_TRUE(ArrayEquals(*nan64, *nan64));
  EqualOptions strict;
  strict.nans_equal = false;
  EXPECT_FALSE(ArrayEquals(*nan64, *nan64, strict));
  EXPECT_EQ(ArrayDiff(*nan64, *nan64, strict), "row 0: nan vs nan");
  EXPECT_EQ(ArrayDiff(*nan64, *Column<double>(float64(), {1.0, 1.0})), "row 0: nan vs 1");

  // -0.0 == 0.0 unless signed zeros must agree.
  auto neg = Column<float>(float32(), {-0.0f});
  auto pos = Column<float>(float32(), {0.0f});
  EXPECT_TRUE(ArrayEquals(*neg, *pos));
  EqualOptions signs;
  signs.signed_zeros_equal = false;
  EXPECT_EQ(ArrayDiff(*neg, *pos, signs), "row 0: -0 vs 0");
  EXPECT_TRUE(ArrayEquals(*neg, *neg, signs));

  // float16 by value: two NaN payloads are both NaN, the zeros are equal.
  auto h1 = Column<uint16_t>(float16(), {0x7E00, 0x8000, 0x3C00});
  auto h2 = Column<uint16_t>(float16(), {0x7E01, 0x0000, 0x3C00});
  EXPECT_TRUE(ArrayEquals(*h1, *h2));
  EXPECT_EQ(ArrayDiff(*h1, *h2, strict), "row 0: nan vs nan");
  EXPECT_EQ(ArrayDiff(*h1, *h2, signs), "row 1: -0 vs 0");
}

TEST(CompareTest, TypeAndLengthDifferences) {
  auto a = Strings({"x", "y", std::nullopt});
  EXPECT_EQ(ArrayDiff(*a, *Strings({"x", "z", std::nullopt})), "row 1: \"y\" vs \"z\"");
  EXPECT_EQ(ArrayDiff(*a, *a->Slice(0, 2)), "length: 3 vs 2");
  EXPECT_EQ(ArrayDiff(*a, *Column<int32_t>(int32(), {1, 2, 3})), "type: utf8 vs int32");
  EXPECT_FALSE(ArrayEquals(*a, *Column<int32_t>(int32(), {1, 2, 3})));

  // Field metadata is part of the type unless told otherwise.
  auto plain = IntList({{{1}}});
  auto tagged = MakeArray(list(field("item", int32(), true, {{"k", "v"}})), 1, plain->buffers, plain->children);
  EXPECT_EQ(ArrayDiff(*plain, *tagged), "type: list<item: int32> vs list<item: int32> (field metadata differs)");
  EqualOptions no_metadata;
  no_metadata.check_metadata = false;
  EXPECT_TRUE(ArrayEquals(*plain, *tagged, no_metadata));
}

TEST(CompareTest, NestedDifferencesNameTheirPath) {
  EXPECT_EQ(ArrayDiff(*Pairs({{{1, "x"}}, {{2, "x"}}}), *Pairs({{{1, "x"}}, {{2, "y"}}})),
            "row 1 field 'b': \"x\" vs \"y\"");
  EXPECT_EQ(ArrayDiff(*Pairs({{{1, "x"}}, std::nullopt}), *Pairs({{{1, "x"}}, {{2, "y"}}})),
            "row 1: null vs {a: 2, b: \"y\"}");
  EXPECT_EQ(ArrayDiff(*IntList({{{1, 2}}, {{1, 2}}}), *IntList({{{1, 2}}, {{1, 2, 3}}})), "row 1: [1, 2] vs [1, 2, 3]");
  EXPECT_EQ(ArrayDiff(*IntList({{{1, 2}}, {{5, 6}}}), *IntList({{{1, 2}}, {{5, 7}}})), "row 1 element 1: 6 vs 7");

  // list<struct<a, b>>, with the list sliced on one side.
  auto lists = [](int32_t a1) {
    auto b = MakeBuilder(list(struct_({field("a", int32()), field("b", utf8())}))).ValueOr(nullptr);
    auto* l = static_cast<ListBuilder*>(b.get());
    auto* s = static_cast<StructBuilder*>(l->value_builder());
    for (int row = 0; row < 2; ++row) {
      l->Append();
      for (int32_t v : {row * 10, row * 10 + a1}) {
        s->Append();
        static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(v);
        static_cast<BinaryBuilder*>(s->field_builder(1))->Append("s");
      }
    }
    return Finish(*b);
  };
  EXPECT_EQ(ArrayDiff(*lists(1)->Slice(1, 1), *lists(2)->Slice(1, 1)), "row 0 element 1 field 'a': 11 vs 12");

  // struct<p: struct<x: int32>>: a null inside.
  auto nested = [](bool valid) {
    auto b = MakeBuilder(struct_({field("p", struct_({field("x", int32())}))})).ValueOr(nullptr);
    auto* outer = static_cast<StructBuilder*>(b.get());
    auto* inner = static_cast<StructBuilder*>(outer->field_builder(0));
    outer->Append();
    if (valid) {
      inner->Append();
      static_cast<PrimitiveBuilder<int32_t>*>(inner->field_builder(0))->Append(1);
    } else {
      inner->AppendNull();
    }
    return Finish(*b);
  };
  EXPECT_EQ(ArrayDiff(*nested(false), *nested(true)), "row 0 field 'p': null vs {x: 1}");
}

TEST(CompareTest, MapsCompareEntryByEntry) {
  auto maps = [](const std::string& k2, int64_t v2) {
    auto b = MakeBuilder(map(utf8(), int64())).ValueOr(nullptr);
    auto* mb = static_cast<MapBuilder*>(b.get());
    mb->Append();
    for (auto [k, v] : std::vector<std::pair<std::string, int64_t>>{{"a", 1}, {k2, v2}}) {
      mb->entries_builder()->Append();
      static_cast<BinaryBuilder*>(mb->key_builder())->Append(k);
      static_cast<PrimitiveBuilder<int64_t>*>(mb->item_builder())->Append(v);
    }
    return Finish(*b);
  };
  EXPECT_EQ(ArrayDiff(*maps("b", 2), *maps("b", 2)), "");
  EXPECT_EQ(ArrayDiff(*maps("b", 2), *maps("c", 2)), "row 0 element 1 field 'key': \"b\" vs \"c\"");
  EXPECT_EQ(ArrayDiff(*maps("b", 2), *maps("b", 3)), "row 0 element 1 field 'value': 2 vs 3");
}

TEST(CompareTest, UnionsCompareTheSelectedValue) {
  const std::vector<FieldPtr> fields{field("i", int32()), field("s", utf8())};
  for (const auto& type : {sparse_union(fields, {5, 7}), dense_union(fields, {5, 7})}) {
    auto make = [&](const std::string& text, bool first_is_int) {
      auto b = MakeBuilder(type).ValueOr(nullptr);
      auto* u = static_cast<UnionBuilder*>(b.get());
      EXPECT_TRUE(u->Append(first_is_int ? 5 : 7).ok());
      if (first_is_int) {
        static_cast<PrimitiveBuilder<int32_t>*>(u->child_builder(5))->Append(42);
      } else {
        static_cast<BinaryBuilder*>(u->child_builder(7))->Append("x");
      }
      EXPECT_TRUE(u->Append(7).ok());
      static_cast<BinaryBuilder*>(u->child_builder(7))->Append(text);
      u->AppendNull();
      return Finish(*b);
    };
    EXPECT_EQ(ArrayDiff(*make("hi", true), *make("hi", true)), "") << type->ToString();
    EXPECT_EQ(ArrayDiff(*make("hi", true), *make("ho", true)), "row 1 child 's': \"hi\" vs \"ho\"") << type->ToString();
    EXPECT_EQ(ArrayDiff(*make("hi", true), *make("hi", false)), "row 0: 42 vs \"x\"") << type->ToString();
    EXPECT_EQ(ArrayDiff(*make("hi", true)->Slice(1, 2), *make("hi", false)->Slice(1, 2)), "") << type->ToString();
  }
}

TEST(CompareTest, DictionariesCompareDecodedValues) {
  auto type = dictionary(int8(), utf8());
  // Same decoded values through different dictionaries and indices.
  auto a = MakeArray(type, 3, {nullptr, Values<int8_t>({0, 1, 0})}, {}, 0, 0, Strings({"red", "blue"}));
  auto b = MakeArray(type, 3, {nullptr, Values<int8_t>({2, 0, 2})}, {}, 0, 0, Strings({"blue", "green", "red"}));
  EXPECT_EQ(ArrayDiff(*a, *b), "");
  auto c = MakeArray(type, 3, {nullptr, Values<int8_t>({2, 0, 0})}, {}, 0, 0, Strings({"blue", "green", "red"}));
  EXPECT_EQ(ArrayDiff(*a, *c), "row 2: \"red\" vs \"blue\"");
  // A null index and an index of a null value are both null.
  auto null_index = MakeArray(type, 1, {Bytes(std::string(1, '\0')), Values<int8_t>({0})}, {}, 1, 0, Strings({"x"}));
  auto null_value = MakeArray(type, 1, {nullptr, Values<int8_t>({1})}, {}, 0, 0, Strings({"x", std::nullopt}));
  EXPECT_EQ(ArrayDiff(*null_index, *null_value), "");
  EXPECT_EQ(ArrayDiff(*null_index, *a->Slice(0, 1)), "row 0: null vs \"red\"");
}

TEST(CompareTest, RunEndEncodedComparesLogicalValues) {
  auto type = run_end_encoded(int32(), utf8());
  // a a a b b c  as runs (3, 5, 6) and as runs (1, 3, 4, 5, 6).
  auto coarse = MakeArray(type, 6, {}, {Column<int32_t>(int32(), {3, 5, 6}), Strings({"a", "b", "c"})});
  auto fine = MakeArray(type, 6, {}, {Column<int32_t>(int32(), {1, 3, 4, 5, 6}), Strings({"a", "a", "b", "b", "c"})});
  EXPECT_EQ(ArrayDiff(*coarse, *fine), "");
  EXPECT_EQ(ArrayDiff(*coarse->Slice(2, 3), *fine->Slice(2, 3)), "");
  auto other = MakeArray(type, 6, {}, {Column<int32_t>(int32(), {3, 4, 6}), Strings({"a", "b", "c"})});
  EXPECT_EQ(ArrayDiff(*coarse, *other), "row 4: \"b\" vs \"c\"");
  EXPECT_EQ(ArrayDiff(*coarse->Slice(1, 4), *other->Slice(1, 4)), "row 3: \"b\" vs \"c\"");
}

TEST(CompareTest, ViewsCompareBytesNotLayout) {
  BinaryViewBuilder builder(utf8_view());
  builder.Append("short");
  builder.Append("a value longer than twelve");
  auto built = Finish(builder);
  // The same strings, the long one at another offset of a second data buffer.
  const std::string long_value = "a value longer than twelve";
  MutableBuffer views;
  auto put = [&](int32_t len, std::string_view prefix_or_inline, int32_t index, int32_t offset) {
    uint8_t v[16] = {};
    std::memcpy(v, &len, 4);
    std::memcpy(v + 4, prefix_or_inline.data(), std::min<size_t>(prefix_or_inline.size(), 12));
    if (len > 12) {
      std::memcpy(v + 8, &index, 4);
      std::memcpy(v + 12, &offset, 4);
    }
    views.Append(v, 16);
  };
  put(5, "short", 0, 0);
  put(static_cast<int32_t>(long_value.size()), "a va", 1, 3);
  auto moved = MakeArray(utf8_view(), 2, {nullptr, views.Finish(), Bytes("unused"), Bytes("xyz" + long_value)});
  EXPECT_EQ(ArrayDiff(*built, *moved), "");
  EXPECT_EQ(ArrayDiff(*built->Slice(1, 1), *moved->Slice(1, 1)), "");
}

TEST(CompareTest, ListViewsCompareTheirListsNotTheirOffsets) {
  // [[1, 2], [3]] in order, and with the views pointing backwards into [3, 1, 2].
  ListViewBuilder b(list_view(field("item", int32())), std::make_unique<PrimitiveBuilder<int32_t>>(int32()));
  auto* v = static_cast<PrimitiveBuilder<int32_t>*>(b.value_builder());
  b.Append();
  v->Append(1);
  v->Append(2);
  b.Append();
  v->Append(3);
  auto in_order = Finish(b);
  auto backwards =
      MakeArray(list_view(field("item", int32())), 2, {nullptr, Values<int32_t>({1, 0}), Values<int32_t>({2, 1})},
                {Column<int32_t>(int32(), {3, 1, 2})});
  EXPECT_EQ(ArrayDiff(*in_order, *backwards), "");
  auto different =
      MakeArray(list_view(field("item", int32())), 2, {nullptr, Values<int32_t>({1, 0}), Values<int32_t>({2, 2})},
                {Column<int32_t>(int32(), {3, 1, 2})});
  EXPECT_EQ(ArrayDiff(*in_order, *different), "row 1: [3] vs [3, 1]");
}

TEST(CompareTest, FirstDifferenceFarIntoALongArray) {
  std::vector<int64_t> v(5000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  auto a = Column<int64_t>(int64(), v);
  v[2500] = -1;
  auto b = Column<int64_t>(int64(), v);
  EXPECT_EQ(ArrayDiff(*a, *b), "row 2500: 2500 vs -1");
  EXPECT_FALSE(ArrayEquals(*a, *b));
  EXPECT_TRUE(ArrayEquals(*a->Slice(0, 2500), *b->Slice(0, 2500)));
}

TEST(CompareTest, BatchDiffNamesTheColumn) {
  auto sch = schema({field("a", int32()), field("b", int64())});
  auto batch = [&](int64_t last) {
    return MakeRecordBatch(sch, 3, {Column<int32_t>(int32(), {1, 2, 3}), Column<int64_t>(int64(), {1, 2, last})});
  };
  EXPECT_EQ(BatchDiff(*batch(3), *batch(3)), "");
  EXPECT_EQ(BatchDiff(*batch(3), *batch(4)), "column 1 'b' row 2: 3 vs 4");
  EXPECT_EQ(BatchDiff(*batch(3), *batch(3)->Slice(0, 2)), "rows: 3 vs 2");
  auto other = MakeRecordBatch(schema({field("a", int64()), field("b", int64())}), 3,
                               {Column<int64_t>(int64(), {1, 2, 3}), Column<int64_t>(int64(), {1, 2, 3})});
  EXPECT_EQ(BatchDiff(*batch(3), *other), "schema: field 0 'a': a: int32 vs a: int64");
  auto sliced = batch(3)->Slice(1, 2);
  auto fresh = MakeRecordBatch(sch, 2, {Column<int32_t>(int32(), {2, 3}), Column<int64_t>(int64(), {2, 3})});
  EXPECT_EQ(BatchDiff(*sliced, *fresh), "");
}

}  // namespace
}  // namespace hangar::arrow
