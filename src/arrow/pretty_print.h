// Readable text for arrays, record batches and single values, one line each:
//   [1, 2, null]   ["a", "b"]   [{a: 1, b: "x"}, null]   [[1, 2], []]
//   [2024-01-15 10:30:00.123456Z]   [2024-01-15]   [123.45]   [00FF]
//
// Values: integers and floats in their shortest exact form (nan, inf, -0),
// strings quoted with C escapes, binary as upper-case hex, dates as
// YYYY-MM-DD, times as HH:MM:SS with as many fraction digits as the unit
// has, timestamps as UTC date and time followed by "Z" when the type has a
// time zone (the stored value is an instant; a zone-less timestamp is a local
// date-time and has no suffix), decimals with their scale (123.45), durations
// with their unit (15ms), intervals as 14M, 4d5ms and 1M2d3ns, structs as
// {name: value, ...}, maps as {key: value, ...}, lists as [...], and union,
// dictionary and run-end encoded slots as the value they stand for.
//
// Output is bounded whatever the input: long lists are elided around "...",
// and printing stops with "..." once the text reaches a few MiB.
#pragma once

#include <cstdint>
#include <string>

#include "arrow/array.h"

namespace hangar::arrow {

struct PrettyPrintOptions {
  // Arrays (and the lists and maps nested in their values) longer than
  // 2 * window print their first and last `window` values around a "...".
  // 0 prints everything.
  int64_t window = 10;
};

std::string PrettyPrint(const Array& array, const PrettyPrintOptions& options = {});
// One "name: [values]" line per column.
std::string PrettyPrint(const RecordBatch& batch, const PrettyPrintOptions& options = {});

// The value at logical index `i` ("null" for a null slot); nested lists and
// maps longer than 20 values print their first and last 10 around "...".
std::string FormatValue(const Array& array, int64_t i);

// Decimal text of a little-endian two's complement integer of `bytes` bytes
// (4, 8, 16 or 32) with `scale` digits after the point: 12345 with scale 2 is
// "123.45", with scale -2 "1234500".
std::string FormatDecimal(const uint8_t* value, int bytes, int32_t scale);

}  // namespace hangar::arrow
