// Iceberg schemas of Hangar tables: every column, and every nested field,
// gets an Iceberg type and a field id, so that Iceberg readers find the
// columns of the Parquet files Hangar writes.
//
// The Iceberg type describes what the Parquet file holds, which for a few
// Arrow types is their storage form (store/storage_types.h), not the Arrow
// type itself:
//
//   bool boolean · int8/16/32, uint8/16 int · int64, uint32 long
//   float16/32 float · float64 double · utf8 (all forms) string
//   binary (all forms), fixed_size_binary binary · date32 date
//   date64 timestamp (stored as milliseconds) · time64[us] time
//   time64[ns] long (nanoseconds) · timestamp[s|ms|us] timestamp, or
//   timestamptz when it has a zone · decimals of ≤ 38 digits and scale ≥ 0
//   decimal(P, S), wider ones string (their text) · duration long
//   interval year_month int, day_time long, month_day_nano binary
//   lists (all forms) list · struct struct · map map · unions a struct of
//   type_code (int) and one optional field per member · dictionary and
//   run-end encoded: their values' type
//
// Refused, naming the column: null (Iceberg v2 has no null type), uint64
// (beyond long), time32 (Parquet's millisecond time, which Iceberg's
// microsecond time cannot read) and timestamp[ns] (format v2 has no
// nanosecond timestamp).
//
// Field ids: the top-level columns are 1..n in schema order (as a partition
// spec's source_id counts them), then the nested fields, a struct's fields
// numbered together before their children. A schema made again from an
// evolved Arrow schema keeps the id of every column whose name and type are
// unchanged, and numbers new columns after the highest id ever used.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arrow/type.h"
#include "base/status.h"

namespace hangar::iceberg {

struct IcebergType;
using IcebergTypePtr = std::shared_ptr<const IcebergType>;

struct NestedField {
  int id = 0;
  std::string name;
  bool required = false;
  IcebergTypePtr type;
};

struct IcebergType {
  enum class Kind { kPrimitive, kStruct, kList, kMap };
  Kind kind = Kind::kPrimitive;
  std::string primitive;            // "long", "decimal(10, 2)", ... (kPrimitive)
  std::vector<NestedField> fields;  // kStruct
  NestedField element;              // kList
  NestedField key, value;           // kMap
};

struct IcebergSchema {
  int schema_id = 0;
  std::vector<NestedField> fields;
  std::vector<int> identifier_field_ids;  // a primary key's columns, when all are required
  int highest_field_id = 0;               // the highest id in this schema
};

// The Iceberg schema of `arrow` (see above), with `schema_id`. With
// `previous`, unchanged columns keep their ids and new ones are numbered
// after `last_column_id` (the table's highest id ever); `primary_key` names
// the identifier fields. INVALID_ARGUMENT names a column with no Iceberg type.
Result<IcebergSchema> SchemaFor(const arrow::Schema& arrow, int schema_id, const IcebergSchema* previous = nullptr,
                                int last_column_id = 0, const std::vector<std::string>& primary_key = {});

// Whether two schemas have the same fields (ids, names, types), whatever their ids.
bool SameFields(const IcebergSchema& a, const IcebergSchema& b);

// The JSON form of table metadata ("type": "struct", "schema-id", "fields").
nlohmann::json SchemaJson(const IcebergSchema& schema);
Result<IcebergSchema> ParseSchemaJson(const nlohmann::json& json);

// The default name mapping (table property schema.name-mapping.default):
// how a reader finds each field id in Parquet files written without ids.
nlohmann::json NameMapping(const IcebergSchema& schema);

// The top-level field named `name`, or null.
const NestedField* FindField(const IcebergSchema& schema, std::string_view name);

}  // namespace hangar::iceberg
