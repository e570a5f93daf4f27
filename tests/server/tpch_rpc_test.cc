// A TPC-H-shaped correctness check of Flight SQL: the eight tables are
// generated in a DuckDB of the test's own (tests/support/tpch/generate.sql), put
// into a Hangar node through Flight, and each of the 22 queries is
// answered by Hangar through Flight SQL and by that DuckDB directly on the
// same data; the answers must agree value for value (floating-point
// aggregates to 1e-9 relative: the engines may sum in other orders).
#include <gtest/gtest.h>

#include <cmath>

#include "arrow/array_access.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/concatenate.h"
#include "sql/flight_sql_client.h"
#include "support/node_server.h"
#include "support/tpch/tpch.h"

namespace hangar {
namespace {

using testing::NodeServer;
using testing::TempDataDir;

const std::string kTpchDir = std::string(HANGAR_SOURCE_DIR) + "/tests/support/tpch";

// Every batch of a result, as one batch (columns concatenated).
class Collected {
 public:
  Status Begin(const arrow::SchemaPtr& schema) {
    schema_ = schema;
    return Status::OK();
  }
  Status Add(const arrow::RecordBatch& batch) {
    batches_.push_back(std::make_shared<arrow::RecordBatch>(batch));
    return Status::OK();
  }
  Result<arrow::RecordBatchPtr> Batch() const {
    std::vector<arrow::ArrayPtr> columns;
    int64_t rows = 0;
    for (const auto& b : batches_) rows += b->num_rows;
    for (int c = 0; c < schema_->num_fields(); ++c) {
      std::vector<arrow::ArrayPtr> parts;
      for (const auto& b : batches_) parts.push_back(b->column(c));
      if (parts.empty()) {
        HANGAR_ASSIGN_OR_RETURN(auto builder, arrow::MakeBuilder(schema_->field(c)->type()));
        HANGAR_ASSIGN_OR_RETURN(auto empty, builder->Finish());
        parts.push_back(std::move(empty));
      }
      HANGAR_ASSIGN_OR_RETURN(auto column, arrow::Concatenate(parts));
      columns.push_back(std::move(column));
    }
    return arrow::MakeRecordBatch(schema_, rows, std::move(columns));
  }

 private:
  arrow::SchemaPtr schema_;
  std::vector<arrow::RecordBatchPtr> batches_;
};

double Float64At(const arrow::Array& a, int64_t i) {
  double v;
  std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * 8, 8);
  return v;
}

// "" if the results agree, else where they differ.
std::string Difference(const arrow::RecordBatch& expected, const arrow::RecordBatch& actual) {
  if (expected.num_rows != actual.num_rows)
    return std::to_string(actual.num_rows) + " rows instead of " + std::to_string(expected.num_rows);
  if (!expected.schema->Equals(*actual.schema, false))
    return "schema differs: " + expected.schema->Diff(*actual.schema, false);
  for (int c = 0; c < expected.num_columns(); ++c) {
    const auto& e = *expected.column(c);
    const auto& a = *actual.column(c);
    if (e.type->id() != arrow::TypeId::kFloat64) {
      if (!arrow::ArrayEquals(e, a))
        return "column " + expected.schema->field(c)->name() + ": " + arrow::ArrayDiff(e, a);
      continue;
    }
    for (int64_t r = 0; r < expected.num_rows; ++r) {
      const bool ev = arrow::IsLogicallyValid(e, r), av = arrow::IsLogicallyValid(a, r);
      if (ev != av)
        return "column " + expected.schema->field(c)->name() + " row " + std::to_string(r) + ": null differs";
      if (!ev) continue;
      const double x = Float64At(e, r), y = Float64At(a, r);
      if (std::fabs(x - y) > 1e-9 * std::max(1.0, std::fabs(x)))
        return "column " + expected.schema->field(c)->name() + " row " + std::to_string(r) + ": " + std::to_string(y) +
               " instead of " + std::to_string(x);
    }
  }
  return "";
}

TEST(TpchRpc, TheTwentyTwoQueriesAgreeWithDuckDbOnTheSameData) {
  auto db = duckdb::Database::Open().value();
  ASSERT_TRUE(tpch::Generate(db, kTpchDir, 0.01).ok());
  auto queries = tpch::Queries(kTpchDir);
  ASSERT_TRUE(queries.ok()) << queries.status().ToString();

  TempDataDir dir;
  NodeServer server(dir.str());
  ASSERT_TRUE(server.started());
  auto client = server.Connect();
  // Load each table through DoPut, as a client would.
  for (const auto& table : tpch::TableNames()) {
    auto source = duckdb::StreamQuery(db, "SELECT * FROM " + table).value();
    auto writer = client->DoPut(flight::FlightDescriptor::Path({table}), source->schema());
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    while (true) {
      auto batch = source->Next().value();
      if (batch == nullptr) break;
      ASSERT_TRUE((*writer)->WriteRecordBatch(*batch).ok());
    }
    ASSERT_TRUE((*writer)->Close().ok()) << table;
  }

  for (size_t q = 0; q < queries->size(); ++q) {
    SCOPED_TRACE("Q" + std::to_string(q + 1));
    const std::string& sql = (*queries)[q];
    Collected direct, hangar;
    auto direct_source = duckdb::StreamQuery(db, sql);
    ASSERT_TRUE(direct_source.ok()) << direct_source.status().ToString();
    ASSERT_TRUE(direct.Begin((*direct_source)->schema()).ok());
    while (true) {
      auto batch = (*direct_source)->Next().value();
      if (batch == nullptr) break;
      ASSERT_TRUE(direct.Add(*batch).ok());
    }
    Status st = sql::RunClientQuery(
        *client, sql, [&](const arrow::SchemaPtr& schema) { return hangar.Begin(schema); },
        [&](const arrow::RecordBatch& batch) { return hangar.Add(batch); });
    ASSERT_TRUE(st.ok()) << st.ToString();
    auto expected = direct.Batch().value();
    auto actual = hangar.Batch().value();
    EXPECT_GT(expected->num_rows, 0) << "the data set gives this query nothing to find";
    EXPECT_EQ(Difference(*expected, *actual), "");
  }
}

}  // namespace
}  // namespace hangar
