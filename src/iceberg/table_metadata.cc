#include "iceberg/table_metadata.h"

#include <random>

namespace hangar::iceberg {
namespace {

using Json = nlohmann::json;

template <typename T>
Result<T> Member(const Json& j, const char* key) {
  if (!j.contains(key)) return Status::Invalid(std::string("Iceberg table metadata has no '") + key + "'");
  const Json& v = j[key];
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return Status::Invalid(std::string("Iceberg table metadata: '") + key + "' is not a string");
  } else {
    if (!v.is_number_integer())
      return Status::Invalid(std::string("Iceberg table metadata: '") + key + "' is not an integer");
  }
  return v.get<T>();
}

}  // namespace

const IcebergSchema* TableMetadata::current_schema() const {
  for (const auto& s : schemas)
    if (s.schema_id == current_schema_id) return &s;
  return nullptr;
}

const Snapshot* TableMetadata::FindSnapshot(int64_t id) const {
  for (const auto& s : snapshots)
    if (s.snapshot_id == id) return &s;
  return nullptr;
}

const Snapshot* TableMetadata::current_snapshot() const {
  return current_snapshot_id ? FindSnapshot(*current_snapshot_id) : nullptr;
}

Json MetadataJson(const TableMetadata& m) {
  Json schemas = Json::array();
  for (const auto& s : m.schemas) schemas.push_back(SchemaJson(s));
  Json snapshots = Json::array();
  for (const auto& s : m.snapshots) {
    Json j{{"snapshot-id", s.snapshot_id},   {"sequence-number", s.sequence_number},
           {"timestamp-ms", s.timestamp_ms}, {"manifest-list", s.manifest_list},
           {"summary", s.summary},           {"schema-id", s.schema_id}};
    if (s.parent_snapshot_id) j["parent-snapshot-id"] = *s.parent_snapshot_id;
    snapshots.push_back(std::move(j));
  }
  Json snapshot_log = Json::array(), metadata_log = Json::array();
  for (const auto& e : m.snapshot_log)
    snapshot_log.push_back({{"timestamp-ms", e.timestamp_ms}, {"snapshot-id", e.snapshot_id}});
  for (const auto& e : m.metadata_log)
    metadata_log.push_back({{"timestamp-ms", e.timestamp_ms}, {"metadata-file", e.file}});
  Json refs = Json::object();
  if (m.current_snapshot_id) refs["main"] = {{"snapshot-id", *m.current_snapshot_id}, {"type", "branch"}};
  Json j{{"format-version", 2},
         {"table-uuid", m.table_uuid},
         {"location", m.location},
         {"last-sequence-number", m.last_sequence_number},
         {"last-updated-ms", m.last_updated_ms},
         {"last-column-id", m.last_column_id},
         {"current-schema-id", m.current_schema_id},
         {"schemas", schemas},
         {"default-spec-id", m.default_spec_id},
         {"partition-specs", m.partition_specs},
         {"last-partition-id", m.last_partition_id},
         {"default-sort-order-id", m.default_sort_order_id},
         {"sort-orders", m.sort_orders},
         {"properties", m.properties},
         {"current-snapshot-id", m.current_snapshot_id ? Json(*m.current_snapshot_id) : Json(-1)},
         {"refs", refs},
         {"snapshots", snapshots},
         {"snapshot-log", snapshot_log},
         {"metadata-log", metadata_log}};
  return j;
}

Result<TableMetadata> ParseMetadata(std::string_view text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("Iceberg table metadata is not a JSON object");
  HANGAR_ASSIGN_OR_RETURN(int version, Member<int>(j, "format-version"));
  if (version != 2)
    return Status::Invalid("Iceberg table metadata of format version " + std::to_string(version) + " (2 is read)");
  TableMetadata m;
  HANGAR_ASSIGN_OR_RETURN(m.table_uuid, Member<std::string>(j, "table-uuid"));
  HANGAR_ASSIGN_OR_RETURN(m.location, Member<std::string>(j, "location"));
  HANGAR_ASSIGN_OR_RETURN(m.last_sequence_number, Member<int64_t>(j, "last-sequence-number"));
  HANGAR_ASSIGN_OR_RETURN(m.last_updated_ms, Member<int64_t>(j, "last-updated-ms"));
  HANGAR_ASSIGN_OR_RETURN(m.last_column_id, Member<int>(j, "last-column-id"));
  HANGAR_ASSIGN_OR_RETURN(m.current_schema_id, Member<int>(j, "current-schema-id"));
  HANGAR_ASSIGN_OR_RETURN(m.default_spec_id, Member<int>(j, "default-spec-id"));
  HANGAR_ASSIGN_OR_RETURN(m.last_partition_id, Member<int>(j, "last-partition-id"));
  HANGAR_ASSIGN_OR_RETURN(m.default_sort_order_id, Member<int>(j, "default-sort-order-id"));
  for (const char* list : {"schemas", "partition-specs", "sort-orders"})
    if (!j.contains(list) || !j[list].is_array())
      return Status::Invalid(std::string("Iceberg table metadata has no list '") + list + "'");
  for (const auto& s : j["schemas"]) {
    HANGAR_ASSIGN_OR_RETURN(auto schema, ParseSchemaJson(s));
    m.schemas.push_back(std::move(schema));
  }
  for (const auto& s : j["partition-specs"]) m.partition_specs.push_back(s);
  for (const auto& s : j["sort-orders"]) m.sort_orders.push_back(s);
  if (j.contains("properties") && j["properties"].is_object())
    for (const auto& [k, v] : j["properties"].items())
      if (v.is_string()) m.properties[k] = v.get<std::string>();
  if (j.contains("current-snapshot-id") && j["current-snapshot-id"].is_number_integer() &&
      j["current-snapshot-id"].get<int64_t>() != -1)
    m.current_snapshot_id = j["current-snapshot-id"].get<int64_t>();
  if (j.contains("snapshots") && j["snapshots"].is_array()) {
    for (const auto& s : j["snapshots"]) {
      Snapshot snap;
      HANGAR_ASSIGN_OR_RETURN(snap.snapshot_id, Member<int64_t>(s, "snapshot-id"));
      HANGAR_ASSIGN_OR_RETURN(snap.timestamp_ms, Member<int64_t>(s, "timestamp-ms"));
      HANGAR_ASSIGN_OR_RETURN(snap.manifest_list, Member<std::string>(s, "manifest-list"));
      snap.sequence_number = s.value("sequence-number", int64_t{0});
      snap.schema_id = s.value("schema-id", 0);
      if (s.contains("parent-snapshot-id") && s["parent-snapshot-id"].is_number_integer())
        snap.parent_snapshot_id = s["parent-snapshot-id"].get<int64_t>();
      if (s.contains("summary") && s["summary"].is_object())
        for (const auto& [k, v] : s["summary"].items())
          if (v.is_string()) snap.summary[k] = v.get<std::string>();
      m.snapshots.push_back(std::move(snap));
    }
  }
  if (j.contains("snapshot-log") && j["snapshot-log"].is_array())
    for (const auto& e : j["snapshot-log"])
      m.snapshot_log.push_back({e.value("timestamp-ms", int64_t{0}), e.value("snapshot-id", int64_t{0}), {}});
  if (j.contains("metadata-log") && j["metadata-log"].is_array())
    for (const auto& e : j["metadata-log"])
      m.metadata_log.push_back({e.value("timestamp-ms", int64_t{0}), 0, e.value("metadata-file", std::string())});
  if (m.current_schema() == nullptr)
    return Status::Invalid("Iceberg table metadata: current-schema-id names no schema");
  return m;
}

Json SortOrderJson(const IcebergSchema& schema, const std::vector<std::string>& columns) {
  Json fields = Json::array();
  for (const auto& c : columns)
    if (const NestedField* f = FindField(schema, c))
      fields.push_back(
          {{"transform", "identity"}, {"source-id", f->id}, {"direction", "asc"}, {"null-order", "nulls-first"}});
  return Json{{"order-id", fields.empty() ? 0 : 1}, {"fields", fields}};
}

std::string RandomUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen(), lo = gen();
  hi = (hi & ~0xf000ull) | 0x4000ull;              // version 4
  lo = (lo & ~(0xc0ull << 56)) | (0x80ull << 56);  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return buf;
}

}  // namespace hangar::iceberg
