#include "iceberg/manifest.h"

#include "avro/object_container.h"
#include "avro/varint.h"

namespace hangar::iceberg {
namespace {

using Json = nlohmann::json;

Json Field(const char* name, Json type, int id) { return Json{{"name", name}, {"type", type}, {"field-id", id}}; }
Json Optional(const char* name, Json type, int id) {
  return Json{{"name", name}, {"type", Json::array({"null", type})}, {"default", nullptr}, {"field-id", id}};
}
// Iceberg's map with non-string keys: an array of key/value records.
Json IntMap(int key_id, int value_id, const char* value_type) {
  const std::string name = "k" + std::to_string(key_id) + "_v" + std::to_string(value_id);
  return Json{
      {"type", "array"},
      {"logicalType", "map"},
      {"items", Json{{"type", "record"},
                     {"name", name},
                     {"fields", Json::array({Field("key", "int", key_id), Field("value", value_type, value_id)})}}}};
}

std::string ManifestEntrySchema(const PartitionType& partition) {
  Json partition_fields = Json::array();
  for (size_t i = 0; i < partition.names.size(); ++i)
    partition_fields.push_back(Json{{"name", partition.names[i]},
                                    {"type", Json::parse(AvroUnionType(partition.types[i]))},
                                    {"default", nullptr},
                                    {"field-id", partition.field_ids[i]}});
  Json data_file{
      {"type", "record"},
      {"name", "r2"},
      {"fields",
       Json::array({Field("content", "int", 134), Field("file_path", "string", 100),
                    Field("file_format", "string", 101),
                    Field("partition", Json{{"type", "record"}, {"name", "r102"}, {"fields", partition_fields}}, 102),
                    Field("record_count", "long", 103), Field("file_size_in_bytes", "long", 104),
                    Optional("column_sizes", IntMap(117, 118, "long"), 108),
                    Optional("value_counts", IntMap(119, 120, "long"), 109),
                    Optional("null_value_counts", IntMap(121, 122, "long"), 110),
                    Optional("nan_value_counts", IntMap(138, 139, "long"), 137),
                    Optional("lower_bounds", IntMap(126, 127, "bytes"), 125),
                    Optional("upper_bounds", IntMap(129, 130, "bytes"), 128), Optional("key_metadata", "bytes", 131),
                    Optional("split_offsets", Json{{"type", "array"}, {"items", "long"}, {"element-id", 133}}, 132),
                    Optional("equality_ids", Json{{"type", "array"}, {"items", "int"}, {"element-id", 136}}, 135),
                    Optional("sort_order_id", "int", 140)})}};
  Json entry{{"type", "record"},
             {"name", "manifest_entry"},
             {"fields", Json::array({Field("status", "int", 0), Optional("snapshot_id", "long", 1),
                                     Optional("sequence_number", "long", 3),
                                     Optional("file_sequence_number", "long", 4), Field("data_file", data_file, 2)})}};
  return entry.dump();
}

std::string ManifestFileSchema() {
  Json summary{{"type", "record"},
               {"name", "r508"},
               {"fields", Json::array({Field("contains_null", "boolean", 509), Optional("contains_nan", "boolean", 518),
                                       Optional("lower_bound", "bytes", 510), Optional("upper_bound", "bytes", 511)})}};
  Json file{{"type", "record"},
            {"name", "manifest_file"},
            {"fields",
             Json::array({Field("manifest_path", "string", 500), Field("manifest_length", "long", 501),
                          Field("partition_spec_id", "int", 502), Field("content", "int", 517),
                          Field("sequence_number", "long", 515), Field("min_sequence_number", "long", 516),
                          Field("added_snapshot_id", "long", 503), Field("added_files_count", "int", 504),
                          Field("existing_files_count", "int", 505), Field("deleted_files_count", "int", 506),
                          Field("added_rows_count", "long", 512), Field("existing_rows_count", "long", 513),
                          Field("deleted_rows_count", "long", 514),
                          Optional("partitions", Json{{"type", "array"}, {"items", summary}, {"element-id", 508}}, 507),
                          Optional("key_metadata", "bytes", 519)})}};
  return file.dump();
}

void PutBytes(std::string_view bytes, std::string* out) {
  avro::WriteLong(static_cast<int64_t>(bytes.size()), out);
  out->append(bytes);
}

void PutOptionalLong(const std::optional<int64_t>& v, std::string* out) {
  avro::WriteLong(v ? 1 : 0, out);
  if (v) avro::WriteLong(*v, out);
}

void PutOptionalBytes(const std::optional<std::string>& v, std::string* out) {
  avro::WriteLong(v ? 1 : 0, out);
  if (v) PutBytes(*v, out);
}

// An optional int-keyed map given as (key, value-writer) pairs.
template <typename T, typename Fn>
void PutMap(const std::vector<T>& items, Fn&& put, std::string* out) {
  avro::WriteLong(1, out);  // the map branch of ["null", map]
  if (!items.empty()) avro::WriteLong(static_cast<int64_t>(items.size()), out);
  for (const auto& item : items) put(item, out);
  avro::WriteLong(0, out);
}

std::string EncodeEntry(const PartitionType& partition, const ManifestEntry& e) {
  std::string out;
  avro::WriteLong(static_cast<int>(e.status), &out);
  PutOptionalLong(e.snapshot_id, &out);
  PutOptionalLong(e.sequence_number, &out);
  PutOptionalLong(e.file_sequence_number, &out);
  const DataFileInfo& f = e.file;
  avro::WriteLong(static_cast<int>(f.content), &out);
  PutBytes(f.path, &out);
  PutBytes("PARQUET", &out);
  for (size_t i = 0; i < partition.types.size(); ++i)
    AppendAvroOptional(partition.types[i], i < f.partition.size() ? f.partition[i] : Value{}, &out);
  avro::WriteLong(f.record_count, &out);
  avro::WriteLong(f.file_size, &out);
  avro::WriteLong(0, &out);  // column_sizes: null
  PutMap(
      f.stats,
      [](const ColumnStats& s, std::string* o) {
        avro::WriteLong(s.field_id, o);
        avro::WriteLong(s.value_count, o);
      },
      &out);
  PutMap(
      f.stats,
      [](const ColumnStats& s, std::string* o) {
        avro::WriteLong(s.field_id, o);
        avro::WriteLong(s.null_count, o);
      },
      &out);
  avro::WriteLong(0, &out);  // nan_value_counts: null
  std::vector<std::pair<int, std::string>> lower, upper;
  for (const auto& s : f.stats) {
    if (s.lower) lower.emplace_back(s.field_id, *s.lower);
    if (s.upper) upper.emplace_back(s.field_id, *s.upper);
  }
  auto put_bound = [](const std::pair<int, std::string>& b, std::string* o) {
    avro::WriteLong(b.first, o);
    PutBytes(b.second, o);
  };
  PutMap(lower, put_bound, &out);
  PutMap(upper, put_bound, &out);
  avro::WriteLong(0, &out);  // key_metadata
  avro::WriteLong(0, &out);  // split_offsets
  avro::WriteLong(0, &out);  // equality_ids
  // sort_order_id: 0 (unsorted) for data files; deletes have none.
  if (f.content == FileContent::kData) {
    avro::WriteLong(1, &out);
    avro::WriteLong(0, &out);
  } else {
    avro::WriteLong(0, &out);
  }
  return out;
}

}  // namespace

Result<PartitionType> PartitionTypeOf(const store::PartitionSpec& spec, const IcebergSchema& schema) {
  PartitionType type;
  type.spec_id = spec.spec_id;
  type.spec_fields = Json::array();
  for (const auto& f : spec.fields) {
    const NestedField* source = FindField(schema, f.source);
    if (source == nullptr || source->type->kind != IcebergType::Kind::kPrimitive)
      return Status::Invalid("partition field '" + f.name + "' has no primitive source column '" + f.source + "'");
    type.spec_fields.push_back(Json{
        {"name", f.name}, {"transform", store::TransformName(f)}, {"source-id", source->id}, {"field-id", f.field_id}});
    type.field_ids.push_back(f.field_id);
    type.names.push_back(f.name);
    type.types.push_back(PartitionResultType(f, source->type->primitive));
  }
  return type;
}

std::string WriteManifest(const IcebergSchema& schema, const PartitionType& partition, FileContent content,
                          const std::vector<ManifestEntry>& entries) {
  std::vector<std::string> datums;
  datums.reserve(entries.size());
  for (const auto& e : entries) datums.push_back(EncodeEntry(partition, e));
  return avro::WriteContainerFile(ManifestEntrySchema(partition), datums,
                                  {{"schema", SchemaJson(schema).dump()},
                                   {"schema-id", std::to_string(schema.schema_id)},
                                   {"partition-spec", partition.spec_fields.dump()},
                                   {"partition-spec-id", std::to_string(partition.spec_id)},
                                   {"format-version", "2"},
                                   {"content", content == FileContent::kData ? "data" : "deletes"}});
}

std::vector<PartitionSummary> SummarizePartitions(const PartitionType& partition,
                                                  const std::vector<ManifestEntry>& entries) {
  std::vector<PartitionSummary> out(partition.types.size());
  for (size_t i = 0; i < out.size(); ++i) {
    std::optional<Value> low, high;
    for (const auto& e : entries) {
      if (e.status == EntryStatus::kDeleted || i >= e.file.partition.size()) continue;
      const Value& v = e.file.partition[i];
      if (v.null) {
        out[i].contains_null = true;
        continue;
      }
      if (!low || Compare(partition.types[i], v, *low) < 0) low = v;
      if (!high || Compare(partition.types[i], v, *high) > 0) high = v;
    }
    if (low) out[i].lower = SingleValue(partition.types[i], *low);
    if (high) out[i].upper = SingleValue(partition.types[i], *high);
  }
  return out;
}

std::string WriteManifestList(int64_t snapshot_id, std::optional<int64_t> parent_snapshot_id, int64_t sequence_number,
                              const std::vector<ManifestFileInfo>& manifests) {
  std::vector<std::string> datums;
  for (const auto& m : manifests) {
    std::string out;
    PutBytes(m.path, &out);
    avro::WriteLong(m.length, &out);
    avro::WriteLong(m.spec_id, &out);
    avro::WriteLong(m.content == FileContent::kData ? 0 : 1, &out);
    avro::WriteLong(m.sequence_number, &out);
    avro::WriteLong(m.min_sequence_number, &out);
    avro::WriteLong(m.added_snapshot_id, &out);
    avro::WriteLong(m.added_files, &out);
    avro::WriteLong(m.existing_files, &out);
    avro::WriteLong(m.deleted_files, &out);
    avro::WriteLong(m.added_rows, &out);
    avro::WriteLong(m.existing_rows, &out);
    avro::WriteLong(m.deleted_rows, &out);
    avro::WriteLong(1, &out);  // partitions: the array branch
    if (!m.partitions.empty()) avro::WriteLong(static_cast<int64_t>(m.partitions.size()), &out);
    for (const auto& p : m.partitions) {
      out.push_back(p.contains_null ? '\x01' : '\x00');
      avro::WriteLong(0, &out);  // contains_nan: null (no float partition values)
      PutOptionalBytes(p.lower, &out);
      PutOptionalBytes(p.upper, &out);
    }
    avro::WriteLong(0, &out);
    avro::WriteLong(0, &out);  // key_metadata
    datums.push_back(std::move(out));
  }
  std::vector<std::pair<std::string, std::string>> metadata{{"snapshot-id", std::to_string(snapshot_id)},
                                                            {"sequence-number", std::to_string(sequence_number)},
                                                            {"format-version", "2"}};
  metadata.emplace_back("parent-snapshot-id", parent_snapshot_id ? std::to_string(*parent_snapshot_id) : "null");
  return avro::WriteContainerFile(ManifestFileSchema(), datums, metadata);
}

}  // namespace hangar::iceberg
