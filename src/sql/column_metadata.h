// The column metadata Flight SQL puts on result schemas (the keys
// ARROW:FLIGHT:SQL:* of FlightSql.proto): what JDBC's ResultSetMetaData and
// ADBC's GetObjects report for a column — its SQL type name, precision and
// scale, and, for a table's own columns, the schema and table it belongs to.
#pragma once

#include <optional>

#include "arrow/type.h"
#include "sql/column_sources.h"
#include "store/names.h"

namespace hangar::sql {

// The SQL name of a field's type as Hangar's SQL (DuckDB) spells it:
// BIGINT, VARCHAR, DECIMAL(10,2), TIMESTAMP WITH TIME ZONE, INTEGER[], UUID, ...
std::string SqlTypeName(const arrow::Field& field);

// `schema` with every field's ARROW:FLIGHT:SQL:* keys set (keys it already
// has are replaced); a field whose source is a table's column also names
// that table (SCHEMA_NAME, DB_SCHEMA_NAME, TABLE_NAME). `sources`: one per
// field, or none.
arrow::SchemaPtr WithColumnMetadata(const arrow::Schema& schema, const std::vector<ColumnSource>& sources = {});
// Every field a column of `table` (GetTables' schemas).
arrow::SchemaPtr WithColumnMetadata(const arrow::Schema& schema, const store::QualifiedName& table);

}  // namespace hangar::sql
