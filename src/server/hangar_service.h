// The Hangar Flight service: routes descriptors, tickets and actions to the
// subsystems that serve them: tables (here), topics and Flight SQL.
//
// Descriptors name tables by path ([name] or [namespace, name]); a DoPut
// may instead use a command descriptor, JSON {"table": "ns.name", "mode":
// "append" | "create" | "overwrite"}. Tickets that GetFlightInfo hands out
// are JSON {"table": "ns.name", "files": [...]}: the files of one endpoint
// (a group of the table's Parquet files). A bare table name is accepted as a
// ticket too (the Arrow cookbook's clients send one) and reads everything.
//
// Topics are the namespace "kafka": path ["kafka", topic] or a command
// descriptor {"topic": ...}; their tickets are described in topic_ticket.h
// and served by TopicFlights. A server without Kafka answers them
// FAILED_PRECONDITION.
//
// DoExchange on a table is streaming ingest with per-batch acknowledgements
// (ingest_stream.h).
//
// Flight SQL messages (a google.protobuf.Any of arrow.flight.protocol.sql in
// a descriptor command, a ticket or an action body) and Flight SQL's actions
// go to the FlightSqlService — except bulk ingest (CommandStatementIngest),
// which the service names and this class writes as a table put.
// PollFlightInfo answers what GetFlightInfo does, complete at once; an action
// that is neither the tables' nor Flight SQL's answers UNIMPLEMENTED to any
// user.
#pragma once

#include <memory>
#include <optional>

#include "flight/server.h"
#include "server/cluster_placement.h"
#include "server/folder_ownership.h"
#include "server/table_forwarding.h"
#include "server/topic_flights.h"
#include "sql/flight_sql.h"
#include "store/ingest.h"
#include "store/names.h"
#include "store/table_store.h"

namespace hangar::server {

using store::CheckName;
using store::kDefaultNamespace;
using store::kKafkaNamespace;
using store::NameFromPath;
using store::ParseQualifiedName;
using store::QualifiedName;

// What a ticket asks for.
struct TableTicket {
  QualifiedName name;
  std::optional<std::vector<std::string>> files;  // none: the whole table as it is now
  std::vector<std::string> partitions;            // of a partitioned table: only these
};

// What a descriptor names, with the put mode a command descriptor may ask
// for, or the partitions it reads.
struct TableTarget {
  QualifiedName name;
  store::PutMode mode = store::PutMode::kAppend;
  std::vector<std::string> partitions;  // none: all
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

  Result<flight::AccessRequest> AccessFor(const flight::ServerCallContext& context,
                                          const flight::CallRequest& request) override;
  // SQL calls are "sql" (what a statement reads is known only once it is
  // parsed, which AccessFor does when permissions need it).
  std::string ResourceOf(const flight::ServerCallContext& context, const flight::CallRequest& request) override;
  Result<std::vector<flight::FlightInfo>> ListFlights(const flight::ServerCallContext& context,
                                                      const flight::Criteria& criteria) override;
  Result<flight::FlightInfo> GetFlightInfo(const flight::ServerCallContext& context,
                                           const flight::FlightDescriptor& descriptor) override;
  // Every FlightInfo is complete when asked for: the first poll answers it.
  Result<flight::PollInfo> PollFlightInfo(const flight::ServerCallContext& context,
                                          const flight::FlightDescriptor& descriptor) override;
  Result<arrow::SchemaPtr> GetSchema(const flight::ServerCallContext& context,
                                     const flight::FlightDescriptor& descriptor) override;
  Status DoGet(const flight::ServerCallContext& context, const flight::Ticket& ticket,
               flight::FlightStreamWriter* out) override;
  Status DoPut(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
               flight::FlightStreamReader* in, flight::PutResultWriter* out) override;
  // Streaming ingest into a table (server/ingest_stream.h).
  Status DoExchange(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                    flight::FlightStreamReader* in, flight::FlightStreamWriter* out) override;
  Result<std::vector<flight::ActionResult>> DoAction(const flight::ServerCallContext& context,
                                                     const flight::Action& action) override;
  Result<std::vector<flight::ActionType>> ListActions(const flight::ServerCallContext& context) override;

  static std::string TicketFor(const QualifiedName& name, const std::vector<std::string>& files,
                               const std::vector<std::string>& partitions = {});
  Result<TableTicket> ParseTicket(std::string_view ticket) const;
  // A table named in text ("users", "sales.orders", "uploaded.parquet").
  Result<QualifiedName> ResolveName(std::string_view text) const;
  // ResolveName, then PERMISSION_DENIED unless the caller may `access` the
  // table it resolved to: what a handler acts on is what was checked.
  Result<QualifiedName> ResolveFor(const flight::ServerCallContext& context, std::string_view text,
                                   flight::auth::Access access) const;
  static Result<TableTarget> TargetOf(const flight::FlightDescriptor& descriptor);
  // The topic a descriptor names, if it names one.
  static Result<std::optional<TopicRequest>> TopicOf(const flight::FlightDescriptor& descriptor);

 private:
  using ActionResults = Result<std::vector<flight::ActionResult>>;
  // What an action acts on, which decides whose permission it needs.
  enum class ActionTarget {
    kServer,    // the server as a whole: `access` on "*"
    kNewTable,  // a table to create, body {"name": "ns.name", ...}: `access` on it
    kTable,     // an existing table, body {"name": "users"}: `access` on it, resolved before the handler
    kBareName,  // an existing table, the body its bare name (the Arrow cookbook's drop_dataset)
    kAnyone,    // every user may ask (it touches only what the caller holds)
  };
  // One action of tables and the server: AccessFor, DoAction and
  // ListActions all read this table (Flight SQL's actions are its service's).
  struct ActionSpec {
    std::string_view name;
    ActionTarget target;
    flight::auth::Access access;
    // `name` is the table acted on (kTable and kBareName), else empty.
    ActionResults (HangarService::*handler)(const flight::ServerCallContext& context, const flight::Action& action,
                                            const QualifiedName& name);
    std::string_view description;  // empty: left out of ListActions (test hooks)
  };
  static const std::vector<ActionSpec>& Actions();
  static const ActionSpec* FindAction(std::string_view name);
  Result<flight::AccessRequest> ActionAccess(const ActionSpec& spec, const flight::Action& action) const;

  ActionResults ListTablesAction(const flight::ServerCallContext&, const flight::Action&, const QualifiedName&);
  ActionResults DescribeTableAction(const flight::ServerCallContext&, const flight::Action&, const QualifiedName& name);
  ActionResults CreateTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                  const QualifiedName&);
  ActionResults DropTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                const QualifiedName& name);
  ActionResults CompactTableAction(const flight::ServerCallContext& context, const flight::Action& action,
                                   const QualifiedName& name);
  // RetryFlush and QuarantineMemtable.
  ActionResults MemtableAction(const flight::ServerCallContext& context, const flight::Action& action,
                               const QualifiedName& name);
  ActionResults ClusterStatusAction(const flight::ServerCallContext&, const flight::Action&, const QualifiedName&);
  ActionResults ServerStatusAction(const flight::ServerCallContext&, const flight::Action&, const QualifiedName&);
  ActionResults RenewEndpointAction(const flight::ServerCallContext&, const flight::Action& action,
                                    const QualifiedName&);
  ActionResults InjectEngineFailureAction(const flight::ServerCallContext& context, const flight::Action& action,
                                          const QualifiedName&);

  Result<flight::FlightInfo> InfoFor(const store::SnapshotPtr& snapshot,
                                     const std::vector<std::string>& partitions = {}) const;
  Result<std::string> Describe(const QualifiedName& name) const;
  Result<TopicFlights*> Topics() const;
  // The SQL service if `bytes` is a Flight SQL message, else null.
  sql::FlightSqlService* SqlFor(std::string_view bytes) const;
  // Whether a call is Flight SQL's (its command, ticket or action).
  bool IsSql(const flight::CallRequest& request) const;
  // Writes a put's rows into table `name` (in a cluster, on the node that
  // writes it: the call goes on there as it came); `answer` words the
  // PutResult. The table must exist when `must_exist`.
  Status PutTable(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                  const QualifiedName& name, store::PutMode mode, bool must_exist, flight::FlightStreamReader* in,
                  flight::PutResultWriter* out, const std::function<std::string(const store::PutResult&)>& answer);
  // Where a write to `name` goes: nullopt here, else the writer's location.
  Result<std::optional<std::string>> WriterOf(const flight::ServerCallContext& context,
                                              const QualifiedName& name) const;

  std::shared_ptr<store::TableStore> tables_;
  std::shared_ptr<ClusterPlacement> cluster_;  // null: a single node
  std::shared_ptr<TopicFlights> topics_;
  std::shared_ptr<sql::FlightSqlService> sql_;
  std::function<Status()> engine_fault_;  // tests only
  std::shared_ptr<store::Ingest> ingest_;
  std::shared_ptr<FolderOwnership> folders_;  // null: tables are this node's own
  TableForwarding forwarding_;
};

}  // namespace hangar::server
