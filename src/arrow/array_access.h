// Logical access to values of any array layout: the one place that knows how
// run-end encoded, union, dictionary and view slots map to physical values.
// Used by comparison, printing and concatenation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "arrow/array.h"

namespace hangar::arrow {

// Element j of a little-endian integer buffer whose type is `id` (any
// integer type; uint64 values above INT64_MAX wrap).
int64_t LoadInteger(TypeId id, const uint8_t* p, int64_t j);

// Little-endian integer of an integer-typed array at physical position j (offset included).
inline int64_t LoadInteger(const Array& a, int64_t j) { return LoadInteger(a.type->id(), a.buffers[1]->data(), j); }

// Logical validity of slot i (unions, run-end encoded and dictionaries look
// through to the value that the slot selects).
bool IsLogicallyValid(const Array& a, int64_t i);

// Bytes of slot i of a binary-like, view or fixed_size_binary array.
std::string_view BinaryValue(const Array& a, int64_t i);

// [begin, end) child range of list-like slot i (list, large_list, map,
// list_view, large_list_view, fixed_size_list).
void ListRange(const Array& a, int64_t i, int64_t* begin, int64_t* end);

// For a union slot i: the child index and the row within that child.
void UnionSlot(const Array& a, int64_t i, int* child, int64_t* row);

// For a run-end encoded slot i: the row in the values child.
int64_t RunEndValueIndex(const Array& a, int64_t i);

// For a dictionary slot i: the index into the dictionary.
inline int64_t DictionaryIndex(const Array& a, int64_t i) {
  return LoadInteger(a.type->index_type()->id(), a.buffers[1]->data(), a.offset + i);
}

}  // namespace hangar::arrow
