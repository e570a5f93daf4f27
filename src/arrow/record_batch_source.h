// A pull-based stream of record batches: what readers produce and what the
// C stream interface exports.
#pragma once

#include "arrow/array.h"

namespace hangar::arrow {

class RecordBatchSource {
 public:
  virtual ~RecordBatchSource() = default;
  virtual const SchemaPtr& schema() const = 0;
  // The next batch, or nullptr at the end.
  virtual Result<RecordBatchPtr> Next() = 0;
};

// A source over batches held in memory.
class VectorSource : public RecordBatchSource {
 public:
  VectorSource(SchemaPtr schema, std::vector<RecordBatchPtr> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}
  const SchemaPtr& schema() const override { return schema_; }
  Result<RecordBatchPtr> Next() override {
    if (next_ >= batches_.size()) return RecordBatchPtr();
    return batches_[next_++];
  }

 private:
  SchemaPtr schema_;
  std::vector<RecordBatchPtr> batches_;
  size_t next_ = 0;
};

}  // namespace hangar::arrow
