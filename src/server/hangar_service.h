// The Hangar Flight service: the router in front of three peer services —
// tables (table_flights.h), topics (topic_flights.h) and Flight SQL
// (sql/flight_sql.h) — and the server's actions.
//
// Each call's request is decoded once, by Resolve, into a typed route
// (route.h) that carries the access it needs; the Flight server checks that
// access and runs the route's handler, which hands the decoded request to
// the service that serves it.
//
// Topics are the namespace "kafka": a server without Kafka answers them
// FAILED_PRECONDITION. Flight SQL messages and Flight SQL's actions go to
// the FlightSqlService — except bulk ingest (CommandStatementIngest), which
// that service names and the tables write as a put. PollFlightInfo answers
// what GetFlightInfo does, complete at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "flight/server.h"
#include "server/cluster_placement.h"
#include "server/folder_ownership.h"
#include "server/route.h"
#include "server/table_flights.h"
#include "server/table_forwarding.h"
#include "server/topic_flights.h"
#include "sql/flight_sql.h"
#include "store/ingest.h"
#include "store/names.h"
#include "store/table_store.h"

namespace hangar::server {

class HangarService;

// What an action acts on, which decides whose permission it needs.
enum class ActionTarget {
  kServer,    // the server as a whole: `access` on "*"
  kNewTable,  // a table to create, body {"name": "ns.name", ...}: `access` on it
  kTable,     // an existing table, body {"name": "users"}: `access` on it, resolved once
  kBareName,  // an existing table, the body its bare name (the Arrow cookbook's drop_dataset)
  kAnyone,    // every user may ask (it touches only what the caller holds)
};

// One action of tables and the server: Resolve, DoAction and ListActions
// all read HangarService::Actions() (Flight SQL's actions are its service's).
struct ActionSpec {
  using Handler = Result<std::vector<flight::ActionResult>> (HangarService::*)(const flight::ServerCallContext& context,
                                                                               const flight::Action& action,
                                                                               const ActionRoute& route);
  std::string_view name;
  ActionTarget target;
  flight::auth::Access access;
  // Runs the action on what its route resolved.
  Handler handler;
  std::string_view description;  // empty: left out of ListActions (test hooks)
};

class HangarService : public flight::FlightService {
 public:
  // `topics` may be null: a server without Kafka; `sql` null: without SQL;
  // `ingest` null: without streaming ingest (DoExchange).
  HangarService(std::shared_ptr<store::TableStore> tables, std::shared_ptr<TopicFlights> topics = nullptr,
                std::shared_ptr<sql::FlightSqlService> sql = nullptr, std::shared_ptr<store::Ingest> ingest = nullptr);

  // Joins a cluster: topic endpoints get locations (owner first) and the
  // ClusterStatus action answers. Call before serving.
  void SetCluster(std::shared_ptr<ClusterPlacement> placement);
  // Shares tables with the other nodes (folder_ownership.h): a write to a
  // table another node writes goes on to it. Call before serving.
  void SetTableOwners(std::shared_ptr<FolderOwnership> folders, TableForwarding forwarding);
  // Tests of the SQL engine's reset only: the action InjectEngineFailure
  // (unlisted) runs `hook`, which makes the engine fail internally.
  void SetEngineFaultHook(std::function<Status()> hook) { engine_fault_ = std::move(hook); }

  // The route of a call, decoded once, with the access it needs; the
  // errors of a malformed request.
  Result<ResolvedRoute> ResolveRoute(const flight::ServerCallContext& context, const flight::CallRequest& request);
  // ResolveRoute, as the Call the server authorizes and runs (its handlers
  // are below, in hangar_service.cc).
  Result<std::unique_ptr<flight::Call>> Resolve(const flight::ServerCallContext& context,
                                                const flight::CallRequest& request) override;
  Result<std::vector<flight::FlightInfo>> ListFlights(const flight::ServerCallContext& context,
                                                      const flight::Criteria& criteria) override;
  Result<std::vector<flight::ActionType>> ListActions(const flight::ServerCallContext& context) override;

  static const std::vector<ActionSpec>& Actions();

 private:
  class RouteCall;
  using ActionResults = Result<std::vector<flight::ActionResult>>;
  static const ActionSpec* FindAction(std::string_view name);
  Result<ResolvedRoute> ResolveAction(const flight::Action& action) const;
  // The topic a descriptor names, if it names one.
  static Result<std::optional<TopicRequest>> TopicOf(const flight::FlightDescriptor& descriptor);
  Result<TopicFlights*> Topics() const;

  // Each route's handler, per method.
  Result<flight::FlightInfo> Info(const flight::ServerCallContext& context, const Route& route,
                                  const flight::FlightDescriptor& descriptor);
  Result<arrow::SchemaPtr> Schema(const flight::ServerCallContext& context, const Route& route,
                                  const flight::FlightDescriptor& descriptor);
  Status Get(const flight::ServerCallContext& context, const Route& route, const flight::Ticket& ticket,
             flight::FlightStreamWriter* out);
  Status Put(const flight::ServerCallContext& context, const Route& route, const flight::FlightDescriptor& descriptor,
             flight::FlightStreamReader* in, flight::PutResultWriter* out);
  Status Exchange(const flight::ServerCallContext& context, const Route& route,
                  const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                  flight::FlightStreamWriter* out);
  ActionResults Act(const flight::ServerCallContext& context, const Route& route, const flight::Action& action);

  ActionResults ListTablesAction(const flight::ServerCallContext&, const flight::Action&, const ActionRoute&);
  ActionResults DescribeTableAction(const flight::ServerCallContext&, const flight::Action&, const ActionRoute& route);
  ActionResults CreateTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                  const ActionRoute& route);
  // DropTable and drop_dataset.
  ActionResults DropTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                const ActionRoute& route);
  ActionResults CompactTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                   const ActionRoute& route);
  // RetryFlush and QuarantineMemtable.
  ActionResults MemtableAction(const flight::ServerCallContext& context, const flight::Action& action,
                               const ActionRoute& route);
  ActionResults ClusterStatusAction(const flight::ServerCallContext&, const flight::Action&, const ActionRoute&);
  ActionResults ServerStatusAction(const flight::ServerCallContext&, const flight::Action&, const ActionRoute&);
  ActionResults RenewEndpointAction(const flight::ServerCallContext&, const flight::Action& action, const ActionRoute&);
  ActionResults InjectEngineFailureAction(const flight::ServerCallContext& context, const flight::Action& action,
                                          const ActionRoute&);

  TableFlights tables_;
  std::shared_ptr<ClusterPlacement> cluster_;  // null: a single node
  std::shared_ptr<TopicFlights> topics_;
  std::shared_ptr<sql::FlightSqlService> sql_;
  std::function<Status()> engine_fault_;  // tests only
};

}  // namespace hangar::server
