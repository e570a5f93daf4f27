// DuckDB through its C API, with Arrow in and out.
//
// Hangar uses DuckDB as a library for two jobs: writing and reading Parquet
// (the table store) and answering SQL (Flight SQL). Data crosses between
// Hangar and DuckDB only through the Arrow C Data Interface, never row by
// row. A Database is the engine (buffer pool, thread pool) and is shared by
// the whole process; a Connection runs one statement at a time, so every
// concurrent user takes its own (they are cheap to open).
#pragma once

#include <duckdb.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arrow/record_batch_source.h"
#include "base/status.h"
#include "duckdb/parameters.h"

namespace hangar::duckdb {

struct DatabaseOptions {
  int threads = 0;             // 0: DuckDB's default (one per core)
  std::string memory_limit;    // e.g. "4GB"; empty: DuckDB's default (80% of RAM)
  std::string temp_directory;  // where DuckDB spills; empty: none
  std::string max_temp_size;   // the most it spills there, e.g. "4GB"; empty: DuckDB's default (90% of the disk)
  // Non-empty: DuckDB may read and write files only under these folders
  // (enable_external_access off). A server gives its data directory, so
  // that SQL can reach nothing else on the machine.
  std::vector<std::string> allowed_directories;
  // Tests only: how long a reset waits before the new instance takes over,
  // so that its NOT_SERVING state can be seen.
  std::chrono::milliseconds reset_delay{0};
};

class Connection;

// The engine, and what keeps one DuckDB failure from breaking the server.
//
// DuckDB invalidates a whole database after an internal or fatal error:
// every statement of every connection fails from then on. A Database
// therefore holds its DuckDB instance behind one more level: when a
// statement reports such an error (Connection::Failure), the instance is
// replaced by a fresh one, set up again by the initializers (table
// functions, settings), and the generation counter moves on so that holders
// of per-instance state (views) rebuild it. Statements already running on
// the old instance fail cleanly; connections keep their instance alive
// until they close. Hangar keeps no data in DuckDB, so nothing is lost.
class Database {
 public:
  // An in-memory database: Hangar keeps its own state and gives DuckDB
  // files to read and write, never a DuckDB database file.
  static Result<std::shared_ptr<Database>> Open(const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `init` on a connection of the current instance now, and of every
  // instance opened after a reset, before any other connection sees it.
  // `init` must not take locks that a failing statement's caller may hold.
  Status AddInitializer(std::function<Status(Connection&)> init);

  // Counts instances: moves on with every reset.
  uint64_t generation() const;
  // Resets so far, and whether one is under way (the engine not serving).
  int64_t resets() const;
  bool resetting() const;
  // Called with false when a reset starts and true when it is done.
  void SetStateListener(std::function<void(bool serving)> listener);

  // Replaces the instance of `generation` by a new one (nothing if that
  // instance was already replaced). Connection::Failure calls it; tests too.
  Status Reset(uint64_t generation);

  struct Instance;

 private:
  friend class Connection;
  Database() = default;
  Result<std::shared_ptr<Instance>> OpenInstance();
  // The current instance and its generation.
  std::pair<std::shared_ptr<Instance>, uint64_t> Current() const;

  DatabaseOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<Instance> instance_;                     // guarded by mu_
  uint64_t generation_ = 0;                                // guarded by mu_
  int64_t resets_ = 0;                                     // guarded by mu_
  std::vector<std::function<Status(Connection&)>> inits_;  // guarded by mu_
  std::function<void(bool)> listener_;                     // guarded by mu_
  std::mutex reset_mu_;                                    // one reset at a time
  std::atomic<bool> resetting_{false};
};

// For tests of the path above: makes DuckDB fail internally on the instance
// of `connection`, as a real failure would (it reads, through an Arrow view,
// a dictionary of structs, which DuckDB 1.4 cannot). Returns the failure.
Status InjectEngineFailure(Connection& connection);

// True for DuckDB error texts after which its database is unusable (an
// internal or fatal error, or "the database has been invalidated").
bool IsEngineFailure(std::string_view duckdb_message);

class ArrowStreamView;

class Connection {
 public:
  // A connection to the database's current instance.
  static Result<std::unique_ptr<Connection>> Open(std::shared_ptr<Database> database);
  // Another connection to the same instance as this one (which may since
  // have been replaced). It does not keep the Database alive, and its
  // failures reset nothing: it is for objects that DuckDB itself owns
  // (table functions), which must not own their owner.
  Result<std::unique_ptr<Connection>> OpenSibling() const;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement whose result is not needed.
  Status Execute(const std::string& sql);

  // Exposes `source` to SQL on this connection as the view `name`, until the
  // returned object goes away. DuckDB pulls batches from the source as a
  // query reads the view; only `SELECT *` over it is correct (DuckDB 1.4
  // assumes a C stream applies the projections and filters it pushes down,
  // which a plain stream cannot).
  Result<std::unique_ptr<ArrowStreamView>> RegisterView(std::string name,
                                                        std::unique_ptr<arrow::RecordBatchSource> source);

  // Asks the running statement to stop (from any thread).
  void Interrupt() { duckdb_interrupt(conn_); }

  // The Status for DuckDB's error text `message` about this connection's
  // statement, prefixed by `what` if not empty: Internal (the full text kept
  // for the log) for an engine failure, after which the instance is reset;
  // otherwise InvalidArgument without DuckDB's stack trace.
  Status Failure(const char* message, std::string_view what = {});

  // Runs `fn` when the instance this connection belongs to is replaced
  // (used to break reference cycles through DuckDB-owned objects).
  void OnRetire(std::function<void()> fn);

  duckdb_connection handle() const { return conn_; }
  const std::shared_ptr<Database>& database() const { return database_; }
  uint64_t generation() const { return generation_; }

 private:
  friend class Database;
  Connection(std::shared_ptr<Database> database, std::shared_ptr<Database::Instance> instance, uint64_t generation)
      : database_(std::move(database)), instance_(std::move(instance)), generation_(generation) {}
  static Result<std::unique_ptr<Connection>> Connect(std::shared_ptr<Database> database,
                                                     std::shared_ptr<Database::Instance> instance, uint64_t generation);
  std::shared_ptr<Database> database_;
  std::shared_ptr<Database::Instance> instance_;  // outlives the connection
  uint64_t generation_;
  duckdb_connection conn_ = nullptr;
};

// A RecordBatchSource seen by DuckDB as a view (Connection::RegisterView).
// Dropping it drops the view; the connection must outlive it.
class ArrowStreamView {
 public:
  ~ArrowStreamView();
  ArrowStreamView(const ArrowStreamView&) = delete;
  ArrowStreamView& operator=(const ArrowStreamView&) = delete;

  // What the source returned if it failed while DuckDB read it: a statement
  // that fails because of that reports DuckDB's wording, this is the cause.
  Status source_status() const;
  int64_t rows_read() const;

  struct State;

 private:
  friend class Connection;
  ArrowStreamView(Connection* connection, std::string name, std::unique_ptr<State> state);
  Connection* connection_;
  std::string name_;
  std::unique_ptr<State> state_;
};

// Options of a streaming query result.
struct QueryOptions {
  // DuckDB produces vectors of 2048 rows; Arrow batches that small cost more
  // per row downstream (Flight messages, client bookkeeping), so chunks are
  // gathered into batches of about this many bytes or rows, whichever first.
  int64_t batch_bytes = 4 << 20;
  int64_t batch_rows = 1 << 20;
};

// The result and parameter schemas of a statement, without running it.
struct StatementSchemas {
  arrow::SchemaPtr result;
  arrow::SchemaPtr parameters;  // one field per parameter ($1, ?), types as DuckDB infers them
  duckdb_statement_type type = DUCKDB_STATEMENT_TYPE_INVALID;
};
Result<StatementSchemas> DescribeStatement(Connection& connection, const std::string& sql);

// A streaming query result: record batches chunk by chunk as DuckDB computes
// them, so a large result is never whole in memory.
class QueryResult : public arrow::RecordBatchSource {
 public:
  // schema(): before Execute, the columns as planned (a parameter of
  // unknown type makes a null-typed column; null if DuckDB cannot say
  // before running); after, the result's.
  // Runs the query up to its first results (an aggregation: to its end).
  // Call once, before schema() and Next().
  virtual Status Execute() = 0;
  // Asks the query to stop (from any thread); Execute or Next then fail.
  virtual void Interrupt() = 0;
};

// Prepares `sql` on `connection` and binds `parameters` (may be null); the
// result runs when executed. Preparing binds the statement to the catalog
// as it is now. The result owns the connection.
Result<std::unique_ptr<QueryResult>> StartQuery(std::unique_ptr<Connection> connection, const std::string& sql,
                                                const Parameters* parameters = nullptr,
                                                const QueryOptions& options = {});

// Runs `sql` on a connection of its own and streams the result.
Result<std::unique_ptr<arrow::RecordBatchSource>> StreamQuery(std::shared_ptr<Database> database,
                                                              const std::string& sql, const QueryOptions& options = {});

// The Status for DuckDB's error text `message`, prefixed by `what` if not
// empty: Internal (the full text kept for the log) for an engine failure,
// otherwise InvalidArgument without a stack trace. Connection::Failure
// also resets the instance after an engine failure.
Status ErrorFrom(const char* message, std::string_view what = {});

// The error `error` holds, as ErrorFrom words it (OK if none); frees it
// either way.
Status TakeError(duckdb_error_data error, std::string_view what);

// SQL text helpers: a string literal ('it''s') and a quoted identifier ("a""b").
std::string QuoteLiteral(std::string_view text);
std::string QuoteIdentifier(std::string_view text);

}  // namespace hangar::duckdb
