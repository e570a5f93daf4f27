#include "store/table_store.h"

#include <algorithm>
#include <cerrno>
#include <set>
#include <thread>

#include "arrow/concatenate.h"
#include "base/log.h"
#include "store/crash_point.h"
#include "store/primary_key.h"
#include "store/storage_types.h"

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
  HANGAR_RETURN_NOT_OK(store->Load());
  return store;
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
  if (manifest->dropped) return RemoveAll(dir);  // committed drop; its readers are gone with the old process
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
  log::Error("a table folder cannot be served and was moved aside",
             {{"folder", relative}, {"error", why.ToString()}});
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
  tables_[name] = std::move(table);
}

void TableStore::RefreshPeers() const {
  if (options_.peers_dir.empty()) return;
  // Called on every lookup: a few directory listings and small reads, each
  // manifest parsed only when its text changed. (Not its inode and mtime:
  // a switch may reuse the inode the one before freed, within the same
  // clock tick.)
  std::lock_guard lock(peers_mu_);
  std::map<QualifiedName, PeerTable> found;
  std::error_code ec;
  const fs::path own = fs::weakly_canonical(options_.data_dir, ec);
  for (const auto& node : fs::directory_iterator(options_.peers_dir, ec)) {
    std::error_code node_ec;
    if (!node.is_directory(node_ec) || fs::weakly_canonical(node.path(), node_ec) == own) continue;
    for (const auto& entry : fs::directory_iterator(node.path() / "tables", node_ec)) {
      const fs::path dir = entry.path();
      if (dir.filename().string().starts_with(".new-") || !entry.is_directory(node_ec)) continue;
      auto text = ReadWholeFile(dir / Manifest::kFileName);
      if (!text.ok()) continue;  // being created, or gone
      auto known = std::find_if(peers_.begin(), peers_.end(),
                                [&](const auto& p) { return p.second.table->dir() == dir; });
      if (known != peers_.end() && known->second.manifest_text == *text) {
        found.insert(*known);
        continue;
      }
      auto manifest = Manifest::Parse(*text);
      if (!manifest.ok() || manifest->dropped) continue;
      const QualifiedName name = manifest->name;
      found[name] = PeerTable{node.path().filename().string(), Table::OpenPeer(dir, std::move(*manifest)), std::move(*text)};
    }
  }
  peers_.swap(found);
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

std::optional<std::string> TableStore::PeerOf(const QualifiedName& name) const {
  {
    std::lock_guard lock(mu_);
    if (tables_.count(name)) return std::nullopt;
  }
  RefreshPeers();
  std::lock_guard lock(peers_mu_);
  auto it = peers_.find(name);
  if (it == peers_.end()) return std::nullopt;
  return it->second.node;
}

std::map<QualifiedName, std::string> TableStore::PeerTables() const {
  RefreshPeers();
  std::map<QualifiedName, std::string> out;
  {
    std::lock_guard lock(peers_mu_);
    for (const auto& [name, peer] : peers_) out[name] = peer.node;
  }
  std::lock_guard lock(mu_);
  for (const auto& [name, table] : tables_) out.erase(name);  // this store's own, as PeerOf says
  return out;
}

Status TableStore::CheckWritable(const QualifiedName& name) const {
  if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
  if (auto peer = PeerOf(name))
    return Status::FailedPrecondition("table '" + name.ToString() + "' belongs to cluster node " + *peer +
                                      ": write to it there");
  return Status::OK();
}

Status TableStore::Adopt(const fs::path& peer_folder, uint64_t log_position) {
  if (options_.fence) HANGAR_RETURN_NOT_OK(options_.fence());
  Status first_error;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(peer_folder / "tables", ec)) {
    const fs::path dir = entry.path();
    if (!entry.is_directory()) continue;
    if (dir.filename().string().starts_with(".new-")) {
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    HANGAR_ASSIGN_OR_RETURN(auto manifest, Manifest::Read(dir));
    if (manifest.dropped) {
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    std::lock_guard lock(mu_);
    if (tables_.count(manifest.name)) {
      if (first_error.ok())
        first_error = Status::AlreadyExists("cannot adopt table " + manifest.name.ToString() + " from " +
                                            dir.string() + ": this node has a table of that name");
      continue;
    }
    // Every row is in its files (recovered); LSNs from now on are this log's.
    manifest.flushed_lsn = log_position;
    manifest.version += 1;
    HANGAR_RETURN_NOT_OK(manifest.Write(dir));
    const fs::path target = tables_dir() / dir.filename();
    HANGAR_RETURN_NOT_OK(DurableRename(dir, target));
    const QualifiedName name = manifest.name;
    HANGAR_ASSIGN_OR_RETURN(auto table, Table::Open(target, std::move(manifest)));
    AddTable(name, std::move(table));
  }
  if (ec && ec != std::errc::no_such_file_or_directory) return IoError("cannot list", peer_folder / "tables", ec.value());
  return first_error;
}

namespace {

// The rows of `batch` where `keep` is true (null if none), as slices of it
// put together.
Result<arrow::RecordBatchPtr> KeepRows(const arrow::RecordBatchPtr& batch, const std::vector<bool>& keep) {
  std::vector<std::pair<int64_t, int64_t>> runs;  // offset, length
  for (int64_t i = 0; i < batch->num_rows; ++i) {
    if (!keep[static_cast<size_t>(i)]) continue;
    if (!runs.empty() && runs.back().first + runs.back().second == i) ++runs.back().second;
    else runs.emplace_back(i, 1);
  }
  if (runs.empty()) return arrow::RecordBatchPtr();
  if (runs.size() == 1 && runs[0].second == batch->num_rows) return batch;
  std::vector<arrow::ArrayPtr> columns;
  int64_t rows = 0;
  for (const auto& run : runs) rows += run.second;
  for (const auto& column : batch->columns) {
    std::vector<arrow::ArrayPtr> parts;
    for (const auto& [offset, length] : runs) parts.push_back(column->Slice(offset, length));
    HANGAR_ASSIGN_OR_RETURN(auto joined, arrow::Concatenate(parts));
    columns.push_back(std::move(joined));
  }
  return arrow::MakeRecordBatch(batch->schema, rows, std::move(columns));
}

}  // namespace

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
  HANGAR_ASSIGN_OR_RETURN(result.snapshot,
                          table->Commit(commit_mode, schema, std::move(staging.files), std::nullopt,
                                        [&](const MemRows& rows) { return writer_.WriteMemtable(*snapshot, rows, &late); }));
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

Result<SnapshotPtr> TableStore::FlushMemtable(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot) {
  std::lock_guard flushing(table->memtable_write_mu());
  return FlushLocked(table, snapshot);
}

Result<SnapshotPtr> TableStore::FlushLocked(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot) {
  // Rows flushed meanwhile (by a put into a primary-key table) are not written twice.
  MemRows rows;
  const uint64_t flushed = table->snapshot()->flushed_lsn;
  for (const auto& m : *snapshot->memtable)
    if (m.lsn > flushed) rows.push_back(m);
  if (rows.empty()) return table->snapshot();
  Staging staging;
  HANGAR_ASSIGN_OR_RETURN(auto files, writer_.WriteMemtable(*snapshot, rows, &staging));
  CrashPoint("flush-staged");
  return table->Commit(CommitMode::kAppend, snapshot->schema, std::move(files), rows.back().lsn);
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

namespace {

// A snapshot's files per partition (of `partitions` only, if given), each
// partition's in the table's order, partitions in order of first appearance
// (an unpartitioned table: one partition, "").
std::vector<std::vector<const DataFile*>> FilesByPartition(const TableSnapshot& snapshot,
                                                           const std::vector<std::string>& partitions) {
  std::vector<std::vector<const DataFile*>> out;
  std::map<std::string, size_t> index;
  for (const auto& f : snapshot.files) {
    if (!partitions.empty() && std::find(partitions.begin(), partitions.end(), f.meta.partition) == partitions.end())
      continue;
    auto [it, added] = index.emplace(f.meta.partition, out.size());
    if (added) out.emplace_back();
    out[it->second].push_back(&f);
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> TableStore::FileGroups(const TableSnapshot& snapshot,
                                                             const std::vector<std::string>& partitions) const {
  std::vector<std::vector<std::string>> groups;
  // Rows still in memory belong to this snapshot only: one reader takes
  // files and memtable together (a ticket naming files would miss rows a
  // flush moves meanwhile). A primary-key table's files are read together:
  // a key's latest row may be in any of them.
  // A primary-key table's keys live in one partition each (or anywhere, if
  // it has no partitions): a group is then a whole partition.
  const bool keyed = !snapshot.primary_key.empty();
  if (!snapshot.memtable->empty() || (keyed && snapshot.partition_spec.empty())) return groups;
  // A group per partition, split by size.
  for (const auto& files : FilesByPartition(snapshot, partitions)) {
    int64_t group_bytes = 0;
    bool fresh = true;
    for (const auto* f : files) {
      if (fresh || (!keyed && group_bytes + f->meta.bytes > options_.file_group_bytes)) {
        groups.emplace_back();
        group_bytes = 0;
        fresh = false;
      }
      groups.back().push_back(f->meta.name);
      group_bytes += f->meta.bytes;
    }
  }
  return groups;
}

namespace {

// A source that keeps a snapshot (its files, its memtable relation) alive.
struct Holding : arrow::RecordBatchSource {
  SnapshotPtr snapshot;
  std::unique_ptr<arrow::RecordBatchSource> inner;
  std::vector<arrow::RecordBatchPtr> memory;  // served after `inner`
  size_t next = 0;
  const arrow::SchemaPtr& schema() const override { return inner->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner->Next());
    if (batch != nullptr || next >= memory.size()) return batch;
    return memory[next++];
  }
};

std::vector<const DataFile*> AllFiles(const TableSnapshot& snapshot) {
  std::vector<const DataFile*> out;
  for (const auto& f : snapshot.files) out.push_back(&f);
  return out;
}

// Every row of `files`, in order (DuckDB keeps the files' order and the rows').
std::string SelectFiles(const std::vector<const DataFile*>& files) {
  std::string list;
  for (const auto* f : files) list += (list.empty() ? "" : ", ") + duckdb::QuoteLiteral(f->path().string());
  return "SELECT * FROM " + ReadParquet("[" + list + "]");
}

}  // namespace

std::string TableStore::RankedRows(const SnapshotPtr& snapshot, const std::vector<const DataFile*>& files,
                                   bool memtable) const {
  const std::string rank = duckdb::QuoteIdentifier(RankColumn(*snapshot->schema));
  std::string out;
  for (size_t i = 0; i < files.size(); ++i)
    out += std::string(i ? " UNION ALL " : "") + "SELECT *, " + std::to_string(i + 1) + "::BIGINT AS " + rank +
           " FROM " + ReadParquet(duckdb::QuoteLiteral(files[i]->path().string()));
  if (memtable && !snapshot->memtable->empty())
    out += std::string(out.empty() ? "" : " UNION ALL ") + "SELECT * FROM " + memtable_scan_->Relation(snapshot);
  return out;
}

std::string TableStore::LatestRowsQuery(const SnapshotPtr& snapshot) const {
  const std::string ranked = RankedRows(snapshot, AllFiles(*snapshot), true);
  if (ranked.empty()) return "";
  return LatestRowsSql(snapshot->primary_key, RankColumn(*snapshot->schema), ranked);
}

std::string TableStore::SelectAll(const SnapshotPtr& snapshot) const {
  if (!snapshot->primary_key.empty()) {
    std::string latest = LatestRowsQuery(snapshot);
    if (!latest.empty()) return latest;
    return "SELECT * EXCLUDE (" + duckdb::QuoteIdentifier(RankColumn(*snapshot->schema)) + ") FROM " +
           memtable_scan_->Relation(snapshot);
  }
  std::string out;
  if (!snapshot->files.empty()) out = SelectFiles(AllFiles(*snapshot));
  // The memtable relation also gives an empty table its columns.
  if (!snapshot->memtable->empty() || out.empty())
    out += std::string(out.empty() ? "" : " UNION ALL ") + "SELECT * FROM " + memtable_scan_->Relation(snapshot);
  return out;
}

Result<int64_t> TableStore::CountRows(const SnapshotPtr& snapshot, const std::vector<std::string>& partitions) const {
  HANGAR_RETURN_NOT_OK(CheckPartitions(*snapshot, partitions));
  if (!partitions.empty()) {
    if (snapshot->primary_key.empty() && snapshot->memtable->empty()) {
      int64_t rows = 0;
      for (const auto& f : snapshot->files)
        if (std::find(partitions.begin(), partitions.end(), f.meta.partition) != partitions.end()) rows += f.meta.rows;
      return rows;
    }
    // Rows in memory (or latest versions) of the partitions: counted by reading them.
    HANGAR_ASSIGN_OR_RETURN(auto scan, Scan(snapshot, {}, partitions));
    int64_t rows = 0;
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, scan->Next());
      if (batch == nullptr) return rows;
      rows += batch->num_rows;
    }
  }
  if (snapshot->primary_key.empty()) return snapshot->rows;
  int64_t known = snapshot->latest_rows.load();
  if (known >= 0) return known;
  const std::string latest = LatestRowsQuery(snapshot);
  if (latest.empty()) return int64_t{0};
  HANGAR_ASSIGN_OR_RETURN(known, CountQuery(db_, "SELECT count(*) FROM (" + latest + ")"));
  snapshot->latest_rows.store(known);
  return known;
}

Status CheckPartitions(const TableSnapshot& snapshot, const std::vector<std::string>& partitions) {
  if (partitions.empty()) return Status::OK();
  if (snapshot.partition_spec.empty())
    return Status::Invalid("table '" + snapshot.name.ToString() + "' has no partitions to choose from");
  for (const auto& p : partitions)
    if (!IsPartitionPath(p)) return Status::Invalid("'" + p + "' is not a partition path (like \"at_day=2024-01-15\")");
  return Status::OK();
}

namespace {

// The rows of a source in the given partitions only.
class PartitionFilter : public arrow::RecordBatchSource {
 public:
  PartitionFilter(std::unique_ptr<arrow::RecordBatchSource> inner, PartitionSpec spec, std::vector<std::string> partitions)
      : inner_(std::move(inner)), spec_(std::move(spec)), partitions_(partitions.begin(), partitions.end()) {}
  const arrow::SchemaPtr& schema() const override { return inner_->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
      if (batch == nullptr) return batch;
      HANGAR_ASSIGN_OR_RETURN(auto paths, PartitionPaths(spec_, *batch));
      std::vector<bool> keep(paths.size());
      for (size_t i = 0; i < paths.size(); ++i) keep[i] = partitions_.count(paths[i]) > 0;
      HANGAR_ASSIGN_OR_RETURN(auto kept, KeepRows(batch, keep));
      if (kept != nullptr) return kept;
    }
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  PartitionSpec spec_;
  std::set<std::string> partitions_;
};

}  // namespace

Result<std::unique_ptr<arrow::RecordBatchSource>> TableStore::Scan(const SnapshotPtr& snapshot,
                                                                   const std::vector<std::string>& files,
                                                                   const std::vector<std::string>& partitions) const {
  HANGAR_RETURN_NOT_OK(CheckPartitions(*snapshot, partitions));
  auto holding = std::make_unique<Holding>();
  holding->snapshot = snapshot;
  auto filtered = [&](std::unique_ptr<arrow::RecordBatchSource> source) -> std::unique_ptr<arrow::RecordBatchSource> {
    if (partitions.empty()) return source;
    return std::make_unique<PartitionFilter>(std::move(source), snapshot->partition_spec, partitions);
  };
  if (!snapshot->primary_key.empty()) {
    std::vector<const DataFile*> chosen;
    HANGAR_ASSIGN_OR_RETURN(chosen, FindFiles(*snapshot, files));
    // A group of files of a partitioned table: its keys are in no other file.
    const bool whole = files.empty();
    if (!whole && snapshot->partition_spec.empty())
      return Status::Invalid("table '" + snapshot->name.ToString() + "' has a primary key: it is read whole, "
                             "and its tickets name no files");
    const std::string ranked = RankedRows(snapshot, whole ? AllFiles(*snapshot) : chosen, whole);
    if (ranked.empty())
      return std::unique_ptr<arrow::RecordBatchSource>(std::make_unique<arrow::VectorSource>(snapshot->schema,
                                                                                            std::vector<arrow::RecordBatchPtr>{}));
    const std::string latest = LatestRowsSql(snapshot->primary_key, RankColumn(*snapshot->schema), ranked);
    HANGAR_ASSIGN_OR_RETURN(auto stream,
                            duckdb::StreamQuery(db_, latest + " ORDER BY " + QuotedColumns(snapshot->primary_key)));
    holding->inner = filtered(ConformSource(std::move(stream), snapshot->schema));
    return std::unique_ptr<arrow::RecordBatchSource>(std::move(holding));
  }
  std::vector<const DataFile*> chosen;
  HANGAR_ASSIGN_OR_RETURN(chosen, FindFiles(*snapshot, files));
  if (!partitions.empty())
    std::erase_if(chosen, [&](const DataFile* f) {
      return std::find(partitions.begin(), partitions.end(), f->meta.partition) == partitions.end();
    });
  // The whole table: its files, then the rows still in memory.
  std::vector<arrow::RecordBatchPtr> memory;
  if (files.empty())
    for (const auto& m : *snapshot->memtable) memory.push_back(m.batch);
  std::unique_ptr<arrow::RecordBatchSource> rows;
  if (chosen.empty()) {
    rows = std::make_unique<arrow::VectorSource>(snapshot->schema, std::move(memory));
    return filtered(std::move(rows));
  }
  HANGAR_ASSIGN_OR_RETURN(auto stream, duckdb::StreamQuery(db_, SelectFiles(chosen)));
  holding->inner = ConformSource(std::move(stream), snapshot->schema);
  // The memtable's rows of the partitions asked for.
  if (!memory.empty() && !partitions.empty()) {
    auto in_memory = filtered(std::make_unique<arrow::VectorSource>(snapshot->schema, std::move(memory)));
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, in_memory->Next());
      if (batch == nullptr) break;
      memory.push_back(std::move(batch));
    }
  }
  holding->memory = std::move(memory);
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(holding));
}

Result<std::vector<const DataFile*>> TableStore::FindFiles(const TableSnapshot& snapshot,
                                                           const std::vector<std::string>& files) const {
  if (files.empty()) return AllFiles(snapshot);
  std::vector<const DataFile*> chosen;
  for (const auto& name : files) {
    auto named = [&](const DataFile& f) { return f.meta.name == name; };
    auto it = std::find_if(snapshot.files.begin(), snapshot.files.end(), named);
    if (it == snapshot.files.end()) {
      // A compaction since the ticket was issued: the replaced file is still there for a while.
      it = std::find_if(snapshot.retired.begin(), snapshot.retired.end(), named);
      if (it == snapshot.retired.end())
        return Status::FailedPrecondition("table '" + snapshot.name.ToString() + "' no longer has file " + name +
                                          " (it was overwritten since the ticket was issued): ask for a new one");
    }
    chosen.push_back(&*it);
  }
  return chosen;
}

Result<TableStore::CompactResult> TableStore::Compact(const std::shared_ptr<Table>& table, bool all) {
  auto snapshot = table->snapshot();
  CompactResult result;
  result.files_before = result.files_after = static_cast<int>(snapshot->files.size());
  std::vector<std::vector<const DataFile*>> runs;
  for (const auto& files : FilesByPartition(*snapshot, {})) {
    if (all) {
      // One file is as compact as it gets (a primary-key table's files hold one row per key).
      if (files.size() >= 2) runs.push_back(files);
      continue;
    }
    // The first run of small files, up to about one target file's worth.
    std::vector<const DataFile*> current;
    int64_t bytes = 0;
    for (const auto* f : files) {
      if (f->meta.bytes >= options_.compact_small_bytes || bytes + f->meta.bytes > options_.target_file_bytes) {
        if (static_cast<int>(current.size()) >= options_.compact_min_files) break;
        current.clear();
        bytes = 0;
        if (f->meta.bytes >= options_.compact_small_bytes) continue;
      }
      current.push_back(f);
      bytes += f->meta.bytes;
    }
    if (static_cast<int>(current.size()) >= options_.compact_min_files) {
      runs.push_back(std::move(current));
      break;  // one run per call
    }
  }
  for (const auto& f : snapshot->files) result.rows_before += f.meta.rows;
  result.rows_after = result.rows_before;
  for (const auto& run : runs) {
    HANGAR_ASSIGN_OR_RETURN(auto rows, CompactRun(table, snapshot, run));
    for (const auto* f : run) result.rows_after -= f->meta.rows;
    result.rows_after += rows;
    result.files_after -= static_cast<int>(run.size()) - 1;
  }
  return result;
}

Result<int64_t> TableStore::CompactRun(const std::shared_ptr<Table>& table, const SnapshotPtr& snapshot,
                                       const std::vector<const DataFile*>& run) {
  const std::string select =
      snapshot->primary_key.empty()
          ? SelectFiles(run)
          : LatestRowsSql(snapshot->primary_key, RankColumn(*snapshot->schema), RankedRows(snapshot, run, false));
  // One file: the run is small.
  Staging staging;
  HANGAR_ASSIGN_OR_RETURN(auto staged, writer_.WriteOne(select, run.front()->meta.partition, &staging));
  const int64_t rows = staged.rows;
  staging.files.push_back(std::move(staged));
  CrashPoint("compact-staged");
  std::vector<std::string> names;
  for (const auto* f : run) names.push_back(f->meta.name);
  HANGAR_RETURN_NOT_OK(table->ReplaceFiles(names, std::move(staging.files)).status());
  return rows;
}

}  // namespace hangar::store
