// A schema on its own as bytes: one encapsulated IPC Schema message
// (continuation marker, length, flatbuffer). Flight carries schemas this way
// (FlightInfo.schema, SchemaResult) and table manifests store them so.
#pragma once

#include <string>
#include <string_view>

#include "arrow/array.h"

namespace hangar::arrow::ipc {

Result<std::string> SerializeSchema(const Schema& schema);
// Accepts both framings (with or without the continuation marker).
Result<SchemaPtr> DeserializeSchema(std::string_view bytes);

}  // namespace hangar::arrow::ipc
