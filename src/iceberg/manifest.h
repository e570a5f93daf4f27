// Iceberg manifests and manifest lists (format v2), as Avro object
// container files: the Avro schemas carry Iceberg's field ids ("field-id"
// on every field, "element-id" on arrays, int-keyed maps as arrays of
// key/value records with logicalType "map"), and the files carry the
// key-value metadata the specification requires — a manifest its table
// schema, partition spec, format version and content; a manifest list its
// snapshot, parent and sequence number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iceberg/schema.h"
#include "iceberg/values.h"
#include "store/partition_spec.h"

namespace hangar::iceberg {

struct ColumnStats {
  int field_id = 0;
  int64_t value_count = 0;  // values, nulls included
  int64_t null_count = 0;
  std::optional<std::string> lower, upper;  // single-value serialization
  bool operator==(const ColumnStats&) const = default;
};

enum class FileContent { kData = 0, kPositionDeletes = 1, kEqualityDeletes = 2 };

struct DataFileInfo {
  FileContent content = FileContent::kData;
  std::string path;  // the URI readers open
  int64_t record_count = 0;
  int64_t file_size = 0;
  std::vector<Value> partition;  // one per partition field
  std::vector<ColumnStats> stats;
  bool operator==(const DataFileInfo&) const = default;
};

enum class EntryStatus { kExisting = 0, kAdded = 1, kDeleted = 2 };

struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  int64_t snapshot_id = 0;
  // Null in an ADDED entry: a reader inherits the manifest's.
  std::optional<int64_t> sequence_number;
  std::optional<int64_t> file_sequence_number;
  DataFileInfo file;
};

// What a manifest describes its files by.
struct PartitionType {
  int spec_id = 0;
  nlohmann::json spec_fields;  // the spec's "fields", as in table metadata
  std::vector<int> field_ids;
  std::vector<std::string> names;
  std::vector<std::string> types;  // Iceberg result types (values.h)
};

// The partition type of `spec` over `schema`.
Result<PartitionType> PartitionTypeOf(const store::PartitionSpec& spec, const IcebergSchema& schema);

// A manifest file of `entries` (all of `content`'s kind).
std::string WriteManifest(const IcebergSchema& schema, const PartitionType& partition, FileContent content,
                          const std::vector<ManifestEntry>& entries);

struct PartitionSummary {
  bool contains_null = false;
  std::optional<std::string> lower, upper;
};

struct ManifestFileInfo {
  std::string path;
  int64_t length = 0;
  int spec_id = 0;
  FileContent content = FileContent::kData;  // kData, or deletes of either kind
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int32_t added_files = 0, existing_files = 0, deleted_files = 0;
  int64_t added_rows = 0, existing_rows = 0, deleted_rows = 0;
  std::vector<PartitionSummary> partitions;
};

// The summary of `entries`' partition values (live entries only).
std::vector<PartitionSummary> SummarizePartitions(const PartitionType& partition,
                                                  const std::vector<ManifestEntry>& entries);

// A manifest list.
std::string WriteManifestList(int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id, int64_t sequence_number,
                              const std::vector<ManifestFileInfo>& manifests);

}  // namespace hangar::iceberg
