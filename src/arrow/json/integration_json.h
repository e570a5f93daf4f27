// Arrow's integration JSON format: the human-readable test data format every
// Arrow implementation reads and writes to prove it agrees with the others
// (see the "Integration Testing" page of the Arrow format documentation).
//
// A file holds a schema, record batches and, when the schema has
// dictionary-encoded fields, one dictionary per dictionary id:
//
//   {"schema": {"fields": [...], "metadata": [...]},
//    "batches": [{"count": N, "columns": [...]}],
//    "dictionaries": [{"id": 0, "data": {"count": N, "columns": [...]}}]}
//
// Arrays are built straight from the JSON buffers (VALIDITY, OFFSET, SIZE,
// TYPE_ID, DATA, VIEWS, VARIADIC_DATA_BUFFERS map onto Array::buffers in the
// layout documented in arrow/array.h), so values under null slots, offsets and
// view placement survive a JSON -> arrays -> JSON round trip unchanged.
// Dictionary-encoded columns carry their indices; the values come from the
// top-level "dictionaries" entry with the field's id and are attached as
// Array::dictionary (shared by every batch and every field with that id).
//
// Value encodings (as written by Arrow C++ and accepted by all implementations):
// 64-bit integers and 64-bit offsets are decimal strings; decimals are decimal
// strings of the unscaled integer; binary and fixed-size binary are uppercase
// hex; utf8 is JSON text; booleans are true/false (1/0 accepted); intervals are
// objects {days, milliseconds} or {months, days, nanoseconds}; floats are JSON
// numbers (half floats too); NaN and infinities, which JSON numbers cannot
// express, are written as the strings "NaN", "Infinity" and "-Infinity".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "arrow/array.h"
#include "arrow/type.h"
#include "base/status.h"

namespace hangar::arrow::json {

struct JsonFile {
  SchemaPtr schema;
  std::vector<RecordBatchPtr> batches;
};

// Reads an integration JSON file, plain or gzip-compressed (detected by the
// gzip magic bytes, not the file name).
Result<JsonFile> ReadJsonFile(const std::string& path);

// Parses integration JSON text. Errors name the batch, column and child where
// the input is malformed ("batch 1 column 'f3' child 'item': OFFSET ...").
Result<JsonFile> ParseJson(std::string_view text);

// Renders a schema and batches as integration JSON. Dictionary-encoded fields
// get ids (fields sharing one dictionary array share an id) and their
// dictionaries are emitted under "dictionaries". The format holds one
// dictionary per id, so batches whose dictionary for a field is replaced by a
// different one (rather than extended, as a delta would) are rejected.
Result<std::string> WriteJson(const SchemaPtr& schema, const std::vector<RecordBatchPtr>& batches);

}  // namespace hangar::arrow::json
