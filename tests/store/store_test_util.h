// Shared helpers of the store tests: a fresh data directory per test, one
// DuckDB per process, and collecting a source into batches.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "arrow/builder.h"
#include "arrow/concatenate.h"
#include "store/table_store.h"

namespace hangar::store::testing {

inline std::shared_ptr<duckdb::Database> SharedDuckDb() {
  duckdb::DatabaseOptions options;
  options.threads = 2;
  static auto db = std::move(duckdb::Database::Open(options).value());
  return db;
}

// A temporary data directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("hangar-store-test-" + UniqueId());
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::unique_ptr<TableStore> OpenStore(const fs::path& dir, StoreOptions options = {}) {
  options.data_dir = dir;
  auto store = TableStore::Open(options, SharedDuckDb());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// All batches of a source concatenated into one (nullptr if none).
inline Result<arrow::RecordBatchPtr> ReadAll(arrow::RecordBatchSource* source) {
  std::vector<arrow::RecordBatchPtr> batches;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, source->Next());
    if (batch == nullptr) break;
    batches.push_back(std::move(batch));
  }
  if (batches.empty()) return arrow::RecordBatchPtr();
  if (batches.size() == 1) return batches.front();
  std::vector<arrow::ArrayPtr> columns;
  int64_t rows = 0;
  for (const auto& b : batches) rows += b->num_rows;
  for (int c = 0; c < source->schema()->num_fields(); ++c) {
    std::vector<arrow::ArrayPtr> parts;
    for (const auto& b : batches) parts.push_back(b->column(c));
    HANGAR_ASSIGN_OR_RETURN(auto column, arrow::Concatenate(parts));
    columns.push_back(std::move(column));
  }
  return arrow::MakeRecordBatch(source->schema(), rows, std::move(columns));
}

// The table of the ingest tests: id int64 not null, what utf8.
inline arrow::SchemaPtr EventSchema() {
  return arrow::schema({arrow::field("id", arrow::int64(), false), arrow::field("what", arrow::utf8())});
}

// Events first .. first + n - 1, named "event <id>".
inline arrow::RecordBatchPtr Events(int64_t first, int64_t n) {
  arrow::PrimitiveBuilder<int64_t> ids(arrow::int64());
  arrow::BinaryBuilder what(arrow::utf8());
  for (int64_t i = first; i < first + n; ++i) {
    ids.Append(i);
    what.Append("event " + std::to_string(i));
  }
  return arrow::MakeRecordBatch(EventSchema(), n, {ids.Finish().value(), what.Finish().value()});
}

}  // namespace hangar::store::testing
