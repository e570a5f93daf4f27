#include "store/table.h"

#include "store/crash_point.h"
#include "store/idempotency_keys.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <set>

namespace hangar::store {

Deletable::~Deletable() {
  if (obsolete_) {
    std::error_code ec;
    fs::remove_all(path_, ec);  // a leftover is removed on the next start
  }
}

std::string SchemaMismatch(const arrow::Schema& table, const arrow::Schema& stream) {
  const int n = std::min(table.num_fields(), stream.num_fields());
  for (int i = 0; i < n; ++i) {
    const auto& a = *table.field(i);
    const auto& b = *stream.field(i);
    if (a.name() != b.name())
      return "field " + std::to_string(i) + " is '" + a.name() + "' in the table but '" + b.name() + "' in the stream";
    if (!a.Equals(b, false))
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

// The 16 hex digits after the last '-' of a table folder's name.
uint64_t IdOfFolder(const fs::path& dir) {
  const std::string name = dir.filename().string();
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos) return 0;
  return std::strtoull(name.c_str() + dash + 1, nullptr, 16);
}

}  // namespace

Table::Table(std::shared_ptr<Deletable> folder, Manifest manifest)
    : folder_(std::move(folder)), id_(IdOfFolder(folder_->path())), manifest_(std::move(manifest)) {
  for (const auto& f : manifest_.files)
    files_.push_back(DataFile{f, std::make_shared<Deletable>(folder_->path() / f.name)});
  snapshot_ = MakeSnapshot();
}

Result<std::shared_ptr<Table>> Table::Create(const fs::path& tables_dir, const QualifiedName& name,
                                             arrow::SchemaPtr schema) {
  // Folder names carry a random suffix: a dropped table's folder may still
  // be read while a new table of the same name is created.
  const std::string id = UniqueId();
  const fs::path staging = tables_dir / (".new-" + id);
  const fs::path final_dir = tables_dir / (name.ToString() + "-" + id);
  Manifest manifest;
  manifest.name = name;
  manifest.version = 1;
  manifest.schema = std::move(schema);
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
  std::set<std::string> named;
  for (const auto& f : manifest.files) named.insert(f.name);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    // The manifest, its files, and the streaming writers' keys (which the
    // manifest does not list: they change with every flush).
    if (file == Manifest::kFileName || file == IdempotencyKeys::kFileName || named.count(file)) continue;
    HANGAR_RETURN_NOT_OK(RemoveAll(entry.path()));  // left by an interrupted commit or manifest switch
  }
  if (ec) return IoError("cannot list", dir, ec.value());
  for (const auto& f : manifest.files) {
    if (!fs::exists(dir / f.name, ec))
      return Status::DataLoss("table " + manifest.name.ToString() + ": data file " + f.name +
                              " named by the manifest is missing");
  }
  return std::shared_ptr<Table>(new Table(std::make_shared<Deletable>(dir), std::move(manifest)));
}

SnapshotPtr Table::MakeSnapshot() const {
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
  for (const auto& m : *memtable_) snap->rows += m.batch->num_rows;
  snap->bytes = manifest_.bytes();
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

Result<SnapshotPtr> Table::Commit(CommitMode mode, const arrow::SchemaPtr& schema, std::vector<StagedFile> staged,
                                  std::optional<uint64_t> flushed_lsn) {
  std::lock_guard lock(write_mu_);
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  if (mode == CommitMode::kAppend) {
    std::string mismatch = SchemaMismatch(*manifest_.schema, *schema);
    if (!mismatch.empty())
      return Status::Invalid("schema of the stream does not match table '" + manifest_.name.ToString() +
                             "': " + mismatch);
  }
  Manifest next = manifest_;
  next.version += 1;
  next.schema = schema;
  if (mode == CommitMode::kOverwrite) next.files.clear();
  // What stays in memory: the rows after `flushed_lsn`; none after an
  // overwrite, whose log records then must not come back either.
  auto memtable = std::make_shared<MemRows>();
  if (mode == CommitMode::kOverwrite) {
    if (!memtable_->empty()) flushed_lsn = std::max(flushed_lsn.value_or(0), memtable_->back().lsn);
  } else {
    for (const auto& m : *memtable_)
      if (!flushed_lsn || m.lsn > *flushed_lsn) memtable->push_back(m);
  }
  if (flushed_lsn) next.flushed_lsn = std::max(next.flushed_lsn, *flushed_lsn);
  std::vector<DataFile> added;
  // Moved in first, named by the manifest second: a crash in between leaves
  // files the manifest does not name, which the next start removes.
  for (auto& s : staged) {
    ManifestFile meta{DataFileName(next.next_file++), s.rows, s.bytes};
    const fs::path target = dir() / meta.name;
    if (::rename(s.path.c_str(), target.c_str()) != 0) return IoError("cannot move a staged file to", target, errno);
    added.push_back(DataFile{meta, std::make_shared<Deletable>(target)});
    next.files.push_back(meta);
  }
  Status st = added.empty() ? Status::OK() : FsyncDirectory(dir());
  CrashPoint("commit-files-moved");
  if (st.ok()) st = next.Write(dir());
  CrashPoint("commit-done");
  if (!st.ok()) {
    for (auto& f : added) f.file->MarkObsolete();  // never named by a manifest
    return st;
  }
  if (mode == CommitMode::kOverwrite) {
    for (auto& f : files_) f.file->MarkObsolete();  // deleted when their last reader finishes
    files_.clear();
  }
  files_.insert(files_.end(), added.begin(), added.end());
  manifest_ = std::move(next);
  memtable_ = std::move(memtable);
  auto snap = MakeSnapshot();
  std::lock_guard snapshot_lock(snapshot_mu_);
  snapshot_ = snap;
  return snap;
}

Status Table::Drop() {
  std::lock_guard lock(write_mu_);
  if (manifest_.dropped) return Status::NotFound("table '" + manifest_.name.ToString() + "' was dropped");
  Manifest next = manifest_;
  next.version += 1;
  next.dropped = true;
  HANGAR_RETURN_NOT_OK(next.Write(dir()));
  manifest_ = std::move(next);
  folder_->MarkObsolete();
  return Status::OK();
}

}  // namespace hangar::store
