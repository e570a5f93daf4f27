// Validation of arrays that came from outside (IPC, the C Data Interface).
//
// Everything else in the Arrow core trusts an Array's layout. Data from the
// wire becomes trusted only after ValidateArray: buffers large enough for
// length + offset, offsets monotonic and inside their data, list children long
// enough, union type ids and dense offsets valid, dictionary indices in range,
// run ends increasing, view buffer references in range. UTF-8 content is not
// checked (a reader that needs it checks it).
#pragma once

#include "arrow/array.h"

namespace hangar::arrow {

struct ValidateOptions {
  // Adds the O(n) checks of offsets, indices, type ids, run ends, views and
  // null counts; without it only sizes and shapes (O(1) per array) are checked.
  bool full = true;
  // Descends into the values of dictionary arrays. Indices are checked
  // against the dictionary's length either way; a reader that validated each
  // dictionary when it arrived turns this off instead of re-checking a large
  // dictionary with every batch.
  bool check_dictionary_values = true;
};

Status ValidateArray(const Array& array, const ValidateOptions& options);
inline Status ValidateArray(const Array& array, bool full = true) {
  return ValidateArray(array, ValidateOptions{full, true});
}

// Validates every column and that each has the batch's length and the schema's type.
Status ValidateBatch(const RecordBatch& batch, const ValidateOptions& options);
inline Status ValidateBatch(const RecordBatch& batch, bool full = true) {
  return ValidateBatch(batch, ValidateOptions{full, true});
}

}  // namespace hangar::arrow
