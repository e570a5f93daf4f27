#include "duckdb/database.h"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "arrow/c_data.h"
#include "arrow/concatenate.h"
#include "base/log.h"

namespace hangar::duckdb {

bool IsEngineFailure(std::string_view message) {
  return message.starts_with("INTERNAL Error") || message.starts_with("FATAL Error") ||
         message.find("database has been invalidated") != std::string_view::npos;
}

Status ErrorFrom(const char* message, std::string_view what) {
  std::string text = message != nullptr && *message != '\0' ? message : "unknown DuckDB error";
  std::string prefix = what.empty() ? std::string() : std::string(what) + ": ";
  if (IsEngineFailure(text)) return Status::Internal(prefix + "the SQL engine failed: " + text);
  // DuckDB appends a stack trace to some errors: it is for the log only.
  if (auto trace = text.find("\n\nStack Trace"); trace != std::string::npos) text.resize(trace);
  if (text.starts_with("Out of Memory Error")) {
    // A limit the server sets, not the client's mistake: named by its flag
    // (DuckDB's own advice, a PRAGMA, is not the client's to follow).
    const bool spill =
        text.find("max_temp_directory_size") != std::string::npos || text.find("offload") != std::string::npos;
    text.resize(std::min(text.size(), text.find('\n')));
    if (text.ends_with('.')) text.pop_back();
    return Status::ResourceExhausted(
        prefix + text +
        (spill ? " (the server's --duckdb-max-temp-size: spill space)" : " (the server's --duckdb-memory-limit)"));
  }
  return Status::Invalid(prefix + text);
}

Status TakeError(duckdb_error_data error, std::string_view what) {
  if (error == nullptr) return Status::OK();
  Status st = duckdb_error_data_has_error(error) ? ErrorFrom(duckdb_error_data_message(error), what) : Status::OK();
  duckdb_destroy_error_data(&error);
  return st;
}

namespace {

// `text` between `quote`s, each `quote` inside doubled (SQL's escaping).
std::string Quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

}  // namespace

std::string QuoteLiteral(std::string_view text) { return Quoted(text, '\''); }
std::string QuoteIdentifier(std::string_view text) { return Quoted(text, '"'); }

// --- Database -----------------------------------------------------------------

struct Database::Instance {
  duckdb_database db = nullptr;
  std::mutex mu;
  std::vector<std::function<void()>> on_retire;  // guarded by mu
  ~Instance() {
    if (db) duckdb_close(&db);
  }
  void Retire() {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard lock(mu);
      fns.swap(on_retire);
    }
    for (auto& fn : fns) fn();
  }
};

Result<std::shared_ptr<Database::Instance>> Database::OpenInstance() {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return Status::Internal("DuckDB: cannot create a config");
  auto set = [&](const char* name, const std::string& value) -> Status {
    if (value.empty()) return Status::OK();
    if (duckdb_set_config(config, name, value.c_str()) != DuckDBSuccess)
      return Status::Invalid(std::string("DuckDB: bad value for ") + name + ": " + value);
    return Status::OK();
  };
  Status st = set("threads", options_.threads > 0 ? std::to_string(options_.threads) : "");
  if (st.ok()) st = set("memory_limit", options_.memory_limit);
  if (st.ok()) st = set("temp_directory", options_.temp_directory);
  if (st.ok()) st = set("max_temp_directory_size", options_.max_temp_size);  // checked here, applied in Open
  // Extensions that are not built in would be downloaded; nothing here may reach the network.
  if (st.ok()) st = set("autoinstall_known_extensions", "false");
  if (st.ok()) st = set("autoload_known_extensions", "false");
  auto instance = std::make_shared<Instance>();
  char* error = nullptr;
  if (st.ok() && duckdb_open_ext(nullptr, &instance->db, config, &error) != DuckDBSuccess) {
    st = Status::Internal(std::string("DuckDB: cannot open a database: ") + (error ? error : "unknown error"));
    instance->db = nullptr;
  }
  if (error) duckdb_free(error);
  duckdb_destroy_config(&config);
  HANGAR_RETURN_NOT_OK(st);
  return instance;
}

Result<std::shared_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  std::shared_ptr<Database> db(new Database());
  db->options_ = options;
  HANGAR_ASSIGN_OR_RETURN(db->instance_, db->OpenInstance());
  if (!options.max_temp_size.empty()) {
    // DuckDB 1.4 keeps this setting given at open in its configuration but
    // does not hand it to the buffer manager that spills (it spills as if
    // there were no limit): set again, it takes effect.
    HANGAR_RETURN_NOT_OK(db->AddInitializer([size = options.max_temp_size](Connection& conn) {
      return conn.Execute("SET GLOBAL max_temp_directory_size = " + QuoteLiteral(size));
    }));
  }
  if (!options.allowed_directories.empty()) {
    // Set once per instance: DuckDB refuses to turn external access back on while running.
    std::string list;
    for (const auto& dir : options.allowed_directories) list += (list.empty() ? "" : ", ") + QuoteLiteral(dir);
    HANGAR_RETURN_NOT_OK(db->AddInitializer([list](Connection& conn) {
      HANGAR_RETURN_NOT_OK(conn.Execute("SET allowed_directories = [" + list + "]"));
      return conn.Execute("SET enable_external_access = false");
    }));
  }
  return db;
}

Database::~Database() {
  if (instance_) instance_->Retire();
}

Status Database::AddInitializer(std::function<Status(Connection&)> init) {
  auto [instance, generation] = Current();
  HANGAR_ASSIGN_OR_RETURN(auto conn, Connection::Connect(nullptr, instance, generation));
  HANGAR_RETURN_NOT_OK(init(*conn));
  std::lock_guard lock(mu_);
  inits_.push_back(std::move(init));
  return Status::OK();
}

std::pair<std::shared_ptr<Database::Instance>, uint64_t> Database::Current() const {
  std::lock_guard lock(mu_);
  return {instance_, generation_};
}

uint64_t Database::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

int64_t Database::resets() const {
  std::lock_guard lock(mu_);
  return resets_;
}

bool Database::resetting() const { return resetting_.load(); }

void Database::SetStateListener(std::function<void(bool)> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

Status Database::Reset(uint64_t generation) {
  std::lock_guard one_at_a_time(reset_mu_);
  std::function<void(bool)> listener;
  std::vector<std::function<Status(Connection&)>> inits;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return Status::OK();  // already replaced
    listener = listener_;
    inits = inits_;
  }
  resetting_ = true;
  if (listener) listener(false);
  log::Warn("the SQL engine failed: opening a new DuckDB database", {{"generation", generation}});
  Status st;
  auto fresh = OpenInstance();
  st = fresh.status();
  for (size_t i = 0; st.ok() && i < inits.size(); ++i) {
    auto conn = Connection::Connect(nullptr, *fresh, generation + 1);
    st = conn.ok() ? inits[i](**conn) : conn.status();
  }
  if (options_.reset_delay.count() > 0) std::this_thread::sleep_for(options_.reset_delay);
  std::shared_ptr<Instance> old;
  if (st.ok()) {
    std::lock_guard lock(mu_);
    old = std::move(instance_);
    instance_ = std::move(*fresh);
    ++generation_;
    ++resets_;
  }
  if (old) old->Retire();
  resetting_ = false;
  if (listener) listener(st.ok());
  if (!st.ok())
    log::Error("the SQL engine could not be reopened", {{"error", st.ToString()}});
  else
    log::Info("the SQL engine is back", {{"generation", generation + 1}});
  return st;
}

// --- Connection -----------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Connect(std::shared_ptr<Database> database,
                                                        std::shared_ptr<Database::Instance> instance,
                                                        uint64_t generation) {
  std::unique_ptr<Connection> conn(new Connection(std::move(database), std::move(instance), generation));
  if (duckdb_connect(conn->instance_->db, &conn->conn_) != DuckDBSuccess)
    return Status::Internal("DuckDB: cannot open a connection");
  return conn;
}

Result<std::unique_ptr<Connection>> Connection::Open(std::shared_ptr<Database> database) {
  auto [instance, generation] = database->Current();
  return Connect(std::move(database), std::move(instance), generation);
}

Result<std::unique_ptr<Connection>> Connection::OpenSibling() const { return Connect(nullptr, instance_, generation_); }

Connection::~Connection() {
  if (conn_) duckdb_disconnect(&conn_);
}

Status Connection::Failure(const char* message, std::string_view what) {
  Status st = ErrorFrom(message, what);
  if (st.code() == StatusCode::kInternal && database_ != nullptr) {
    if (Status reset = database_->Reset(generation_); !reset.ok()) return reset;
  }
  return st;
}

void Connection::OnRetire(std::function<void()> fn) {
  std::lock_guard lock(instance_->mu);
  instance_->on_retire.push_back(std::move(fn));
}

Status InjectEngineFailure(Connection& connection) {
  auto values = arrow::MakeArray(
      arrow::struct_({arrow::field("a", arrow::int32())}), 1, {nullptr},
      {arrow::MakeArray(arrow::int32(), 1, {nullptr, arrow::Buffer::CopyOf(std::string(4, '\0'))}, {}, 0)}, 0);
  auto type = arrow::dictionary(arrow::int32(), values->type);
  auto column = arrow::MakeArray(type, 1, {nullptr, arrow::Buffer::CopyOf(std::string(4, '\0'))}, {}, 0, 0, values);
  auto schema = arrow::schema({arrow::field("d", type)});
  auto source = std::make_unique<arrow::VectorSource>(
      schema, std::vector<arrow::RecordBatchPtr>{arrow::MakeRecordBatch(schema, 1, {column})});
  HANGAR_ASSIGN_OR_RETURN(auto view, connection.RegisterView("hangar_engine_failure", std::move(source)));
  Status st = connection.Execute("SELECT * FROM hangar_engine_failure");
  if (st.ok()) return Status::Internal("the injected engine failure did not fail");
  return st;
}

Status Connection::Execute(const std::string& sql) {
  duckdb_result result;
  const bool ok = duckdb_query(conn_, sql.c_str(), &result) == DuckDBSuccess;
  Status st = ok ? Status::OK() : Failure(duckdb_result_error(&result));
  duckdb_destroy_result(&result);
  return st;
}

// --- Arrow sources as views -----------------------------------------------------------

// The C stream DuckDB reads. DuckDB (1.4) never releases the schemas it asks
// the stream for, so they stay owned here and go with the view.
struct ArrowStreamView::State {
  std::unique_ptr<arrow::RecordBatchSource> source;
  ArrowArrayStream stream{};
  std::mutex mu;
  std::vector<std::unique_ptr<ArrowSchema>> schemas;  // guarded by mu
  Status error;                                       // guarded by mu
  std::string error_text;                             // guarded by mu
  int64_t rows = 0;                                   // guarded by mu

  static State* Of(ArrowArrayStream* s) { return static_cast<State*>(s->private_data); }

  static int GetSchema(ArrowArrayStream* s, ArrowSchema* out) {
    State* self = Of(s);
    std::lock_guard lock(self->mu);
    auto owned = std::make_unique<ArrowSchema>();
    Status st = arrow::ExportSchema(*self->source->schema(), owned.get());
    if (!st.ok()) return self->Fail(std::move(st));
    *out = *owned;
    out->release = [](ArrowSchema* schema) { schema->release = nullptr; };  // released with the view
    self->schemas.push_back(std::move(owned));
    return 0;
  }

  static int GetNext(ArrowArrayStream* s, ArrowArray* out) {
    State* self = Of(s);
    std::lock_guard lock(self->mu);
    if (!self->error.ok()) return self->Fail(self->error);
    auto batch = self->source->Next();
    if (!batch.ok()) return self->Fail(batch.status());
    if (*batch == nullptr) {
      out->release = nullptr;  // the end
      return 0;
    }
    Status st = arrow::ExportRecordBatch(**batch, out);
    if (!st.ok()) return self->Fail(std::move(st));
    self->rows += (*batch)->num_rows;
    return 0;
  }

  static const char* LastError(ArrowArrayStream* s) {
    State* self = Of(s);
    std::lock_guard lock(self->mu);
    return self->error_text.c_str();
  }

  static void Release(ArrowArrayStream* s) { s->release = nullptr; }  // the State owns everything

  int Fail(Status st) {
    error_text = st.ToString();
    error = std::move(st);
    return EIO;
  }

  ~State() {
    for (auto& schema : schemas) {
      if (schema->release) schema->release(schema.get());
    }
  }
};

Result<std::unique_ptr<ArrowStreamView>> Connection::RegisterView(std::string name,
                                                                  std::unique_ptr<arrow::RecordBatchSource> source) {
  auto state = std::make_unique<ArrowStreamView::State>();
  state->source = std::move(source);
  state->stream = ArrowArrayStream{ArrowStreamView::State::GetSchema, ArrowStreamView::State::GetNext,
                                   ArrowStreamView::State::LastError, ArrowStreamView::State::Release, state.get()};
  if (duckdb_arrow_scan(conn_, name.c_str(), reinterpret_cast<duckdb_arrow_stream>(&state->stream)) != DuckDBSuccess)
    return Status::Internal("DuckDB: cannot register the Arrow stream as view " + name);
  return std::unique_ptr<ArrowStreamView>(new ArrowStreamView(this, std::move(name), std::move(state)));
}

ArrowStreamView::ArrowStreamView(Connection* connection, std::string name, std::unique_ptr<State> state)
    : connection_(connection), name_(std::move(name)), state_(std::move(state)) {}

ArrowStreamView::~ArrowStreamView() {
  // The view refers to the stream: it goes first. A failure here leaves a
  // dangling temporary view on a connection that is about to close anyway.
  (void)connection_->Execute("DROP VIEW IF EXISTS " + QuoteIdentifier(name_));
}

Status ArrowStreamView::source_status() const {
  std::lock_guard lock(state_->mu);
  return state_->error;
}

int64_t ArrowStreamView::rows_read() const {
  std::lock_guard lock(state_->mu);
  return state_->rows;
}

// --- Streaming query results -------------------------------------------------------------

namespace {

// Arrow schema of columns with DuckDB types.
Result<arrow::SchemaPtr> ArrowSchemaOf(duckdb_arrow_options options, std::vector<duckdb_logical_type>& types,
                                       std::vector<const char*> names) {
  if (types.empty()) return arrow::schema({});
  ArrowSchema c_schema{};
  Status st = TakeError(duckdb_to_arrow_schema(options, types.data(), names.data(), types.size(), &c_schema),
                        "DuckDB result schema to Arrow");
  for (auto& t : types) duckdb_destroy_logical_type(&t);
  types.clear();
  HANGAR_RETURN_NOT_OK(st);
  return arrow::ImportSchema(&c_schema);
}

// A prepared statement that is destroyed with its owner.
struct Prepared {
  duckdb_prepared_statement handle = nullptr;
  ~Prepared() {
    if (handle) duckdb_destroy_prepare(&handle);
  }
  Status Prepare(Connection& connection, const std::string& sql) {
    if (duckdb_prepare(connection.handle(), sql.c_str(), &handle) != DuckDBSuccess)
      return connection.Failure(duckdb_prepare_error(handle));
    return Status::OK();
  }
};

// A column or parameter as an Arrow field; one whose type DuckDB cannot
// infer (the $1 of VALUES ($1)) is null-typed, as Flight SQL clients expect
// of an unknown type. Takes `type`.
Result<arrow::FieldPtr> FieldOf(duckdb_arrow_options options, duckdb_logical_type type, const std::string& name) {
  const duckdb_type id = type ? duckdb_get_type_id(type) : DUCKDB_TYPE_INVALID;
  if (id == DUCKDB_TYPE_INVALID || id == DUCKDB_TYPE_ANY || id == DUCKDB_TYPE_SQLNULL) {
    if (type) duckdb_destroy_logical_type(&type);
    return arrow::field(name, arrow::null());
  }
  std::vector<duckdb_logical_type> one = {type};
  HANGAR_ASSIGN_OR_RETURN(auto schema, ArrowSchemaOf(options, one, {name.c_str()}));
  return schema->field(0);
}

// The result and parameter schemas of a prepared statement.
Result<StatementSchemas> SchemasOf(Connection& connection, duckdb_prepared_statement prepared) {
  duckdb_arrow_options options = nullptr;
  duckdb_connection_get_arrow_options(connection.handle(), &options);
  StatementSchemas out;
  out.type = duckdb_prepared_statement_type(prepared);
  std::vector<arrow::FieldPtr> columns, parameters;
  Status st;
  for (idx_t i = 0, n = duckdb_prepared_statement_column_count(prepared); i < n && st.ok(); ++i) {
    // The name is the caller's to free.
    const char* raw_name = duckdb_prepared_statement_column_name(prepared, i);
    const std::string name = raw_name ? raw_name : "";
    if (raw_name) duckdb_free(const_cast<char*>(raw_name));
    auto field = FieldOf(options, duckdb_prepared_statement_column_logical_type(prepared, i), name);
    st = field.status();
    if (st.ok()) columns.push_back(std::move(*field));
  }
  for (idx_t i = 0, n = duckdb_nparams(prepared); i < n && st.ok(); ++i) {
    const char* raw_name = duckdb_parameter_name(prepared, i + 1);
    const std::string name = raw_name ? raw_name : std::to_string(i + 1);
    if (raw_name) duckdb_free(const_cast<char*>(raw_name));
    auto field = FieldOf(options, duckdb_param_logical_type(prepared, i + 1), name);
    st = field.status();
    if (st.ok()) parameters.push_back(std::move(*field));
  }
  duckdb_destroy_arrow_options(&options);
  HANGAR_RETURN_NOT_OK(st);
  out.result = arrow::schema(std::move(columns));
  out.parameters = arrow::schema(std::move(parameters));
  return out;
}

class QueryStream : public QueryResult {
 public:
  QueryStream(std::unique_ptr<Connection> conn, QueryOptions options) : conn_(std::move(conn)), options_(options) {}

  ~QueryStream() override {
    if (arrow_options_) duckdb_destroy_arrow_options(&arrow_options_);
    if (have_result_) duckdb_destroy_result(&result_);
    if (pending_) duckdb_destroy_pending(&pending_);
  }

  Status Start(const std::string& sql, const Parameters* parameters) {
    HANGAR_RETURN_NOT_OK(prepared_.Prepare(*conn_, sql));
    if (parameters != nullptr) {
      HANGAR_RETURN_NOT_OK(parameters->BindTo(prepared_.handle));
    } else if (duckdb_nparams(prepared_.handle) > 0) {
      return Status::Invalid("the statement has " + std::to_string(duckdb_nparams(prepared_.handle)) +
                             " parameters and none were bound");
    }
    // The planned columns; with parameters bound DuckDB may not know them
    // in Arrow terms before running (a string literal's type), and then
    // only Execute says.
    if (auto planned = SchemasOf(*conn_, prepared_.handle); planned.ok()) schema_ = std::move(planned->result);
    if (duckdb_pending_prepared_streaming(prepared_.handle, &pending_) != DuckDBSuccess)
      return conn_->Failure(duckdb_pending_error(pending_));
    return Status::OK();
  }

  Status Execute() override {
    if (duckdb_execute_pending(pending_, &result_) != DuckDBSuccess) {
      Status st = conn_->Failure(duckdb_result_error(&result_));
      duckdb_destroy_result(&result_);
      return st;
    }
    have_result_ = true;
    arrow_options_ = duckdb_result_get_arrow_options(&result_);
    const idx_t n = duckdb_column_count(&result_);
    std::vector<duckdb_logical_type> types;
    std::vector<const char*> names;
    for (idx_t i = 0; i < n; ++i) {
      types.push_back(duckdb_column_logical_type(&result_, i));
      names.push_back(duckdb_column_name(&result_, i));
    }
    HANGAR_ASSIGN_OR_RETURN(schema_, ArrowSchemaOf(arrow_options_, types, names));
    return Status::OK();
  }

  void Interrupt() override { conn_->Interrupt(); }

  const arrow::SchemaPtr& schema() const override { return schema_; }

  Result<arrow::RecordBatchPtr> Next() override {
    std::vector<arrow::RecordBatchPtr> parts;
    int64_t rows = 0, bytes = 0;
    while (!done_ && rows < options_.batch_rows && bytes < options_.batch_bytes) {
      duckdb_data_chunk chunk = duckdb_fetch_chunk(result_);
      if (chunk == nullptr) {
        const char* error = duckdb_result_error(&result_);
        if (error != nullptr && *error != '\0') return conn_->Failure(error);
        done_ = true;
        break;
      }
      ArrowArray c_array{};
      Status st = TakeError(duckdb_data_chunk_to_arrow(arrow_options_, chunk, &c_array), "DuckDB chunk to Arrow");
      duckdb_destroy_data_chunk(&chunk);
      HANGAR_RETURN_NOT_OK(st);
      HANGAR_ASSIGN_OR_RETURN(auto batch, arrow::ImportRecordBatch(&c_array, schema_));
      if (batch->num_rows == 0) continue;
      rows += batch->num_rows;
      bytes += arrow::TotalBufferSize(*batch);
      parts.push_back(std::move(batch));
    }
    if (parts.empty()) return arrow::RecordBatchPtr();
    if (parts.size() == 1) return parts.front();
    std::vector<arrow::ArrayPtr> columns;
    for (int c = 0; c < schema_->num_fields(); ++c) {
      std::vector<arrow::ArrayPtr> pieces;
      pieces.reserve(parts.size());
      for (const auto& part : parts) pieces.push_back(part->column(c));
      HANGAR_ASSIGN_OR_RETURN(auto column, arrow::Concatenate(pieces));
      columns.push_back(std::move(column));
    }
    return arrow::MakeRecordBatch(schema_, rows, std::move(columns));
  }

 private:
  std::unique_ptr<Connection> conn_;
  QueryOptions options_;
  Prepared prepared_;
  duckdb_pending_result pending_ = nullptr;
  duckdb_result result_{};
  bool have_result_ = false;
  duckdb_arrow_options arrow_options_ = nullptr;
  arrow::SchemaPtr schema_;
  bool done_ = false;
};

}  // namespace

Result<StatementSchemas> DescribeStatement(Connection& connection, const std::string& sql) {
  Prepared prepared;
  HANGAR_RETURN_NOT_OK(prepared.Prepare(connection, sql));
  return SchemasOf(connection, prepared.handle);
}

Result<std::unique_ptr<QueryResult>> StartQuery(std::unique_ptr<Connection> connection, const std::string& sql,
                                                const Parameters* parameters, const QueryOptions& options) {
  auto stream = std::make_unique<QueryStream>(std::move(connection), options);
  HANGAR_RETURN_NOT_OK(stream->Start(sql, parameters));
  return std::unique_ptr<QueryResult>(std::move(stream));
}

Result<std::unique_ptr<arrow::RecordBatchSource>> StreamQuery(std::shared_ptr<Database> database,
                                                              const std::string& sql, const QueryOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto conn, Connection::Open(std::move(database)));
  HANGAR_ASSIGN_OR_RETURN(auto result, StartQuery(std::move(conn), sql, nullptr, options));
  HANGAR_RETURN_NOT_OK(result->Execute());
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(result));
}

}  // namespace hangar::duckdb
