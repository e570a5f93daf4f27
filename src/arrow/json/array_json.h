// Array half of the integration JSON format: one column ("FieldData") to an
// Array and back. Internal to src/arrow/json.
//
// Reading builds the buffers the JSON spells out (VALIDITY, OFFSET, SIZE,
// TYPE_ID, DATA, VIEWS, VARIADIC_DATA_BUFFERS) and checks what later code
// relies on: lengths agree with "count", offsets are monotonic and inside the
// child or data buffer, union type ids are declared codes, run ends increase,
// view references stay inside their buffers, dictionary indices are inside
// the dictionary. Anything else is reported with the path to the offending
// column and, where it applies, the row.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "arrow/array.h"
#include "arrow/json/json_util.h"
#include "arrow/json/schema_json.h"
#include "base/status.h"

namespace hangar::arrow::json {

struct ArrayReadContext {
  // Ids of the dictionary-encoded fields of the schema being read.
  const DictionaryIds* dictionary_ids = nullptr;
  // Returns the dictionary (values array) for an id; `where` names the column
  // that needs it, for error messages.
  std::function<Result<ArrayPtr>(int64_t id, const std::string& where)> dictionary;
};

// Builds the array of `field` from its JSON column. `where` prefixes error
// messages ("batch 2 column 'f1'").
Result<ArrayPtr> ArrayFromJson(const Json& column, const Field& field, const ArrayReadContext& ctx,
                               const std::string& where);

// Renders `array` (honouring its offset) as a JSON column named `name`.
// Dictionary arrays are written as their indices.
Result<Json> ArrayToJson(std::string_view name, const Array& array, const std::string& where);

}  // namespace hangar::arrow::json
