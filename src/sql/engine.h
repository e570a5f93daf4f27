// SQL over Hangar's tables and topics, executed by DuckDB.
//
// Every statement runs on a DuckDB connection of its own (connections are
// cheap; a pool would only save their opening), whose search path is the
// caller's current namespace (Scope: `default` unless a Flight SQL session
// chose another). Before it runs, DuckDB's parse of it says which Hangar
// relations it reads (query_check.h): the caller checks permissions
// on them. Results stream chunk by chunk; the engine tracks running queries
// so that they can be cancelled by id (Flight SQL's CancelFlightInfo) and
// interrupted when they pass their deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "duckdb/database.h"
#include "sql/column_sources.h"
#include "sql/insert_statement.h"
#include "sql/query_check.h"
#include "sql/relations.h"

namespace hangar::sql {

// Where a statement's bare names (`users` rather than `sales.users`)
// resolve: the namespace a Flight SQL session made current, else `default`.
struct Scope {
  std::string schema{store::kDefaultNamespace};
};

struct SqlOptions {
  duckdb::QueryOptions query;
  // A query still running after this long is interrupted (0: no limit).
  std::chrono::milliseconds query_timeout{0};
};

// A query checked before it is planned: DuckDB's parse of its text and the
// Hangar relations it reads. Planned or described with it (the `parsed`
// arguments below), the query is not parsed again.
struct CheckedQuery {
  ParsedQuery parsed;
  std::vector<store::QualifiedName> reads;
};

class SqlEngine {
 public:
  SqlEngine(std::shared_ptr<duckdb::Database> db, std::shared_ptr<Relations> relations, SqlOptions options = {});
  ~SqlEngine();
  SqlEngine(const SqlEngine&) = delete;
  SqlEngine& operator=(const SqlEngine&) = delete;

  // The Hangar relations `sql` reads, after bringing the views up to date.
  // INVALID_ARGUMENT if it is not one query or reads what it may not.
  Result<std::vector<store::QualifiedName>> RelationsRead(const std::string& sql, const Scope& scope = {});
  // RelationsRead, keeping the parse for planning.
  Result<CheckedQuery> Check(const std::string& sql, const Scope& scope = {});

  // Every table and topic, brought up to date.
  Result<std::vector<store::QualifiedName>> ListRelations();

  // Result and parameter schemas, without running; with `sources`, also
  // where each of the result's columns comes from (column_sources.h), of
  // `columns` columns when given (else as many as the result schema has).
  // `parsed`, when given, is Check's parse of `sql`.
  Result<duckdb::StatementSchemas> Describe(const std::string& sql, const Scope& scope = {},
                                            std::vector<ColumnSource>* sources = nullptr, size_t columns = 0,
                                            const ParsedQuery* parsed = nullptr);

  // Plans `sql` to run later as `id` (a statement query's GetFlightInfo)
  // and returns its schema. The Run of that id picks the plan up, unless
  // the views changed meanwhile; a plan nobody runs goes after a minute.
  // Planning a TPC-H query costs milliseconds: this keeps it to once.
  Result<arrow::SchemaPtr> Plan(const std::string& id, const std::string& sql, const Scope& scope = {},
                                std::vector<ColumnSource>* sources = nullptr, const ParsedQuery* parsed = nullptr);

  // Runs `sql` (parameters may be null). `id` names the run for Cancel; it
  // ends when the returned source goes. `cancelled` is polled while the
  // query runs (the client hung up): the query is then interrupted.
  // With `partition`, `sql` must be a pure topic scan (PureTopicScan) and
  // runs over that partition of its topic only.
  Result<std::unique_ptr<arrow::RecordBatchSource>> Run(const std::string& id, const std::string& sql,
                                                        const duckdb::Parameters* parameters,
                                                        std::function<bool()> cancelled = nullptr,
                                                        std::optional<int32_t> partition = std::nullopt,
                                                        const Scope& scope = {}, const ParsedQuery* parsed = nullptr);

  // The topic `sql` purely scans (a projection and filter over one topic:
  // partition_scan.h), if it is one; such a query splits by partition.
  Result<std::optional<store::QualifiedName>> PureTopicScan(const std::string& sql, const Scope& scope = {});
  // The partition ids of a topic.
  Result<std::vector<int32_t>> TopicPartitions(const std::string& topic);

  // The table an INSERT writes (namespace.name, resolved like the bare
  // names of queries) and the relations its query reads.
  Result<store::QualifiedName> InsertTarget(const InsertStatement& insert, const Scope& scope = {});
  Result<std::vector<store::QualifiedName>> InsertReads(const InsertStatement& insert, const Scope& scope = {});
  // The parameter schema of an INSERT's query (its result schema: the
  // query's). A parameter that goes straight into a column (`VALUES (?, ?)`,
  // `SELECT ?, ?`) and that DuckDB cannot type takes the column's type.
  Result<duckdb::StatementSchemas> DescribeInsert(const InsertStatement& insert, const Scope& scope = {});

  // Appends the INSERT's rows to its table through the table write path:
  // one run of its query per parameter row (or one run without), all in
  // one atomic put. Returns the number of rows written.
  Result<int64_t> Insert(const std::string& id, const InsertStatement& insert,
                         const std::vector<std::shared_ptr<const duckdb::Parameters>>& rows, const Scope& scope = {});

  // Interrupts the run named `id`; false if none is running.
  bool Cancel(const std::string& id);

  Relations& relations() { return *relations_; }
  const std::shared_ptr<duckdb::Database>& database() const { return db_; }
  const SqlOptions& options() const { return options_; }

  // Registry entry of a running query (engine.cc).
  struct Running;

 private:
  Result<std::unique_ptr<arrow::RecordBatchSource>> RunQuery(const std::string& id, const std::string& sql,
                                                             const duckdb::Parameters* parameters,
                                                             std::function<bool()> cancelled,
                                                             std::optional<int32_t> partition, const Scope& scope,
                                                             const ParsedQuery* parsed);
  // What a statement reads, checked, with its views synced and the
  // connection's catalog pinned to them (a transaction): see Bind.
  struct Bound {
    Pins pins;
    uint64_t generation = 0;
    ParsedQuery parsed;
  };
  // `parsed`: the parse of `text` if there is one already.
  Result<Bound> Bind(duckdb::Connection& connection, const std::string& text, const Scope& scope,
                     const ParsedQuery* parsed);
  RelationResolver Resolver();
  std::vector<ColumnSource> SourcesOf(const ParsedQuery& parsed, const Scope& scope, size_t columns);
  // A statement prepared and bound to the views, not yet executed.
  struct Planned {
    std::unique_ptr<duckdb::QueryResult> result;
    ParsedQuery parsed;
    Pins pins;                // the snapshots its views read
    uint64_t generation = 0;  // of the views it was bound to
  };
  struct Stashed {
    std::string sql;
    std::string schema;
    Planned planned;
    std::chrono::steady_clock::time_point at;
  };

  Result<std::unique_ptr<duckdb::Connection>> OpenConnection(const Scope& scope);
  Result<Planned> PlanQuery(const std::string& sql, const duckdb::Parameters* parameters,
                            std::optional<int32_t> partition, const Scope& scope, const ParsedQuery* parsed);
  // The plan stashed for `id` if it is for `sql` and still valid.
  std::optional<Planned> TakePlan(const std::string& id, const std::string& sql, const Scope& scope);
  // The rows of a planned whole-table scan (`SELECT * FROM t`) read by the
  // table store instead of DuckDB (its read copies: store/read_copy.h), or
  // null when the plan is anything else.
  Result<std::unique_ptr<arrow::RecordBatchSource>> WholeTableRead(const Planned& planned);
  void Watch();  // the watchdog thread: deadlines and hung-up clients

  std::shared_ptr<duckdb::Database> db_;
  std::shared_ptr<Relations> relations_;
  SqlOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                                       // guarded by mu_
  std::multimap<std::string, std::weak_ptr<Running>> running_;  // guarded by mu_
  std::map<std::string, Stashed> plans_;                        // by run id; guarded by mu_
  std::thread watchdog_;
};

}  // namespace hangar::sql
