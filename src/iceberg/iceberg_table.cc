#include "iceberg/iceberg_table.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include "iceberg/file_stats.h"
#include "iceberg/snapshot_reader.h"
#include "iceberg/table_definition.h"
#include "store/crash_point.h"

namespace hangar::iceberg {
namespace {

using Json = nlohmann::json;

// Earlier metadata versions a table's metadata log names.
constexpr size_t kMetadataLogEntries = 100;

// Iceberg's reserved field ids of a position-delete file's columns.
constexpr int kDeleteFilePathId = 2147483546;
constexpr int kDeletePosId = 2147483545;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NewSnapshotId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return static_cast<int64_t>(gen() >> 1);  // positive
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> Unhex(const Json& j) {
  if (!j.is_string()) return std::nullopt;
  const std::string text = j.get<std::string>();
  if (text.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  return out;
}

Json ValueJson(const Value& v) {
  if (v.null) return nullptr;
  return Json{{"n", v.number}, {"r", v.real}, {"b", Hex(v.bytes)}};
}

Value ParseValue(const Json& j) {
  if (!j.is_object()) return Value{};
  Value v;
  v.null = false;
  v.number = j.value("n", int64_t{0});
  v.real = j.value("r", 0.0);
  v.bytes = Unhex(j.value("b", Json(""))).value_or("");
  return v;
}

std::string SqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string SqlIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Str(int64_t v) { return std::to_string(v); }

}  // namespace

Result<std::unique_ptr<IcebergTable>> IcebergTable::Open(objstore::ObjectStore* store, std::string prefix,
                                                         std::shared_ptr<duckdb::Database> db,
                                                         std::filesystem::path scratch) {
  std::unique_ptr<IcebergTable> table(new IcebergTable(store, std::move(prefix), std::move(db), std::move(scratch)));
  HANGAR_RETURN_NOT_OK(table->Load());
  return table;
}

std::string IcebergTable::MetadataKey(int64_t version) const {
  return prefix_ + "/metadata/v" + std::to_string(version) + ".metadata.json";
}

std::string IcebergTable::IndexKey(int64_t snapshot_id) const {
  return prefix_ + "/metadata/snap-" + std::to_string(snapshot_id) + ".hangar.json";
}

int64_t IcebergTable::hangar_version() const { return index_.hangar_version; }
uint64_t IcebergTable::flushed_lsn() const { return index_.flushed_lsn; }

Status IcebergTable::Load() {
  HANGAR_ASSIGN_OR_RETURN(auto objects, store_->List(prefix_ + "/metadata/v"));
  int64_t newest = 0;
  for (const auto& o : objects) {
    const std::string name = o.key.substr(o.key.rfind('/') + 2);  // after "v"
    const size_t dot = name.find(".metadata.json");
    if (dot == std::string::npos || dot + 14 != name.size()) continue;
    try {
      newest = std::max<int64_t>(newest, std::stoll(name.substr(0, dot)));
    } catch (const std::exception&) {
      continue;  // not a version file of ours
    }
  }
  if (newest == 0) return Status::OK();
  HANGAR_ASSIGN_OR_RETURN(std::string text, store_->Get(MetadataKey(newest)));
  auto parsed = ParseMetadata(text);
  if (!parsed.ok())
    return Status::DataLoss("the Iceberg metadata " + MetadataKey(newest) +
                            " cannot be read: " + parsed.status().message());
  metadata_ = std::move(*parsed);
  version_ = newest;
  index_ = Index{};
  if (metadata_->current_snapshot_id) {
    HANGAR_ASSIGN_OR_RETURN(index_, ReadIndex(*metadata_->current_snapshot_id));
  }
  return Status::OK();
}

Json IcebergTable::IndexJson(const Index& index) {
  auto files = [](const std::vector<IndexedFile>& list) {
    Json out = Json::array();
    for (const auto& f : list) {
      Json stats = Json::array();
      for (const auto& s : f.info.stats) {
        Json js{{"id", s.field_id}, {"values", s.value_count}, {"nulls", s.null_count}};
        if (s.lower) js["lower"] = Hex(*s.lower);
        if (s.upper) js["upper"] = Hex(*s.upper);
        stats.push_back(std::move(js));
      }
      Json partition = Json::array();
      for (const auto& v : f.info.partition) partition.push_back(ValueJson(v));
      out.push_back({{"relative", f.relative},
                     {"path", f.info.path},
                     {"content", static_cast<int>(f.info.content)},
                     {"rows", f.info.record_count},
                     {"bytes", f.info.file_size},
                     {"partition", partition},
                     {"stats", stats},
                     {"snapshot_id", f.snapshot_id},
                     {"sequence_number", f.sequence_number}});
    }
    return out;
  };
  return Json{{"hangar_version", index.hangar_version},
              {"flushed_lsn", index.flushed_lsn},
              {"files", files(index.files)},
              {"deletes", files(index.deletes)},
              {"metadata_files", index.metadata_files}};
}

Result<IcebergTable::Index> IcebergTable::ParseIndex(std::string_view text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("a snapshot index is not a JSON object");
  Index index;
  index.hangar_version = j.value("hangar_version", int64_t{0});
  index.flushed_lsn = j.value("flushed_lsn", uint64_t{0});
  auto files = [](const Json& list, std::vector<IndexedFile>* out) -> Status {
    if (!list.is_array()) return Status::Invalid("a snapshot index's file list is not a list");
    for (const auto& f : list) {
      if (!f.is_object() || !f.contains("relative") || !f["relative"].is_string() || !f.contains("path") ||
          !f["path"].is_string())
        return Status::Invalid("a snapshot index names a file without its path");
      IndexedFile file;
      file.relative = f["relative"].get<std::string>();
      file.info.path = f["path"].get<std::string>();
      file.info.content = static_cast<FileContent>(f.value("content", 0));
      file.info.record_count = f.value("rows", int64_t{0});
      file.info.file_size = f.value("bytes", int64_t{0});
      if (f.contains("partition") && f["partition"].is_array())
        for (const auto& v : f["partition"]) file.info.partition.push_back(ParseValue(v));
      if (f.contains("stats") && f["stats"].is_array())
        for (const auto& s : f["stats"]) {
          ColumnStats stats;
          stats.field_id = s.value("id", 0);
          stats.value_count = s.value("values", int64_t{0});
          stats.null_count = s.value("nulls", int64_t{0});
          if (s.contains("lower")) stats.lower = Unhex(s["lower"]);
          if (s.contains("upper")) stats.upper = Unhex(s["upper"]);
          file.info.stats.push_back(std::move(stats));
        }
      file.snapshot_id = f.value("snapshot_id", int64_t{0});
      file.sequence_number = f.value("sequence_number", int64_t{0});
      out->push_back(std::move(file));
    }
    return Status::OK();
  };
  HANGAR_RETURN_NOT_OK(files(j.value("files", Json::array()), &index.files));
  HANGAR_RETURN_NOT_OK(files(j.value("deletes", Json::array()), &index.deletes));
  if (j.contains("metadata_files") && j["metadata_files"].is_array())
    for (const auto& m : j["metadata_files"])
      if (m.is_string()) index.metadata_files.push_back(m.get<std::string>());
  return index;
}

Result<IcebergTable::Index> IcebergTable::ReadIndex(int64_t snapshot_id) {
  HANGAR_ASSIGN_OR_RETURN(std::string text, store_->Get(IndexKey(snapshot_id)));
  auto index = ParseIndex(text);
  if (!index.ok()) return Status::DataLoss(IndexKey(snapshot_id) + ": " + index.status().message());
  return index;
}

Status IcebergTable::Commit(const TableState& state, const std::function<void()>& uploaded) {
  // Another writer may have made the version this one wanted: read what it
  // committed and try again on top of it (a few times, then give up).
  for (int attempt = 0;; ++attempt) {
    if (metadata_ && index_.hangar_version >= state.version) {
      // A table mirrored before definitions were saved gets its own now.
      if (index_.hangar_version == state.version && state.definition && !definition_checked_) {
        const std::string key = DefinitionKey(prefix_, state.version);
        auto found = store_->Get(key);
        if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
        if (!found.ok()) {
          HANGAR_ASSIGN_OR_RETURN(std::string text, EncodeDefinition(*state.definition, NowMs(), Writer()));
          HANGAR_RETURN_NOT_OK(store_->Put(key, text));
        }
        definition_checked_ = true;
      }
      return Status::OK();
    }
    Status st = TryCommit(state, uploaded);
    if (st.code() != StatusCode::kAlreadyExists || attempt >= 4) return st;
    HANGAR_RETURN_NOT_OK(Load());
  }
}

Result<std::optional<IcebergTable::IndexedFile>> IcebergTable::WritePositionDeletes(
    const TableState& state, const std::vector<IndexedFile>& files, const std::vector<size_t>& group,
    int64_t snapshot_id, int64_t sequence_number) {
  if (group.size() < 2) return std::optional<IndexedFile>();
  std::string paths, mapping, keys;
  for (size_t n = 0; n < group.size(); ++n) {
    const size_t i = group[n];
    const std::string local = state.files[i].local.string();
    paths += (n ? ", " : "") + SqlString(local);
    mapping += std::string(n ? ", " : "") + "(" + SqlString(local) + ", " + SqlString(files[i].info.path) + ", " +
               Str(static_cast<int64_t>(i)) + ")";
  }
  for (size_t i = 0; i < state.primary_key.size(); ++i)
    keys += (i ? ", " : "") + ("t." + SqlIdentifier(state.primary_key[i]));
  std::filesystem::create_directories(scratch_);
  const std::string name = RandomUuid() + "-deletes.parquet";
  const std::filesystem::path out = scratch_ / name;
  // Per key, every row but the one of the last file is superseded (a file
  // holds at most one row per key). Sorted by file and position, as the
  // specification wants position deletes.
  const std::string sql =
      "COPY (SELECT file_path, pos FROM (SELECT f.uri AS file_path, t.file_row_number AS pos, "
      "row_number() OVER (PARTITION BY " +
      keys +
      " ORDER BY f.ord DESC) AS rank "
      "FROM read_parquet([" +
      paths +
      "], filename = '__hangar_file', file_row_number = true) t "
      "JOIN (VALUES " +
      mapping +
      ") f(local, uri, ord) ON t.__hangar_file = f.local) "
      "WHERE rank > 1 ORDER BY file_path, pos) TO " +
      SqlString(out.string()) + " (FORMAT parquet, COMPRESSION zstd, FIELD_IDS {file_path: " + Str(kDeleteFilePathId) +
      ", pos: " + Str(kDeletePosId) + "})";
  HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(db_));
  duckdb_result result;
  if (duckdb_query(connection->handle(), sql.c_str(), &result) != DuckDBSuccess) {
    Status st = connection->Failure(duckdb_result_error(&result), "DuckDB cannot write the position deletes");
    duckdb_destroy_result(&result);
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return st;
  }
  const int64_t rows = duckdb_value_int64(&result, 0, 0);
  duckdb_destroy_result(&result);
  struct Cleanup {
    std::filesystem::path path;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } cleanup{out};
  if (rows == 0) return std::optional<IndexedFile>();
  IndexedFile file;
  file.relative = "deletes/" + name;
  file.info.content = FileContent::kPositionDeletes;
  file.info.path = store_->UriOf(prefix_ + "/" + file.relative);
  file.info.record_count = rows;
  file.info.file_size = static_cast<int64_t>(std::filesystem::file_size(out));
  // Readers match position deletes to data files of the same partition.
  file.info.partition = files[group.front()].info.partition;
  file.snapshot_id = snapshot_id;
  file.sequence_number = sequence_number;
  HANGAR_RETURN_NOT_OK(store_->PutFile(prefix_ + "/" + file.relative, out));
  return std::optional<IndexedFile>(std::move(file));
}

Status IcebergTable::TryCommit(const TableState& state, const std::function<void()>& uploaded) {
  const int64_t now = NowMs();
  const bool creating = !metadata_.has_value();
  TableMetadata next;
  if (creating) {
    next.table_uuid = RandomUuid();
    next.location = store_->UriOf(prefix_);
  } else {
    next = *metadata_;
  }
  // The schema: a new one when the columns changed (ids kept by name).
  const IcebergSchema* current = creating ? nullptr : next.current_schema();
  const int schema_id = current ? current->schema_id : 0;
  HANGAR_ASSIGN_OR_RETURN(IcebergSchema schema,
                          SchemaFor(*state.schema, schema_id, current, next.last_column_id, state.primary_key));
  if (creating) {
    next.schemas = {schema};
  } else if (!SameFields(schema, *current)) {
    int highest = 0;
    for (const auto& s : next.schemas) highest = std::max(highest, s.schema_id);
    schema.schema_id = highest + 1;
    next.schemas.push_back(schema);
  } else {
    schema = *current;
  }
  next.current_schema_id = schema.schema_id;
  next.last_column_id = std::max(next.last_column_id, schema.highest_field_id);
  HANGAR_ASSIGN_OR_RETURN(PartitionType partition, PartitionTypeOf(state.partition_spec, schema));
  if (creating) {
    next.partition_specs = {Json{{"spec-id", partition.spec_id}, {"fields", partition.spec_fields}}};
    next.default_spec_id = partition.spec_id;
    next.last_partition_id = 999;
    for (int id : partition.field_ids) next.last_partition_id = std::max(next.last_partition_id, id);
    next.sort_orders = {Json{{"order-id", 0}, {"fields", Json::array()}}};
    next.default_sort_order_id = 0;
    if (!state.primary_key.empty()) {
      next.sort_orders.push_back(SortOrderJson(schema, state.primary_key));
      next.default_sort_order_id = 1;
    }
  }
  next.properties["schema.name-mapping.default"] = NameMapping(schema).dump();
  next.properties["hangar.table"] = state.name;
  next.properties["write.parquet.compression-codec"] = "zstd";
  if (!state.primary_key.empty()) {
    Json keys = state.primary_key;
    next.properties["hangar.primary-key"] = keys.dump();
  }

  const int64_t snapshot_id = NewSnapshotId();
  const int64_t sequence = next.last_sequence_number + 1;
  std::optional<int64_t> parent = next.current_snapshot_id;

  // The files: those already in the table keep their entries; new ones are
  // uploaded with their statistics.
  std::map<std::string, const IndexedFile*> old;
  for (const auto& f : index_.files) old[f.relative] = &f;
  Index index;
  index.hangar_version = state.version;
  index.flushed_lsn = state.flushed_lsn;
  std::vector<ManifestEntry> entries;
  int64_t added_rows = 0, added_bytes = 0, removed_rows = 0, removed_bytes = 0, total_rows = 0, total_bytes = 0;
  int32_t added_files = 0, existing_files = 0, deleted_files = 0;
  std::unique_ptr<duckdb::Connection> connection;
  std::set<std::string> live;
  for (const auto& f : state.files) {
    live.insert(f.relative);
    auto it = old.find(f.relative);
    IndexedFile file;
    if (it != old.end()) {
      file = *it->second;
      entries.push_back(
          {EntryStatus::kExisting, file.snapshot_id, file.sequence_number, file.sequence_number, file.info});
      ++existing_files;
    } else {
      if (!connection) {
        HANGAR_ASSIGN_OR_RETURN(connection, duckdb::Connection::Open(db_));
      }
      file.relative = f.relative;
      file.info.path = store_->UriOf(prefix_ + "/data/" + f.relative);
      file.info.record_count = f.rows;
      file.info.file_size = f.bytes;
      if (!state.partition_spec.empty()) {
        HANGAR_ASSIGN_OR_RETURN(file.info.partition,
                                PartitionValues(f.partition, state.partition_spec, partition.types));
      }
      HANGAR_ASSIGN_OR_RETURN(file.info.stats, ParquetColumnStats(*connection, f.local, schema));
      file.snapshot_id = snapshot_id;
      file.sequence_number = sequence;
      HANGAR_RETURN_NOT_OK(store_->PutFile(prefix_ + "/data/" + f.relative, f.local));
      entries.push_back({EntryStatus::kAdded, snapshot_id, std::nullopt, std::nullopt, file.info});
      ++added_files;
      added_rows += f.rows;
      added_bytes += f.bytes;
    }
    total_rows += file.info.record_count;
    total_bytes += file.info.file_size;
    index.files.push_back(std::move(file));
  }
  for (const auto& f : index_.files) {
    if (live.count(f.relative)) continue;
    entries.push_back({EntryStatus::kDeleted, snapshot_id, f.sequence_number, f.sequence_number, f.info});
    ++deleted_files;
    removed_rows += f.info.record_count;
    removed_bytes += f.info.file_size;
  }

  std::vector<ManifestFileInfo> manifests;
  auto add_manifest = [&](FileContent content, const std::vector<ManifestEntry>& list, int32_t added, int32_t existing,
                          int32_t deleted, int64_t rows_added, int64_t rows_existing, int64_t rows_deleted) -> Status {
    const std::string key = prefix_ + "/metadata/" + RandomUuid() + "-m" + std::to_string(manifests.size()) + ".avro";
    const std::string bytes = WriteManifest(schema, partition, content, list);
    HANGAR_RETURN_NOT_OK(store_->Put(key, bytes));
    index.metadata_files.push_back(key);
    ManifestFileInfo m;
    m.path = store_->UriOf(key);
    m.length = static_cast<int64_t>(bytes.size());
    m.spec_id = partition.spec_id;
    m.content = content;
    m.sequence_number = sequence;
    m.min_sequence_number = sequence;
    for (const auto& e : list)
      if (e.status != EntryStatus::kDeleted && e.sequence_number)
        m.min_sequence_number = std::min(m.min_sequence_number, *e.sequence_number);
    m.added_snapshot_id = snapshot_id;
    m.added_files = added;
    m.existing_files = existing;
    m.deleted_files = deleted;
    m.added_rows = rows_added;
    m.existing_rows = rows_existing;
    m.deleted_rows = rows_deleted;
    m.partitions = SummarizePartitions(partition, list);
    manifests.push_back(std::move(m));
    return Status::OK();
  };
  if (!entries.empty())
    HANGAR_RETURN_NOT_OK(add_manifest(FileContent::kData, entries, added_files, existing_files, deleted_files,
                                      added_rows, total_rows - added_rows, removed_rows));

  // A primary-key table's deletes are computed anew for every snapshot:
  // the previous delete file goes, the new one names every superseded row.
  int64_t position_deletes = 0;
  if (!state.primary_key.empty()) {
    std::vector<ManifestEntry> delete_entries;
    for (const auto& d : index_.deletes)
      delete_entries.push_back({EntryStatus::kDeleted, snapshot_id, d.sequence_number, d.sequence_number, d.info});
    // A key lives in one partition (a primary-key table is partitioned by
    // key columns only), so each partition's files supersede their own rows.
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < state.files.size(); ++i) groups[state.files[i].partition].push_back(i);
    for (const auto& [path, group] : groups) {
      HANGAR_ASSIGN_OR_RETURN(auto deletes, WritePositionDeletes(state, index.files, group, snapshot_id, sequence));
      if (!deletes) continue;
      position_deletes += deletes->info.record_count;
      delete_entries.push_back({EntryStatus::kAdded, snapshot_id, std::nullopt, std::nullopt, deletes->info});
      index.deletes.push_back(std::move(*deletes));
    }
    if (!delete_entries.empty())
      HANGAR_RETURN_NOT_OK(add_manifest(FileContent::kPositionDeletes, delete_entries,
                                        static_cast<int32_t>(index.deletes.size()), 0,
                                        static_cast<int32_t>(index_.deletes.size()), position_deletes, 0, 0));
  }
  store::CrashPoint("iceberg-files-uploaded");
  // The definition goes last before the ack: once it is there, a node
  // with an empty disk finds this version and every file it names.
  if (state.definition) {
    HANGAR_ASSIGN_OR_RETURN(std::string definition, EncodeDefinition(*state.definition, now, Writer()));
    HANGAR_RETURN_NOT_OK(store_->Put(DefinitionKey(prefix_, state.version), definition));
  }
  if (uploaded) uploaded();
  store::CrashPoint("iceberg-definition-saved");

  const std::string list_key = prefix_ + "/metadata/snap-" + std::to_string(snapshot_id) + "-" + RandomUuid() + ".avro";
  HANGAR_RETURN_NOT_OK(store_->Put(list_key, WriteManifestList(snapshot_id, parent, sequence, manifests)));
  index.metadata_files.push_back(list_key);
  HANGAR_RETURN_NOT_OK(store_->Put(IndexKey(snapshot_id), IndexJson(index).dump()));

  Snapshot snap;
  snap.snapshot_id = snapshot_id;
  snap.parent_snapshot_id = parent;
  snap.sequence_number = sequence;
  snap.timestamp_ms = now;
  snap.manifest_list = store_->UriOf(list_key);
  snap.schema_id = schema.schema_id;
  std::string operation = state.operation;
  if (operation.empty()) operation = deleted_files == 0 ? "append" : added_files == 0 ? "delete" : "overwrite";
  snap.summary = {{"operation", operation},
                  {"added-data-files", Str(added_files)},
                  {"deleted-data-files", Str(deleted_files)},
                  {"added-records", Str(added_rows)},
                  {"deleted-records", Str(removed_rows)},
                  {"added-files-size", Str(added_bytes)},
                  {"removed-files-size", Str(removed_bytes)},
                  {"total-records", Str(total_rows)},
                  {"total-files-size", Str(total_bytes)},
                  {"total-data-files", Str(static_cast<int64_t>(index.files.size()))},
                  {"total-delete-files", Str(static_cast<int64_t>(index.deletes.size()))},
                  {"total-position-deletes", Str(position_deletes)},
                  {"total-equality-deletes", "0"},
                  {"hangar.version", Str(state.version)},
                  {"hangar.flushed-lsn", std::to_string(state.flushed_lsn)}};
  next.snapshots.push_back(snap);
  next.current_snapshot_id = snapshot_id;
  next.last_sequence_number = sequence;
  next.last_updated_ms = now;
  next.snapshot_log.push_back({now, snapshot_id, {}});
  if (!creating) next.metadata_log.push_back({metadata_->last_updated_ms, 0, store_->UriOf(MetadataKey(version_))});
  // The log keeps the last kMetadataLogEntries versions (Iceberg's
  // write.metadata.previous-versions-max); older ones are deleted once the
  // new version is committed, so a busy table's metadata stays small.
  std::vector<std::string> old_versions;
  while (next.metadata_log.size() > kMetadataLogEntries) {
    if (auto key = KeyOfUri(*store_, next.metadata_log.front().file); key.ok()) old_versions.push_back(*key);
    next.metadata_log.erase(next.metadata_log.begin());
  }

  const int64_t version = version_ + 1;
  HANGAR_RETURN_NOT_OK(store_->PutIfAbsent(MetadataKey(version), MetadataJson(next).dump(2)));
  store::CrashPoint("iceberg-metadata-committed");
  for (const auto& key : old_versions) (void)store_->Delete(key);
  // The hint is only a shortcut for readers that list no folders; the
  // versions themselves are the truth, so its failure is not the commit's.
  (void)store_->Put(prefix_ + "/metadata/version-hint.text", std::to_string(version));
  // The previous version's definition is superseded: the newest is what a
  // restore reads (a failure leaves an object that is never read again).
  if (index_.hangar_version > 0 && index_.hangar_version < state.version)
    (void)store_->Delete(DefinitionKey(prefix_, index_.hangar_version));
  metadata_ = std::move(next);
  version_ = version;
  index_ = std::move(index);
  definition_checked_ = state.definition != nullptr;
  return Status::OK();
}

Status IcebergTable::ExpireSnapshots(const ExpiryPolicy& policy) {
  if (!metadata_ || metadata_->snapshots.size() <= static_cast<size_t>(std::max(policy.min_snapshots, 1)))
    return Status::OK();
  const int64_t now = NowMs();
  TableMetadata next = *metadata_;
  std::vector<Snapshot> kept, expired;
  const size_t keep_newest = static_cast<size_t>(std::max(policy.min_snapshots, 1));
  for (size_t i = 0; i < next.snapshots.size(); ++i) {
    const Snapshot& s = next.snapshots[i];
    const bool newest = i + keep_newest >= next.snapshots.size();
    const bool young = policy.max_age_ms > 0 && now - s.timestamp_ms < policy.max_age_ms;
    if (newest || young || s.snapshot_id == next.current_snapshot_id)
      kept.push_back(s);
    else
      expired.push_back(s);
  }
  if (expired.empty()) return Status::OK();
  // What the kept snapshots need.
  std::set<std::string> needed;
  for (const auto& s : kept) {
    HANGAR_ASSIGN_OR_RETURN(Index index, ReadIndex(s.snapshot_id));
    for (const auto& f : index.files) needed.insert("data/" + f.relative);
    for (const auto& f : index.deletes) needed.insert(f.relative);
  }
  std::vector<std::string> garbage;
  for (const auto& s : expired) {
    HANGAR_ASSIGN_OR_RETURN(Index index, ReadIndex(s.snapshot_id));
    for (const auto& f : index.files)
      if (!needed.count("data/" + f.relative)) garbage.push_back(prefix_ + "/data/" + f.relative);
    for (const auto& f : index.deletes)
      if (!needed.count(f.relative)) garbage.push_back(prefix_ + "/" + f.relative);
    for (const auto& m : index.metadata_files) garbage.push_back(m);
    garbage.push_back(IndexKey(s.snapshot_id));
  }
  std::set<int64_t> gone;
  for (const auto& s : expired) gone.insert(s.snapshot_id);
  next.snapshots = kept;
  std::erase_if(next.snapshot_log, [&](const LogEntry& e) { return gone.count(e.snapshot_id) > 0; });
  for (auto& s : next.snapshots)
    if (s.parent_snapshot_id && gone.count(*s.parent_snapshot_id)) s.parent_snapshot_id.reset();
  next.metadata_log.push_back({metadata_->last_updated_ms, 0, store_->UriOf(MetadataKey(version_))});
  next.last_updated_ms = now;
  // The metadata that no longer names them is committed first: a crash
  // after it leaves unreferenced objects, never a snapshot without its files.
  const int64_t version = version_ + 1;
  HANGAR_RETURN_NOT_OK(store_->PutIfAbsent(MetadataKey(version), MetadataJson(next).dump(2)));
  (void)store_->Put(prefix_ + "/metadata/version-hint.text", std::to_string(version));
  metadata_ = std::move(next);
  version_ = version;
  for (const auto& key : garbage) HANGAR_RETURN_NOT_OK(store_->Delete(key));
  return Status::OK();
}

Status IcebergTable::Purge() {
  // The definitions first, then the metadata versions: a purge cut short
  // leaves no definition naming files that are gone, so the table is never
  // restored half (restore.h), and no metadata readers would take for a table.
  HANGAR_ASSIGN_OR_RETURN(auto definitions, store_->List(DefinitionKeyPrefix(prefix_)));
  for (const auto& o : definitions) HANGAR_RETURN_NOT_OK(store_->Delete(o.key));
  HANGAR_ASSIGN_OR_RETURN(auto versions, store_->List(prefix_ + "/metadata/v"));
  for (const auto& o : versions) HANGAR_RETURN_NOT_OK(store_->Delete(o.key));
  HANGAR_ASSIGN_OR_RETURN(auto objects, store_->List(prefix_ + "/"));
  for (const auto& o : objects) HANGAR_RETURN_NOT_OK(store_->Delete(o.key));
  metadata_.reset();
  version_ = 0;
  index_ = Index{};
  return Status::OK();
}

}  // namespace hangar::iceberg
