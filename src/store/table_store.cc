#include "store/table_store.h"

#include <algorithm>
#include <cerrno>

#include "store/crash_point.h"
#include "store/storage_types.h"

namespace hangar::store {

Result<PutMode> ParsePutMode(std::string_view text) {
  if (text == "append") return PutMode::kAppend;
  if (text == "create") return PutMode::kCreate;
  if (text == "overwrite") return PutMode::kOverwrite;
  return Status::Invalid("unknown put mode '" + std::string(text) + "' (append, create or overwrite)");
}

TableStore::TableStore(StoreOptions options, std::shared_ptr<duckdb::Database> db)
    : options_(std::move(options)), db_(std::move(db)) {}

Result<std::unique_ptr<TableStore>> TableStore::Open(StoreOptions options, std::shared_ptr<duckdb::Database> db) {
  std::unique_ptr<TableStore> store(new TableStore(std::move(options), std::move(db)));
  HANGAR_RETURN_NOT_OK(store->Load());
  return store;
}

Status TableStore::Load() {
  HANGAR_RETURN_NOT_OK(CreateDirectories(tables_dir()));
  // Whatever was being written when the server stopped is garbage now.
  HANGAR_RETURN_NOT_OK(RemoveAll(staging_dir()));
  HANGAR_RETURN_NOT_OK(CreateDirectories(staging_dir()));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tables_dir(), ec)) {
    const fs::path dir = entry.path();
    if (dir.filename().string().starts_with(".new-")) {  // a create that did not finish
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    if (!entry.is_directory()) continue;
    HANGAR_ASSIGN_OR_RETURN(auto manifest, Manifest::Read(dir));
    if (manifest.dropped) {  // committed drop; its readers are gone with the old process
      HANGAR_RETURN_NOT_OK(RemoveAll(dir));
      continue;
    }
    if (tables_.count(manifest.name))
      return Status::DataLoss("two folders hold table " + manifest.name.ToString() + ": " + dir.string() +
                              " and " + tables_[manifest.name]->dir().string());
    const QualifiedName name = manifest.name;
    HANGAR_ASSIGN_OR_RETURN(auto table, Table::Open(dir, std::move(manifest)));
    tables_[name] = std::move(table);
  }
  if (ec) return IoError("cannot list", tables_dir(), ec.value());
  return Status::OK();
}

Result<SnapshotPtr> TableStore::Snapshot(const QualifiedName& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return Status::NotFound("no table '" + name.ToString() + "'");
  return it->second->snapshot();
}

std::vector<SnapshotPtr> TableStore::List() const {
  std::lock_guard lock(mu_);
  std::vector<SnapshotPtr> out;
  for (const auto& [name, table] : tables_) out.push_back(table->snapshot());
  return out;
}

namespace {

// A borrowed source (the caller keeps ownership).
struct Borrowed : arrow::RecordBatchSource {
  arrow::RecordBatchSource* inner;
  explicit Borrowed(arrow::RecordBatchSource* s) : inner(s) {}
  const arrow::SchemaPtr& schema() const override { return inner->schema(); }
  Result<arrow::RecordBatchPtr> Next() override { return inner->Next(); }
};

// The next portion of a source: its batches until about `limit` bytes have
// passed, then an end; Restart() begins the next portion.
class Portion : public arrow::RecordBatchSource {
 public:
  Portion(arrow::RecordBatchSource* inner, int64_t limit) : inner_(inner), limit_(limit) {}
  const arrow::SchemaPtr& schema() const override { return inner_->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    if (bytes_ >= limit_ || done_) return arrow::RecordBatchPtr();
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) done_ = true;
    else bytes_ += arrow::TotalBufferSize(*batch);
    if (batch != nullptr) HANGAR_RETURN_NOT_OK(CheckNotNull(*batch));
    return batch;
  }
  void Restart() { bytes_ = 0; }
  bool source_done() const { return done_; }

 private:
  arrow::RecordBatchSource* inner_;
  int64_t limit_;
  int64_t bytes_ = 0;
  bool done_ = false;
};

// DuckDB's words for a failed write: a full disk, another I/O failure (for
// the server's log), or values Parquet cannot take (the client's business).
Status WriteError(const Status& duckdb_error) {
  const std::string& message = duckdb_error.message();
  if (message.find("No space left on device") != std::string::npos) return IoError("writing Parquet", "", ENOSPC);
  if (message.starts_with("IO Error")) return Status::IOError("writing Parquet: " + message);
  return Status::Invalid("the data cannot be stored as Parquet: " + message);
}

}  // namespace

// Staged files of one put, removed with whatever DuckDB left if the put
// does not commit them.
struct TableStore::Staging {
  fs::path dir;
  std::vector<StagedFile> files;
  ~Staging() {
    if (!dir.empty()) (void)RemoveAll(dir);
  }
};

Status TableStore::WriteStaged(arrow::RecordBatchSource* source, Staging* staging, int64_t* rows_out,
                               int64_t* bytes_out) {
  // DuckDB writes the stream as Parquet while it arrives, one file per
  // portion of about target_file_bytes (one COPY each: DuckDB's own file
  // rotation does not keep the rows in order).
  staging->dir = staging_dir() / UniqueId();
  HANGAR_RETURN_NOT_OK(CreateDirectories(staging->dir));
  HANGAR_ASSIGN_OR_RETURN(auto conn, duckdb::Connection::Open(db_));
  HANGAR_ASSIGN_OR_RETURN(auto storage_form, StorageSource(std::make_unique<Borrowed>(source)));
  Portion portion(storage_form.get(), options_.target_file_bytes);
  while (!portion.source_done()) {
    portion.Restart();
    const fs::path file = staging->dir / (std::to_string(staging->files.size()) + ".parquet");
    const std::string view_name = "hangar_put_" + staging->dir.filename().string();
    HANGAR_ASSIGN_OR_RETURN(auto view, conn->RegisterView(view_name, std::make_unique<Borrowed>(&portion)));
    Status st = conn->Execute("COPY (SELECT * FROM " + duckdb::QuoteIdentifier(view_name) + ") TO " +
                              duckdb::QuoteLiteral(file.string()) + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " +
                              std::to_string(options_.row_group_rows) + ")");
    if (!st.ok()) {
      // The stream's own error (a bad batch, a cut connection) is the cause;
      // DuckDB only reports that its scan stopped.
      HANGAR_RETURN_NOT_OK(view->source_status());
      return WriteError(st);
    }
    const int64_t rows = view->rows_read();
    if (rows == 0) break;  // the end came right at a portion boundary (or the put is empty)
    std::error_code ec;
    const auto bytes = static_cast<int64_t>(fs::file_size(file, ec));
    if (ec) return IoError("cannot stat", file, ec.value());
    HANGAR_RETURN_NOT_OK(FsyncFile(file));
    staging->files.push_back(StagedFile{file, rows, bytes});
    *rows_out += rows;
    *bytes_out += bytes;
  }
  return Status::OK();
}

Result<PutResult> TableStore::Put(const QualifiedName& name, PutMode mode, arrow::RecordBatchSource* source) {
  HANGAR_RETURN_NOT_OK(CheckName(name.ns, "namespace"));
  HANGAR_RETURN_NOT_OK(CheckName(name.name, "table name"));
  const arrow::SchemaPtr schema = source->schema();
  HANGAR_RETURN_NOT_OK(CheckStorable(*schema));
  // Checked before any data is read, and again at commit.
  if (auto existing = Snapshot(name); existing.ok()) {
    if (mode == PutMode::kCreate) return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
    if (mode == PutMode::kAppend) {
      std::string mismatch = SchemaMismatch(*(*existing)->schema, *schema);
      if (!mismatch.empty())
        return Status::Invalid("schema of the stream does not match table '" + name.ToString() + "': " + mismatch);
    }
  }

  TableStore::Staging staging;
  PutResult result;
  HANGAR_RETURN_NOT_OK(WriteStaged(source, &staging, &result.rows, &result.bytes));

  CrashPoint("put-staged");

  // Commit.
  std::shared_ptr<Table> table;
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(name);
    if (it == tables_.end()) {
      HANGAR_ASSIGN_OR_RETURN(table, Table::Create(tables_dir(), name, schema));
      tables_[name] = table;
      result.created = true;
    } else if (mode == PutMode::kCreate) {
      return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
    } else {
      table = it->second;
    }
  }
  HANGAR_ASSIGN_OR_RETURN(result.snapshot,
                          table->Commit(mode == PutMode::kOverwrite ? CommitMode::kOverwrite : CommitMode::kAppend,
                                        schema, std::move(staging.files)));
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
  if (snapshot->memtable->empty()) return snapshot;
  std::vector<arrow::RecordBatchPtr> batches;
  for (const auto& m : *snapshot->memtable) batches.push_back(m.batch);
  arrow::VectorSource source(snapshot->schema, std::move(batches));
  Staging staging;
  int64_t rows = 0, bytes = 0;
  HANGAR_RETURN_NOT_OK(WriteStaged(&source, &staging, &rows, &bytes));
  CrashPoint("flush-staged");
  return table->Commit(CommitMode::kAppend, snapshot->schema, std::move(staging.files), snapshot->memtable->back().lsn);
}

Result<SnapshotPtr> TableStore::CreateTable(const QualifiedName& name, arrow::SchemaPtr schema) {
  HANGAR_RETURN_NOT_OK(CheckName(name.ns, "namespace"));
  HANGAR_RETURN_NOT_OK(CheckName(name.name, "table name"));
  HANGAR_RETURN_NOT_OK(CheckStorable(*schema));
  std::lock_guard lock(mu_);
  if (tables_.count(name)) return Status::AlreadyExists("table '" + name.ToString() + "' already exists");
  HANGAR_ASSIGN_OR_RETURN(auto table, Table::Create(tables_dir(), name, std::move(schema)));
  tables_[name] = table;
  return table->snapshot();
}

Status TableStore::DropTable(const QualifiedName& name) {
  std::shared_ptr<Table> table;
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(name);
    if (it == tables_.end()) return Status::NotFound("no table '" + name.ToString() + "'");
    table = it->second;
    // The durable drop comes first: if it fails, the table stays.
    HANGAR_RETURN_NOT_OK(table->Drop());
    tables_.erase(it);
  }
  return Status::OK();
}

std::vector<std::vector<std::string>> TableStore::FileGroups(const TableSnapshot& snapshot) const {
  std::vector<std::vector<std::string>> groups;
  // Rows still in memory belong to this snapshot only: one reader takes
  // files and memtable together (a ticket naming files would miss rows a
  // flush moves meanwhile).
  if (!snapshot.memtable->empty()) return groups;
  int64_t group_bytes = 0;
  for (const auto& f : snapshot.files) {
    if (groups.empty() || group_bytes + f.meta.bytes > options_.file_group_bytes) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(f.meta.name);
    group_bytes += f.meta.bytes;
  }
  return groups;
}

Result<std::unique_ptr<arrow::RecordBatchSource>> TableStore::Scan(const SnapshotPtr& snapshot,
                                                                   const std::vector<std::string>& files) const {
  std::vector<const DataFile*> chosen;
  if (files.empty()) {
    for (const auto& f : snapshot->files) chosen.push_back(&f);
  } else {
    for (const auto& name : files) {
      auto it = std::find_if(snapshot->files.begin(), snapshot->files.end(),
                             [&](const DataFile& f) { return f.meta.name == name; });
      if (it == snapshot->files.end())
        return Status::FailedPrecondition("table '" + snapshot->name.ToString() + "' no longer has file " + name +
                                          " (it was overwritten since the ticket was issued): ask for a new one");
      chosen.push_back(&*it);
    }
  }
  // The whole table: its files, then the rows still in memory.
  std::vector<arrow::RecordBatchPtr> memory;
  if (files.empty())
    for (const auto& m : *snapshot->memtable) memory.push_back(m.batch);
  if (chosen.empty())
    return std::unique_ptr<arrow::RecordBatchSource>(
        std::make_unique<arrow::VectorSource>(snapshot->schema, std::move(memory)));
  std::string list;
  for (const auto* f : chosen) list += (list.empty() ? "" : ", ") + duckdb::QuoteLiteral(f->path().string());
  HANGAR_ASSIGN_OR_RETURN(auto stream, duckdb::StreamQuery(db_, "SELECT * FROM read_parquet([" + list + "])"));
  // The snapshot rides along so that its files outlive the scan.
  struct Holding : arrow::RecordBatchSource {
    SnapshotPtr snapshot;
    std::unique_ptr<arrow::RecordBatchSource> inner;
    std::vector<arrow::RecordBatchPtr> memory;
    size_t next = 0;
    const arrow::SchemaPtr& schema() const override { return inner->schema(); }
    Result<arrow::RecordBatchPtr> Next() override {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner->Next());
      if (batch != nullptr || next >= memory.size()) return batch;
      return memory[next++];
    }
  };
  auto holding = std::make_unique<Holding>();
  holding->snapshot = snapshot;
  holding->inner = ConformSource(std::move(stream), snapshot->schema);
  holding->memory = std::move(memory);
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(holding));
}

}  // namespace hangar::store
