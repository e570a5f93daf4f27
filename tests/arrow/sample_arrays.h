// Deterministic sample arrays of every type, made through the builders: the
// shared input of the builder, comparison, concatenation and array tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arrow/builder.h"

namespace hangar::arrow::testing {

// A type of every kind in type.h (several for parameterized ones).
inline std::vector<TypePtr> EveryType() {
  return {
      null(),
      boolean(),
      int8(),
      int16(),
      int32(),
      int64(),
      uint8(),
      uint16(),
      uint32(),
      uint64(),
      float16(),
      float32(),
      float64(),
      utf8(),
      large_utf8(),
      binary(),
      large_binary(),
      utf8_view(),
      binary_view(),
      fixed_size_binary(3),
      decimal(9, 2, 32),
      decimal(18, -1, 64),
      decimal128(38, 10),
      decimal256(76, 5),
      date32(),
      date64(),
      time32(TimeUnit::kSecond),
      time32(TimeUnit::kMilli),
      time64(TimeUnit::kMicro),
      time64(TimeUnit::kNano),
      timestamp(TimeUnit::kSecond),
      timestamp(TimeUnit::kMilli, "UTC"),
      timestamp(TimeUnit::kMicro, "+05:30"),
      timestamp(TimeUnit::kNano),
      duration(TimeUnit::kSecond),
      duration(TimeUnit::kNano),
      interval_year_month(),
      interval_day_time(),
      interval_month_day_nano(),
      list(int32()),
      large_list(field("item", utf8())),
      list_view(field("item", int16())),
      large_list_view(field("item", utf8())),
      fixed_size_list(field("item", int8()), 3),
      struct_({field("a", int32()), field("b", utf8()), field("c", list(boolean()))}),
      map(utf8(), int64()),
      sparse_union({field("i", int32()), field("s", utf8())}, {5, 9}),
      dense_union({field("i", int64()), field("s", utf8()), field("b", boolean())}, {0, 7, 3}),
      dictionary(int8(), utf8()),
      dictionary(uint32(), int32()),
      dictionary(int16(), binary_view()),
      run_end_encoded(int32(), utf8()),
      run_end_encoded(int16(), float64()),
      run_end_encoded(int64(), int32()),
      list(struct_({field("m", map(utf8(), list(int64()))), field("u", dense_union({field("x", utf8_view())}, {1}))})),
  };
}

// A well-mixed number for slot i, so that neighbouring slots differ.
inline uint64_t SampleHash(int64_t i, uint64_t seed) {
  uint64_t x = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull + seed * 0xbf58476d1ce4e5b9ull + 1;
  x ^= x >> 31;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 29);
}

inline std::string SampleText(uint64_t h) {
  static const char* const kWords[] = {
      "", "a", "héllo", "exactly12byt", "thirteen byte", "a string well past twelve bytes"};
  return std::string(kWords[h % 6]) + std::to_string(h % 7);
}

// Appends sample value `i` of `t` to `b` (made by MakeBuilder for `t`);
// about one slot in five is null. Returns false on a builder error.
inline bool AppendSample(ArrayBuilder* b, const DataType& t, int64_t i, uint64_t seed) {
  const uint64_t h = SampleHash(i, seed);
  if (t.id() == TypeId::kNull || (t.id() != TypeId::kRunEndEncoded && h % 5 == 0)) {
    b->AppendNull();
    return true;
  }
  const auto v = static_cast<int64_t>(h >> 8);
  switch (t.id()) {
    case TypeId::kBool: static_cast<BooleanBuilder*>(b)->Append(h & 2); return true;
    case TypeId::kInt8: static_cast<PrimitiveBuilder<int8_t>*>(b)->Append(static_cast<int8_t>(v)); return true;
    case TypeId::kInt16: static_cast<PrimitiveBuilder<int16_t>*>(b)->Append(static_cast<int16_t>(v)); return true;
    case TypeId::kInt32:
    case TypeId::kDate32:
    case TypeId::kIntervalYearMonth:
      static_cast<PrimitiveBuilder<int32_t>*>(b)->Append(static_cast<int32_t>(v % 100000));
      return true;
    case TypeId::kTime32:
      static_cast<PrimitiveBuilder<int32_t>*>(b)->Append(static_cast<int32_t>(v % 86400));
      return true;
    case TypeId::kInt64:
    case TypeId::kDate64:
    case TypeId::kTimestamp:
    case TypeId::kDuration: static_cast<PrimitiveBuilder<int64_t>*>(b)->Append(v % 4000000000000); return true;
    case TypeId::kTime64: static_cast<PrimitiveBuilder<int64_t>*>(b)->Append(v % 86400000000); return true;
    case TypeId::kUInt8: static_cast<PrimitiveBuilder<uint8_t>*>(b)->Append(static_cast<uint8_t>(v)); return true;
    case TypeId::kUInt16: static_cast<PrimitiveBuilder<uint16_t>*>(b)->Append(static_cast<uint16_t>(v)); return true;
    case TypeId::kUInt32: static_cast<PrimitiveBuilder<uint32_t>*>(b)->Append(static_cast<uint32_t>(v)); return true;
    case TypeId::kUInt64: static_cast<PrimitiveBuilder<uint64_t>*>(b)->Append(h); return true;
    case TypeId::kFloat16:
      static_cast<HalfFloatBuilder*>(b)->AppendFloat(static_cast<float>(v % 1000) / 8);
      return true;
    case TypeId::kFloat32:
      static_cast<PrimitiveBuilder<float>*>(b)->Append(static_cast<float>(v % 1000) / 4);
      return true;
    case TypeId::kFloat64:
      static_cast<PrimitiveBuilder<double>*>(b)->Append(static_cast<double>(v % 100000) / 16);
      return true;
    case TypeId::kIntervalDayTime:
      static_cast<PrimitiveBuilder<DayTimeInterval>*>(b)->Append(
          {static_cast<int32_t>(v % 30), static_cast<int32_t>(v % 1000)});
      return true;
    case TypeId::kIntervalMonthDayNano:
      static_cast<PrimitiveBuilder<MonthDayNanoInterval>*>(b)->Append(
          {static_cast<int32_t>(v % 12), static_cast<int32_t>(v % 30), v % 1000000});
      return true;
    case TypeId::kUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary:
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: return AppendBytes(b, SampleText(h)).ok();
    case TypeId::kFixedSizeBinary:
      return static_cast<FixedSizeBinaryBuilder*>(b)->Append(SampleText(h).substr(0, 1) + "xy").ok();
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256: static_cast<DecimalBuilder*>(b)->Append((h & 1 ? -1 : 1) * (v % 10000000)); return true;
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kListView:
    case TypeId::kLargeListView:
    case TypeId::kMap: {
      switch (t.id()) {
        case TypeId::kList:
        case TypeId::kMap: static_cast<ListBuilder*>(b)->Append(); break;
        case TypeId::kLargeList: static_cast<LargeListBuilder*>(b)->Append(); break;
        case TypeId::kListView: static_cast<ListViewBuilder*>(b)->Append(); break;
        default: static_cast<LargeListViewBuilder*>(b)->Append(); break;
      }
      for (int64_t k = 0; k < static_cast<int64_t>(h % 4); ++k) {
        if (t.id() == TypeId::kMap) {
          auto* m = static_cast<MapBuilder*>(b);
          m->entries_builder()->Append();
          if (!AppendBytes(m->key_builder(), "k" + std::to_string(k)).ok()) return false;
          if (!AppendSample(m->item_builder(), *t.child(0)->type()->child(1)->type(), i * 10 + k, seed)) return false;
        } else if (!AppendSample(b->child(0), *t.child(0)->type(), i * 10 + k, seed)) {
          return false;
        }
      }
      return true;
    }
    case TypeId::kFixedSizeList:
      static_cast<FixedSizeListBuilder*>(b)->Append();
      for (int32_t k = 0; k < t.list_size(); ++k) {
        if (!AppendSample(b->child(0), *t.child(0)->type(), i * 10 + k, seed)) return false;
      }
      return true;
    case TypeId::kStruct:
      static_cast<StructBuilder*>(b)->Append();
      for (int c = 0; c < t.num_children(); ++c) {
        if (!AppendSample(b->child(c), *t.child(static_cast<size_t>(c))->type(), i + c, seed)) return false;
      }
      return true;
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      auto* u = static_cast<UnionBuilder*>(b);
      const size_t c = (h >> 3) % t.type_codes().size();
      const int8_t code = t.type_codes()[c];
      return u->Append(code).ok() && AppendSample(u->child_builder(code), *t.child(c)->type(), i, seed);
    }
    case TypeId::kDictionary: {
      auto* d = static_cast<DictionaryBuilder*>(b);
      if (t.value_type()->is_integer()) return d->AppendValue<int32_t>(static_cast<int32_t>(v % 4) * 100).ok();
      return d->Append("word" + std::to_string(v % 4)).ok();
    }
    case TypeId::kRunEndEncoded: {
      // Runs of three equal values; every fourth run null.
      auto* r = static_cast<RunEndEncodedBuilder*>(b);
      const int64_t run = i / 3;
      const uint64_t rh = SampleHash(run, seed);
      if (rh % 4 == 0) {
        r->AppendNull();
        return true;
      }
      switch (t.child(1)->type()->id()) {
        case TypeId::kUtf8: return r->Append(SampleText(rh)).ok();
        case TypeId::kFloat64: return r->AppendValue<double>(static_cast<double>(rh % 100) / 4).ok();
        default: return r->AppendValue<int32_t>(static_cast<int32_t>(rh % 1000)).ok();
      }
    }
    default: return false;
  }
}

// `n` sample values of `type` (nullptr on a builder error).
inline ArrayPtr SampleArray(const TypePtr& type, int64_t n, uint64_t seed = 1) {
  auto builder = MakeBuilder(type);
  if (!builder.ok()) return nullptr;
  for (int64_t i = 0; i < n; ++i) {
    if (!AppendSample(builder->get(), *type, i, seed)) return nullptr;
  }
  auto out = (*builder)->Finish();
  return out.ok() ? *out : nullptr;
}

}  // namespace hangar::arrow::testing
