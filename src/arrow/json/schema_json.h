// Schema half of the integration JSON format: fields, types, metadata and
// dictionary encodings. Internal to src/arrow/json (the JSON tree type is an
// implementation detail of this directory).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "arrow/json/json_util.h"
#include "arrow/type.h"
#include "base/status.h"

namespace hangar::arrow::json {

// Dictionary ids by the Field object that is dictionary-encoded. The Field
// pointers are those inside the schema's type tree (top-level fields, child
// fields, and child fields of dictionary value types), which stay alive as
// long as the schema does.
using DictionaryIds = std::unordered_map<const Field*, int64_t>;

struct ParsedSchema {
  SchemaPtr schema;
  DictionaryIds dictionary_ids;
  // For each id, the dictionary type of (one of) the fields using it; fields
  // sharing an id agree on the value type.
  std::map<int64_t, TypePtr> dictionary_types;
};

Result<ParsedSchema> SchemaFromJson(const Json& schema_json);

// Renders the schema; every dictionary-encoded field must have an id in `ids`.
Result<Json> SchemaToJson(const Schema& schema, const DictionaryIds& ids);

// The type object alone ({"name": "int", "bitWidth": 32, "isSigned": true}),
// for a non-dictionary type; children are not part of it.
Result<Json> TypeToJson(const DataType& type);

}  // namespace hangar::arrow::json
