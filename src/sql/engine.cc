#include "sql/engine.h"

#include <algorithm>
#include <chrono>

#include "arrow/array_access.h"
#include "metrics/registry.h"
#include "sql/partition_scan.h"
#include "sql/query_check.h"
#include "store/storage_types.h"

namespace hangar::sql {

// The watchdog may hold an entry a little after its run ended: the result
// and the caller's `cancelled` (which refers to the call) are cleared then,
// under mu, and nothing touches them once cleared.
struct SqlEngine::Running {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::mutex mu;
  duckdb::QueryResult* result = nullptr;  // interrupt target; guarded by mu
  std::function<bool()> cancelled;        // guarded by mu
  bool interrupted = false;               // guarded by mu
  std::string why;                        // guarded by mu

  void Interrupt(std::string reason) {
    std::lock_guard lock(mu);
    InterruptLocked(std::move(reason));
  }
  void InterruptLocked(std::string reason) {
    if (interrupted || result == nullptr) return;
    interrupted = true;
    why = std::move(reason);
    result->Interrupt();
  }
  // The watchdog's look: past the deadline, or the client gone?
  void Check(std::chrono::steady_clock::time_point now, std::chrono::milliseconds limit) {
    std::lock_guard lock(mu);
    if (result == nullptr) return;
    if (now >= deadline)
      InterruptLocked("the query ran longer than the server's limit of " + std::to_string(limit.count()) + " ms");
    else if (cancelled && cancelled())
      InterruptLocked("the client went away");
  }
};

namespace {

// A query's result with what it needs while it streams: the snapshots its
// views read, and its place in the engine's registry.
class RunSource : public arrow::RecordBatchSource {
 public:
  RunSource(std::unique_ptr<duckdb::QueryResult> result, Pins pins, std::shared_ptr<SqlEngine::Running> running)
      : result_(std::move(result)), pins_(std::move(pins)), running_(std::move(running)) {}

  ~RunSource() override {
    std::lock_guard lock(running_->mu);
    running_->result = nullptr;
    running_->cancelled = nullptr;
  }

  const arrow::SchemaPtr& schema() const override { return result_->schema(); }

  Status Execute() { return Explained(result_->Execute()); }

  Result<arrow::RecordBatchPtr> Next() override {
    auto batch = result_->Next();
    if (batch.ok()) return batch;
    return Explained(batch.status());
  }

 private:
  // DuckDB says "INTERRUPT"; the caller learns why.
  Status Explained(Status st) const {
    if (st.ok()) return st;
    std::lock_guard lock(running_->mu);
    if (running_->interrupted) return Status::Cancelled(running_->why);
    return st;
  }

  std::unique_ptr<duckdb::QueryResult> result_;
  Pins pins_;
  std::shared_ptr<SqlEngine::Running> running_;
};

}  // namespace

SqlEngine::SqlEngine(std::shared_ptr<duckdb::Database> db, std::shared_ptr<Relations> relations, SqlOptions options)
    : db_(std::move(db)), relations_(std::move(relations)), options_(options), watchdog_([this] { Watch(); }) {}

SqlEngine::~SqlEngine() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

Result<std::unique_ptr<duckdb::Connection>> SqlEngine::OpenConnection(const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(db_));
  // A namespace is a plain name (store::CheckNamespace), but quoted all the same.
  if (scope.schema.find_first_of("'\"") != std::string::npos)
    return Status::Invalid("the session's schema '" + scope.schema + "' is not a namespace name");
  auto set = connection->Execute("SET search_path = '\"" + scope.schema + "\"'");
  if (!set.ok())
    return Status::Invalid("the session's schema '" + scope.schema +
                           "' no longer exists (its tables were dropped): set another (SetSessionOptions \"schema\")");
  return connection;
}

RelationResolver SqlEngine::Resolver() {
  return [this](const store::QualifiedName& name) { return relations_->ResolveNow(name); };
}

std::vector<ColumnSource> SqlEngine::SourcesOf(const ParsedQuery& parsed, const Scope& scope, size_t columns) {
  // The names were resolved when the statement was bound: no need to ask Kafka again.
  auto known = [this](const store::QualifiedName& name) { return relations_->Resolve(name); };
  return ColumnSources(parsed, known, scope.schema, columns);
}

Result<std::vector<store::QualifiedName>> SqlEngine::RelationsRead(const std::string& sql, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto checked, Check(sql, scope));
  return std::move(checked.reads);
}

Result<CheckedQuery> SqlEngine::Check(const std::string& sql, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection(scope));
  CheckedQuery checked;
  // Parsed outside the lock: a long statement takes DuckDB's parser a while.
  HANGAR_ASSIGN_OR_RETURN(checked.parsed, sql::ParseQuery(*connection, QuoteDefaultNamespace(sql)));
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->SyncNames());
  HANGAR_ASSIGN_OR_RETURN(checked.reads, sql::RelationsIn(checked.parsed, Resolver(), scope.schema));
  return checked;
}

Result<SqlEngine::Bound> SqlEngine::Bind(duckdb::Connection& connection, const std::string& text, const Scope& scope,
                                         const ParsedQuery* given) {
  ParsedQuery parsed;
  if (given != nullptr) {
    parsed = *given;
  } else {
    HANGAR_ASSIGN_OR_RETURN(parsed, sql::ParseQuery(connection, text));
  }
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->SyncNames());
  // Resolved again under the lock, from the same parse: the views synced
  // are those of the names as they are now.
  HANGAR_ASSIGN_OR_RETURN(auto reads, sql::RelationsIn(parsed, Resolver(), scope.schema));
  Bound bound;
  HANGAR_ASSIGN_OR_RETURN(bound.pins, relations_->SyncViews(reads));
  // DuckDB's catalog is versioned: a transaction sees the views as they
  // were when it began. Begun here, under the lock, it sees exactly the
  // views just synced, so the statement is prepared (bound and planned,
  // which DuckDB cannot interrupt) after the lock is released, without
  // holding up every other statement and without another's view changes
  // reaching it. (The transaction starts at its first catalog access.)
  HANGAR_RETURN_NOT_OK(connection.Execute("BEGIN TRANSACTION"));
  HANGAR_RETURN_NOT_OK(connection.Execute("SELECT 1 FROM duckdb_schemas() LIMIT 0"));
  bound.generation = relations_->generation();
  bound.parsed = std::move(parsed);
  return bound;
}

Result<std::optional<store::QualifiedName>> SqlEngine::PureTopicScan(const std::string& sql, const Scope& scope) {
  if (!relations_->has_kafka()) return std::optional<store::QualifiedName>();
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection(scope));
  return sql::PureTopicScan(*connection, QuoteDefaultNamespace(sql));
}

Result<std::vector<int32_t>> SqlEngine::TopicPartitions(const std::string& topic) {
  if (!relations_->has_kafka()) return Status::FailedPrecondition("this server is not connected to Kafka");
  HANGAR_ASSIGN_OR_RETURN(auto info, relations_->kafka()->DescribeTopic(topic));
  std::vector<int32_t> ids;
  for (const auto& p : info.partitions) ids.push_back(p.id);
  return ids;
}

Result<std::vector<store::QualifiedName>> SqlEngine::ListRelations() {
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->Sync(true).status());
  return relations_->List();
}

Result<duckdb::StatementSchemas> SqlEngine::Describe(const std::string& sql, const Scope& scope,
                                                     std::vector<ColumnSource>* sources, size_t columns,
                                                     const ParsedQuery* parsed) {
  const std::string text = QuoteDefaultNamespace(sql);
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection(scope));
  HANGAR_ASSIGN_OR_RETURN(auto bound, Bind(*connection, text, scope, parsed));
  HANGAR_ASSIGN_OR_RETURN(auto schemas, duckdb::DescribeStatement(*connection, text));
  if (sources)
    *sources = SourcesOf(bound.parsed, scope, columns ? columns : static_cast<size_t>(schemas.result->num_fields()));
  return schemas;
}

Result<SqlEngine::Planned> SqlEngine::PlanQuery(const std::string& sql, const duckdb::Parameters* parameters,
                                                std::optional<int32_t> partition, const Scope& scope,
                                                const ParsedQuery* parsed) {
  std::string text = QuoteDefaultNamespace(sql);
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection(scope));
  HANGAR_ASSIGN_OR_RETURN(auto bound, Bind(*connection, text, scope, parsed));
  Planned planned;
  planned.pins = std::move(bound.pins);
  planned.generation = bound.generation;
  planned.parsed = std::move(bound.parsed);
  // A partition's share: checked as the query the user wrote (above), run
  // as that query over one partition's scan.
  if (partition) {
    HANGAR_ASSIGN_OR_RETURN(auto target, sql::PureTopicScan(*connection, text));
    if (!target) return Status::Invalid("only a pure scan of one topic can be run by partition");
    HANGAR_ASSIGN_OR_RETURN(text, PartitionScanSql(*connection, text, Relations::kTopicScanFunction, *partition));
  }
  HANGAR_ASSIGN_OR_RETURN(planned.result, duckdb::StartQuery(std::move(connection), text, parameters, options_.query));
  return planned;
}

Result<arrow::SchemaPtr> SqlEngine::Plan(const std::string& id, const std::string& sql, const Scope& scope,
                                         std::vector<ColumnSource>* sources, const ParsedQuery* parsed) {
  HANGAR_ASSIGN_OR_RETURN(auto planned, PlanQuery(sql, nullptr, std::nullopt, scope, parsed));
  arrow::SchemaPtr schema = planned.result->schema();
  if (schema == nullptr) return Status::Invalid("DuckDB cannot describe the result's columns of this query");
  if (sources) *sources = SourcesOf(planned.parsed, scope, static_cast<size_t>(schema->num_fields()));
  std::lock_guard lock(mu_);
  constexpr size_t kMaxPlans = 256;  // plans clients never redeem must not pile up
  if (plans_.size() >= kMaxPlans) {
    auto oldest = std::min_element(plans_.begin(), plans_.end(),
                                   [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    plans_.erase(oldest);
  }
  plans_[id] = Stashed{sql, scope.schema, std::move(planned), std::chrono::steady_clock::now()};
  return schema;
}

std::optional<SqlEngine::Planned> SqlEngine::TakePlan(const std::string& id, const std::string& sql,
                                                      const Scope& scope) {
  std::optional<Planned> planned;
  {
    std::lock_guard lock(mu_);
    auto it = plans_.find(id);
    if (it == plans_.end()) return planned;
    if (it->second.sql == sql && it->second.schema == scope.schema) planned = std::move(it->second.planned);
    plans_.erase(it);
  }
  if (!planned) return planned;
  // Still bound to the newest data? (A table it reads changed since, or a
  // view it is bound to was remade: plan again.)
  auto lock = relations_->Lock();
  if (!relations_->SyncNames().ok() || !relations_->Current(planned->pins) ||
      relations_->generation() != planned->generation)
    planned.reset();
  return planned;
}

namespace {

// hangar_sql_query_seconds{outcome}: planning and execution up to the first
// result (what DuckDB spends; streaming the result to the client is the
// RPC's time).
void RecordQuery(std::chrono::steady_clock::time_point started, const Status& st) {
  static auto& family = metrics::DefaultRegistry().Histogram(
      "hangar_sql_query_seconds", "SQL statements: DuckDB's planning and execution time, by outcome", {"outcome"},
      metrics::LatencyBuckets());
  const char* outcome = st.ok() ? "ok" : st.code() == StatusCode::kCancelled ? "cancelled" : "error";
  family.WithLabels({outcome}).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace

Result<std::unique_ptr<arrow::RecordBatchSource>> SqlEngine::Run(const std::string& id, const std::string& sql,
                                                                 const duckdb::Parameters* parameters,
                                                                 std::function<bool()> cancelled,
                                                                 std::optional<int32_t> partition, const Scope& scope,
                                                                 const ParsedQuery* parsed) {
  const auto started = std::chrono::steady_clock::now();
  auto source = RunQuery(id, sql, parameters, std::move(cancelled), partition, scope, parsed);
  RecordQuery(started, source.status());
  return source;
}

Result<std::unique_ptr<arrow::RecordBatchSource>> SqlEngine::RunQuery(const std::string& id, const std::string& sql,
                                                                      const duckdb::Parameters* parameters,
                                                                      std::function<bool()> cancelled,
                                                                      std::optional<int32_t> partition,
                                                                      const Scope& scope, const ParsedQuery* parsed) {
  const auto started = std::chrono::steady_clock::now();
  std::optional<Planned> planned;
  if (parameters == nullptr && !partition) planned = TakePlan(id, sql, scope);
  if (!planned) {
    HANGAR_ASSIGN_OR_RETURN(auto fresh, PlanQuery(sql, parameters, partition, scope, parsed));
    planned = std::move(fresh);
  }
  // Planning cannot be interrupted (it is bounded: query_check.h); whoever
  // stopped waiting meanwhile is answered before the query runs.
  if (cancelled && cancelled()) return Status::Cancelled("the client went away");
  if (parameters == nullptr && !partition) {
    HANGAR_ASSIGN_OR_RETURN(auto whole, WholeTableRead(*planned));
    if (whole) return whole;
  }
  auto running = std::make_shared<Running>();
  if (options_.query_timeout.count() > 0) {
    running->deadline = started + options_.query_timeout;
    if (std::chrono::steady_clock::now() >= running->deadline)
      return Status::Cancelled("the query ran longer than the server's limit of " +
                               std::to_string(options_.query_timeout.count()) + " ms");
  }
  // The query runs outside the lock, cancellable from the moment it does.
  {
    std::lock_guard lock(running->mu);
    running->cancelled = std::move(cancelled);
    running->result = planned->result.get();
  }
  {
    std::lock_guard lock(mu_);
    running_.emplace(id, running);
  }
  wake_.notify_all();
  auto source = std::make_unique<RunSource>(std::move(planned->result), std::move(planned->pins), running);
  HANGAR_RETURN_NOT_OK(source->Execute());
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(source));
}

namespace {

// A table's rows as the table store reads them, under the schema DuckDB
// planned for `SELECT *` of it (the same columns and types; DuckDB's
// nullability and no metadata).
class Relabelled : public arrow::RecordBatchSource {
 public:
  Relabelled(std::unique_ptr<arrow::RecordBatchSource> inner, arrow::SchemaPtr schema)
      : inner_(std::move(inner)), schema_(std::move(schema)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    HANGAR_ASSIGN_OR_RETURN(auto batch, inner_->Next());
    if (batch == nullptr) return batch;
    return arrow::MakeRecordBatch(schema_, batch->num_rows, batch->columns);
  }

 private:
  std::unique_ptr<arrow::RecordBatchSource> inner_;
  arrow::SchemaPtr schema_;
};

}  // namespace

Result<std::unique_ptr<arrow::RecordBatchSource>> SqlEngine::WholeTableRead(const Planned& planned) {
  std::unique_ptr<arrow::RecordBatchSource> none;
  // One table's snapshot, read whole, append-only (a primary-key table's
  // latest rows are merged by DuckDB either way), and columns DuckDB hands
  // out exactly as the table holds them.
  if (planned.pins.size() != 1 || !IsWholeTableScan(planned.parsed)) return none;
  const store::SnapshotPtr& snapshot = planned.pins[0];
  const arrow::SchemaPtr planned_schema = planned.result->schema();
  if (!snapshot->primary_key.empty() || planned_schema == nullptr ||
      planned_schema->num_fields() != snapshot->schema->num_fields())
    return none;
  for (int i = 0; i < planned_schema->num_fields(); ++i) {
    const auto& a = *planned_schema->field(i);
    const auto& b = *snapshot->schema->field(i);
    if (a.name() != b.name() || !a.type()->Equals(*b.type(), false)) return none;
  }
  HANGAR_ASSIGN_OR_RETURN(auto rows, relations_->tables()->Scan(snapshot));
  return std::unique_ptr<arrow::RecordBatchSource>(std::make_unique<Relabelled>(std::move(rows), planned_schema));
}

Result<store::QualifiedName> SqlEngine::InsertTarget(const InsertStatement& insert, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto name, store::ParseQualifiedName(insert.table));
  if (insert.table.find('.') == std::string::npos) name.ns = scope.schema;  // a bare name
  if (name.ns == store::kKafkaNamespace)
    return Status::Invalid("INSERT into a topic is not supported: write topics with DoPut on [\"kafka\", topic]");
  return name;
}

Result<std::vector<store::QualifiedName>> SqlEngine::InsertReads(const InsertStatement& insert, const Scope& scope) {
  return RelationsRead(insert.query, scope);
}

Result<duckdb::StatementSchemas> SqlEngine::DescribeInsert(const InsertStatement& insert, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto name, InsertTarget(insert, scope));
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, relations_->tables()->Snapshot(name));
  std::vector<ColumnSource> sources;
  // DuckDB cannot say how many columns a query of untyped parameters has
  // (VALUES (?, ?) describes as one): it has as many as it fills.
  const size_t filled =
      insert.columns.empty() ? static_cast<size_t>(snapshot->schema->num_fields()) : insert.columns.size();
  HANGAR_ASSIGN_OR_RETURN(auto schemas, Describe(insert.query, scope, &sources, filled));
  std::vector<arrow::FieldPtr> parameters = schemas.parameters->fields();
  for (size_t j = 0; j < sources.size(); ++j) {
    if (!sources[j].parameter) continue;
    const size_t p = static_cast<size_t>(*sources[j].parameter) - 1;
    if (p >= parameters.size() || parameters[p]->type()->id() != arrow::TypeId::kNull) continue;
    // The table column output column j fills.
    arrow::FieldPtr column;
    if (insert.columns.empty()) {
      if (j < static_cast<size_t>(snapshot->schema->num_fields()))
        column = snapshot->schema->field(static_cast<int>(j));
    } else if (j < insert.columns.size()) {
      for (const auto& f : snapshot->schema->fields())
        if (f->name() == insert.columns[j]) column = f;
    }
    if (column) parameters[p] = arrow::field(parameters[p]->name(), column->type(), true);
  }
  schemas.parameters = arrow::schema(std::move(parameters));
  return schemas;
}

namespace {

// The runs of an INSERT's query, one per parameter row, one after another.
class InsertRuns : public arrow::RecordBatchSource {
 public:
  using Open = std::function<Result<std::unique_ptr<arrow::RecordBatchSource>>(const duckdb::Parameters*)>;
  InsertRuns(Open open, std::vector<std::shared_ptr<const duckdb::Parameters>> rows)
      : open_(std::move(open)), rows_(std::move(rows)) {}

  Status Start() {
    HANGAR_ASSIGN_OR_RETURN(current_, open_(rows_.empty() ? nullptr : rows_[0].get()));
    next_ = 1;
    return Status::OK();
  }
  const arrow::SchemaPtr& schema() const override { return current_->schema(); }
  Result<arrow::RecordBatchPtr> Next() override {
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, current_->Next());
      if (batch != nullptr) return batch;
      if (next_ >= rows_.size()) return arrow::RecordBatchPtr();
      HANGAR_ASSIGN_OR_RETURN(current_, open_(rows_[next_++].get()));
    }
  }

 private:
  Open open_;
  std::vector<std::shared_ptr<const duckdb::Parameters>> rows_;
  std::unique_ptr<arrow::RecordBatchSource> current_;
  size_t next_ = 0;
};

}  // namespace

Result<int64_t> SqlEngine::Insert(const std::string& id, const InsertStatement& insert,
                                  const std::vector<std::shared_ptr<const duckdb::Parameters>>& rows,
                                  const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto name, InsertTarget(insert, scope));
  auto& tables = *relations_->tables();
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables.Snapshot(name));
  // The table's columns with the types DuckDB gives them.
  std::vector<std::pair<std::string, std::string>> columns;
  {
    HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection(scope));
    {
      auto lock = relations_->Lock();
      HANGAR_RETURN_NOT_OK(relations_->SyncNames());
      HANGAR_RETURN_NOT_OK(relations_->SyncViews({name}).status());
    }
    HANGAR_ASSIGN_OR_RETURN(auto result,
                            duckdb::StartQuery(std::move(connection),
                                               "SELECT column_name, data_type FROM information_schema.columns WHERE "
                                               "table_schema = " +
                                                   duckdb::QuoteLiteral(name.ns) + " AND table_name = " +
                                                   duckdb::QuoteLiteral(name.name) + " ORDER BY ordinal_position"));
    HANGAR_RETURN_NOT_OK(result->Execute());
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto batch, result->Next());
      if (batch == nullptr) break;
      for (int64_t r = 0; r < batch->num_rows; ++r)
        columns.emplace_back(arrow::BinaryValue(*batch->column(0), r), arrow::BinaryValue(*batch->column(1), r));
    }
  }
  HANGAR_ASSIGN_OR_RETURN(auto query, Describe(insert.query, scope));
  size_t given = static_cast<size_t>(query.result->num_fields());
  const auto& params = query.parameters->fields();
  if (std::any_of(params.begin(), params.end(),
                  [](const auto& f) { return f->type()->id() == arrow::TypeId::kNull; })) {
    // DuckDB cannot tell the columns of VALUES ($1, $2) before it has
    // values: the query's columns are those of a run with the first row.
    if (rows.empty()) return Status::Invalid("the INSERT has parameters and none were bound");
    HANGAR_ASSIGN_OR_RETURN(auto probe, Run(id, insert.query, rows[0].get(), nullptr, std::nullopt, scope));
    given = static_cast<size_t>(probe->schema()->num_fields());
  }
  const size_t wanted = insert.columns.empty() ? columns.size() : insert.columns.size();
  if (given != wanted)
    return Status::Invalid("INSERT into " + name.ToString() + " names " + std::to_string(wanted) +
                           " columns but the query gives " + std::to_string(given));
  // SELECT CAST(q.c1 AS <type>) AS "<column>", ... FROM (<query>) AS q(c1, ...)
  std::string select;
  for (size_t t = 0; t < columns.size(); ++t) {
    const auto& [column, type] = columns[t];
    // The query column that fills this table column, if any (else NULL).
    size_t index = insert.columns.empty() ? t : given;
    for (size_t i = 0; i < insert.columns.size(); ++i)
      if (insert.columns[i] == column) index = i;
    select += select.empty() ? "SELECT " : ", ";
    select +=
        index < given ? "CAST(q.\"c" + std::to_string(index) + "\" AS " + type + ")" : "CAST(NULL AS " + type + ")";
    select += " AS " + duckdb::QuoteIdentifier(column);
  }
  for (const auto& listed : insert.columns) {
    if (std::none_of(columns.begin(), columns.end(), [&](const auto& c) { return c.first == listed; }))
      return Status::Invalid("INSERT into " + name.ToString() + ": the table has no column '" + listed + "'");
  }
  std::string aliases;
  for (size_t i = 0; i < given; ++i) aliases += (i ? ", \"c" : "\"c") + std::to_string(i) + "\"";
  const std::string sql = select + " FROM (" + insert.query + ") AS q(" + aliases + ")";

  auto runs = std::make_unique<InsertRuns>(
      [this, id, sql, scope](const duckdb::Parameters* parameters) {
        return Run(id, sql, parameters, nullptr, std::nullopt, scope);
      },
      rows);
  HANGAR_RETURN_NOT_OK(runs->Start());
  auto source = store::ConformSource(std::move(runs), snapshot->schema);
  HANGAR_ASSIGN_OR_RETURN(auto result, tables.Put(name, store::PutMode::kAppend, source.get()));
  return result.rows;
}

bool SqlEngine::Cancel(const std::string& id) {
  std::vector<std::shared_ptr<Running>> found;
  {
    std::lock_guard lock(mu_);
    auto [begin, end] = running_.equal_range(id);
    for (auto it = begin; it != end; ++it)
      if (auto run = it->second.lock()) found.push_back(std::move(run));
  }
  for (auto& run : found) run->Interrupt("the query was cancelled");
  return !found.empty();
}

void SqlEngine::Watch() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    for (auto it = plans_.begin(); it != plans_.end();) {
      it = now - it->second.at > std::chrono::minutes(1) ? plans_.erase(it) : std::next(it);
    }
    for (auto it = running_.begin(); it != running_.end();) {
      auto run = it->second.lock();
      if (!run) {
        it = running_.erase(it);
        continue;
      }
      run->Check(now, options_.query_timeout);
      ++it;
    }
  }
}

}  // namespace hangar::sql
