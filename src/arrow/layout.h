// Values kept, layout changed: the string and binary families each have
// three layouts of the same values (utf8, large_utf8, utf8_view; binary,
// large_binary, binary_view). Different writers pick different ones —
// pandas large_utf8, polars utf8_view, pyarrow utf8 — for the same column.
#pragma once

#include "arrow/array.h"

namespace hangar::arrow {

// Whether `from` and `to` hold the same values in other layouts: equal
// types, or both of one string or binary family, or structs whose fields
// (same names, nullability and metadata) are so, field by field.
bool SameValuesInOtherLayout(const DataType& from, const DataType& to);

// `array` in type `to` (SameValuesInOtherLayout must hold); the array itself
// when the types are equal.
Result<ArrayPtr> ToLayout(const ArrayPtr& array, const TypePtr& to);

}  // namespace hangar::arrow
