// Iceberg table metadata (format v2): the JSON file a commit writes as
// metadata/v<N>.metadata.json. Schemas, partition specs and sort orders are
// kept as lists with ids; snapshots with their summaries; the snapshot log
// (which snapshot was current when) and the metadata log (earlier metadata
// files). The branch `main` points at the current snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "iceberg/schema.h"

namespace hangar::iceberg {

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;                   // its URI
  std::map<std::string, std::string> summary;  // "operation" and the counts
  int schema_id = 0;
};

struct LogEntry {
  int64_t timestamp_ms = 0;
  int64_t snapshot_id = 0;  // snapshot log
  std::string file;         // metadata log
};

struct TableMetadata {
  std::string table_uuid;
  std::string location;  // the table's root URI
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int last_column_id = 0;
  std::vector<IcebergSchema> schemas;
  int current_schema_id = 0;
  std::vector<nlohmann::json> partition_specs;  // {"spec-id", "fields"}
  int default_spec_id = 0;
  int last_partition_id = 999;
  std::vector<nlohmann::json> sort_orders;  // {"order-id", "fields"}
  int default_sort_order_id = 0;
  std::map<std::string, std::string> properties;
  std::optional<int64_t> current_snapshot_id;
  std::vector<Snapshot> snapshots;
  std::vector<LogEntry> snapshot_log;
  std::vector<LogEntry> metadata_log;

  const IcebergSchema* current_schema() const;
  const Snapshot* current_snapshot() const;
  const Snapshot* FindSnapshot(int64_t id) const;
};

nlohmann::json MetadataJson(const TableMetadata& metadata);
// INVALID_ARGUMENT naming the member that is missing or malformed.
Result<TableMetadata> ParseMetadata(std::string_view text);

// A sort order by `columns` (ascending, nulls first, identity), order id 1;
// the unsorted order 0 when empty.
nlohmann::json SortOrderJson(const IcebergSchema& schema, const std::vector<std::string>& columns);

// A random version-4 UUID in its text form.
std::string RandomUuid();

}  // namespace hangar::iceberg
