#include "store/table_store.h"

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "store/crash_point.h"
#include "store/primary_key.h"
#include "store/storage_types.h"
#include "store/table_folder.h"

namespace hangar::store {

Result<PutMode> ParsePutMode(std::string_view text) {
  if (text == "append") return PutMode::kAppend;
  if (text == "create") return PutMode::kCreate;
  if (text == "overwrite") return PutMode::kOverwrite;
  return Status::Invalid("unknown put mode '" + std::string(text) + "' (append, create or overwrite)");
}

TableStore::TableStore(StoreOptions options, std::shared_ptr<duckdb::Database> db)
    : options_(std::move(options)),
      db_(std::move(db)),
      writer_(db_, ParquetWriterOptions{staging_dir(), options_.target_file_bytes, options_.row_group_rows,
                                        options_.flush_threads}) {}

Result<std::unique_ptr<TableStore>> TableStore::Open(StoreOptions options, std::shared_ptr<duckdb::Database> db) {
  std::unique_ptr<TableStore> store(new TableStore(std::move(options), std::move(db)));
  HANGAR_ASSIGN_OR_RETURN(store->memtable_scan_, MemtableScan::Register(store->db_));
  store->reader_ = std::make_unique<TableReader>(store->db_, store->memtable_scan_, store->options_.file_group_bytes,
                                                 store->options_.read_copies);
  if (store->options_.read_copies) store->read_copies_ = std::make_shared<ReadCopyMaker>(store->db_);
  HANGAR_RETURN_NOT_OK(store->Load());
  return store;
}

void TableStore::WaitForReadCopies() const {
  if (read_copies_) read_copies_->Wait();
}

Status TableStore::Load() {
  HANGAR_RETURN_NOT_OK(CreateDirectories(tables_dir()));
  // Whatever was being written when the server stopped is garbage now.
  HANGAR_RETURN_NOT_OK(RemoveAll(staging_dir()));
  HANGAR_RETURN_NOT_OK(CreateDirectories(staging_dir()));
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(tables_dir(), ec)) dirs.push_back(entry.path());
  if (ec) return IoError("cannot list", tables_dir(), ec.value());
  std::sort(dirs.begin(), dirs.end());  // the same folder wins a conflict every time
  for (const fs::path& dir : dirs) {
    if (dir.filename().string().starts_with(".new-")) {  // a create that did not finish
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    if (!fs::is_directory(dir, ec)) continue;
    // One folder that cannot be served must not keep the others from being
    // served: it is moved aside and reported (QuarantinedFolders).
    Status st = LoadFolder(dir);
    if (!st.ok()) HANGAR_RETURN_NOT_OK(QuarantineFolder(dir, st));
  }
  return Status::OK();
}

Status TableStore::LoadFolder(const fs::path& dir) {
  auto manifest = Manifest::Read(dir);
  if (!manifest.ok() && manifest.status().code() == StatusCode::kIOError) return manifest.status();
  if (!manifest.ok()) return manifest.status();
  if (manifest->dropped) {
    // A committed drop; its readers are gone with the old process. A mirror
    // may not have purged its copy yet: it is told again, and the folder,
    // which records the drop, goes once the mirror is done with it.
    if (!options_.mirror) return RemoveAll(dir);
    auto dropped = std::make_shared<TableSnapshot>();
    dropped->name = manifest->name;
    dropped->version = manifest->version;
    dropped->schema = manifest->schema;
    dropped->memtable = std::make_shared<const MemRows>();
    dropped->primary_key = manifest->primary_key;
    dropped->partition_spec = manifest->partition_spec;
    dropped->folder = std::make_shared<Deletable>(dir);
    dropped->folder->MarkObsolete();
    options_.mirror->Committed(TableIdOfFolder(dir), TableChange::kDropped, dropped);
    return Status::OK();
  }
  const QualifiedName name = manifest->name;
  if (auto twin = CaseTwinOf(name))
    return Status::AlreadyExists("table " + name.ToString() + " is also held by another folder (as " +
                                 twin->ToString() + "; names that differ only by case are one name)");
  HANGAR_ASSIGN_OR_RETURN(auto table, Table::Open(dir, std::move(*manifest)));
  AddTable(name, std::move(table));
  return Status::OK();
}

Status TableStore::QuarantineFolder(const fs::path& dir, const Status& why) {
  const fs::path aside = options_.data_dir / "quarantine" / "tables" / dir.filename();
  HANGAR_RETURN_NOT_OK(CreateDirectories(aside.parent_path()));
  HANGAR_RETURN_NOT_OK(RemoveAll(aside));
  HANGAR_RETURN_NOT_OK(DurableRename(dir, aside));
  const std::string relative = "quarantine/tables/" + dir.filename().string();
  log::Error("a table folder cannot be served and was moved aside", {{"folder", relative}, {"error", why.ToString()}});
  std::lock_guard lock(mu_);
  quarantined_.push_back({relative, why.message()});
  return Status::OK();
}

std::vector<TableStore::QuarantinedFolder> TableStore::QuarantinedFolders() const {
  std::lock_guard lock(mu_);
  return quarantined_;
}

Status TableStore::CheckNameFree(const QualifiedName& name) const {
  auto twin = CaseTwinOf(name);
  if (!twin) return Status::OK();
  if (*twin == name) return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
  return Status::AlreadyExists("table '" + twin->ToString() + "' exists: names that differ only by case are one name");
}

std::optional<QualifiedName> TableStore::CaseTwinOf(const QualifiedName& name) const {
  const std::string ns = FoldCase(name.ns), table = FoldCase(name.name);
  for (const auto& [other, t] : tables_) {
    if (FoldCase(other.ns) == ns && FoldCase(other.name) == table) return other;
  }
  return std::nullopt;
}

void TableStore::AddTable(const QualifiedName& name, std::shared_ptr<Table> table) {
  table->set_fence(options_.fence);
  table->set_mirror(options_.mirror);
  if (read_copies_) {
    std::weak_ptr<ReadCopyMaker> maker = read_copies_;
    std::weak_ptr<Table> weak = table;
    table->set_on_switch([maker, weak](const SnapshotPtr&) {
      if (auto m = maker.lock()) m->Add(weak);
    });
    read_copies_->Add(table);  // the files that have none yet
  }
  tables_[name] = std::move(table);
}

Result<SnapshotPtr> TableStore::Snapshot(const QualifiedName& name) const {
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(name);
    if (it != tables_.end()) return it->second->snapshot();
  }
  RefreshPeers();
  std::lock_guard lock(peers_mu_);
  auto it = peers_.find(name);
  if (it == peers_.end()) return Status::NotFound("no table '" + name.ToString() + "'");
  return it->second.table->snapshot();
}

std::vector<SnapshotPtr> TableStore::List() const {
  std::map<QualifiedName, SnapshotPtr> all;
  RefreshPeers();
  {
    std::lock_guard lock(peers_mu_);
    for (const auto& [name, peer] : peers_) all[name] = peer.table->snapshot();
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, table] : tables_) all[name] = table->snapshot();
  }
  std::vector<SnapshotPtr> out;
  for (auto& [name, snapshot] : all) out.push_back(std::move(snapshot));
  return out;
}

Result<PutResult> TableStore::Put(const QualifiedName& name, PutMode mode, arrow::RecordBatchSource* source) {
  HANGAR_RETURN_NOT_OK(CheckNamespace(name.ns));
  HANGAR_RETURN_NOT_OK(CheckName(name.name, "table name"));
  const arrow::SchemaPtr schema = source->schema();
  HANGAR_RETURN_NOT_OK(CheckStorable(*schema));
  HANGAR_RETURN_NOT_OK(CheckWritable(name));
  // Checked before any data is read, and again at commit.
  SnapshotPtr existing;
  if (auto found = Snapshot(name); found.ok()) existing = *found;
  if (auto table = FindTable(name); table.ok()) HANGAR_RETURN_NOT_OK((*table)->CheckWritable());
  std::vector<std::string> key;  // the existing table's primary key
  PartitionSpec spec;            // and partition spec
  if (existing) {
    if (mode == PutMode::kCreate) return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
    if (mode == PutMode::kAppend) {
      std::string mismatch = SchemaMismatch(*existing->schema, *schema);
      if (!mismatch.empty())
        return Status::Invalid("schema of the stream does not match table '" + name.ToString() + "': " + mismatch);
    }
    key = existing->primary_key;
    if (!key.empty()) {
      Status st = CheckPrimaryKey(*schema, key);
      if (!st.ok()) return st.WithContext("table '" + name.ToString() + "' keeps its primary key");
    }
    spec = existing->partition_spec;
    if (!spec.empty()) {
      // An overwrite keeps the spec: its source columns must still take it.
      auto again = ParsePartitionSpec(SerializePartitionSpec(spec), *schema);
      if (!again.ok()) return again.status().WithContext("table '" + name.ToString() + "' keeps its partition spec");
    }
  }

  // Appended rows take the table's schema (its nullability declarations).
  struct AsTable : arrow::RecordBatchSource {
    arrow::RecordBatchSource* inner;
    arrow::SchemaPtr table_schema;
    const arrow::SchemaPtr& schema() const override { return table_schema; }
    Result<arrow::RecordBatchPtr> Next() override {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner->Next());
      if (batch == nullptr) return batch;
      return AsTableBatch(batch, table_schema);
    }
  } as_table;
  as_table.inner = source;
  as_table.table_schema = existing && mode == PutMode::kAppend ? existing->schema : schema;

  Staging staging;
  PutResult result;
  HANGAR_RETURN_NOT_OK(
      writer_.Write(&as_table, &staging, &result.rows, &result.bytes, key, spec, options_.max_put_partitions));

  CrashPoint("put-staged");

  // Commit.
  std::shared_ptr<Table> table;
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(name);
    if (it == tables_.end()) {
      if (!key.empty())
        return Status::Unavailable("table '" + name.ToString() + "' was dropped while the put ran; put again");
      if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
      HANGAR_RETURN_NOT_OK(CheckNameFree(name));
      HANGAR_ASSIGN_OR_RETURN(table, Table::Create(tables_dir(), name, schema));
      AddTable(name, table);
      result.created = true;
    } else if (mode == PutMode::kCreate) {
      return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
    } else {
      table = it->second;
    }
  }
  HANGAR_RETURN_NOT_OK(table->CheckWritable());
  if (table->snapshot()->primary_key != key || table->snapshot()->partition_spec != spec)
    return Status::Unavailable("table '" + name.ToString() + "' was created again while the put ran; put again");
  const CommitMode commit_mode = mode == PutMode::kOverwrite ? CommitMode::kOverwrite : CommitMode::kAppend;
  if (key.empty()) {
    // An overwrite drops the memtable: no flush of it may commit afterwards.
    std::unique_lock<std::mutex> flushing;
    if (commit_mode == CommitMode::kOverwrite) flushing = std::unique_lock(table->memtable_write_mu());
    HANGAR_ASSIGN_OR_RETURN(result.snapshot, table->Commit(commit_mode, schema, std::move(staging.files)));
    return result;
  }
  // An upsert: the memtable's rows came first, so they go into files ahead
  // of the put's — most of them by a flush now, the few that arrive during
  // it in the commit itself.
  std::lock_guard flushing(table->memtable_write_mu());
  if (commit_mode == CommitMode::kAppend) HANGAR_RETURN_NOT_OK(FlushLocked(table, table->snapshot()).status());
  Staging late;
  auto snapshot = table->snapshot();
  HANGAR_ASSIGN_OR_RETURN(result.snapshot, table->Commit(commit_mode, schema, std::move(staging.files), std::nullopt,
                                                         [&](const MemRows& rows) {
                                                           return writer_.WriteMemtable(*snapshot, rows, &late);
                                                         }));
  return result;
}

std::vector<std::shared_ptr<Table>> TableStore::Tables() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Table>> out;
  for (const auto& [name, table] : tables_) out.push_back(table);
  return out;
}

Result<std::shared_ptr<Table>> TableStore::FindTable(const QualifiedName& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return Status::NotFound("no table '" + name.ToString() + "'");
  return it->second;
}

Result<SnapshotPtr> TableStore::FlushMemtable(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                              int64_t part_log_bytes) {
  std::lock_guard flushing(table->memtable_write_mu());
  return FlushLocked(table, snapshot, part_log_bytes);
}

Result<SnapshotPtr> TableStore::FlushLocked(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                            int64_t part_log_bytes) {
  // Rows flushed meanwhile (by a put into a primary-key table) are not written twice.
  const uint64_t flushed = table->snapshot()->flushed_lsn;
  SnapshotPtr committed = table->snapshot();
  // In parts, each committed on its own, holding at most about
  // part_log_bytes of batches read back from the log: the log's
  // overflow can be far larger than memory, and a part is loaded whole.
  // (A memtable without overflow is one part.)
  const MemRows& all = *snapshot->memtable;
  size_t next = 0;
  while (next < all.size()) {
    MemRows part;
    int64_t from_log = 0;
    for (; next < all.size(); ++next) {
      const MemBatch& m = all[next];
      if (m.lsn <= flushed) continue;
      const int64_t cost = m.batch != nullptr ? 0 : m.bytes;
      if (!part.empty() && from_log + cost > part_log_bytes) break;
      from_log += cost;
      part.push_back(m);
    }
    if (part.empty()) break;
    Staging staging;
    HANGAR_ASSIGN_OR_RETURN(auto files, writer_.WriteMemtable(*snapshot, part, &staging));
    CrashPoint("flush-staged");
    HANGAR_ASSIGN_OR_RETURN(committed,
                            table->Commit(CommitMode::kAppend, snapshot->schema, std::move(files), part.back().lsn));
  }
  return committed;
}

Result<SnapshotPtr> TableStore::CreateTable(const QualifiedName& name, arrow::SchemaPtr schema,
                                            std::vector<std::string> primary_key, PartitionSpec partition_spec) {
  HANGAR_RETURN_NOT_OK(CheckNamespace(name.ns));
  HANGAR_RETURN_NOT_OK(CheckName(name.name, "table name"));
  HANGAR_RETURN_NOT_OK(CheckStorable(*schema));
  if (!primary_key.empty()) HANGAR_RETURN_NOT_OK(CheckPrimaryKey(*schema, primary_key));
  // A key then lives in one partition: a partition's files alone give its latest rows.
  for (const auto& f : partition_spec.fields)
    if (!primary_key.empty() && std::find(primary_key.begin(), primary_key.end(), f.source) == primary_key.end())
      return Status::Invalid("partition source column '" + f.source +
                             "' is not a primary key column: a primary-key table is partitioned by its key columns");
  HANGAR_RETURN_NOT_OK(CheckWritable(name));
  std::lock_guard lock(mu_);
  HANGAR_RETURN_NOT_OK(CheckNameFree(name));
  HANGAR_ASSIGN_OR_RETURN(auto table, Table::Create(tables_dir(), name, std::move(schema), std::move(primary_key),
                                                    std::move(partition_spec)));
  AddTable(name, table);
  return table->snapshot();
}

Status TableStore::DropTable(const QualifiedName& name) {
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(name);
    if (it != tables_.end()) {
      // The durable drop comes first: if it fails, the table stays.
      HANGAR_RETURN_NOT_OK(it->second->Drop());
      tables_.erase(it);
      return Status::OK();
    }
  }
  HANGAR_RETURN_NOT_OK(CheckWritable(name));  // a peer's table: its owner drops it
  return Status::NotFound("no table '" + name.ToString() + "'");
}

Result<std::unique_ptr<arrow::RecordBatchSource>> TableStore::Scan(const SnapshotPtr& snapshot,
                                                                   const std::vector<std::string>& files,
                                                                   const std::vector<std::string>& partitions) const {
  return reader_->Scan(snapshot, files, partitions);
}

Result<int64_t> TableStore::CountRows(const SnapshotPtr& snapshot, const std::vector<std::string>& partitions) const {
  return reader_->CountRows(snapshot, partitions);
}

std::string TableStore::SelectAll(const SnapshotPtr& snapshot) const { return reader_->SelectAll(snapshot); }

std::vector<std::vector<std::string>> TableStore::FileGroups(const TableSnapshot& snapshot,
                                                             const std::vector<std::string>& partitions) const {
  return reader_->FileGroups(snapshot, partitions);
}

}  // namespace hangar::store
