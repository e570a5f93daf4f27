#include "store/parquet_writer.h"

#include <algorithm>
#include <cerrno>
#include <thread>

#include "arrow/concatenate.h"
#include "store/file_util.h"
#include "store/primary_key.h"
#include "store/storage_types.h"

namespace hangar::store {

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
  Portion(arrow::RecordBatchSource* inner, int64_t limit, const std::vector<std::string>& key)
      : inner_(inner), limit_(limit), key_(key) {}
  const arrow::SchemaPtr& schema() const override { return inner_->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    if (bytes_ >= limit_ || done_) return arrow::RecordBatchPtr();
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr)
      done_ = true;
    else
      bytes_ += arrow::TotalBufferSize(*batch);
    if (batch != nullptr) HANGAR_RETURN_NOT_OK(CheckNotNull(*batch));
    if (batch != nullptr) HANGAR_RETURN_NOT_OK(CheckKeyNotNull(*batch, key_));
    return batch;
  }
  void Restart() { bytes_ = 0; }
  bool source_done() const { return done_; }

 private:
  arrow::RecordBatchSource* inner_;
  int64_t limit_;
  const std::vector<std::string>& key_;
  int64_t bytes_ = 0;
  bool done_ = false;
};

// DuckDB's words for a failed write: a full disk, another I/O failure (for
// the server's log), or values Parquet cannot take (the client's business).
Status WriteError(const Status& duckdb_error) {
  const std::string& message = duckdb_error.message();
  if (duckdb_error.code() == StatusCode::kResourceExhausted) return duckdb_error;  // DuckDB's memory or spill limit
  if (message.find("No space left on device") != std::string::npos) return IoError("writing Parquet", "", ENOSPC);
  if (message.starts_with("IO Error")) return Status::IOError("writing Parquet: " + message);
  return Status::Invalid("the data cannot be stored as Parquet: " + message);
}

}  // namespace

// read_parquet of a table's files (a literal or list of literals). Partition
// folders look like Hive's (at_day=2024-01-15/): DuckDB must not add their
// values as columns.
std::string ReadParquet(const std::string& files) { return "read_parquet(" + files + ", hive_partitioning = false)"; }

Staging::~Staging() {
  if (!dir.empty()) (void)RemoveAll(dir);
}

Status Staging::Prepare(const fs::path& root) {
  if (!dir.empty()) return Status::OK();
  dir = root / UniqueId();
  return CreateDirectories(dir);
}

ParquetWriter::ParquetWriter(std::shared_ptr<duckdb::Database> db, ParquetWriterOptions options)
    : db_(std::move(db)), options_(std::move(options)) {}

Status ParquetWriter::Write(arrow::RecordBatchSource* source, Staging* staging, int64_t* rows_out, int64_t* bytes_out,
                            const std::vector<std::string>& key, const PartitionSpec& spec, int64_t max_partitions) {
  // DuckDB writes the stream as Parquet while it arrives, one file per
  // portion of about target_file_bytes (one COPY each: DuckDB's own file
  // rotation does not keep the rows in order) — per partition, in a
  // partitioned table (each row's partition is computed here, as a number
  // DuckDB partitions the output by).
  HANGAR_RETURN_NOT_OK(staging->Prepare(options_.staging_dir));
  HANGAR_ASSIGN_OR_RETURN(auto conn, duckdb::Connection::Open(db_));
  // DuckDB pays per Arrow batch of a COPY, whatever its size: many small
  // batches (a stream of one-row puts, a memtable of them) go in together.
  arrow::CoalescingSource coalesced(source);
  std::unique_ptr<arrow::RecordBatchSource> table_form = std::make_unique<Borrowed>(&coalesced);
  std::vector<std::string> partitions;  // by number
  if (!spec.empty()) table_form = WithPartitionIds(std::move(table_form), spec, &partitions, max_partitions);
  HANGAR_ASSIGN_OR_RETURN(auto storage_form, StorageSource(std::move(table_form)));
  Portion portion(storage_form.get(), options_.target_file_bytes, key);
  const std::string rank = RankColumn(*storage_form->schema());
  for (int number = 0; !portion.source_done(); ++number) {
    portion.Restart();
    const fs::path out = staging->dir / ("portion-" + std::to_string(number) + (spec.empty() ? ".parquet" : ""));
    const std::string view_name = "hangar_put_" + staging->dir.filename().string();
    std::unique_ptr<arrow::RecordBatchSource> rows = std::make_unique<Borrowed>(&portion);
    std::string select = "SELECT * FROM " + duckdb::QuoteIdentifier(view_name);
    if (!key.empty()) {  // the portion's last row per key only (primary_key.h)
      rows = WithRank(std::move(rows), 1);
      select = LatestRowsSql(key, rank, select);
    }
    HANGAR_ASSIGN_OR_RETURN(auto view, conn->RegisterView(view_name, std::move(rows)));
    Status st = CopyToParquet(*conn, select, out, !spec.empty());
    if (!st.ok()) {
      // The stream's own error (a bad batch, a cut connection) is the cause;
      // DuckDB only reports that its scan stopped.
      HANGAR_RETURN_NOT_OK(view->source_status());
      return WriteError(st);
    }
    if (view->rows_read() == 0) break;  // the end came right at a portion boundary (or the put is empty)
    std::vector<StagedFile> written;
    if (spec.empty()) {
      // Without a key the file has every row read; with one, fewer.
      std::optional<int64_t> count;
      if (key.empty()) count = view->rows_read();
      HANGAR_ASSIGN_OR_RETURN(auto staged, Staged(out, count));
      written.push_back(std::move(staged));
    } else {
      HANGAR_ASSIGN_OR_RETURN(written, StagedPartitions(out, partitions));
    }
    for (auto& staged : written) {
      *rows_out += staged.rows;
      *bytes_out += staged.bytes;
      staging->files.push_back(std::move(staged));
    }
  }
  return Status::OK();
}

Result<std::vector<StagedFile>> ParquetWriter::StagedPartitions(const fs::path& out,
                                                                const std::vector<std::string>& partitions) const {
  // out/__hangar_partition=<number>/data_<n>.parquet, as DuckDB writes them.
  std::vector<std::pair<int, fs::path>> files;
  std::error_code ec;
  const std::string prefix = std::string(kPartitionIdColumn) + "=";
  for (auto it = fs::recursive_directory_iterator(out, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string folder = it->path().parent_path().filename().string();
    const int number = folder.starts_with(prefix) ? std::atoi(folder.c_str() + prefix.size()) : -1;
    if (number < 0 || number >= static_cast<int>(partitions.size()))
      return Status::Internal("a partitioned write left an unexpected file: " + it->path().string());
    files.emplace_back(number, it->path());
  }
  if (ec) return IoError("cannot list", out, ec.value());
  std::sort(files.begin(), files.end());
  std::vector<StagedFile> staged;
  for (const auto& [number, path] : files) {
    HANGAR_ASSIGN_OR_RETURN(auto file, Staged(path, std::nullopt, partitions[static_cast<size_t>(number)]));
    staged.push_back(std::move(file));
  }
  return staged;
}

std::string ParquetWriteOptions(int64_t row_group_rows) {
  // zstd at level 1, not DuckDB's default 3: on the ingest path the flush
  // is what writers wait for once memory is full, and level 1 writes
  // sustained ingest ~25% faster for ~1.3% larger files (bench_ingest, and
  // 5 M rows of its columns: 47.7 vs 47.0 MB; snappy 99.6 MB).
  return "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE " + std::to_string(row_group_rows);
}

Status ParquetWriter::CopyToParquet(duckdb::Connection& conn, const std::string& select, const fs::path& out,
                                    bool partitioned) const {
  return conn.Execute("COPY (" + select + ") TO " + duckdb::QuoteLiteral(out.string()) + " (" +
                      ParquetWriteOptions(options_.row_group_rows) +
                      (partitioned ? std::string(", PARTITION_BY (") + kPartitionIdColumn + ")" : "") + ")");
}

Result<StagedFile> ParquetWriter::Staged(const fs::path& file, std::optional<int64_t> rows,
                                         std::string partition) const {
  if (!rows) {
    HANGAR_ASSIGN_OR_RETURN(
        rows, CountQuery(db_, "SELECT count(*) FROM " + ReadParquet(duckdb::QuoteLiteral(file.string()))));
  }
  std::error_code ec;
  const auto bytes = static_cast<int64_t>(fs::file_size(file, ec));
  if (ec) return IoError("cannot stat", file, ec.value());
  // Written back in steps: a memtable flush or a compaction writes tens of
  // MB while streams wait on the log's fsync.
  HANGAR_RETURN_NOT_OK(SyncFilePaced(file));
  return StagedFile{file, *rows, bytes, std::move(partition)};
}

Result<int64_t> CountQuery(const std::shared_ptr<duckdb::Database>& db, const std::string& sql) {
  HANGAR_ASSIGN_OR_RETURN(auto result, duckdb::StreamQuery(db, sql));
  HANGAR_ASSIGN_OR_RETURN(auto batch, result->Next());
  if (batch == nullptr || batch->num_rows != 1 || batch->num_columns() != 1 ||
      batch->column(0)->type->id() != arrow::TypeId::kInt64)
    return Status::Internal("a count query did not answer one int64");
  return batch->column(0)->values<int64_t>()[0];
}

Result<std::vector<StagedFile>> ParquetWriter::WriteMemtable(const TableSnapshot& snapshot, const MemRows& rows,
                                                             Staging* staging) {
  // DuckDB writes an Arrow stream on one thread: a big memtable is cut into
  // consecutive parts written at once, each into files of its own, which
  // follow one another in the table's order as the parts did. (In a
  // primary-key table each part keeps its own last row per key; a later
  // part's file is newer, so reads still find the latest.)
  int64_t total = 0;
  for (const auto& m : rows) total += m.bytes;
  const int parts =
      static_cast<int>(std::clamp<int64_t>(total / kMinFlushPartBytes, 1, std::max(1, options_.flush_threads)));
  HANGAR_RETURN_NOT_OK(staging->Prepare(options_.staging_dir));
  std::vector<std::vector<arrow::RecordBatchPtr>> batches(static_cast<size_t>(parts));
  int64_t seen = 0;
  for (const auto& m : rows) {
    const auto part = static_cast<size_t>(std::min<int64_t>(parts - 1, seen * parts / std::max<int64_t>(total, 1)));
    HANGAR_ASSIGN_OR_RETURN(auto batch, m.Load());  // from the log, if kept there
    batches[part].push_back(std::move(batch));
    seen += m.bytes;
  }
  std::vector<Staging> part_staging(static_cast<size_t>(parts));
  std::vector<Status> results(static_cast<size_t>(parts));
  auto write = [&](size_t k) {
    part_staging[k].dir = staging->dir / ("part-" + UniqueId());
    results[k] = CreateDirectories(part_staging[k].dir);
    if (!results[k].ok()) return;
    arrow::VectorSource source(snapshot.schema, std::move(batches[k]));
    int64_t count = 0, bytes = 0;
    results[k] = Write(&source, &part_staging[k], &count, &bytes, snapshot.primary_key, snapshot.partition_spec);
  };
  std::vector<std::thread> threads;
  for (size_t k = 1; k < part_staging.size(); ++k) threads.emplace_back(write, k);
  write(0);
  for (auto& t : threads) t.join();
  std::vector<StagedFile> out;
  for (size_t k = 0; k < part_staging.size(); ++k) {
    HANGAR_RETURN_NOT_OK(results[k]);
    for (auto& f : part_staging[k].files) {
      out.push_back(f);
      staging->files.push_back(std::move(f));
    }
    part_staging[k].dir.clear();  // inside staging->dir, which goes with `staging`
  }
  return out;
}

Result<StagedFile> ParquetWriter::WriteOne(const std::string& select, const std::string& partition, Staging* staging) {
  // Parquet to Parquet within DuckDB, in one file (DuckDB's own file
  // rotation would not keep the rows in order).
  HANGAR_RETURN_NOT_OK(staging->Prepare(options_.staging_dir));
  const fs::path file = staging->dir / (std::to_string(staging->files.size()) + ".parquet");
  HANGAR_ASSIGN_OR_RETURN(auto conn, duckdb::Connection::Open(db_));
  if (Status st = CopyToParquet(*conn, select, file); !st.ok()) return WriteError(st);
  return Staged(file, std::nullopt, partition);
}

}  // namespace hangar::store
