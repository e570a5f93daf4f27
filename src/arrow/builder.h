// Builders: append values one at a time, get an Array.
//
// Every type has a builder, and MakeBuilder(type) creates the whole tree for
// nested types (a list's value builder, a struct's field builders, ...):
//
//   type                                   builder (MakeBuilder returns)
//   null                                   NullBuilder
//   bool                                   BooleanBuilder
//   int8..int64, uint8..uint64             PrimitiveBuilder<int8_t> .. <uint64_t>
//   float16                                HalfFloatBuilder (a PrimitiveBuilder<uint16_t>)
//   float32, float64                       PrimitiveBuilder<float>, <double>
//   date32, time32, interval[year_month]   PrimitiveBuilder<int32_t>
//   date64, time64, timestamp, duration    PrimitiveBuilder<int64_t>
//   interval[day_time]                     PrimitiveBuilder<DayTimeInterval>
//   interval[month_day_nano]               PrimitiveBuilder<MonthDayNanoInterval>
//   utf8, binary                           BinaryBuilder
//   large_utf8, large_binary               LargeBinaryBuilder
//   utf8_view, binary_view                 BinaryViewBuilder
//   fixed_size_binary                      FixedSizeBinaryBuilder
//   decimal32/64/128/256                   DecimalBuilder
//   list, large_list                       ListBuilder, LargeListBuilder
//   list_view, large_list_view             ListViewBuilder, LargeListViewBuilder
//   fixed_size_list                        FixedSizeListBuilder
//   struct                                 StructBuilder
//   map                                    MapBuilder (a ListBuilder of entry structs)
//   sparse_union, dense_union              UnionBuilder
//   dictionary                             DictionaryBuilder
//   run_end_encoded                        RunEndEncodedBuilder
//
// Typed appends are inline and non-virtual, and allocate nothing but the
// amortized growth of their buffers: decoders write millions of values a
// second through them, holding typed pointers to the builders of their
// columns. Finish() hands the buffers over without copying and resets the
// builder for reuse. A builder that saw no null produces an array without a
// validity bitmap. The arrays follow the buffer layout documented in array.h.
#pragma once

#include <memory>
#include <string_view>

#include "arrow/builder_base.h"
#include "arrow/builder_binary.h"
#include "arrow/builder_dictionary.h"
#include "arrow/builder_nested.h"
#include "arrow/builder_primitive.h"
#include "arrow/builder_run_end.h"

namespace hangar::arrow {

// A builder for any valid type, with child builders for nested types
// (Invalid for a type that ValidateType refuses).
Result<std::unique_ptr<ArrayBuilder>> MakeBuilder(const TypePtr& type);

// Appends one value given as bytes, whatever the builder's flat type: the
// bytes of a utf8/binary/view value, exactly byte_width bytes for
// fixed_size_binary and fixed-width types (little-endian numbers), one byte
// (0 or not) for bool. Unimplemented for nested types; Invalid on a wrong width.
Status AppendBytes(ArrayBuilder* builder, std::string_view value);

}  // namespace hangar::arrow
