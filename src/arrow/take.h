// Take: the rows of an array chosen by index, as a new array of the same type.
//
// Used where a layout has to be unfolded into plain rows (a dictionary into
// its values, a run-end encoded array into one value per row, a dense union
// into one child per row) and folded back. Flat types (fixed-width, bool,
// utf8/binary and their large forms) are gathered value by value; every
// other type is cut into slices of consecutive indices and concatenated,
// which costs one slice per run of consecutive rows and so suits the
// occasional nested column rather than bulk data.
#pragma once

#include <cstdint>
#include <vector>

#include "arrow/array.h"

namespace hangar::arrow {

// Row k of the result is row indices[k] of `values` (0 <= index <
// values.length), or null where indices[k] is negative (for unions and
// run-end encoded types, which have no validity bitmap, a null slot of the
// type's first child). Invalid for an index past the end.
Result<ArrayPtr> Take(const ArrayPtr& values, const std::vector<int64_t>& indices);

}  // namespace hangar::arrow
