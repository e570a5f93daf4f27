#include "store/primary_key.h"

#include <set>

#include "arrow/buffer.h"
#include "duckdb/database.h"

namespace hangar::store {

namespace {

bool KeyableType(arrow::TypeId id) {
  using T = arrow::TypeId;
  switch (id) {
    case T::kBool:
    case T::kInt8:
    case T::kInt16:
    case T::kInt32:
    case T::kInt64:
    case T::kUInt8:
    case T::kUInt16:
    case T::kUInt32:
    case T::kUInt64:
    case T::kFloat32:
    case T::kFloat64:
    case T::kUtf8:
    case T::kLargeUtf8:
    case T::kBinary:
    case T::kLargeBinary:
    case T::kUtf8View:
    case T::kBinaryView:
    case T::kFixedSizeBinary:
    case T::kDecimal32:
    case T::kDecimal64:
    case T::kDecimal128:
    case T::kDecimal256:
    case T::kDate32:
    case T::kDate64:
    case T::kTime32:
    case T::kTime64:
    case T::kTimestamp: return true;
    default: return false;
  }
}

}  // namespace

Status CheckPrimaryKey(const arrow::Schema& schema, const std::vector<std::string>& key) {
  if (key.empty()) return Status::Invalid("a primary key needs at least one column");
  std::set<std::string> seen;
  for (const auto& name : key) {
    const int i = schema.GetFieldIndex(name);
    if (i < 0) return Status::Invalid("primary key column '" + name + "' is not a field of the schema");
    if (!seen.insert(name).second) return Status::Invalid("primary key column '" + name + "' is named twice");
    const auto& type = *schema.field(i)->type();
    if (!KeyableType(type.id()))
      return Status::Invalid("primary key column '" + name + "' is " + type.ToString() +
                             ", which cannot be a key (numbers, strings, binaries, decimals, dates, times, "
                             "timestamps and bools can)");
  }
  return Status::OK();
}

Status CheckKeyNotNull(const arrow::RecordBatch& batch, const std::vector<std::string>& key) {
  for (const auto& name : key) {
    const int i = batch.schema->GetFieldIndex(name);
    if (i >= 0 && batch.column(i)->null_count() > 0)
      return Status::Invalid("primary key column '" + name + "' has nulls: every row needs a key");
  }
  return Status::OK();
}

std::string RankColumn(const arrow::Schema& schema) {
  std::string name = "__hangar_rank";
  while (schema.GetFieldIndex(name) >= 0) name = "_" + name;
  return name;
}

namespace {

class RankedSource : public arrow::RecordBatchSource {
 public:
  RankedSource(std::unique_ptr<arrow::RecordBatchSource> inner, int64_t first_rank)
      : inner_(std::move(inner)), next_rank_(first_rank) {
    auto fields = inner_->schema()->fields();
    fields.push_back(arrow::field(RankColumn(*inner_->schema()), arrow::int64(), false));
    schema_ = std::make_shared<arrow::Schema>(std::move(fields), inner_->schema()->metadata());
  }
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) return batch;
    uint8_t* data = nullptr;
    auto buffer = arrow::AllocateBufferForOverwrite(batch->num_rows * 8, &data);
    auto* ranks = reinterpret_cast<int64_t*>(data);
    for (int64_t i = 0; i < batch->num_rows; ++i) ranks[i] = next_rank_++;
    auto columns = batch->columns;
    columns.push_back(arrow::MakeArray(arrow::int64(), batch->num_rows, {nullptr, std::move(buffer)}, {}, 0));
    return arrow::MakeRecordBatch(schema_, batch->num_rows, std::move(columns));
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
  int64_t next_rank_;
};

}  // namespace

std::unique_ptr<arrow::RecordBatchSource> WithRank(std::unique_ptr<arrow::RecordBatchSource> source,
                                                   int64_t first_rank) {
  return std::make_unique<RankedSource>(std::move(source), first_rank);
}

std::string QuotedColumns(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + duckdb::QuoteIdentifier(c);
  return out;
}

std::string LatestRowsSql(const std::vector<std::string>& key, const std::string& rank, const std::string& ranked) {
  const std::string partition = QuotedColumns(key);
  const std::string r = duckdb::QuoteIdentifier(rank);
  return "SELECT * EXCLUDE (" + r + ") FROM (" + ranked +
         ") AS hangar_ranked QUALIFY row_number() OVER (PARTITION BY " + partition + " ORDER BY " + r + " DESC) = 1";
}

}  // namespace hangar::store
