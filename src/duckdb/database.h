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

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arrow/record_batch_source.h"
#include "base/status.h"
#include "duckdb/parameters.h"

namespace hangar::duckdb {

struct DatabaseOptions {
  int threads = 0;                  // 0: DuckDB's default (one per core)
  std::string memory_limit;         // e.g. "4GB"; empty: DuckDB's default (80% of RAM)
  std::string temp_directory;       // where DuckDB spills; empty: none
  // Non-empty: DuckDB may read and write files only under these folders
  // (enable_external_access off). A server gives its data directory, so
  // that SQL can reach nothing else on the machine.
  std::vector<std::string> allowed_directories;
};

class Database {
 public:
  // An in-memory database: Hangar keeps its own state and gives DuckDB
  // files to read and write, never a DuckDB database file.
  static Result<std::shared_ptr<Database>> Open(const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  duckdb_database handle() const { return db_; }

 private:
  Database() = default;
  duckdb_database db_ = nullptr;
};

class ArrowStreamView;

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(std::shared_ptr<Database> database);
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

  duckdb_connection handle() const { return conn_; }
  const std::shared_ptr<Database>& database() const { return database_; }

 private:
  Connection(std::shared_ptr<Database> database) : database_(std::move(database)) {}
  std::shared_ptr<Database> database_;  // outlives the connection
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
                                                              const std::string& sql,
                                                              const QueryOptions& options = {});

// The error `error` holds, as INVALID_ARGUMENT prefixed with `what` (OK if
// none); frees it either way.
Status TakeError(duckdb_error_data error, std::string_view what);

// SQL text helpers: a string literal ('it''s') and a quoted identifier ("a""b").
std::string QuoteLiteral(std::string_view text);
std::string QuoteIdentifier(std::string_view text);

}  // namespace hangar::duckdb
