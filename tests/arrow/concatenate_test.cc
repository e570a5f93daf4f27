// Concatenation of every type from sliced inputs: values (against arrays
// built directly), offsets rebased from zero, children cut to what the
// inputs use, shared dictionaries and view buffers, and the errors.
#include "arrow/concatenate.h"

#include <gtest/gtest.h>

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

template <typename T>
std::vector<T> Ints(const BufferPtr& b, int64_t n) {
  std::vector<T> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(LoadValue<T>(b->data(), i));
  return out;
}

template <typename T>
BufferPtr Values(std::initializer_list<T> v) {
  MutableBuffer b;
  for (const T& x : v) b.AppendValue(x);
  return b.Finish();
}

ArrayPtr Concat(const std::vector<ArrayPtr>& arrays) {
  auto r = Concatenate(arrays);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return nullptr;
  EXPECT_EQ((*r)->offset, 0);
  Status valid = ValidateArray(**r);
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  return *r;
}

// Samples [begin, end) of `type`, built in one go (see sample_arrays.h).
ArrayPtr Samples(const TypePtr& type, std::vector<std::pair<int64_t, int64_t>> ranges) {
  auto b = MakeBuilder(type).ValueOr(nullptr);
  for (auto [begin, end] : ranges) {
    for (int64_t i = begin; i < end; ++i) EXPECT_TRUE(testing::AppendSample(b.get(), *type, i, 1));
  }
  return b->Finish().ValueOr(nullptr);
}

TEST(ConcatenateTest, EveryTypeFromSlices) {
  for (const auto& t : testing::EveryType()) {
    auto whole = testing::SampleArray(t, 100);
    ASSERT_NE(whole, nullptr) << t->ToString();
    // Adjacent slices give the whole back.
    auto again = Concat({whole->Slice(0, 17), whole->Slice(17, 0), whole->Slice(17, 40), whole->Slice(57, 43)});
    ASSERT_NE(again, nullptr) << t->ToString();
    EXPECT_EQ(again->length, 100);
    EXPECT_EQ(ArrayDiff(*whole, *again), "") << t->ToString();
    // Out-of-order slices give what building those values directly gives.
    auto shuffled = Concat({whole->Slice(50, 10), whole->Slice(5, 20), whole->Slice(99, 1)});
    ASSERT_NE(shuffled, nullptr) << t->ToString();
    EXPECT_EQ(ArrayDiff(*Samples(t, {{50, 60}, {5, 25}, {99, 100}}), *shuffled), "") << t->ToString();
    // A single input is copied to offset 0.
    auto single = Concat({whole->Slice(3, 7)});
    ASSERT_NE(single, nullptr) << t->ToString();
    EXPECT_EQ(ArrayDiff(*whole->Slice(3, 7), *single), "") << t->ToString();
  }
}

TEST(ConcatenateTest, BinaryOffsetsAreRebased) {
  auto a = Strings({"a", "bb", std::nullopt, "ddd"})->Slice(1, 3);
  auto b = Strings({"e", std::nullopt});
  auto c = Concat({a, b});
  EXPECT_EQ(PrettyPrint(*c), "[\"bb\", null, \"ddd\", \"e\", null]");
  EXPECT_EQ(Ints<int32_t>(c->buffers[1], 6), (std::vector<int32_t>{0, 2, 2, 5, 6, 6}));
  EXPECT_EQ(c->buffers[2]->view(), "bbddde");
  EXPECT_EQ(c->null_count(), 2);
}

TEST(ConcatenateTest, NoNullsNoBitmapAndBitsAtOddOffsets) {
  auto c = Concat({Column<uint8_t>(uint8(), {1, 2, 3})->Slice(2, 1), Column<uint8_t>(uint8(), {9})});
  EXPECT_EQ(PrettyPrint(*c), "[3, 9]");
  EXPECT_EQ(c->buffers[0], nullptr);

  BooleanBuilder bools;
  for (int i = 0; i < 19; ++i) bools.Append(i % 3 == 0);
  auto b = bools.Finish().ValueOr(nullptr);
  auto joined = Concat({b->Slice(3, 5), b->Slice(11, 8)});
  EXPECT_EQ(PrettyPrint(*joined),
            "[true, false, false, true, false, false, true, false, false, true, false, false, "
            "true]");
}

TEST(ConcatenateTest, ListChildrenAreCutToTheSlices) {
  ListBuilder l(list(int32()), std::make_unique<PrimitiveBuilder<int32_t>>(int32()));
  auto* v = static_cast<PrimitiveBuilder<int32_t>*>(l.value_builder());
  for (int row = 0; row < 4; ++row) {
    l.Append();
    for (int k = 0; k <= row; ++k) v->Append(row * 10 + k);
  }
  auto lists = l.Finish().ValueOr(nullptr);  // [[0], [10, 11], [20, 21, 22], [30, 31, 32, 33]]
  auto c = Concat({lists->Slice(1, 1), lists->Slice(3, 1)});
  EXPECT_EQ(PrettyPrint(*c), "[[10, 11], [30, 31, 32, 33]]");
  EXPECT_EQ(Ints<int32_t>(c->buffers[1], 3), (std::vector<int32_t>{0, 2, 6}));
  EXPECT_EQ(c->children[0]->length, 6);
}

TEST(ConcatenateTest, ListViewsAreCompacted) {
  // Views pointing backwards into a child with unused values around them.
  auto type = list_view(field("item", int32()));
  auto a = MakeArray(type, 3, {nullptr, Values<int32_t>({4, 1, 0}), Values<int32_t>({1, 2, 0})},
                     {Column<int32_t>(int32(), {99, 1, 2, 99, 3, 99})});  // [[3], [1, 2], []]
  auto c = Concat({a->Slice(1, 2), a});
  EXPECT_EQ(PrettyPrint(*c), "[[1, 2], [], [3], [1, 2], []]");
  EXPECT_EQ(c->children[0]->length, 2 + 4);
}

TEST(ConcatenateTest, SharedDictionaryIsKept) {
  auto type = dictionary(int8(), utf8());
  auto dict = Strings({"red", "green"});
  auto a = MakeArray(type, 3, {nullptr, Values<int8_t>({0, 1, 1})}, {}, 0, 0, dict);
  auto b = MakeArray(type, 2, {nullptr, Values<int8_t>({1, 0})}, {}, 0, 0, dict);
  auto c = Concat({a->Slice(1, 2), b});
  EXPECT_EQ(c->dictionary, dict);
  EXPECT_EQ(Ints<int8_t>(c->buffers[1], 4), (std::vector<int8_t>{1, 1, 1, 0}));
  EXPECT_EQ(PrettyPrint(*c), "[\"green\", \"green\", \"green\", \"red\"]");
  // An equal dictionary in another array counts as the same.
  auto d = MakeArray(type, 1, {nullptr, Values<int8_t>({0})}, {}, 0, 0, Strings({"red", "green"}));
  EXPECT_EQ(Concat({a, d})->dictionary, dict);
}

// Many slices of two arrays add each dictionary once (a dictionary<int8>
// holds 128 values), and a null row with an empty dictionary adds nothing.
TEST(ConcatenateTest, EachDictionaryGoesInOnce) {
  auto type = dictionary(int8(), utf8());
  std::vector<std::optional<std::string>> words;
  for (int i = 0; i < 100; ++i) words.push_back("w" + std::to_string(i));
  std::string all(100, '\0');
  for (int i = 0; i < 100; ++i) all[i] = static_cast<char>(i);
  auto a = MakeArray(type, 100, {nullptr, Buffer::CopyOf(all)}, {}, 0, 0, Strings(words));
  auto b = MakeArray(type, 2, {nullptr, Values<int8_t>({0, 1})}, {}, 0, 0, Strings({"x", "y"}));
  std::vector<ArrayPtr> pieces;
  for (int i = 0; i < 50; ++i) {
    pieces.push_back(a->Slice(i, 1));
    pieces.push_back(b->Slice(i % 2, 1));
  }
  pieces.push_back(MakeNullArray(type, 1));
  auto c = Concat(pieces);
  EXPECT_EQ(c->dictionary->length, 102);
  EXPECT_EQ(c->length, 101);
  EXPECT_EQ(FormatValue(*c, 2), "\"w1\"");
  EXPECT_EQ(FormatValue(*c, 3), "\"y\"");
  EXPECT_EQ(FormatValue(*c, 100), "null");
}

TEST(ConcatenateTest, DifferentDictionariesAreAppended) {
  auto type = dictionary(int8(), utf8());
  auto a = MakeArray(type, 2, {nullptr, Values<int8_t>({1, 0})}, {}, 0, 0, Strings({"red", "green"}));
  auto b = MakeArray(type, 2, {nullptr, Values<int8_t>({0, 0})}, {}, 0, 0, Strings({"blue"}));
  auto c = Concat({a, b});
  EXPECT_EQ(PrettyPrint(*c), "[\"green\", \"red\", \"blue\", \"blue\"]");
  EXPECT_EQ(PrettyPrint(*c->dictionary), "[\"red\", \"green\", \"blue\"]");
  EXPECT_EQ(Ints<int8_t>(c->buffers[1], 4), (std::vector<int8_t>{1, 0, 2, 2}));

  std::vector<std::optional<std::string>> hundred;
  for (int i = 0; i < 100; ++i) hundred.push_back(std::to_string(i));
  auto big = MakeArray(type, 1, {nullptr, Values<int8_t>({0})}, {}, 0, 0, Strings(hundred));
  auto other = MakeArray(type, 1, {nullptr, Values<int8_t>({5})}, {}, 0, 0, Strings(hundred)->Slice(1, 99));
  auto r = Concatenate({big, other});
  EXPECT_EQ(r.status().message(),
            "concatenated dictionary of dictionary<values=utf8, indices=int8> does not fit its index type int8");
}

TEST(ConcatenateTest, RunEndsAreClippedAndShifted) {
  auto type = run_end_encoded(int32(), utf8());
  auto runs = MakeArray(type, 6, {}, {Column<int32_t>(int32(), {3, 5, 6}), Strings({"a", "b", "c"})});  // a a a b b c
  auto c = Concat({runs->Slice(2, 3), runs->Slice(0, 2), runs->Slice(5, 1)});
  EXPECT_EQ(PrettyPrint(*c), "[\"a\", \"b\", \"b\", \"a\", \"a\", \"c\"]");
  EXPECT_EQ(Ints<int32_t>(c->children[0]->buffers[1], 4), (std::vector<int32_t>{1, 3, 5, 6}));
  EXPECT_EQ(PrettyPrint(*c->children[1]), "[\"a\", \"b\", \"a\", \"c\"]");

  auto small = run_end_encoded(int16(), int8());
  auto long_run = MakeArray(small, 20000, {}, {Column<int16_t>(int16(), {20000}), Column<int8_t>(int8(), {1})});
  EXPECT_EQ(Concatenate({long_run, long_run}).status().message(),
            "concatenated run_end_encoded<run_ends: int16 not null, values: int8> has 40000 values, more than its run "
            "ends hold");
}

TEST(ConcatenateTest, ViewDataBuffersAreSharedNotCopied) {
  BinaryViewBuilder b(utf8_view());
  b.Append("first value past twelve");
  b.Append("tiny");
  auto x = b.Finish().ValueOr(nullptr);
  b.Append("second value past twelve");
  b.AppendNull();
  auto y = b.Finish().ValueOr(nullptr);
  auto c = Concat({x, y, x->Slice(1, 1)});
  EXPECT_EQ(PrettyPrint(*c), "[\"first value past twelve\", \"tiny\", \"second value past twelve\", null, \"tiny\"]");
  ASSERT_EQ(c->buffers.size(), 5u);
  EXPECT_EQ(c->buffers[2], x->buffers[2]);
  EXPECT_EQ(c->buffers[3], y->buffers[2]);
}

TEST(ConcatenateTest, DenseUnionChildrenAreCutToTheSlots) {
  auto type = dense_union({field("i", int32()), field("s", utf8())}, {0, 1});
  auto b = MakeBuilder(type).ValueOr(nullptr);
  auto* u = static_cast<UnionBuilder*>(b.get());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(u->Append(static_cast<int8_t>(i % 2)).ok());
    if (i % 2 == 0) {
      static_cast<PrimitiveBuilder<int32_t>*>(u->child_builder(0))->Append(i);
    } else {
      static_cast<BinaryBuilder*>(u->child_builder(1))->Append("s" + std::to_string(i));
    }
  }
  auto whole = b->Finish().ValueOr(nullptr);  // [0, "s1", 2, "s3", 4, "s5"]
  auto c = Concat({whole->Slice(4, 2), whole->Slice(1, 2)});
  EXPECT_EQ(PrettyPrint(*c), "[4, \"s5\", \"s1\", 2]");
  EXPECT_EQ(c->children[0]->length, 2);
  EXPECT_EQ(c->children[1]->length, 2);
  EXPECT_EQ(Ints<int32_t>(c->buffers[1], 4), (std::vector<int32_t>{0, 0, 1, 1}));
}

TEST(ConcatenateTest, StructAndFixedSizeListChildrenFollowTheParentSlice) {
  auto whole =
      testing::SampleArray(struct_({field("a", int32()), field("l", fixed_size_list(field("x", int8()), 2))}), 30);
  auto c = Concat({whole->Slice(20, 5), whole->Slice(2, 3)});
  EXPECT_EQ(c->children[0]->length, 8);
  EXPECT_EQ(c->children[1]->children[0]->length, 16);
  EXPECT_EQ(ArrayDiff(*c->Slice(0, 5), *whole->Slice(20, 5)), "");
  EXPECT_EQ(ArrayDiff(*c->Slice(5, 3), *whole->Slice(2, 3)), "");
}

TEST(ConcatenateTest, Errors) {
  auto r = Concatenate({Strings({"a"}), Column<int32_t>(int32(), {1})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "cannot concatenate arrays of different types: utf8 and int32");
  EXPECT_EQ(Concatenate({}).status().message(), "cannot concatenate zero arrays: the type is unknown");
  EXPECT_EQ(Concatenate({Strings({"a"}), nullptr}).status().message(), "cannot concatenate: array 1 is missing");
  EXPECT_EQ(Concatenate({MakeNullArray(list(int8()), 1), MakeNullArray(list(int16()), 1)}).status().message(),
            "cannot concatenate arrays of different types: list<item: int8> and list<item: int16>");
}

TEST(ConcatenateTest, NullsOfEveryType) {
  for (const auto& t : testing::EveryType()) {
    auto c = Concat({MakeNullArray(t, 2), MakeNullArray(t, 0), MakeNullArray(t, 3)->Slice(1, 2)});
    ASSERT_NE(c, nullptr) << t->ToString();
    EXPECT_EQ(PrettyPrint(*c), "[null, null, null, null]") << t->ToString();
  }
}

}  // namespace
}  // namespace hangar::arrow
