// Concatenation of arrays of one type into a new array (copies values).
// Used for dictionary deltas and for coalescing small batches.
#pragma once

#include <vector>

#include "arrow/array.h"

namespace hangar::arrow {

// All arrays must have the same type (Invalid otherwise). Offsets and slices
// are honoured; the result has offset 0.
Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays);

}  // namespace hangar::arrow
