// Equality of arrays and record batches, with a description of the first
// difference (for tests, `hangar-integration --mode validate` and error messages).
#pragma once

#include <string>

#include "arrow/array.h"

namespace hangar::arrow {

struct EqualOptions {
  // Floating point values compare equal when both are NaN.
  bool nans_equal = true;
  // -0.0 equals 0.0 (IEEE ==). When false, zeros must also agree in sign;
  // all other values compare with == either way.
  bool signed_zeros_equal = true;
  // Compare field/schema metadata of the types involved.
  bool check_metadata = true;
};

// Logical equality: same type and length, same validity, same values, whatever
// the offsets, buffer padding or physical layout. Values under a null slot are
// ignored; dictionary arrays compare their decoded values (not indices), run-end
// encoded arrays their logical values (not runs), unions the value each slot
// selects, views their bytes.
bool ArrayEquals(const Array& a, const Array& b, const EqualOptions& options = {});

// "" if equal, otherwise the first difference:
//   "type: int32 vs int64"     "length: 3 vs 2"     "row 17: 3 vs 4"
// and below nested values the path to the differing leaf, each step naming a
// struct field, a list element (its position in the list) or the union child
// the slot selects, with both values printed (pretty_print.h):
//   "row 3 field 'b': \"x\" vs \"y\""     "row 3 element 1: 5 vs 6"
//   "row 2 element 0 field 'key': \"a\" vs \"b\""   "row 4 child 'i': 1 vs 2"
// A difference in validity or in a list's length stops at that level:
//   "row 3 field 'p': null vs {x: 1}"     "row 1: [1, 2] vs [1, 2, 3]"
std::string ArrayDiff(const Array& a, const Array& b, const EqualOptions& options = {});

// "" if equal, otherwise "schema: <Schema::Diff>", "rows: 3 vs 4", or the
// column's ArrayDiff prefixed by its index and name, e.g.
// "column 2 'price' row 17: 1.5 vs 2.5".
std::string BatchDiff(const RecordBatch& expected, const RecordBatch& actual, const EqualOptions& options = {});

}  // namespace hangar::arrow
