// UTF-8 validation of string arrays.
//
// The Arrow format requires utf8, large_utf8 and utf8_view values to be valid
// UTF-8, and everything downstream relies on it: DuckDB refuses to read a
// Parquet file holding an invalid string, so one bad value stored would make
// the whole table unreadable. Data from the wire is therefore checked once,
// on the way in (ipc::ReadOptions::validate_utf8).
#pragma once

#include <string_view>

#include "arrow/array.h"

namespace hangar::arrow {

// Whether `bytes` is valid UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). Runs of ASCII go eight bytes at a time.
bool IsValidUtf8(std::string_view bytes);

// Every string value of `array` and of its children (and, with
// `check_dictionary_values`, of its dictionary): INVALID_ARGUMENT naming the
// row of the first invalid one. Values under null slots are not looked at.
Status ValidateUtf8(const Array& array, bool check_dictionary_values = true);

}  // namespace hangar::arrow
