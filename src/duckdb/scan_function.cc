#include "duckdb/scan_function.h"

#include <mutex>
#include <vector>

#include "arrow/builder.h"
#include "arrow/c_data.h"

namespace hangar::duckdb {

namespace {

// DuckDB's STANDARD_VECTOR_SIZE: the most rows one output chunk holds.
constexpr int64_t kVectorSize = 2048;

// What the function keeps for the whole database: the provider, and a
// connection of its own that duckdb_schema_from_arrow and
// duckdb_data_chunk_from_arrow take their settings from.
struct FunctionInfo {
  std::shared_ptr<ScanProvider> provider;
  std::unique_ptr<Connection> connection;
  std::mutex mu;  // the conversions share `connection`
};

struct BindData {
  std::string name;
  arrow::SchemaPtr schema;
};

struct ScanState {
  std::unique_ptr<arrow::RecordBatchSource> source;
  std::vector<int> columns;  // projected columns, in output order
  arrow::SchemaPtr projected;
  duckdb_arrow_converted_schema converted = nullptr;
  arrow::RecordBatchPtr batch;
  int64_t offset = 0;

  ~ScanState() {
    if (converted) duckdb_destroy_arrow_converted_schema(&converted);
  }
};

Result<duckdb_arrow_converted_schema> Convert(FunctionInfo& info, const arrow::Schema& schema) {
  ArrowSchema c_schema{};
  HANGAR_RETURN_NOT_OK(arrow::ExportSchema(schema, &c_schema));
  duckdb_arrow_converted_schema converted = nullptr;
  duckdb_error_data error = nullptr;
  bool retired = false;
  {
    std::lock_guard lock(info.mu);
    retired = info.connection == nullptr;
    if (!retired) error = duckdb_schema_from_arrow(info.connection->handle(), &c_schema, &converted);
  }
  if (c_schema.release) c_schema.release(&c_schema);
  if (retired) return Status::Unavailable("the SQL engine was reset; retry the statement");
  HANGAR_RETURN_NOT_OK(TakeError(error, "Arrow schema to DuckDB"));
  return converted;
}

// Rows [offset, offset + length) of the projected columns as a DuckDB chunk.
Result<duckdb_data_chunk> ToChunk(FunctionInfo& info, ScanState& state, int64_t length) {
  std::vector<arrow::ArrayPtr> columns;
  columns.reserve(state.columns.size());
  for (int c : state.columns) columns.push_back(state.batch->column(c)->Slice(state.offset, length));
  auto slice = arrow::MakeRecordBatch(state.projected, length, std::move(columns));
  ArrowArray c_array{};
  HANGAR_RETURN_NOT_OK(arrow::ExportRecordBatch(*slice, &c_array));
  duckdb_data_chunk chunk = nullptr;
  duckdb_error_data error;
  {
    std::lock_guard lock(info.mu);
    if (info.connection == nullptr) {
      if (c_array.release) c_array.release(&c_array);
      return Status::Unavailable("the SQL engine was reset; retry the statement");
    }
    error = duckdb_data_chunk_from_arrow(info.connection->handle(), &c_array, state.converted, &chunk);
  }
  if (c_array.release) c_array.release(&c_array);
  HANGAR_RETURN_NOT_OK(TakeError(error, "Arrow batch to DuckDB"));
  return chunk;
}

Result<arrow::RecordBatchPtr> EmptyBatch(const arrow::SchemaPtr& schema) {
  std::vector<arrow::ArrayPtr> columns;
  for (const auto& field : schema->fields()) {
    HANGAR_ASSIGN_OR_RETURN(auto builder, arrow::MakeBuilder(field->type()));
    HANGAR_ASSIGN_OR_RETURN(auto column, builder->Finish());
    columns.push_back(std::move(column));
  }
  return arrow::MakeRecordBatch(schema, 0, std::move(columns));
}

void Bind(duckdb_bind_info bind) {
  auto* info = static_cast<FunctionInfo*>(duckdb_bind_get_extra_info(bind));
  duckdb_value param = duckdb_bind_get_parameter(bind, 0);
  char* text = duckdb_get_varchar(param);
  std::string name = text ? text : "";
  duckdb_free(text);
  duckdb_destroy_value(&param);
  auto fail = [&](const Status& st) { duckdb_bind_set_error(bind, st.message().c_str()); };

  auto schema = info->provider->Schema(name);
  if (!schema.ok()) return fail(schema.status());
  // The column types DuckDB gives the schema, read off an empty converted batch.
  auto converted = Convert(*info, **schema);
  if (!converted.ok()) return fail(converted.status());
  ScanState probe;
  probe.converted = *converted;
  for (int c = 0; c < (*schema)->num_fields(); ++c) probe.columns.push_back(c);
  probe.projected = *schema;
  auto empty_batch = EmptyBatch(*schema);
  if (!empty_batch.ok()) return fail(empty_batch.status());
  probe.batch = *empty_batch;
  auto chunk = ToChunk(*info, probe, 0);
  if (!chunk.ok()) return fail(chunk.status());
  for (int c = 0; c < (*schema)->num_fields(); ++c) {
    duckdb_logical_type type = duckdb_vector_get_column_type(duckdb_data_chunk_get_vector(*chunk, c));
    duckdb_bind_add_result_column(bind, (*schema)->field(c)->name().c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
  duckdb_destroy_data_chunk(&*chunk);
  auto data = std::make_unique<BindData>(BindData{std::move(name), *schema});
  duckdb_bind_set_bind_data(bind, data.release(), [](void* p) { delete static_cast<BindData*>(p); });
}

void Init(duckdb_init_info init) {
  auto* info = static_cast<FunctionInfo*>(duckdb_init_get_extra_info(init));
  auto* bind = static_cast<BindData*>(duckdb_init_get_bind_data(init));
  auto fail = [&](const Status& st) { duckdb_init_set_error(init, st.message().c_str()); };
  auto state = std::make_unique<ScanState>();
  std::vector<arrow::FieldPtr> fields;
  for (idx_t i = 0, n = duckdb_init_get_column_count(init); i < n; ++i) {
    const idx_t c = duckdb_init_get_column_index(init, i);
    if (c >= static_cast<idx_t>(bind->schema->num_fields())) continue;  // a virtual column (rowid): none here
    state->columns.push_back(static_cast<int>(c));
    fields.push_back(bind->schema->field(c));
  }
  state->projected = std::make_shared<arrow::Schema>(std::move(fields));
  auto converted = Convert(*info, *state->projected);
  if (!converted.ok()) return fail(converted.status());
  state->converted = *converted;
  auto source = info->provider->Open(bind->name);
  if (!source.ok()) return fail(source.status());
  state->source = std::move(*source);
  duckdb_init_set_init_data(init, state.release(), [](void* p) { delete static_cast<ScanState*>(p); });
}

void Scan(duckdb_function_info function, duckdb_data_chunk output) {
  auto* info = static_cast<FunctionInfo*>(duckdb_function_get_extra_info(function));
  auto* state = static_cast<ScanState*>(duckdb_function_get_init_data(function));
  auto fail = [&](const Status& st) { duckdb_function_set_error(function, st.message().c_str()); };
  while (state->batch == nullptr || state->offset >= state->batch->num_rows) {
    auto next = state->source->Next();
    if (!next.ok()) return fail(next.status());
    if (*next == nullptr) {
      duckdb_data_chunk_set_size(output, 0);  // the end
      return;
    }
    state->batch = std::move(*next);
    state->offset = 0;
  }
  const int64_t length = std::min(kVectorSize, state->batch->num_rows - state->offset);
  auto chunk = ToChunk(*info, *state, length);
  if (!chunk.ok()) return fail(chunk.status());
  for (idx_t c = 0; c < state->columns.size(); ++c)
    duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(output, c), duckdb_data_chunk_get_vector(*chunk, c));
  duckdb_data_chunk_set_size(output, length);
  duckdb_destroy_data_chunk(&*chunk);
  state->offset += length;
}

}  // namespace

Status RegisterScanFunction(Connection& connection, const std::string& function_name,
                            std::shared_ptr<ScanProvider> provider) {
  {
    HANGAR_ASSIGN_OR_RETURN(auto query, connection.OpenSibling());
    HANGAR_ASSIGN_OR_RETURN(
        auto known, StartQuery(std::move(query), "SELECT function_name FROM duckdb_functions() WHERE function_name = " +
                                                     QuoteLiteral(function_name)));
    HANGAR_RETURN_NOT_OK(known->Execute());
    HANGAR_ASSIGN_OR_RETURN(auto found, known->Next());
    if (found != nullptr && found->num_rows > 0) return Status::OK();
  }
  auto info = std::make_unique<FunctionInfo>();
  info->provider = std::move(provider);
  HANGAR_ASSIGN_OR_RETURN(info->connection, connection.OpenSibling());
  // DuckDB owns `info` and the instance is kept alive by info's connection:
  // the connection goes when the instance is replaced or the Database closes.
  connection.OnRetire([raw = info.get()] {
    std::lock_guard lock(raw->mu);
    raw->connection.reset();
  });
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, function_name.c_str());
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_table_function_add_parameter(function, varchar);
  duckdb_destroy_logical_type(&varchar);
  duckdb_table_function_set_extra_info(function, info.release(), [](void* p) { delete static_cast<FunctionInfo*>(p); });
  duckdb_table_function_set_bind(function, Bind);
  duckdb_table_function_set_init(function, Init);
  duckdb_table_function_set_function(function, Scan);
  duckdb_table_function_supports_projection_pushdown(function, true);
  const bool ok = duckdb_register_table_function(connection.handle(), function) == DuckDBSuccess;
  duckdb_destroy_table_function(&function);
  if (!ok) return Status::Internal("DuckDB: cannot register the table function " + function_name);
  return Status::OK();
}

}  // namespace hangar::duckdb
