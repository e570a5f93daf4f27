// Arrow types from their names, as people write them in JSON and on command
// lines: "int64", "Utf8", "string", "timestamp[us, UTC]", "decimal128(10, 2)",
// "list<int32>", "struct<a: int32, b: utf8 not null>", "map<utf8, int64>",
// "dictionary<values=utf8, indices=int32>". Case-insensitive; the common
// aliases (string, double, float, bool, ...) are accepted, and every
// DataType::ToString() reads back as the same type.
#pragma once

#include <string_view>

#include "arrow/type.h"

namespace hangar::arrow {

Result<TypePtr> ParseType(std::string_view text);
// "name: type" or "name: type not null".
Result<FieldPtr> ParseField(std::string_view text);

}  // namespace hangar::arrow
