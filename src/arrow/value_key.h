// Value keys: bytes that identify a logical value of any type.
//
// Two slots of arrays of one type have equal keys exactly when their logical
// values are equal (floating point values by their bits; nulls equal each
// other), whatever the physical layout: a dictionary slot and the value it
// selects, a run-end encoded slot and its run's value, a union slot and the
// child value it selects (with its type code), a view and a plain string.
// Used to dictionary-encode and run-end encode values of any type, which
// needs hashing and comparing rows of nested types.
#pragma once

#include <cstdint>
#include <string>

#include "arrow/array.h"

namespace hangar::arrow {

// Appends the key of logical slot `i` of `a` to `out`.
void AppendValueKey(const Array& a, int64_t i, std::string* out);

}  // namespace hangar::arrow
