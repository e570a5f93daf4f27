// Readable text for arrays, record batches and single values:
//   [1, 2, null]   ["a", "b"]   [{a: 1, b: "x"}, null]   [2024-01-15 10:30:00.123456Z]
#pragma once

#include <cstdint>
#include <string>

#include "arrow/array.h"

namespace hangar::arrow {

struct PrettyPrintOptions {
  // Arrays longer than 2 * window print their first and last `window` values
  // around a "...". 0 prints everything.
  int64_t window = 10;
};

std::string PrettyPrint(const Array& array, const PrettyPrintOptions& options = {});
// One "name: [values]" line per column.
std::string PrettyPrint(const RecordBatch& batch, const PrettyPrintOptions& options = {});

// The value at logical index `i` ("null" for a null slot); nested lists
// longer than 20 values print their first and last 10 around "...".
std::string FormatValue(const Array& array, int64_t i);

// Decimal text of a little-endian two's complement integer of `bytes` bytes
// (4, 8, 16 or 32) with `scale` digits after the point.
std::string FormatDecimal(const uint8_t* value, int bytes, int32_t scale);

}  // namespace hangar::arrow
