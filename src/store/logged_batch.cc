#include "store/logged_batch.h"

#include "arrow/ipc/reader.h"

namespace hangar::store {

void LoggedBatch::Located(WalRecordRef ref) {
  if (ref.segment == nullptr) return;  // not written: the batch stays held
  std::lock_guard lock(mu_);
  ref_ = std::move(ref);
  held_.reset();
}

Result<arrow::RecordBatchPtr> LoggedBatch::Load() const {
  WalRecordRef ref;
  {
    std::lock_guard lock(mu_);
    if (held_ != nullptr) return held_;
    ref = *ref_;
  }
  HANGAR_ASSIGN_OR_RETURN(WalRecord record, ReadWalRecord(ref));
  // The record is what replay reads: the table's schema, then the batch.
  auto data = arrow::ipc::ReadStream(arrow::Buffer::FromString(std::move(record.payload)));
  if (!data.ok() || data->batches.size() != 1)
    return Status::DataLoss("write-ahead log record " + std::to_string(record.lsn) +
                            " passed its checksum but does not hold one Arrow batch");
  return data->batches[0];
}

}  // namespace hangar::store
