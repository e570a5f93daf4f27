#include "sql/engine.h"

#include "sql/query_check.h"

namespace hangar::sql {

struct SqlEngine::Running {
  duckdb::QueryResult* result = nullptr;  // interrupt target; valid while the run's source lives
  std::function<bool()> cancelled;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::mutex mu;
  bool interrupted = false;       // guarded by mu
  std::string why;                // guarded by mu

  void Interrupt(std::string reason) {
    std::lock_guard lock(mu);
    if (interrupted || result == nullptr) return;
    interrupted = true;
    why = std::move(reason);
    result->Interrupt();
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
    running_->result = nullptr;  // the watchdog may hold the entry a little longer
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

Result<std::unique_ptr<duckdb::Connection>> SqlEngine::OpenConnection() {
  HANGAR_ASSIGN_OR_RETURN(auto connection, duckdb::Connection::Open(db_));
  HANGAR_RETURN_NOT_OK(connection->Execute("SET search_path = '\"default\"'"));
  return connection;
}

Result<std::vector<store::QualifiedName>> SqlEngine::RelationsRead(const std::string& sql) {
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection());
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->Sync().status());
  return sql::RelationsRead(*connection, QuoteDefaultNamespace(sql),
                            [this](const store::QualifiedName& name) { return relations_->Exists(name); });
}

Result<std::vector<store::QualifiedName>> SqlEngine::ListRelations() {
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->Sync().status());
  return relations_->List();
}

Result<duckdb::StatementSchemas> SqlEngine::Describe(const std::string& sql) {
  const std::string text = QuoteDefaultNamespace(sql);
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection());
  auto lock = relations_->Lock();
  HANGAR_RETURN_NOT_OK(relations_->Sync().status());
  HANGAR_ASSIGN_OR_RETURN(auto reads, sql::RelationsRead(*connection, text, [this](const store::QualifiedName& name) {
                            return relations_->Exists(name);
                          }));
  HANGAR_RETURN_NOT_OK(relations_->SyncTopics(reads));
  return duckdb::DescribeStatement(*connection, text);
}

Result<std::unique_ptr<arrow::RecordBatchSource>> SqlEngine::Run(const std::string& id, const std::string& sql,
                                                                 const duckdb::Parameters* parameters,
                                                                 std::function<bool()> cancelled) {
  const std::string text = QuoteDefaultNamespace(sql);
  HANGAR_ASSIGN_OR_RETURN(auto connection, OpenConnection());
  auto running = std::make_shared<Running>();
  running->cancelled = std::move(cancelled);
  if (options_.query_timeout.count() > 0) running->deadline = std::chrono::steady_clock::now() + options_.query_timeout;
  Pins pins;
  std::unique_ptr<duckdb::QueryResult> result;
  {
    // Views are brought up to date, and the query bound to them, under one
    // lock: the snapshots pinned are exactly the ones it reads.
    auto lock = relations_->Lock();
    HANGAR_ASSIGN_OR_RETURN(pins, relations_->Sync());
    HANGAR_ASSIGN_OR_RETURN(auto reads, sql::RelationsRead(*connection, text, [this](const store::QualifiedName& name) {
                              return relations_->Exists(name);
                            }));
    HANGAR_RETURN_NOT_OK(relations_->SyncTopics(reads));
    HANGAR_ASSIGN_OR_RETURN(result, duckdb::StartQuery(std::move(connection), text, parameters, options_.query));
  }
  // The query runs outside the lock, cancellable from the moment it does.
  running->result = result.get();
  {
    std::lock_guard lock(mu_);
    running_.emplace(id, running);
  }
  wake_.notify_all();
  auto source = std::make_unique<RunSource>(std::move(result), std::move(pins), running);
  HANGAR_RETURN_NOT_OK(source->Execute());
  return std::unique_ptr<arrow::RecordBatchSource>(std::move(source));
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
    for (auto it = running_.begin(); it != running_.end();) {
      auto run = it->second.lock();
      if (!run) {
        it = running_.erase(it);
        continue;
      }
      if (now >= run->deadline) {
        run->Interrupt("the query ran longer than the server's limit of " +
                       std::to_string(options_.query_timeout.count()) + " ms");
      } else if (run->cancelled && run->cancelled()) {
        run->Interrupt("the client went away");
      }
      ++it;
    }
  }
}

}  // namespace hangar::sql
