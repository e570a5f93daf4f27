// Values as Iceberg writes them: the single-value binary serialization of
// bounds (the specification's Appendix D), Avro datums of partition values,
// and the partition tuple of a data file read back from its partition path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/partition_spec.h"

namespace hangar::iceberg {

// A primitive value of an Iceberg type: a number for boolean, int, long,
// date, time and the timestamps; bytes for string and binary.
struct Value {
  bool null = true;
  int64_t number = 0;
  double real = 0;  // float, double
  std::string bytes;
  bool operator==(const Value&) const = default;

  static Value Number(int64_t n) { return {false, n, 0, {}}; }
  static Value Real(double d) { return {false, 0, d, {}}; }
  static Value Bytes(std::string b) { return {false, 0, 0, std::move(b)}; }
};

// Whether `type` (an Iceberg primitive type name) is held in Value::number.
bool IsIntegral(std::string_view type);

// The single-value binary form: little-endian 4 bytes for int and date, 8
// for long, time and timestamps; IEEE 754 little-endian for float and
// double; one byte for boolean; the bytes of string and binary.
std::string SingleValue(std::string_view type, const Value& value);

// -1, 0 or 1: `a` against `b`, both non-null values of `type` (bounds).
int Compare(std::string_view type, const Value& a, const Value& b);

// The Avro schema of an optional value of `type`: ["null", T] with T's
// logical type (date, time-micros, timestamp-micros).
std::string AvroUnionType(std::string_view type);
// Appends the Avro datum of an optional `value` of `type` (union branch first).
void AppendAvroOptional(std::string_view type, const Value& value, std::string* out);

// The Iceberg type of a partition field's values, given its source
// column's Iceberg type: the source type for identity and truncate, int for
// bucket, year, month and hour, date for day.
std::string PartitionResultType(const store::PartitionField& field, std::string_view source_type);

// The partition tuple of a file in partition folder `path` ("at_day=2024-01-15/b=3",
// as store::PartitionPaths writes it), one value per field of the spec,
// given each field's result type. INVALID_ARGUMENT if the path does not fit the spec.
Result<std::vector<Value>> PartitionValues(std::string_view path, const store::PartitionSpec& spec,
                                           const std::vector<std::string>& result_types);

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, int month, int day);
// Text as DuckDB and Hangar print dates and timestamps ("2024-01-15",
// "2024-01-15 10:30:00.5", "2024-01-15T10:30:00.000000+00") into days or
// microseconds since the epoch; nullopt if it is not one.
std::optional<int64_t> ParseDate(std::string_view text);
std::optional<int64_t> ParseTimestampMicros(std::string_view text);

}  // namespace hangar::iceberg
