// Concatenation of arrays of one type into a new array (copies values).
// Used for dictionary deltas and for coalescing small batches.
#pragma once

#include <deque>
#include <vector>

#include "arrow/array.h"
#include "arrow/record_batch_source.h"

namespace hangar::arrow {

// All arrays must have the same type (Invalid otherwise). Offsets and slices
// are honoured; the result has offset 0.
Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays);

// The batches of `inner`, consecutive small ones put together (copied) into
// batches of about `target_rows` rows or `target_bytes` decoded bytes
// (DecodedSize); a batch that is not small passes as it is. For consumers
// that pay per batch whatever its size: DuckDB keeps state for every Arrow
// batch of a COPY, which a hundred thousand one-row batches turn into
// gigabytes. Order is kept. Batches that cannot be put together (their
// dictionaries would overflow the index type) pass one by one.
class CoalescingSource : public RecordBatchSource {
 public:
  explicit CoalescingSource(RecordBatchSource* inner, int64_t target_rows = 8192,
                            int64_t target_bytes = int64_t{8} << 20)
      : inner_(inner), target_rows_(target_rows), target_bytes_(target_bytes) {}
  const SchemaPtr& schema() const override { return inner_->schema(); }
  Result<RecordBatchPtr> Next() override;

 private:
  RecordBatchSource* inner_;  // not owned
  const int64_t target_rows_;
  const int64_t target_bytes_;
  RecordBatchPtr held_;                     // read ahead: it ended the last group
  std::deque<RecordBatchPtr> uncoalesced_;  // a group that would not concatenate, to pass as it came
  bool done_ = false;
};

}  // namespace hangar::arrow
