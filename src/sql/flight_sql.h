// Flight SQL on the SqlEngine: the commands of FlightSql.proto, arriving as
// google.protobuf.Any in descriptors, tickets and action bodies.
//
//   GetFlightInfo / GetSchema  CommandStatementQuery, CommandPreparedStatementQuery,
//                              and the metadata commands (CommandGetSqlInfo,
//                              GetCatalogs, GetDbSchemas, GetTables, GetTableTypes,
//                              GetPrimaryKeys, GetExportedKeys, GetImportedKeys,
//                              GetCrossReference, GetXdbcTypeInfo)
//   DoGet                      TicketStatementQuery (a query's ticket) or a
//                              metadata command (its own ticket)
//   DoPut                      CommandPreparedStatementQuery: parameter rows to bind;
//                              CommandStatementUpdate, CommandPreparedStatementUpdate;
//                              CommandStatementIngest (bulk ingest: IngestOf
//                              says where, the caller writes the table)
//   DoAction                   CreatePreparedStatement, ClosePreparedStatement,
//                              CancelFlightInfo (and the older CancelQuery),
//                              SetSessionOptions, GetSessionOptions, CloseSession
//
// A statement ticket carries an opaque handle (JSON inside: the query text
// or the prepared statement, the session's schema, and the run id that
// CancelFlightInfo uses). A query runs when the ticket is redeemed, not at
// GetFlightInfo, which only prepares it (to validate it and to report its
// schema). An update (INSERT) sent as a query — drivers do, through every
// statement path — runs at GetFlightInfo, once; its ticket then yields one
// row, the count of rows written.
//
// Result schemas carry Flight SQL's column metadata (column_metadata.h).
// A client's session (sessions.h) holds its current schema: the namespace
// its statements' bare names resolve in.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "flight/server.h"
#include "sql/engine.h"
#include "sql/sessions.h"
#include "store/table_store.h"

namespace hangar::sql {

// A prepared statement not used for this long is closed by the server
// (FLIGHT_SQL_SERVER_STATEMENT_TIMEOUT in GetSqlInfo).
inline constexpr std::chrono::milliseconds kPreparedTimeout = std::chrono::hours(1);

// What Flight SQL clients may hold on the server; exceeding one is
// RESOURCE_EXHAUSTED naming its flag.
struct FlightSqlLimits {
  // The longest SQL text taken (a query, an update, a prepared statement).
  int64_t max_query_bytes = int64_t{1} << 20;
  // Prepared statements open at once, in all and per user (all clients are
  // one user when authentication is off).
  int64_t max_prepared = 1024;
  int64_t max_prepared_per_user = 64;
  // What every open prepared statement together may hold: its text and the
  // parameter rows bound to it.
  int64_t prepared_memory_bytes = int64_t{256} << 20;
};

// What a set of parameter rows costs once bound, beyond its Arrow form:
// each row becomes a DuckDB value per column.
inline constexpr int64_t kParameterRowOverheadBytes = 256;
inline constexpr int64_t kParameterValueOverheadBytes = 128;

// Where a bulk ingest (CommandStatementIngest) goes, and how.
struct IngestTarget {
  store::QualifiedName name;
  store::PutMode mode = store::PutMode::kAppend;
  bool must_exist = false;  // NOT_FOUND unless the table exists
};

class FlightSqlService {
 public:
  explicit FlightSqlService(std::shared_ptr<SqlEngine> engine, FlightSqlLimits limits = {});

  // In a cluster: where each partition of a topic is served, owner first.
  // A statement query that purely scans one topic (partition_scan.h) is then
  // answered with one endpoint per partition at those locations, each
  // running the query on its partition; every other query runs on the node
  // asked. The FlightInfo's app_metadata says which: {"execution":
  // "partitioned", "topic": ..., "endpoints": N} or {"execution": "single"}.
  using Placement = std::function<std::vector<flight::Location>(const std::string& topic, int32_t partition)>;
  void set_placement(Placement placement) { placement_ = std::move(placement); }

  // A call decoded once (flight_sql.cc): its message unpacked, the access
  // it needs and, for a statement checked for permissions, DuckDB's parse
  // of it, which then plans it: one parse per call.
  struct Call;
  // The call if `request` is Flight SQL's — a descriptor command, ticket or
  // action body that is a google.protobuf.Any of arrow.flight.protocol.sql,
  // or one of Flight SQL's actions (or one Flight SQL clients send, such as
  // the session and transaction actions) — else null; the errors of a
  // malformed one. With request.authorizing, what a statement reads is
  // found (its access: read on every table and topic it reads; metadata
  // commands are open to any authenticated user).
  Result<std::shared_ptr<Call>> Resolve(const flight::ServerCallContext& context, const flight::CallRequest& request);
  static const flight::AccessRequest& AccessOf(const Call& call);
  // The table a CommandStatementIngest writes (nullopt for any other
  // command): Resolve refuses with INVALID_ARGUMENT or UNIMPLEMENTED what
  // Hangar does not do (temporary tables, catalogs, transactions, options).
  static const std::optional<IngestTarget>& IngestOf(const Call& call);
  // The PutResult of an update or an ingest: DoPutUpdateResult.
  static std::string UpdateResult(int64_t rows);

  // `descriptor` is echoed in the answer.
  Result<flight::FlightInfo> GetFlightInfo(const flight::ServerCallContext& context, const Call& call,
                                           const flight::FlightDescriptor& descriptor);
  Result<arrow::SchemaPtr> GetSchema(const flight::ServerCallContext& context, const Call& call);
  Status DoGet(const flight::ServerCallContext& context, const Call& call, flight::FlightStreamWriter* out);
  Status DoPut(const flight::ServerCallContext& context, const Call& call, flight::FlightStreamReader* in,
               flight::PutResultWriter* out);
  Result<std::vector<flight::ActionResult>> DoAction(const flight::ServerCallContext& context, const Call& call,
                                                     const flight::Action& action);
  static std::vector<flight::ActionType> Actions();

  // A prepared statement: its query, schemas and bound parameter rows.
  struct Prepared;

 private:
  Result<std::shared_ptr<Prepared>> FindPrepared(const flight::ServerCallContext& context, const std::string& handle);
  // A statement ticket's handle, decoded.
  struct Handle;
  Result<Handle> ParseHandle(const flight::ServerCallContext& context, const std::string& text);
  // The caller's scope: its session's schema.
  Scope ScopeOf(const flight::ServerCallContext& context);
  // The result schema of a prepared query as its stream will carry it.
  Result<arrow::SchemaPtr> PreparedResultSchema(Prepared& prepared);
  // Runs an update (INSERT) sent as a query and answers its count's FlightInfo.
  Result<flight::FlightInfo> RunUpdateAsQuery(const flight::FlightDescriptor& descriptor, const InsertStatement& insert,
                                              const std::vector<std::shared_ptr<const duckdb::Parameters>>& rows,
                                              const Scope& scope);
  Result<std::vector<flight::ActionResult>> SessionAction(const flight::ServerCallContext& context,
                                                          const flight::Action& action);
  Result<std::vector<flight::ActionResult>> CancelAction(const Call& call, const flight::Action& action);
  // The access a statement needs (Resolve, with authorizing).
  Status CheckAccess(Call& call);
  // The namespace `schema` names (case-insensitively), as Hangar spells it;
  // NOT_FOUND if there is none a session could make current.
  Result<std::string> SchemaNamed(const std::string& schema);

  // In a cluster, a statement query's FlightInfo split by partition, when
  // it purely scans a topic (nullopt otherwise).
  Result<std::optional<flight::FlightInfo>> PartitionedStatementInfo(const flight::FlightDescriptor& descriptor,
                                                                     const std::string& query, const Scope& scope);

  // RESOURCE_EXHAUSTED if `sql` is longer than the limit.
  Status CheckQuery(const std::string& sql) const;
  // OK if `user` may open one more prepared statement (after dropping the
  // expired ones); RESOURCE_EXHAUSTED naming the limit otherwise. Needs mu_.
  Status CheckPreparedRoom(const std::string& user);
  // Takes `bytes` more of the prepared statements' memory (negative: gives
  // them back); RESOURCE_EXHAUSTED if that is more than the limit. Needs mu_.
  Status ChargePrepared(int64_t bytes);

  std::shared_ptr<SqlEngine> engine_;
  const FlightSqlLimits limits_;
  SessionStore sessions_;
  Placement placement_;  // set before serving; empty: a single node
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Prepared>> prepared_;  // by handle; guarded by mu_
  int64_t prepared_bytes_ = 0;                                 // guarded by mu_
};

}  // namespace hangar::sql
