// Flight SQL's metadata commands: SqlInfo, catalogs, schemas, tables, table
// types, keys and XDBC type info. Each result has exactly the schema the
// Flight SQL specification prescribes for it.
//
// Hangar's SQL has no catalogs (names are namespace.name), so catalog
// columns are null and GetCatalogs is empty; schemas are the namespaces of
// tables, plus `kafka`; table types are TABLE and TOPIC. Names are visible to
// every authenticated user; reading data needs read permission.
#pragma once

#include <google/protobuf/any.pb.h>

#include "sql/engine.h"

namespace hangar::sql {

bool IsMetadataCommand(const google::protobuf::Any& command);
Result<arrow::SchemaPtr> MetadataSchema(const google::protobuf::Any& command);
Result<arrow::RecordBatchPtr> RunMetadataCommand(SqlEngine& engine, const google::protobuf::Any& command);

// SQL LIKE as Flight SQL's filter patterns use it: % any run, _ one
// character, \ escapes the next.
bool LikeMatches(std::string_view pattern, std::string_view text);

}  // namespace hangar::sql
