// Builders for every type: the arrays they produce are checked through the
// pretty printer (exact text), validation, and an IPC round trip.
#include "arrow/builder.h"

#include <gtest/gtest.h>

#include <cstring>

#include "arrow/compare.h"
#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "arrow/pretty_print.h"
#include "arrow/validate.h"

namespace hangar::arrow {
namespace {

template <typename B>
B* As(const std::unique_ptr<ArrayBuilder>& b) {
  return static_cast<B*>(b.get());
}

// Finishes, validates, round-trips through IPC and returns the printed array.
std::string Check(ArrayBuilder* builder) {
  auto array = builder->Finish();
  EXPECT_TRUE(array.ok()) << array.status().ToString();
  if (!array.ok()) return "";
  EXPECT_TRUE(ValidateArray(**array).ok()) << ValidateArray(**array).ToString();
  auto sch = schema({field("c", (*array)->type)});
  auto batch = MakeRecordBatch(sch, (*array)->length, {*array});
  auto bytes = ipc::WriteStream(sch, {batch});
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto back = ipc::ReadStream(Buffer::FromString(*bytes));
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  if (back.ok()) {
    EXPECT_EQ(BatchDiff(*batch, *back->batches[0]), "");
  }
  return PrettyPrint(**array, {0});
}

std::unique_ptr<ArrayBuilder> Make(const TypePtr& type) {
  auto b = MakeBuilder(type);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

TEST(BuilderTest, Primitives) {
  auto b = Make(int32());
  As<PrimitiveBuilder<int32_t>>(b)->Append(1);
  b->AppendNull();
  As<PrimitiveBuilder<int32_t>>(b)->Append(-3);
  EXPECT_EQ(b->null_count(), 1);
  EXPECT_EQ(Check(b.get()), "[1, null, -3]");
  EXPECT_EQ(b->length(), 0);  // reset for reuse

  auto u = Make(uint64());
  As<PrimitiveBuilder<uint64_t>>(u)->Append(18446744073709551615ull);
  EXPECT_EQ(Check(u.get()), "[18446744073709551615]");

  auto d = Make(float64());
  As<PrimitiveBuilder<double>>(d)->Append(1.5);
  As<PrimitiveBuilder<double>>(d)->Append(-0.25);
  EXPECT_EQ(Check(d.get()), "[1.5, -0.25]");

  auto h = Make(float16());
  As<PrimitiveBuilder<uint16_t>>(h)->Append(0x3C00);  // 1.0
  EXPECT_EQ(Check(h.get()), "[1]");
}

TEST(BuilderTest, NoNullsMeansNoValidityBitmap) {
  auto b = Make(int64());
  As<PrimitiveBuilder<int64_t>>(b)->Append(7);
  auto a = b->Finish();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->buffers[0], nullptr);
}

TEST(BuilderTest, BooleanNullAndBinaries) {
  auto b = Make(boolean());
  As<BooleanBuilder>(b)->Append(true);
  b->AppendNull();
  for (int i = 0; i < 9; ++i) As<BooleanBuilder>(b)->Append(i % 2 == 0);
  EXPECT_EQ(Check(b.get()), "[true, null, true, false, true, false, true, false, true, false, true]");

  NullBuilder n;
  n.AppendNulls(3);
  EXPECT_EQ(Check(&n), "[null, null, null]");

  for (auto type : {utf8(), large_utf8()}) {
    auto s = Make(type);
    if (type->id() == TypeId::kUtf8) {
      As<BinaryBuilder>(s)->Append("héllo");
      s->AppendNull();
      As<BinaryBuilder>(s)->Append("");
    } else {
      As<LargeBinaryBuilder>(s)->Append("héllo");
      s->AppendNull();
      As<LargeBinaryBuilder>(s)->Append("");
    }
    EXPECT_EQ(Check(s.get()), "[\"héllo\", null, \"\"]");
  }
  auto bin = Make(binary());
  As<BinaryBuilder>(bin)->Append(std::string("\x00\xff", 2));
  EXPECT_EQ(Check(bin.get()), "[00FF]");
}

TEST(BuilderTest, ViewsInlineAndOutOfLine) {
  auto b = Make(utf8_view());
  As<BinaryViewBuilder>(b)->Append("short");
  As<BinaryViewBuilder>(b)->Append("a string longer than twelve bytes");
  b->AppendNull();
  auto a = b->Finish();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->buffers.size(), 3u);  // validity, views, one data buffer
  EXPECT_EQ(PrettyPrint(**a), "[\"short\", \"a string longer than twelve bytes\", null]");
  EXPECT_TRUE(ValidateArray(**a).ok());
}

TEST(BuilderTest, FixedSizeBinaryAndDecimals) {
  auto f = Make(fixed_size_binary(2));
  ASSERT_TRUE(As<FixedSizeBinaryBuilder>(f)->Append("ab").ok());
  EXPECT_FALSE(As<FixedSizeBinaryBuilder>(f)->Append("abc").ok());
  f->AppendNull();
  EXPECT_EQ(Check(f.get()), "[6162, null]");

  for (auto type : {decimal(9, 2, 32), decimal(18, 2, 64), decimal128(10, 2), decimal256(40, 2)}) {
    auto d = Make(type);
    As<DecimalBuilder>(d)->Append(12345);
    As<DecimalBuilder>(d)->Append(-5);
    EXPECT_EQ(Check(d.get()), "[123.45, -0.05]") << type->ToString();
  }
}

TEST(BuilderTest, TemporalAndIntervals) {
  auto ts = Make(timestamp(TimeUnit::kMilli, "UTC"));
  As<PrimitiveBuilder<int64_t>>(ts)->Append(1705314600123);
  EXPECT_EQ(Check(ts.get()), "[2024-01-15 10:30:00.123Z]");
  auto d = Make(date32());
  As<PrimitiveBuilder<int32_t>>(d)->Append(19737);
  EXPECT_EQ(Check(d.get()), "[2024-01-15]");
  auto t = Make(time64(TimeUnit::kMicro));
  As<PrimitiveBuilder<int64_t>>(t)->Append(3723000001);
  EXPECT_EQ(Check(t.get()), "[01:02:03.000001]");
  auto dur = Make(duration(TimeUnit::kNano));
  As<PrimitiveBuilder<int64_t>>(dur)->Append(15);
  EXPECT_EQ(Check(dur.get()), "[15ns]");
  auto mdn = Make(interval_month_day_nano());
  As<PrimitiveBuilder<MonthDayNanoInterval>>(mdn)->Append({1, 2, 3});
  EXPECT_EQ(Check(mdn.get()), "[1M2d3ns]");
  auto dt = Make(interval_day_time());
  As<PrimitiveBuilder<DayTimeInterval>>(dt)->Append({4, 5});
  EXPECT_EQ(Check(dt.get()), "[4d5ms]");
}

TEST(BuilderTest, Lists) {
  for (auto type : {list(int32()), large_list(field("item", int32())), list_view(field("item", int32())),
                    large_list_view(field("item", int32()))}) {
    auto b = Make(type);
    auto* v = static_cast<PrimitiveBuilder<int32_t>*>(b->child(0));
    auto open = [&] {
      switch (type->id()) {
        case TypeId::kList: static_cast<ListBuilder*>(b.get())->Append(); break;
        case TypeId::kLargeList: static_cast<LargeListBuilder*>(b.get())->Append(); break;
        case TypeId::kListView: static_cast<ListViewBuilder*>(b.get())->Append(); break;
        default: static_cast<LargeListViewBuilder*>(b.get())->Append(); break;
      }
    };
    open();
    v->Append(1);
    v->Append(2);
    b->AppendNull();
    open();
    open();
    v->Append(3);
    EXPECT_EQ(Check(b.get()), "[[1, 2], null, [], [3]]") << type->ToString();
  }
  auto fsl = Make(fixed_size_list(field("item", int16()), 2));
  auto* fv = static_cast<PrimitiveBuilder<int16_t>*>(fsl->child(0));
  As<FixedSizeListBuilder>(fsl)->Append();
  fv->Append(1);
  fv->Append(2);
  fsl->AppendNull();
  EXPECT_EQ(Check(fsl.get()), "[[1, 2], null]");
}

TEST(BuilderTest, StructAndMap) {
  auto type = struct_({field("a", int32()), field("b", utf8())});
  auto b = Make(type);
  auto* s = As<StructBuilder>(b);
  s->Append();
  static_cast<PrimitiveBuilder<int32_t>*>(s->field_builder(0))->Append(1);
  static_cast<BinaryBuilder*>(s->field_builder(1))->Append("x");
  s->AppendNull();
  EXPECT_EQ(Check(b.get()), "[{a: 1, b: \"x\"}, null]");

  auto m = Make(map(utf8(), int64()));
  auto* mb = As<MapBuilder>(m);
  auto* entries = static_cast<StructBuilder*>(mb->value_builder());
  mb->Append();
  entries->Append();
  static_cast<BinaryBuilder*>(entries->field_builder(0))->Append("k");
  static_cast<PrimitiveBuilder<int64_t>*>(entries->field_builder(1))->Append(9);
  mb->AppendNull();
  EXPECT_EQ(Check(m.get()), "[{\"k\": 9}, null]");
}

TEST(BuilderTest, Unions) {
  for (auto type : {sparse_union({field("i", int32()), field("s", utf8())}, {5, 7}),
                    dense_union({field("i", int32()), field("s", utf8())}, {5, 7})}) {
    auto b = Make(type);
    auto* u = As<UnionBuilder>(b);
    ASSERT_TRUE(u->Append(5).ok());
    static_cast<PrimitiveBuilder<int32_t>*>(u->child_builder(5))->Append(42);
    ASSERT_TRUE(u->Append(7).ok());
    static_cast<BinaryBuilder*>(u->child_builder(7))->Append("hi");
    u->AppendNull();
    EXPECT_FALSE(u->Append(3).ok());
    EXPECT_EQ(Check(b.get()), "[42, \"hi\", null]") << type->ToString();
  }
}

TEST(BuilderTest, DictionaryMemoizesValues) {
  auto b = Make(dictionary(int8(), utf8()));
  auto* d = As<DictionaryBuilder>(b);
  for (const char* v : {"red", "green", "red", "red"}) ASSERT_TRUE(d->Append(v).ok());
  d->AppendNull();
  EXPECT_EQ(d->dictionary_length(), 2);
  auto a = b->Finish();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(PrettyPrint(*(*a)->dictionary), "[\"red\", \"green\"]");
  EXPECT_EQ(PrettyPrint(**a), "[\"red\", \"green\", \"red\", \"red\", null]");

  auto ints = Make(dictionary(int32(), int64()));
  ASSERT_TRUE(As<DictionaryBuilder>(ints)->AppendValue<int64_t>(10).ok());
  ASSERT_TRUE(As<DictionaryBuilder>(ints)->AppendValue<int64_t>(10).ok());
  ASSERT_TRUE(As<DictionaryBuilder>(ints)->AppendValue<int64_t>(20).ok());
  EXPECT_EQ(Check(ints.get()), "[10, 10, 20]");
}

TEST(BuilderTest, DictionaryRefusesToOverflowItsIndexType) {
  auto b = Make(dictionary(int8(), utf8()));
  auto* d = As<DictionaryBuilder>(b);
  for (int i = 0; i < 128; ++i) ASSERT_TRUE(d->Append(std::to_string(i)).ok());
  Status st = d->Append("one too many");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "dictionary outgrew its index type int8");
}

TEST(BuilderTest, RunEndEncoded) {
  auto b = Make(run_end_encoded(int32(), utf8()));
  auto* r = As<RunEndEncodedBuilder>(b);
  static_cast<BinaryBuilder*>(r->value_builder())->Append("a");
  ASSERT_TRUE(r->AppendRun(2).ok());
  ASSERT_TRUE(r->ExtendRun(1).ok());
  r->AppendNull();
  static_cast<BinaryBuilder*>(r->value_builder())->Append("b");
  ASSERT_TRUE(r->AppendRun(1).ok());
  EXPECT_EQ(Check(b.get()), "[\"a\", \"a\", \"a\", null, \"b\"]");
}

TEST(BuilderTest, EveryTypeHasABuilder) {
  std::vector<TypePtr> types = {null(), boolean(), int8(), uint16(), float16(), float32(), utf8(), large_binary(),
                                binary_view(), fixed_size_binary(3), decimal256(50, 3), date64(),
                                time32(TimeUnit::kSecond), timestamp(TimeUnit::kNano), duration(TimeUnit::kSecond),
                                interval_year_month(), list(utf8()), fixed_size_list(field("x", boolean()), 3),
                                struct_({field("a", list(int8()))}), map(utf8(), list(int32())),
                                sparse_union({field("a", int8())}), dense_union({field("a", utf8())}),
                                dictionary(int16(), utf8()), run_end_encoded(int64(), float64())};
  for (const auto& t : types) {
    auto b = Make(t);
    b->AppendNulls(3);
    auto a = b->Finish();
    ASSERT_TRUE(a.ok()) << t->ToString();
    EXPECT_EQ((*a)->length, 3) << t->ToString();
    EXPECT_TRUE(ValidateArray(**a).ok()) << t->ToString() << ": " << ValidateArray(**a).ToString();
    EXPECT_EQ(PrettyPrint(**a), "[null, null, null]") << t->ToString();
  }
}

}  // namespace
}  // namespace hangar::arrow
