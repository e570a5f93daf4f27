#include "store/memtable_scan.h"

#include "duckdb/scan_function.h"
#include "store/primary_key.h"
#include "store/read_copy.h"
#include "store/storage_types.h"

namespace hangar::store {

namespace {

constexpr const char* kFunction = "hangar_memtable";
constexpr const char* kReadCopiesFunction = "hangar_read_copies";

// The rows of a snapshot's files, from each one's read copy in turn; the
// snapshot held so that no file goes meanwhile.
std::unique_ptr<arrow::RecordBatchSource> ReadCopiesOf(SnapshotPtr snapshot) {
  const arrow::SchemaPtr schema = snapshot->schema;
  size_t next = 0;
  return std::make_unique<ChainedSource>(
      schema, [snapshot = std::move(snapshot), next]() mutable -> Result<std::unique_ptr<arrow::RecordBatchSource>> {
        if (next >= snapshot->files.size()) return std::unique_ptr<arrow::RecordBatchSource>();
        return OpenReadCopy(snapshot->files[next++], snapshot->schema);
      });
}

}  // namespace

// Snapshots by id, held weakly: the callers of Relation pin them. Snapshot
// ids are unique in the process, and so is this registry: every store on a
// database (a test opens several in turn) shares the one function.
struct MemtableScan::Snapshots : duckdb::ScanProvider {
  static const std::shared_ptr<Snapshots>& Instance() {
    static const auto instance = std::make_shared<Snapshots>();
    return instance;
  }

  std::mutex mu;
  std::map<uint64_t, std::weak_ptr<const TableSnapshot>> by_id;  // guarded by mu

  void Add(const SnapshotPtr& snapshot) {
    std::lock_guard lock(mu);
    std::erase_if(by_id, [](const auto& entry) { return entry.second.expired(); });
    by_id[snapshot->id] = snapshot;
  }

  Result<SnapshotPtr> Find(const std::string& text) {
    const uint64_t id = std::strtoull(text.c_str(), nullptr, 10);
    std::lock_guard lock(mu);
    auto it = by_id.find(id);
    auto snapshot = it == by_id.end() ? nullptr : it->second.lock();
    if (!snapshot) return Status::Unavailable("a table changed while the query started; run it again");
    return snapshot;
  }

  Result<std::unique_ptr<arrow::RecordBatchSource>> Rows(const SnapshotPtr& snapshot) {
    HANGAR_ASSIGN_OR_RETURN(auto rows, StorageSource(ScanMemtable(snapshot->schema, snapshot->memtable)));
    if (snapshot->primary_key.empty()) return rows;
    return WithRank(std::move(rows), static_cast<int64_t>(snapshot->files.size()) + 1);
  }

  Result<arrow::SchemaPtr> Schema(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto snapshot, Find(text));
    HANGAR_ASSIGN_OR_RETURN(auto rows, Rows(snapshot));
    return rows->schema();
  }

  Result<std::unique_ptr<arrow::RecordBatchSource>> Open(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto snapshot, Find(text));
    return Rows(snapshot);  // the batches are shared: they outlive the snapshot if need be
  }
};

namespace {

// hangar_read_copies over the same snapshots as hangar_memtable.
struct ReadCopies : duckdb::ScanProvider {
  std::shared_ptr<MemtableScan::Snapshots> snapshots;

  explicit ReadCopies(std::shared_ptr<MemtableScan::Snapshots> s) : snapshots(std::move(s)) {}

  Result<arrow::SchemaPtr> Schema(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto snapshot, snapshots->Find(text));
    return snapshot->schema;
  }

  Result<std::unique_ptr<arrow::RecordBatchSource>> Open(const std::string& text) override {
    HANGAR_ASSIGN_OR_RETURN(auto snapshot, snapshots->Find(text));
    return ReadCopiesOf(std::move(snapshot));
  }
};

}  // namespace

Result<std::shared_ptr<MemtableScan>> MemtableScan::Register(std::shared_ptr<duckdb::Database> db) {
  auto out = std::make_shared<MemtableScan>();
  out->snapshots_ = Snapshots::Instance();
  // On this instance of the engine and on every one after a reset.
  HANGAR_RETURN_NOT_OK(db->AddInitializer([snapshots = out->snapshots_](duckdb::Connection& connection) {
    HANGAR_RETURN_NOT_OK(duckdb::RegisterScanFunction(connection, kFunction, snapshots));
    return duckdb::RegisterScanFunction(connection, kReadCopiesFunction, std::make_shared<ReadCopies>(snapshots));
  }));
  return out;
}

namespace {

std::string Call(const char* function, const SnapshotPtr& snapshot) {
  return std::string(function) + "(" + duckdb::QuoteLiteral(std::to_string(snapshot->id)) + ")";
}

}  // namespace

std::string MemtableScan::Relation(const SnapshotPtr& snapshot) {
  snapshots_->Add(snapshot);
  return Call(kFunction, snapshot);
}

std::string MemtableScan::ReadCopiesRelation(const SnapshotPtr& snapshot) {
  snapshots_->Add(snapshot);
  return Call(kReadCopiesFunction, snapshot);
}

}  // namespace hangar::store
