// Equality of arrays and record batches, with a description of the first
// difference (for tests, `hangar-integration --mode validate` and error messages).
#pragma once

#include <string>

#include "arrow/array.h"

namespace hangar::arrow {

struct EqualOptions {
  // Floating point values compare equal when both are NaN.
  bool nans_equal = true;
  // Compare field/schema metadata of the types involved.
  bool check_metadata = true;
};

// Logical equality: same type and length, same validity, same values, whatever
// the offsets, buffer padding or (for dictionaries) index assignment. Values
// under a null slot are ignored.
bool ArrayEquals(const Array& a, const Array& b, const EqualOptions& options = {});

// "" if equal, otherwise the first difference, e.g. "row 17: 3 vs 4" or
// "type: int32 vs int64" (nested: "row 3 child 'b' row 5: ...").
std::string ArrayDiff(const Array& a, const Array& b, const EqualOptions& options = {});

// "" if equal, otherwise e.g. "schema: field 1 ..." or "column 2 'price' row 17: 1.5 vs 2.5".
std::string BatchDiff(const RecordBatch& expected, const RecordBatch& actual, const EqualOptions& options = {});

}  // namespace hangar::arrow
