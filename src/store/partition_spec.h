// Partition specs: how a partitioned table splits its rows into partitions,
// with Iceberg's transforms, so that a reader asks for the partitions it
// needs and GetFlightInfo offers one endpoint per partition.
//
//   {"spec_id": 0, "fields": [{"source_name": "at", "field_id": 1000,
//                               "name": "at_day", "transform": "day"}]}
//
// A field names its source column by `source_name` or by `source_id` (the
// column's 1-based position, Iceberg's field ids being assigned in order)
// and applies a transform (case-insensitive): identity, year, month, day,
// hour, bucket[N] (Iceberg's 32-bit Murmur3 hash of the value's Iceberg
// bytes, sign bit dropped, mod N) or truncate[W]. A row's partition is the
// path of its fields' values as Iceberg prints them, "at_day=2024-01-15/
// b=3" (a null value: __HIVE_DEFAULT_PARTITION__; characters other than
// [A-Za-z0-9._-] percent-encoded). Files are laid out in a folder per
// partition path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arrow/record_batch_source.h"

namespace hangar::store {

enum class Transform { kIdentity, kYear, kMonth, kDay, kHour, kBucket, kTruncate };

struct PartitionField {
  std::string source;  // the source column's name
  int field_id = 0;
  std::string name;
  Transform transform = Transform::kIdentity;
  int32_t width = 0;  // N of bucket[N], W of truncate[W]
  bool operator==(const PartitionField&) const = default;
};

struct PartitionSpec {
  int spec_id = 0;
  std::vector<PartitionField> fields;
  bool empty() const { return fields.empty(); }
  bool operator==(const PartitionSpec&) const = default;
};

// Reads a spec (the JSON above) for a table of `schema`; INVALID_ARGUMENT
// naming the field and what is wrong (an unknown column or transform, a
// transform the column's type does not take).
Result<PartitionSpec> ParsePartitionSpec(std::string_view json, const arrow::Schema& schema);
// The JSON form of a spec, with source names (as the manifest keeps it).
std::string SerializePartitionSpec(const PartitionSpec& spec);
// "day", "bucket[16]", ...
std::string TransformName(const PartitionField& field);

// Iceberg's bucket hash: 32-bit Murmur3, x86 variant, seed 0.
int32_t IcebergHash(const uint8_t* data, size_t size);

// The partition path of every row of `batch` (a batch of the table's schema).
Result<std::vector<std::string>> PartitionPaths(const PartitionSpec& spec, const arrow::RecordBatch& batch);

// Whether `path` is a partition path as PartitionPaths makes them (what a
// manifest or a client may name).
bool IsPartitionPath(std::string_view path);

// The name of the column WithPartitionIds appends.
inline constexpr const char* kPartitionIdColumn = "__hangar_partition";

// `source`'s batches with an int32 column appended, kPartitionIdColumn: a
// number per distinct partition path, in the order they appear; `paths`
// (which must outlive the source) gets each number's path. A row of a
// partition beyond the first `max_partitions` is RESOURCE_EXHAUSTED (a
// partition is a folder and a file: a bucket count in the millions, or an
// identity on a unique column, makes one per row).
std::unique_ptr<arrow::RecordBatchSource> WithPartitionIds(std::unique_ptr<arrow::RecordBatchSource> source,
                                                           const PartitionSpec& spec, std::vector<std::string>* paths,
                                                           int64_t max_partitions = INT64_MAX);

}  // namespace hangar::store
