// Sample arrays of every type in type.h, built through the builders, for the
// C Data Interface tests (and the DuckDB interop test, which includes this
// file by its relative path). Deterministic: value i of a column depends only
// on i and the type.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "arrow/builder.h"

namespace hangar::arrow::testing {

template <typename T>
void Put(ArrayBuilder* b, T value) {
  static_cast<PrimitiveBuilder<T>*>(b)->Append(value);
}

inline std::string SampleText(int64_t i) {
  static const char* const kWords[] = {
      "", "a", "héllo", "exactly12byt", "thirteen byte", "a longer string, well past twelve"};
  return std::string(kWords[i % 6]) + (i >= 6 ? std::to_string(i) : "");
}

// Appends sample value number `i` of type `t` to `b` (a builder MakeBuilder
// made for `t`). Every fourth slot is null where `nullable`.
inline void AppendSample(ArrayBuilder* b, const DataType& t, int64_t i, bool nullable) {
  if (t.id() == TypeId::kNull || (nullable && i % 4 == 3)) {
    b->AppendNull();
    return;
  }
  switch (t.id()) {
    case TypeId::kBool: static_cast<BooleanBuilder*>(b)->Append(i % 3 == 0); break;
    case TypeId::kInt8: Put<int8_t>(b, static_cast<int8_t>(i == 0 ? -128 : i * 11 - 60)); break;
    case TypeId::kUInt8: Put<uint8_t>(b, static_cast<uint8_t>(255 - i)); break;
    case TypeId::kInt16: Put<int16_t>(b, static_cast<int16_t>(i == 1 ? 32767 : -i * 1000)); break;
    case TypeId::kUInt16: Put<uint16_t>(b, static_cast<uint16_t>(i * 6000)); break;
    case TypeId::kFloat16: Put<uint16_t>(b, static_cast<uint16_t>(0x3c00 + i)); break;
    case TypeId::kInt32: Put<int32_t>(b, static_cast<int32_t>(i == 0 ? INT32_MIN : i * 100003)); break;
    case TypeId::kUInt32: Put<uint32_t>(b, static_cast<uint32_t>(UINT32_MAX - i)); break;
    case TypeId::kInt64:
      Put<int64_t>(b, i == 0   ? std::numeric_limits<int64_t>::min()
                      : i == 1 ? std::numeric_limits<int64_t>::max()
                               : i * 1000000007LL);
      break;
    case TypeId::kUInt64: Put<uint64_t>(b, std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(i)); break;
    case TypeId::kFloat32: Put<float>(b, i == 2 ? -0.0f : static_cast<float>(i) / 3.0f); break;
    case TypeId::kFloat64:
      Put<double>(b, i == 2 ? std::nan("") : i == 4 ? -std::numeric_limits<double>::infinity() : i * 1.5e300);
      break;
    case TypeId::kDate32:
    case TypeId::kTime32:
    case TypeId::kIntervalYearMonth: Put<int32_t>(b, static_cast<int32_t>(i * 997 - 3000)); break;
    case TypeId::kDate64: Put<int64_t>(b, (i - 5) * 86400000LL); break;
    case TypeId::kTime64:
    case TypeId::kTimestamp:
    case TypeId::kDuration: Put<int64_t>(b, 1705314600000000LL + i * 1000003LL); break;
    case TypeId::kIntervalDayTime:
      Put<DayTimeInterval>(b, {static_cast<int32_t>(i), static_cast<int32_t>(-i * 1000)});
      break;
    case TypeId::kIntervalMonthDayNano:
      Put<MonthDayNanoInterval>(b, {static_cast<int32_t>(i), static_cast<int32_t>(-i), i * 1000000000LL});
      break;
    case TypeId::kUtf8:
    case TypeId::kBinary: static_cast<BinaryBuilder*>(b)->Append(SampleText(i)); break;
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: static_cast<LargeBinaryBuilder*>(b)->Append(SampleText(i)); break;
    case TypeId::kUtf8View:
    case TypeId::kBinaryView: static_cast<BinaryViewBuilder*>(b)->Append(SampleText(i)); break;
    case TypeId::kFixedSizeBinary: {
      std::string v(static_cast<size_t>(t.byte_width()), static_cast<char>('a' + i % 26));
      ASSERT_TRUE(static_cast<FixedSizeBinaryBuilder*>(b)->Append(v).ok());
      break;
    }
    case TypeId::kDecimal32:
    case TypeId::kDecimal64:
    case TypeId::kDecimal128:
    case TypeId::kDecimal256:
      static_cast<DecimalBuilder*>(b)->Append((i % 2 == 0 ? 1 : -1) * (12345 + i * 1000));
      break;
    case TypeId::kList:
    case TypeId::kMap: {
      auto* lb = static_cast<ListBuilder*>(b);
      lb->Append();
      for (int64_t j = 0; j < i % 4; ++j) {
        if (t.id() == TypeId::kMap) {
          // Keys are never null and distinct within one map.
          const DataType& entries = *t.child(0)->type();
          auto* eb = static_cast<StructBuilder*>(lb->value_builder());
          eb->Append();
          AppendSample(eb->field_builder(0), *entries.child(0)->type(), i * 10 + j, false);
          AppendSample(eb->field_builder(1), *entries.child(1)->type(), i * 10 + j, entries.child(1)->nullable());
        } else {
          AppendSample(lb->value_builder(), *t.child(0)->type(), i * 10 + j, t.child(0)->nullable());
        }
      }
      break;
    }
    case TypeId::kLargeList: {
      auto* lb = static_cast<LargeListBuilder*>(b);
      lb->Append();
      for (int64_t j = 0; j < i % 3; ++j)
        AppendSample(lb->value_builder(), *t.child(0)->type(), i + j, t.child(0)->nullable());
      break;
    }
    case TypeId::kListView: {
      auto* lb = static_cast<ListViewBuilder*>(b);
      lb->Append();
      for (int64_t j = 0; j < i % 3; ++j)
        AppendSample(lb->value_builder(), *t.child(0)->type(), i + j, t.child(0)->nullable());
      break;
    }
    case TypeId::kLargeListView: {
      auto* lb = static_cast<LargeListViewBuilder*>(b);
      lb->Append();
      for (int64_t j = 0; j < i % 3; ++j)
        AppendSample(lb->value_builder(), *t.child(0)->type(), i + j, t.child(0)->nullable());
      break;
    }
    case TypeId::kFixedSizeList: {
      auto* lb = static_cast<FixedSizeListBuilder*>(b);
      lb->Append();
      for (int32_t j = 0; j < t.list_size(); ++j)
        AppendSample(lb->value_builder(), *t.child(0)->type(), i + j, t.child(0)->nullable());
      break;
    }
    case TypeId::kStruct: {
      auto* sb = static_cast<StructBuilder*>(b);
      sb->Append();
      for (int c = 0; c < t.num_children(); ++c)
        AppendSample(sb->field_builder(c), *t.child(c)->type(), i + c, t.child(c)->nullable());
      break;
    }
    case TypeId::kSparseUnion:
    case TypeId::kDenseUnion: {
      auto* ub = static_cast<UnionBuilder*>(b);
      const size_t c = static_cast<size_t>(i) % t.type_codes().size();
      const int8_t code = t.type_codes()[c];
      ASSERT_TRUE(ub->Append(code).ok());
      AppendSample(ub->child_builder(code), *t.child(c)->type(), i, t.child(c)->nullable());
      break;
    }
    case TypeId::kDictionary: {
      auto* db = static_cast<DictionaryBuilder*>(b);
      if (t.value_type()->id() == TypeId::kInt32) {
        ASSERT_TRUE(db->AppendValue<int32_t>(static_cast<int32_t>(i % 3 * 100)).ok());
      } else {
        ASSERT_TRUE(db->Append("word" + std::to_string(i % 3)).ok());
      }
      break;
    }
    default: FAIL() << "no sample for " << t.ToString();
  }
}

inline ArrayPtr SampleArray(const TypePtr& type, int64_t n, bool nullable = true) {
  auto builder = MakeBuilder(type);
  EXPECT_TRUE(builder.ok()) << builder.status().ToString();
  if (!builder.ok()) return nullptr;
  ArrayBuilder* b = builder->get();
  if (type->id() == TypeId::kRunEndEncoded) {
    // Runs of 1, 2, 3, ... values, every third run null.
    auto* rb = static_cast<RunEndEncodedBuilder*>(b);
    int64_t run = 0;
    while (rb->length() < n) {
      AppendSample(rb->value_builder(), *type->child(1)->type(), run, /*nullable=*/run % 3 == 2);
      EXPECT_TRUE(rb->AppendRun(std::min<int64_t>(run % 3 + 1, n - rb->length())).ok());
      ++run;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) AppendSample(b, *type, i, nullable);
  }
  auto out = b->Finish();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : nullptr;
}

// A field of every type in type.h (several for parameterized ones), with
// nullability, field metadata and an extension type.
inline std::vector<FieldPtr> EveryTypeFields() {
  auto entries = field("entries", struct_({field("key", utf8(), false), field("value", int64())}), false);
  return {
      field("null", null()),
      field("bool", boolean()),
      field("int8", int8(), false),
      field("uint8", uint8()),
      field("int16", int16()),
      field("uint16", uint16()),
      field("int32", int32()),
      field("uint32", uint32()),
      field("int64", int64()),
      field("uint64", uint64()),
      field("float16", float16()),
      field("float32", float32()),
      field("float64", float64()),
      field("utf8", utf8()),
      field("large_utf8", large_utf8()),
      field("binary", binary()),
      field("large_binary", large_binary()),
      field("utf8_view", utf8_view()),
      field("binary_view", binary_view()),
      field("fixed_size_binary", fixed_size_binary(5)),
      field("decimal32", decimal(9, 2, 32)),
      field("decimal64", decimal(18, -3, 64)),
      field("decimal128", decimal128(38, 10)),
      field("decimal256", decimal256(76, 20)),
      field("date32", date32()),
      field("date64", date64()),
      field("time32_s", time32(TimeUnit::kSecond)),
      field("time32_ms", time32(TimeUnit::kMilli)),
      field("time64_us", time64(TimeUnit::kMicro)),
      field("time64_ns", time64(TimeUnit::kNano)),
      field("timestamp_s", timestamp(TimeUnit::kSecond)),
      field("timestamp_ms", timestamp(TimeUnit::kMilli, "+05:30")),
      field("timestamp_us", timestamp(TimeUnit::kMicro, "UTC")),
      field("timestamp_ns", timestamp(TimeUnit::kNano, "America/New_York")),
      field("duration_s", duration(TimeUnit::kSecond)),
      field("duration_ms", duration(TimeUnit::kMilli)),
      field("duration_us", duration(TimeUnit::kMicro)),
      field("duration_ns", duration(TimeUnit::kNano)),
      field("interval_ym", interval_year_month()),
      field("interval_dt", interval_day_time()),
      field("interval_mdn", interval_month_day_nano()),
      field("list", list(int32())),
      field("list_not_null_items", list(field("element", utf8(), false))),
      field("large_list", large_list(field("item", utf8()))),
      field("list_view", list_view(field("item", int16()))),
      field("large_list_view", large_list_view(field("item", float64()))),
      field("fixed_size_list", fixed_size_list(field("item", int8()), 3)),
      field("struct", struct_({field("a", int32()), field("b", utf8(), false), field("c", list(boolean()))})),
      field("map", map(entries, /*keys_sorted=*/true)),
      field("map_of_lists", map(int32(), list(utf8()))),
      field("sparse_union", sparse_union({field("i", int32()), field("s", utf8())}, {5, 9})),
      field("dense_union", dense_union({field("i", int64()), field("s", utf8()), field("b", boolean())}, {0, 7, 3})),
      field("dictionary", dictionary(int8(), utf8(), /*ordered=*/true)),
      field("dictionary_u32_int", dictionary(uint32(), int32())),
      field("list_of_dictionary", list(dictionary(int16(), large_utf8()))),
      field("ree_i32", run_end_encoded(int32(), utf8())),
      field("ree_i16", run_end_encoded(int16(), float64())),
      field("ree_i64", run_end_encoded(int64(), struct_({field("x", int8())}))),
      field("uuid", fixed_size_binary(16), true,
            {{"ARROW:extension:name", "arrow.uuid"}, {"ARROW:extension:metadata", ""}}),
      field("with_metadata", int32(), false, {{"k", "v"}, {"k", "duplicate key"}, {"", "empty key"}}),
      field("deep", list(struct_({field("m", map(utf8(), list(int64()))),
                                  field("u", dense_union({field("x", utf8_view())}, {1}))}))),
  };
}

inline RecordBatchPtr EveryTypeBatch(int64_t n) {
  auto sch = schema(EveryTypeFields(), {{"schema-level", "metadata"}, {"owner", "hangar"}});
  std::vector<ArrayPtr> columns;
  for (const auto& f : sch->fields()) columns.push_back(SampleArray(f->type(), n, f->nullable()));
  return MakeRecordBatch(sch, n, std::move(columns));
}

}  // namespace hangar::arrow::testing
