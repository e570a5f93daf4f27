#include "store/read_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include "arrow/ipc/reader.h"
#include "arrow/ipc/writer.h"
#include "base/background_priority.h"
#include "base/log.h"
#include "store/crash_point.h"
#include "store/file_util.h"
#include "store/storage_types.h"
#include "store/table_reader.h"

namespace hangar::store {

namespace {

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The batches of a read copy, handed out once each: a batch sent is let go,
// and the mapping with the last of them.
class ReadCopySource : public arrow::RecordBatchSource {
 public:
  ReadCopySource(arrow::SchemaPtr schema, std::vector<arrow::RecordBatchPtr> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    if (next_ >= batches_.size()) return arrow::RecordBatchPtr();
    return std::move(batches_[next_++]);
  }

 private:
  arrow::SchemaPtr schema_;
  std::vector<arrow::RecordBatchPtr> batches_;
  size_t next_ = 0;
};

}  // namespace

Status WriteReadCopy(const std::shared_ptr<duckdb::Database>& db, const DataFile& file,
                     const arrow::SchemaPtr& schema) {
  const fs::path target = ReadCopyPath(file.path());
  const fs::path temporary = fs::path(target.string() + ".tmp");
  HANGAR_ASSIGN_OR_RETURN(auto stream, duckdb::StreamQuery(db, SelectFiles({&file})));
  auto rows = ConformSource(std::move(stream), schema);
  Fd out{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0) return IoError("cannot create", temporary, errno);
  auto write = [&]() -> Status {
    arrow::ipc::FdOutputStream sink(out.fd);
    // 64-byte alignment: the buffers of the mapped file are as aligned as
    // freshly allocated ones, for any consumer.
    arrow::ipc::WriteOptions options;
    options.alignment = 64;
    HANGAR_ASSIGN_OR_RETURN(auto writer, arrow::ipc::FileWriter::Open(&sink, schema, options));
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, rows->Next());
      if (batch == nullptr) break;
      HANGAR_RETURN_NOT_OK(writer->WriteBatch(*batch));
    }
    HANGAR_RETURN_NOT_OK(writer->Close());
    // In steps, as the Parquet files: the copy is written while streams
    // wait on the log's fsync.
    HANGAR_RETURN_NOT_OK(SyncFilePaced(out.fd, temporary));
    CrashPoint("read-copy-written");
    if (::rename(temporary.c_str(), target.c_str()) != 0) return IoError("cannot rename", temporary, errno);
    return Status::OK();
  };
  Status st = write();
  if (!st.ok()) {
    std::error_code ec;
    fs::remove(temporary, ec);
  }
  return st;
}

Result<std::unique_ptr<arrow::RecordBatchSource>> OpenReadCopy(const DataFile& file, const arrow::SchemaPtr& schema) {
  const fs::path path = ReadCopyPath(file.path());
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("no read copy of " + file.meta.name);
  auto invalid = [&](const std::string& why) {
    return Status::DataLoss("the read copy of " + file.meta.name + " is not usable: " + why);
  };
  auto mapped = arrow::ipc::ReadWholeFile(path.string());
  if (!mapped.ok()) return invalid(mapped.status().message());
  // Hangar wrote the file; the footer and the row count say it is whole.
  // Sizes and shapes are still checked as each batch is decoded (from its
  // metadata only: no page of data is touched before it is sent).
  arrow::ipc::ReadOptions options;
  options.validate = false;
  auto reader = arrow::ipc::FileReader::Open(*mapped, options);
  if (!reader.ok()) return invalid(reader.status().message());
  if (!(*reader)->schema()->Equals(*schema)) return invalid("its schema is not the table's");
  std::vector<arrow::RecordBatchPtr> batches;
  int64_t rows = 0;
  for (int i = 0; i < (*reader)->num_record_batches(); ++i) {
    auto batch = (*reader)->ReadRecordBatch(i);
    if (!batch.ok()) return invalid(batch.status().message());
    rows += (*batch)->num_rows;
    batches.push_back(arrow::MakeRecordBatch(schema, (*batch)->num_rows, (*batch)->columns));
  }
  if (rows != file.meta.rows)
    return invalid(std::to_string(rows) + " rows where the manifest says " + std::to_string(file.meta.rows));
  return std::unique_ptr<arrow::RecordBatchSource>(std::make_unique<ReadCopySource>(schema, std::move(batches)));
}

Result<arrow::RecordBatchPtr> ChainedSource::Next() {
  while (!done_) {
    if (part_ != nullptr) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, part_->Next());
      if (batch != nullptr) return batch;
      part_.reset();
    }
    HANGAR_ASSIGN_OR_RETURN(part_, open_next_());
    done_ = part_ == nullptr;
  }
  return arrow::RecordBatchPtr();
}

ReadCopyMaker::ReadCopyMaker(std::shared_ptr<duckdb::Database> db) : db_(std::move(db)), thread_([this] { Run(); }) {}

ReadCopyMaker::~ReadCopyMaker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadCopyMaker::Add(std::weak_ptr<Table> table) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(table));
  }
  cv_.notify_all();
}

void ReadCopyMaker::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (queue_.empty() && !busy_); });
}

int64_t ReadCopyMaker::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

void ReadCopyMaker::Run() {
  RunInBackground();
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::weak_ptr<Table> table = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    int64_t failed = 0;
    SnapshotPtr snapshot;
    if (auto held = table.lock()) snapshot = held->snapshot();
    const bool wanted = snapshot != nullptr && snapshot->primary_key.empty();
    for (size_t i = 0; wanted && i < snapshot->files.size(); ++i) {
      const DataFile& file = snapshot->files[i];
      {
        std::lock_guard check(mu_);
        if (stop_) break;
      }
      if (table.expired()) break;  // dropped meanwhile
      std::error_code ec;
      if (fs::exists(ReadCopyPath(file.path()), ec)) continue;
      Status st = WriteReadCopy(db_, file, snapshot->schema);
      if (!st.ok()) {
        ++failed;
        log::Warn("writing a read copy failed (reads use the Parquet file)",
                  {{"table", snapshot->name.ToString()}, {"file", file.meta.name}, {"error", st.ToString()}});
      }
    }
    snapshot.reset();  // outside the lock: it may delete files
    lock.lock();
    failures_ += failed;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace hangar::store
