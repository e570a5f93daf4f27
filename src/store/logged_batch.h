// A memtable batch held in the write-ahead log instead of memory.
//
// Past the memtable bound (IngestOptions::max_memtable_bytes), streaming
// ingest keeps a batch only in the log: `disk` acks then never wait for the
// flush into Parquet, and memory stays bounded however far the flush falls
// behind (docs/durability.md). Its decoded form is held until its record is
// on disk (Located), then dropped; from then on every read decodes it from
// the log again. A reference keeps the log segment open, so a reader on an
// old snapshot can still read a batch whose segment Truncate removed.
#pragma once

#include <mutex>
#include <optional>

#include "arrow/array.h"
#include "store/wal.h"

namespace hangar::store {

class LoggedBatch {
 public:
  // `batch` is held until Located: the record may not be on disk yet.
  explicit LoggedBatch(arrow::RecordBatchPtr batch) : held_(std::move(batch)) {}
  // A batch replayed from the log: read from `ref` from the start.
  explicit LoggedBatch(WalRecordRef ref) : ref_(std::move(ref)) {}
  LoggedBatch(const LoggedBatch&) = delete;
  LoggedBatch& operator=(const LoggedBatch&) = delete;

  // The record is on disk at `ref`: the decoded batch is let go.
  void Located(WalRecordRef ref);
  // The batch: held, or read back from the log and decoded.
  Result<arrow::RecordBatchPtr> Load() const;

 private:
  mutable std::mutex mu_;
  arrow::RecordBatchPtr held_;       // guarded by mu_
  std::optional<WalRecordRef> ref_;  // guarded by mu_
};

}  // namespace hangar::store
