#include "store/table.h"

#include "arrow/layout.h"

#include "store/crash_point.h"
#include "store/idempotency_keys.h"
#include "store/table_folder.h"
#include "store/table_mirror.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace hangar::store {

Deletable::~Deletable() {
  if (obsolete_) {
    std::error_code ec;
    fs::remove_all(path_, ec);  // a leftover is removed on the next start
    if (!companion_.empty()) fs::remove(companion_, ec);
  }
}

fs::path ReadCopyPath(const fs::path& data_file) {
  fs::path out = data_file;
  out.replace_extension(".arrow");
  return out;
}

std::string SchemaMismatch(const arrow::Schema& table, const arrow::Schema& stream) {
  const int n = std::min(table.num_fields(), stream.num_fields());
  for (int i = 0; i < n; ++i) {
    const auto& a = *table.field(i);
    const auto& b = *stream.field(i);
    if (a.name() != b.name())
      return "field " + std::to_string(i) + " is '" + a.name() + "' in the table but '" + b.name() + "' in the stream";
    // A column's nullability may differ: the values are checked against
    // the table's declaration (CheckNotNull after AsTableBatch).
    if (!a.Equals(arrow::Field(b.name(), b.type(), a.nullable(), b.metadata()), false) &&
        !arrow::SameValuesInOtherLayout(*b.type(), *a.type()))
      return "field '" + a.name() + "' is " + a.ToString() + " in the table but " + b.ToString() + " in the stream";
  }
  if (table.num_fields() != stream.num_fields())
    return "the table has " + std::to_string(table.num_fields()) + " fields, the stream " +
           std::to_string(stream.num_fields());
  return "";
}

namespace {

std::string DataFileName(int64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08lld.parquet", static_cast<long long>(number));
  return buf;
}

}  // namespace

Result<arrow::RecordBatchPtr> AsTableBatch(const arrow::RecordBatchPtr& batch, const arrow::SchemaPtr& schema) {
  if (batch->schema == schema) return batch;
  std::vector<arrow::ArrayPtr> columns = batch->columns;
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& type = schema->field(static_cast<int>(i))->type();
    if (columns[i]->type->Equals(*type, false)) continue;
    HANGAR_ASSIGN_OR_RETURN(columns[i], arrow::ToLayout(columns[i], type));
  }
  return arrow::MakeRecordBatch(schema, batch->num_rows, std::move(columns));
}

Status CheckNotNull(const arrow::RecordBatch& batch) {
  for (int c = 0; c < batch.num_columns(); ++c) {
    const auto& field = *batch.schema->field(c);
    if (!field.nullable() && batch.column(c)->null_count() > 0)
      return Status::Invalid("column '" + field.name() + "' is declared not null but the data has nulls in it");
  }
  return Status::OK();
}

namespace {

std::atomic<uint64_t> next_snapshot_id{1};

}  // namespace

Table::Table(std::shared_ptr<Deletable> folder, Manifest manifest)
    : folder_(std::move(folder)), id_(TableIdOfFolder(folder_->path())), manifest_(std::move(manifest)) {
  for (const auto& f : manifest_.files) {
    const fs::path path = folder_->path() / f.relative_path();
    files_.push_back(DataFile{f, std::make_shared<Deletable>(path, ReadCopyPath(path))});
  }
  snapshot_ = MakeSnapshot();
}

Result<std::shared_ptr<Table>> Table::Create(const fs::path& tables_dir, const QualifiedName& name,
                                             arrow::SchemaPtr schema, std::vector<std::string> primary_key,
                                             PartitionSpec partition_spec) {
  // Folder names carry a random suffix: a dropped table's folder may still
  // be read while a new table of the same name is created.
  const std::string id = UniqueId();
  const fs::path staging = tables_dir / (".new-" + id);
  const fs::path final_dir = tables_dir / TableFolderName(name, std::strtoull(id.c_str(), nullptr, 16));
  Manifest manifest;
  manifest.name = name;
  manifest.version = 1;
  manifest.schema = std::move(schema);
  manifest.primary_key = std::move(primary_key);
  manifest.partition_spec = std::move(partition_spec);
  HANGAR_RETURN_NOT_OK(CreateDirectories(staging));
  Status st = manifest.Write(staging);
  if (st.ok()) st = DurableRename(staging, final_dir);
  if (!st.ok()) {
    (void)RemoveAll(staging);
    return st;
  }
  return Open(final_dir, std::move(manifest));
}

Result<std::shared_ptr<Table>> Table::Open(const fs::path& dir, Manifest manifest) {
  std::set<fs::path> named;
  for (const auto& f : manifest.files) {
    named.insert(f.relative_path());
    named.insert(ReadCopyPath(f.relative_path()));  // a cache, made again if missing
  }
  // Whatever else is in the folder (and its partition folders) was left by
  // an interrupted commit or manifest switch — except the manifest and the
  // streaming writers' keys (which the manifest does not list: they change
  // with every flush).
  std::vector<fs::path> leftovers, folders;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(dir);
    if (it->is_directory(ec) && IsPartitionPath(relative.string())) {
      folders.push_back(it->path());
      continue;
    }
    if (it->is_directory(ec)) it.disable_recursion_pending();
    if (relative == Manifest::kFileName || relative == IdempotencyKeys::kFileName || named.count(relative)) continue;
    leftovers.push_back(it->path());
  }
  if (ec) return IoError("cannot list", dir, ec.value());
  for (const auto& path : leftovers) HANGAR_RETURN_NOT_OK(RemoveAll(path));
  // Partition folders left empty go too, deepest first.
  std::sort(folders.rbegin(), folders.rend());
  for (const auto& folder : folders) fs::remove(folder, ec);  // fails harmlessly unless empty
  for (const auto& f : manifest.files) {
    if (!fs::exists(dir / f.relative_path(), ec))
      return Status::DataLoss("table " + manifest.name.ToString() + ": data file " + f.relative_path().string() +
                              " named by the manifest is missing");
  }
  return std::shared_ptr<Table>(new Table(std::make_shared<Deletable>(dir), std::move(manifest)));
}

std::shared_ptr<Table> Table::OpenPeer(const fs::path& dir, Manifest manifest) {
  return std::shared_ptr<Table>(new Table(std::make_shared<Deletable>(dir), std::move(manifest)));
}

Status Table::WriteManifest(const Manifest& next) {
  if (fence_) HANGAR_RETURN_NOT_OK(fence_());
  return next.Write(dir());
}

void MemRows::push_back(MemBatch batch) {
  const size_t in_last = size_ % kChunk;
  if (in_last == 0) {
    chunks_.push_back(std::make_shared<Chunk>());
  } else if (chunks_.back()->used != in_last) {
    // Another copy appended to this chunk after ours was taken: ours forks.
    auto copy = std::make_shared<Chunk>();
    for (size_t i = 0; i < in_last; ++i) copy->items[i] = chunks_.back()->items[i];
    copy->used = in_last;
    chunks_.back() = std::move(copy);
  }
  if (batch.batch != nullptr) batch.rows = batch.batch->num_rows;
  rows_ += batch.rows;
  bytes_ += batch.bytes;
  if (batch.batch != nullptr) resident_bytes_ += batch.bytes;
  Chunk& last = *chunks_.back();
  last.items[in_last] = std::move(batch);
  last.used = in_last + 1;
  ++size_;
}

namespace {

class MemtableSource : public arrow::RecordBatchSource {
 public:
  MemtableSource(arrow::SchemaPtr schema, std::shared_ptr<const MemRows> rows)
      : schema_(std::move(schema)), rows_(std::move(rows)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (next_ >= rows_->size()) return arrow::RecordBatchPtr();
    return (*rows_)[next_++].Load();
  }

 private:
  arrow::SchemaPtr schema_;
  std::shared_ptr<const MemRows> rows_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<arrow::RecordBatchSource> ScanMemtable(arrow::SchemaPtr schema, std::shared_ptr<const MemRows> rows) {
  return std::make_unique<MemtableSource>(std::move(schema), std::move(rows));
}

SnapshotPtr Table::MakeSnapshot() {
  auto snap = std::make_shared<TableSnapshot>();
  snap->id = next_snapshot_id++;
  snap->name = manifest_.name;
  snap->version = manifest_.version;
  snap->schema = manifest_.schema;
  snap->files = files_;
  snap->folder = folder_;
  snap->memtable = memtable_;
  snap->flushed_lsn = manifest_.flushed_lsn;
  snap->rows = manifest_.rows();
  snap->rows += memtable_->rows();
  snap->bytes = manifest_.bytes();
  snap->primary_key = manifest_.primary_key;
  snap->partition_spec = manifest_.partition_spec;
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(retired_, [&](const auto& r) { return now - r.first > kRetiredFileGrace; });
  for (const auto& r : retired_) snap->retired.push_back(r.second);
  return snap;
}

SnapshotPtr Table::snapshot() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

Result<SnapshotPtr> Table::AppendToMemtable(MemBatch batch) {
  std::lock_guard lock(write_mu_);
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  auto rows = std::make_shared<MemRows>(*memtable_);
  rows->push_back(std::move(batch));
  memtable_ = std::move(rows);
  auto snap = MakeSnapshot();
  std::lock_guard snapshot_lock(snapshot_mu_);
  snapshot_ = snap;
  return snap;
}

Result<std::vector<DataFile>> Table::MoveIn(std::vector<StagedFile>& staged, Manifest& next) {
  // Moved in first, named by the manifest second: a crash in between leaves
  // files the manifest does not name, which the next start removes.
  std::vector<DataFile> added;
  std::set<fs::path> partition_folders;
  auto fail = [&](const Status& st) {
    for (auto& f : added) f.file->MarkObsolete();
    return st;
  };
  for (auto& s : staged) {
    ManifestFile meta{DataFileName(next.next_file++), s.rows, s.bytes, s.partition};
    const fs::path target = dir() / meta.relative_path();
    if (!s.partition.empty() && partition_folders.insert(target.parent_path()).second) {
      if (Status st = CreateDirectories(target.parent_path()); !st.ok()) return fail(st);
    }
    if (::rename(s.path.c_str(), target.c_str()) != 0)
      return fail(IoError("cannot move a staged file to", target, errno));
    added.push_back(DataFile{meta, std::make_shared<Deletable>(target, ReadCopyPath(target))});
  }
  // The table's folder is synced at the switch; partition folders here.
  for (const auto& folder : partition_folders)
    for (fs::path p = folder; p != dir(); p = p.parent_path())
      if (Status st = FsyncDirectory(p); !st.ok()) return fail(st);
  return added;
}

void Table::set_mirror(std::shared_ptr<TableMirror> mirror) {
  mirror_ = std::move(mirror);
  if (mirror_) mirror_->Committed(id_, TableChange::kOpened, snapshot());
}

Result<SnapshotPtr> Table::Switch(Manifest next, std::vector<DataFile> files, std::vector<DataFile>& added,
                                  std::optional<uint64_t> flushed_upto, TableChange change) {
  next.files.clear();
  for (const auto& f : files) next.files.push_back(f.meta);
  Status st = added.empty() ? Status::OK() : FsyncDirectory(dir());
  CrashPoint("commit-files-moved");
  if (st.ok()) st = WriteManifest(next);
  CrashPoint("commit-done");
  if (!st.ok()) {
    for (auto& f : added) f.file->MarkObsolete();  // never named by a manifest
    return st;
  }
  SnapshotPtr snap;
  {
    std::lock_guard lock(write_mu_);
    files_ = std::move(files);
    manifest_ = std::move(next);
    // Batches appended while the files were moved and the manifest written
    // have later LSNs: they stay.
    if (flushed_upto && !memtable_->empty() && memtable_->front().lsn <= *flushed_upto) {
      auto memtable = std::make_shared<MemRows>();
      for (const auto& m : *memtable_)
        if (m.lsn > *flushed_upto) memtable->push_back(m);
      memtable_ = std::move(memtable);
    }
    snap = MakeSnapshot();
    std::lock_guard snapshot_lock(snapshot_mu_);
    snapshot_ = snap;
  }
  if (mirror_) mirror_->Committed(id_, change, snap);
  if (on_switch_ && !added.empty()) on_switch_(snap);
  return snap;
}

struct Table::GroupedAppend {
  const arrow::SchemaPtr* schema;
  std::vector<StagedFile>* staged;
  std::optional<uint64_t> flushed_lsn;
  Result<SnapshotPtr> result = Status::Internal("not committed");
  bool done = false;
};

Result<SnapshotPtr> Table::Commit(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged,
                                  std::optional<uint64_t> flushed_lsn, const MemtableStager& stage_memtable) {
  if (mode != CommitMode::kAppend || stage_memtable) {
    std::lock_guard commit(commit_mu_);
    return CommitLocked(mode, schema, std::move(staged), flushed_lsn, stage_memtable);
  }
  // Group commit: the first to come commits whatever is waiting by then;
  // the others wait for it, and the first of those left commits the next group.
  GroupedAppend me{&schema, &staged, flushed_lsn};
  std::unique_lock lock(group_mu_);
  group_.push_back(&me);
  group_done_.wait(lock, [&] { return me.done || !group_leader_; });
  if (me.done) return std::move(me.result);
  group_leader_ = true;
  std::vector<GroupedAppend*> group;
  group.swap(group_);
  lock.unlock();
  {
    std::lock_guard commit(commit_mu_);
    CommitGroup(group);
  }
  lock.lock();
  for (auto* g : group) g->done = true;
  group_leader_ = false;
  group_done_.notify_all();
  return std::move(me.result);
}

void Table::CommitGroup(std::vector<GroupedAppend*>& group) {
  if (group.size() == 1) {
    GroupedAppend& only = *group[0];
    only.result = CommitLocked(CommitMode::kAppend, *only.schema, std::move(*only.staged), only.flushed_lsn, nullptr);
    return;
  }
  std::vector<GroupedAppend*> taken;
  for (auto* g : group) {
    if (Status st = CheckAppend(**g->schema); !st.ok()) {
      g->result = st;
      continue;
    }
    taken.push_back(g);
  }
  if (taken.empty()) return;
  Manifest next = manifest_;
  next.version += 1;
  std::vector<DataFile> files = files_;  // appends: only committers change files_, and this one holds commit_mu_
  std::vector<DataFile> added;
  std::optional<uint64_t> flushed_lsn;
  std::vector<GroupedAppend*> moved_in;
  for (auto* g : taken) {
    auto moved = MoveIn(*g->staged, next);
    if (!moved.ok()) {
      g->result = moved.status();
      continue;
    }
    added.insert(added.end(), moved->begin(), moved->end());
    if (g->flushed_lsn) flushed_lsn = std::max(flushed_lsn.value_or(0), *g->flushed_lsn);
    moved_in.push_back(g);
  }
  if (moved_in.empty()) return;
  if (flushed_lsn) next.flushed_lsn = std::max(next.flushed_lsn, *flushed_lsn);
  files.insert(files.end(), added.begin(), added.end());
  auto snap = Switch(std::move(next), std::move(files), added, flushed_lsn, TableChange::kAppend);
  for (auto* g : moved_in) g->result = snap;
}

Status Table::CheckAppend(const arrow::Schema& schema) const {
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  const std::string mismatch = SchemaMismatch(*manifest_.schema, schema);
  if (!mismatch.empty())
    return Status::Invalid("schema of the stream does not match table '" + manifest_.name.ToString() +
                           "': " + mismatch);
  return Status::OK();
}

Result<SnapshotPtr> Table::CommitLocked(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged,
                                        std::optional<uint64_t> flushed_lsn, const MemtableStager& stage_memtable) {
  if (mode == CommitMode::kAppend) {
    HANGAR_RETURN_NOT_OK(CheckAppend(*schema));
  } else if (manifest_.dropped) {
    return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  }
  Manifest next = manifest_;
  next.version += 1;
  if (mode == CommitMode::kOverwrite) next.schema = schema;  // an append keeps the table's declarations
  std::vector<DataFile> files;
  std::shared_ptr<const MemRows> current;
  {
    std::lock_guard lock(write_mu_);
    current = memtable_;
    if (mode == CommitMode::kAppend)
      files = files_;
    else
      retired_.clear();  // their rows are not the table's any more
  }
  // What stays in memory: the rows after `flushed_lsn`; none after an
  // overwrite, whose log records then must not come back either. (Rows
  // appended from now on stay: they come after this change.)
  auto memtable = std::make_shared<MemRows>();
  if (mode == CommitMode::kOverwrite) {
    if (!current->empty()) flushed_lsn = std::max(flushed_lsn.value_or(0), current->back().lsn);
  } else {
    for (const auto& m : *current)
      if (!flushed_lsn || m.lsn > *flushed_lsn) memtable->push_back(m);
  }
  std::vector<DataFile> added;
  if (stage_memtable && !memtable->empty()) {
    HANGAR_ASSIGN_OR_RETURN(auto older, stage_memtable(*memtable));
    HANGAR_ASSIGN_OR_RETURN(added, MoveIn(older, next));
    flushed_lsn = std::max(flushed_lsn.value_or(0), memtable->back().lsn);
  }
  if (flushed_lsn) next.flushed_lsn = std::max(next.flushed_lsn, *flushed_lsn);
  auto moved = MoveIn(staged, next);
  if (!moved.ok()) {
    for (auto& f : added) f.file->MarkObsolete();
    return moved.status();
  }
  added.insert(added.end(), moved->begin(), moved->end());
  files.insert(files.end(), added.begin(), added.end());
  auto old_files = files_;
  HANGAR_ASSIGN_OR_RETURN(auto snap,
                          Switch(std::move(next), std::move(files), added, flushed_lsn,
                                 mode == CommitMode::kOverwrite ? TableChange::kOverwrite : TableChange::kAppend));
  if (mode == CommitMode::kOverwrite)
    for (auto& f : old_files) f.file->MarkObsolete();  // deleted when their last reader finishes
  return snap;
}

Result<SnapshotPtr> Table::ReplaceFiles(const std::vector<std::string>& run, std::vector<StagedFile> staged) {
  std::lock_guard commit(commit_mu_);
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  const std::set<std::string> replacing(run.begin(), run.end());
  std::vector<DataFile> kept, replaced;
  size_t at = files_.size();  // where the first of `run` is
  for (const auto& f : files_) {
    if (replacing.count(f.meta.name)) {
      at = std::min(at, kept.size());
      replaced.push_back(f);
    } else {
      kept.push_back(f);
    }
  }
  if (run.empty() || replaced.size() != replacing.size())
    return Status::FailedPrecondition("table '" + manifest_.name.ToString() +
                                      "' changed while its files were compacted (they are no longer there)");
  Manifest next = manifest_;
  next.version += 1;
  HANGAR_ASSIGN_OR_RETURN(auto added, MoveIn(staged, next));
  std::vector<DataFile> files(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(at));
  files.insert(files.end(), added.begin(), added.end());
  files.insert(files.end(), kept.begin() + static_cast<std::ptrdiff_t>(at), kept.end());
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(write_mu_);
    for (const auto& f : replaced) retired_.emplace_back(now, f);  // before Switch: its snapshot lists them
  }
  auto snap = Switch(std::move(next), std::move(files), added, std::nullopt, TableChange::kCompaction);
  if (!snap.ok()) {
    std::lock_guard lock(write_mu_);
    std::erase_if(retired_, [&](const auto& r) {
      return r.first == now && std::any_of(replaced.begin(), replaced.end(),
                                           [&](const DataFile& f) { return f.meta.name == r.second.meta.name; });
    });
    return snap;
  }
  for (auto& f : replaced) f.file->MarkObsolete();  // deleted once the grace and their last reader are over
  return snap;
}

Status Table::Drop() {
  std::lock_guard commit(commit_mu_);
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  Manifest next = manifest_;
  next.version += 1;
  next.dropped = true;
  HANGAR_RETURN_NOT_OK(WriteManifest(next));
  {
    std::lock_guard lock(write_mu_);
    manifest_ = std::move(next);
  }
  folder_->MarkObsolete();
  if (mirror_) mirror_->Committed(id_, TableChange::kDropped, snapshot());
  return Status::OK();
}

void Table::SetReadOnly(std::string reason) {
  std::lock_guard lock(snapshot_mu_);
  read_only_ = std::move(reason);
}

void Table::ClearReadOnly() {
  std::lock_guard lock(snapshot_mu_);
  read_only_.reset();
}

std::optional<std::string> Table::read_only() const {
  std::lock_guard lock(snapshot_mu_);
  return read_only_;
}

Status Table::CheckWritable() const {
  auto reason = read_only();
  if (!reason) return Status::OK();
  return Status::FailedPrecondition("table '" + snapshot()->name.ToString() + "' takes no writes: " + *reason);
}

}  // namespace hangar::store
