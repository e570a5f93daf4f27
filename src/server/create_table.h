// The CreateTable action's body (see the design brief, Tables):
//
//   {"name": "users",
//    "schema_json": "{\"fields\": [{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false}, ...]}",
//    "table_type": "append_only", "primary_key": [...], "partition_spec": {...}}
//
// `schema_json` is a JSON string (or, leniently, an object) whose fields'
// `type` is an Arrow type name ("int64", "timestamp[us, UTC]", "list<int32>",
// see arrow/type_parse.h) or an Arrow integration-JSON type object (then the
// field is read as an integration-JSON field, with its `children`).
// `primary_key` is a column name or a list of them; `table_type` defaults to
// "primary_key" when there is one, else "append_only". `partition_spec`
// is store/partition_spec.h's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "arrow/type.h"
#include "store/names.h"
#include "store/partition_spec.h"

namespace hangar::server {

struct CreateTableRequest {
  store::QualifiedName name;
  arrow::SchemaPtr schema;
  std::vector<std::string> primary_key;  // empty: append_only
  store::PartitionSpec partition_spec;   // empty: unpartitioned
};

Result<CreateTableRequest> ParseCreateTable(std::string_view body);

}  // namespace hangar::server
