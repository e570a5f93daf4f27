#include "store/table_reader.h"

#include <algorithm>
#include <map>
#include <set>

#include "arrow/concatenate.h"
#include "base/log.h"
#include "store/parquet_writer.h"
#include "store/primary_key.h"
#include "store/read_copy.h"
#include "store/storage_types.h"

namespace hangar::store {

namespace {

// The rows of `batch` where `keep` is true (null if none), as slices of it
// put together.
Result<arrow::RecordBatchPtr> KeepRows(const arrow::RecordBatchPtr& batch, const std::vector<bool>& keep) {
  std::vector<std::pair<int64_t, int64_t>> runs;  // offset, length
  for (int64_t i = 0; i < batch->num_rows; ++i) {
    if (!keep[static_cast<size_t>(i)]) continue;
    if (!runs.empty() && runs.back().first + runs.back().second == i)
      ++runs.back().second;
    else
      runs.emplace_back(i, 1);
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

TableReader::TableReader(std::shared_ptr<duckdb::Database> db, std::shared_ptr<MemtableScan> memtable_scan,
                         int64_t file_group_bytes, bool read_copies)
    : db_(std::move(db)),
      memtable_scan_(std::move(memtable_scan)),
      file_group_bytes_(file_group_bytes),
      read_copies_(read_copies) {}

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

std::vector<std::vector<std::string>> TableReader::FileGroups(const TableSnapshot& snapshot,
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
      if (fresh || (!keyed && group_bytes + f->meta.bytes > file_group_bytes_)) {
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
  std::unique_ptr<arrow::RecordBatchSource> memory;  // served after `inner` (may be null)
  bool inner_done = false;
  const arrow::SchemaPtr& schema() const override { return inner->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    if (!inner_done) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, inner->Next());
      if (batch != nullptr || memory == nullptr) return batch;
      inner_done = true;
    }
    return memory->Next();
  }
};

std::vector<const DataFile*> AllFiles(const TableSnapshot& snapshot) {
  std::vector<const DataFile*> out;
  for (const auto& f : snapshot.files) out.push_back(&f);
  return out;
}

// The rows of a run of files, in order, each file from its read copy if it
// has a usable one, runs of the others in one DuckDB scan; each part opened
// when the one before has ended, so that at most one read copy is mapped.
std::unique_ptr<arrow::RecordBatchSource> FilesSource(std::shared_ptr<duckdb::Database> db, arrow::SchemaPtr schema,
                                                      std::vector<const DataFile*> files) {
  size_t next = 0;
  auto open_next = [db = std::move(db), schema, files = std::move(files),
                    next]() mutable -> Result<std::unique_ptr<arrow::RecordBatchSource>> {
    if (next >= files.size()) return std::unique_ptr<arrow::RecordBatchSource>();
    auto copy = OpenReadCopy(*files[next], schema);
    if (copy.ok()) {
      ++next;
      return std::move(*copy);
    }
    if (copy.status().code() != StatusCode::kNotFound)
      log::Warn("reading a Parquet file instead of its read copy", {{"error", copy.status().ToString()}});
    // This file and the next ones without a usable read copy: one scan.
    std::vector<const DataFile*> run{files[next++]};
    while (next < files.size() && !fs::exists(ReadCopyPath(files[next]->path()))) run.push_back(files[next++]);
    HANGAR_ASSIGN_OR_RETURN(auto stream, duckdb::StreamQuery(db, SelectFiles(run)));
    return ConformSource(std::move(stream), schema);
  };
  return std::make_unique<ChainedSource>(std::move(schema), std::move(open_next));
}

// Whether DuckDB reads a column of `type` from an Arrow batch with the type
// (and values) it reads from the Parquet file of its storage form. Types
// stored in another form, nested ones, and those whose Arrow and Parquet
// readings differ in DuckDB (times, timestamps and their zones, decimals,
// views, dictionaries) are not: their tables are read from Parquet.
bool SameInDuckDb(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::TypeId::kBool:
    case arrow::TypeId::kInt8:
    case arrow::TypeId::kInt16:
    case arrow::TypeId::kInt32:
    case arrow::TypeId::kInt64:
    case arrow::TypeId::kUInt8:
    case arrow::TypeId::kUInt16:
    case arrow::TypeId::kUInt32:
    case arrow::TypeId::kUInt64:
    case arrow::TypeId::kFloat32:
    case arrow::TypeId::kFloat64:
    case arrow::TypeId::kUtf8:
    case arrow::TypeId::kBinary:
    case arrow::TypeId::kDate32: return true;
    default: return false;
  }
}

}  // namespace

bool TableReader::SqlReadsCopies(const TableSnapshot& snapshot) const {
  if (!read_copies_ || !snapshot.primary_key.empty() || snapshot.files.empty()) return false;
  auto storage = StorageSchema(*snapshot.schema);
  if (!storage.ok() || !(*storage)->Equals(*snapshot.schema, false)) return false;
  for (const auto& f : snapshot.schema->fields())
    if (!SameInDuckDb(*f->type())) return false;
  // Every file's read copy whole and the table's (a footer and batch
  // headers read: no data page touched), or Parquet for all of them.
  for (const auto& f : snapshot.files)
    if (!OpenReadCopy(f, snapshot.schema).ok()) return false;
  return true;
}

std::string SelectFiles(const std::vector<const DataFile*>& files) {
  std::string list;
  for (const auto* f : files) list += (list.empty() ? "" : ", ") + duckdb::QuoteLiteral(f->path().string());
  return "SELECT * FROM " + ReadParquet("[" + list + "]");
}

std::string TableReader::RankedRows(const SnapshotPtr& snapshot, const std::vector<const DataFile*>& files,
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

std::string TableReader::LatestRowsQuery(const SnapshotPtr& snapshot) const {
  const std::string ranked = RankedRows(snapshot, AllFiles(*snapshot), true);
  if (ranked.empty()) return "";
  return LatestRowsSql(snapshot->primary_key, RankColumn(*snapshot->schema), ranked);
}

std::string TableReader::SelectAll(const SnapshotPtr& snapshot) const {
  if (!snapshot->primary_key.empty()) {
    std::string latest = LatestRowsQuery(snapshot);
    if (!latest.empty()) return latest;
    return "SELECT * EXCLUDE (" + duckdb::QuoteIdentifier(RankColumn(*snapshot->schema)) + ") FROM " +
           memtable_scan_->Relation(snapshot);
  }
  // The files from their read copies where SQL reads them as it would
  // read Parquet: no decoding, only the columns a query uses converted.
  std::string out;
  if (SqlReadsCopies(*snapshot))
    out = "SELECT * FROM " + memtable_scan_->ReadCopiesRelation(snapshot);
  else if (!snapshot->files.empty())
    out = SelectFiles(AllFiles(*snapshot));
  // The memtable relation also gives an empty table its columns.
  if (!snapshot->memtable->empty() || out.empty())
    out += std::string(out.empty() ? "" : " UNION ALL ") + "SELECT * FROM " + memtable_scan_->Relation(snapshot);
  return out;
}

Result<int64_t> TableReader::CountRows(const SnapshotPtr& snapshot, const std::vector<std::string>& partitions) const {
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
  PartitionFilter(std::unique_ptr<arrow::RecordBatchSource> inner, PartitionSpec spec,
                  std::vector<std::string> partitions)
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

Result<std::unique_ptr<arrow::RecordBatchSource>> TableReader::Scan(const SnapshotPtr& snapshot,
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
      return Status::Invalid("table '" + snapshot->name.ToString() +
                             "' has a primary key: it is read whole, "
                             "and its tickets name no files");
    const std::string ranked = RankedRows(snapshot, whole ? AllFiles(*snapshot) : chosen, whole);
    if (ranked.empty())
      return std::unique_ptr<arrow::RecordBatchSource>(
          std::make_unique<arrow::VectorSource>(snapshot->schema, std::vector<arrow::RecordBatchPtr>{}));
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
  // The whole table: its files, then the rows still in memory (or in the
  // log, read back as they come).
  std::unique_ptr<arrow::RecordBatchSource> memory;
  if (files.empty() && !snapshot->memtable->empty())
    memory = filtered(ScanMemtable(snapshot->schema, snapshot->memtable));
  if (chosen.empty()) {
    if (memory == nullptr)
      memory = std::make_unique<arrow::VectorSource>(snapshot->schema, std::vector<arrow::RecordBatchPtr>{});
    return memory;
  }
  if (read_copies_) {
    holding->inner = FilesSource(db_, snapshot->schema, std::move(chosen));
  } else {
    HANGAR_ASSIGN_OR_RETURN(auto stream, duckdb::StreamQuery(db_, SelectFiles(chosen)));
    holding->inner = ConformSource(std::move(stream), snapshot->schema);
  }
  holding->memory = std::move(memory);
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(holding));
}

Result<std::vector<const DataFile*>> TableReader::FindFiles(const TableSnapshot& snapshot,
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

}  // namespace hangar::store
