#include "server/hangar_service.h"

#include <nlohmann/json.hpp>

#include "base/client_json.h"
#include "base/json_text.h"
#include "flight/proto/Flight.pb.h"
#include "server/server_status.h"

namespace hangar::server {

using flight::auth::Access;
using store::kKafkaNamespace;

// The Call the Flight server authorizes and runs: a route and the request
// it was decoded from (which outlives the call: forwarding sends it on).
class HangarService::RouteCall : public flight::Call {
 public:
  RouteCall(HangarService* service, ResolvedRoute resolved, const flight::CallRequest& request, std::string resource)
      : flight::Call(std::move(resolved.access)),
        service_(service),
        route_(std::move(resolved.route)),
        request_(request),
        resource_(std::move(resource)) {}

  std::string resource() const override { return resource_; }
  Result<flight::FlightInfo> GetFlightInfo(const flight::ServerCallContext& context) override {
    return service_->Info(context, route_, *request_.descriptor);
  }
  // Every FlightInfo is complete when asked for: the first poll answers it.
  Result<flight::PollInfo> PollFlightInfo(const flight::ServerCallContext& context) override {
    HANGAR_ASSIGN_OR_RETURN(auto info, service_->Info(context, route_, *request_.descriptor));
    flight::PollInfo poll;
    poll.info = std::move(info);
    poll.progress = 1.0;
    return poll;  // no descriptor: nothing to poll again
  }
  Result<arrow::SchemaPtr> GetSchema(const flight::ServerCallContext& context) override {
    return service_->Schema(context, route_, *request_.descriptor);
  }
  Status DoGet(const flight::ServerCallContext& context, flight::FlightStreamWriter* out) override {
    return service_->Get(context, route_, *request_.ticket, out);
  }
  Status DoPut(const flight::ServerCallContext& context, flight::FlightStreamReader* in,
               flight::PutResultWriter* out) override {
    return service_->Put(context, route_, *request_.descriptor, in, out);
  }
  Status DoExchange(const flight::ServerCallContext& context, flight::FlightStreamReader* in,
                    flight::FlightStreamWriter* out) override {
    return service_->Exchange(context, route_, *request_.descriptor, in, out);
  }
  Result<std::vector<flight::ActionResult>> DoAction(const flight::ServerCallContext& context) override {
    return service_->Act(context, route_, *request_.action);
  }

 private:
  HangarService* service_;
  const Route route_;
  const flight::CallRequest request_;
  const std::string resource_;
};

HangarService::HangarService(std::shared_ptr<store::TableStore> tables, std::shared_ptr<TopicFlights> topics,
                             std::shared_ptr<sql::FlightSqlService> sql, std::shared_ptr<store::Ingest> ingest)
    : tables_(std::move(tables), std::move(ingest)), topics_(std::move(topics)), sql_(std::move(sql)) {}

void HangarService::SetCluster(std::shared_ptr<ClusterPlacement> placement) {
  cluster_ = std::move(placement);
  auto locations = [cluster = cluster_](const std::string& topic, int32_t partition) {
    return cluster->LocationsFor(ClusterPlacement::PartitionKey(topic, partition));
  };
  if (topics_) topics_->set_placement(locations);
  if (sql_) sql_->set_placement(locations);
}

void HangarService::SetTableOwners(std::shared_ptr<FolderOwnership> folders, TableForwarding forwarding) {
  tables_.SetTableOwners(std::move(folders), std::move(forwarding));
}

Result<TopicFlights*> HangarService::Topics() const {
  if (!topics_)
    return Status::FailedPrecondition(
        "this server is not connected to Kafka (start it with --kafka-brokers or --dev-kafka)");
  return topics_.get();
}

Result<std::optional<TopicRequest>> HangarService::TopicOf(const flight::FlightDescriptor& descriptor) {
  if (descriptor.type == flight::FlightDescriptor::Type::kPath) {
    if (descriptor.path.size() != 2 || descriptor.path[0] != kKafkaNamespace) return std::optional<TopicRequest>();
    HANGAR_RETURN_NOT_OK(store::CheckName(descriptor.path[1], "topic name"));
    TopicRequest request;
    request.topic = descriptor.path[1];
    return std::optional<TopicRequest>(std::move(request));
  }
  auto json = ParseClientJson(descriptor.cmd);
  if (!json.is_object() || !json.contains("topic")) return std::optional<TopicRequest>();
  HANGAR_ASSIGN_OR_RETURN(auto request, ParseTopicCommand(json));
  return std::optional<TopicRequest>(std::move(request));
}

// --- resolving a call -------------------------------------------------------

namespace {

// Permissions name topics as the tables of namespace "kafka".
flight::AccessRequest OnTopic(Access access, const std::string& topic) {
  return flight::AccessRequest{access, QualifiedName{std::string(kKafkaNamespace), topic}.ToString()};
}

flight::AccessRequest AnyUser() { return flight::AccessRequest{Access::kRead, "", {}, true}; }

}  // namespace

Result<ResolvedRoute> HangarService::ResolveRoute(const flight::ServerCallContext& context,
                                                  const flight::CallRequest& request) {
  using flight::FlightMethod;
  // Flight SQL has no DoExchange: a command there is read as a table's.
  if (sql_ && request.method != FlightMethod::kDoExchange) {
    HANGAR_ASSIGN_OR_RETURN(auto call, sql_->Resolve(context, request));
    if (call) {
      flight::AccessRequest access = sql::FlightSqlService::AccessOf(*call);
      if (request.method == FlightMethod::kDoPut) {
        if (const auto& ingest = sql::FlightSqlService::IngestOf(*call))
          return ResolvedRoute{BulkIngest{*ingest}, access};
      }
      return ResolvedRoute{SqlRoute{std::move(call)}, std::move(access)};
    }
  }
  switch (request.method) {
    case FlightMethod::kDoGet: {
      const std::string& ticket = request.ticket->ticket;
      if (IsTopicTicket(ticket)) {
        HANGAR_ASSIGN_OR_RETURN(auto topic, ParseTopicTicket(ticket));
        auto access = OnTopic(Access::kRead, topic.topic);
        return ResolvedRoute{TopicRead{std::move(topic)}, std::move(access)};
      }
      HANGAR_ASSIGN_OR_RETURN(auto parsed, tables_.ParseTicket(ticket));
      flight::AccessRequest access{Access::kRead, parsed.name.ToString()};
      return ResolvedRoute{TableGet{std::move(parsed)}, std::move(access)};
    }
    case FlightMethod::kDoAction: return ResolveAction(*request.action);
    case FlightMethod::kListActions:
    case FlightMethod::kHandshake: return ResolvedRoute{UnknownAction{}, flight::AccessRequest{Access::kRead, "*"}};
    default: {
      // A descriptor: GetFlightInfo, PollFlightInfo, GetSchema and each flight
      // ListFlights lists read; DoPut and DoExchange write.
      const bool writes = request.method == FlightMethod::kDoPut || request.method == FlightMethod::kDoExchange;
      const Access access = writes ? Access::kWrite : Access::kRead;
      HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(*request.descriptor));
      if (topic) {
        auto on_topic = OnTopic(access, topic->topic);
        if (writes) return ResolvedRoute{TopicPut{std::move(*topic)}, std::move(on_topic)};
        return ResolvedRoute{TopicRead{std::move(*topic)}, std::move(on_topic)};
      }
      HANGAR_ASSIGN_OR_RETURN(auto target, TableFlights::TargetOf(*request.descriptor));
      flight::AccessRequest on_table{access, target.name.ToString()};
      if (request.method == FlightMethod::kDoPut)
        return ResolvedRoute{TablePut{std::move(target)}, std::move(on_table)};
      if (writes) return ResolvedRoute{TableIngest{std::move(target)}, std::move(on_table)};
      return ResolvedRoute{TableRead{std::move(target)}, std::move(on_table)};
    }
  }
}

Result<ResolvedRoute> HangarService::ResolveAction(const flight::Action& action) const {
  const ActionSpec* spec = FindAction(action.type);
  if (spec == nullptr) return ResolvedRoute{UnknownAction{}, AnyUser()};
  ActionRoute route{spec, {}, std::nullopt, Status::OK()};
  // A body that names no table is the action's to report, to those who
  // may act on the whole server: everyone else hears PERMISSION_DENIED.
  const flight::AccessRequest on_server{Access::kAdmin, "*"};
  switch (spec->target) {
    case ActionTarget::kAnyone: return ResolvedRoute{std::move(route), AnyUser()};
    case ActionTarget::kServer: return ResolvedRoute{std::move(route), flight::AccessRequest{spec->access, "*"}};
    case ActionTarget::kBareName: {
      HANGAR_ASSIGN_OR_RETURN(route.name, tables_.ResolveName(action.body));
      flight::AccessRequest access{spec->access, route.name.ToString()};
      return ResolvedRoute{std::move(route), std::move(access)};
    }
    case ActionTarget::kNewTable: {
      auto create = ParseCreateTable(action.body);
      if (create.ok()) {
        flight::AccessRequest access{spec->access, create->name.ToString()};
        route.create = std::move(*create);
        return ResolvedRoute{std::move(route), std::move(access)};
      }
      route.invalid = create.status();
      // The permission is the named table's even when the rest of the body is wrong.
      auto text = JsonStringMember(ParseClientJson(action.body), "name", action.type);
      auto name = text.ok() ? store::ParseQualifiedName(*text) : Result<QualifiedName>(text.status());
      flight::AccessRequest access = name.ok() ? flight::AccessRequest{spec->access, name->ToString()} : on_server;
      return ResolvedRoute{std::move(route), std::move(access)};
    }
    case ActionTarget::kTable: {
      auto text = JsonStringMember(ParseClientJson(action.body), "name", action.type + " (body {\"name\": \"users\"})");
      auto name = text.ok() ? tables_.ResolveName(*text) : Result<QualifiedName>(text.status());
      if (!name.ok()) {
        route.invalid = name.status();
        return ResolvedRoute{std::move(route), on_server};
      }
      route.name = std::move(*name);
      flight::AccessRequest access{spec->access, route.name.ToString()};
      return ResolvedRoute{std::move(route), std::move(access)};
    }
  }
  return Status::Internal("action " + action.type + ": no target");
}

Result<std::unique_ptr<flight::Call>> HangarService::Resolve(const flight::ServerCallContext& context,
                                                             const flight::CallRequest& request) {
  HANGAR_ASSIGN_OR_RETURN(auto resolved, ResolveRoute(context, request));
  // Metrics and the access log name SQL calls "sql" unless their access
  // names a table: what a statement reads is known only once it is checked.
  std::string resource = resolved.access.any_user ? "" : resolved.access.resource;
  const bool is_sql =
      std::holds_alternative<SqlRoute>(resolved.route) || std::holds_alternative<BulkIngest>(resolved.route);
  if (is_sql && (!request.authorizing || resolved.access.any_user)) resource = "sql";
  return std::unique_ptr<flight::Call>(
      std::make_unique<RouteCall>(this, std::move(resolved), request, std::move(resource)));
}

// --- the handlers -----------------------------------------------------------

namespace {

Status NoHandler(std::string_view method) {
  return Status::Internal(std::string(method) + " has no handler for this request");
}

}  // namespace

Result<flight::FlightInfo> HangarService::Info(const flight::ServerCallContext& context, const Route& route,
                                               const flight::FlightDescriptor& descriptor) {
  if (const auto* sql = std::get_if<SqlRoute>(&route)) return sql_->GetFlightInfo(context, *sql->call, descriptor);
  if (const auto* topic = std::get_if<TopicRead>(&route)) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Info(context, topic->request, descriptor);
  }
  if (const auto* table = std::get_if<TableRead>(&route)) return tables_.Info(table->target, descriptor);
  return NoHandler("GetFlightInfo");
}

Result<arrow::SchemaPtr> HangarService::Schema(const flight::ServerCallContext& context, const Route& route,
                                               const flight::FlightDescriptor&) {
  if (const auto* sql = std::get_if<SqlRoute>(&route)) return sql_->GetSchema(context, *sql->call);
  if (const auto* topic = std::get_if<TopicRead>(&route)) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Schema(context, topic->request);
  }
  if (const auto* table = std::get_if<TableRead>(&route)) return tables_.Schema(table->target);
  return NoHandler("GetSchema");
}

Status HangarService::Get(const flight::ServerCallContext& context, const Route& route, const flight::Ticket&,
                          flight::FlightStreamWriter* out) {
  if (const auto* sql = std::get_if<SqlRoute>(&route)) return sql_->DoGet(context, *sql->call, out);
  if (const auto* topic = std::get_if<TopicRead>(&route)) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Get(context, topic->request, out);
  }
  if (const auto* table = std::get_if<TableGet>(&route)) return tables_.Get(context, table->ticket, out);
  return NoHandler("DoGet");
}

Status HangarService::Put(const flight::ServerCallContext& context, const Route& route,
                          const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                          flight::PutResultWriter* out) {
  if (const auto* sql = std::get_if<SqlRoute>(&route)) return sql_->DoPut(context, *sql->call, in, out);
  if (const auto* ingest = std::get_if<BulkIngest>(&route)) {
    // Flight SQL's bulk ingest is a table put.
    const sql::IngestTarget& target = ingest->target;
    return tables_.Put(context, descriptor, target.name, target.mode, target.must_exist, in, out,
                       [](const store::PutResult& result) { return sql::FlightSqlService::UpdateResult(result.rows); });
  }
  if (const auto* topic = std::get_if<TopicPut>(&route)) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Put(context, topic->request, in, out);
  }
  if (const auto* table = std::get_if<TablePut>(&route)) {
    const TableTarget& target = table->target;
    if (!target.partitions.empty())
      return Status::Invalid("\"partitions\" select what to read; a put's rows go to their own partitions");
    return tables_.Put(context, descriptor, target.name, target.mode, false, in, out,
                       [&](const store::PutResult& result) { return TableFlights::PutAnswer(target.name, result); });
  }
  return NoHandler("DoPut");
}

Status HangarService::Exchange(const flight::ServerCallContext& context, const Route& route,
                               const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                               flight::FlightStreamWriter* out) {
  if (!tables_.ingest()) return Status::Unimplemented("this server does not take streaming ingest");
  if (std::holds_alternative<TopicPut>(route))
    return Status::Unimplemented("DoExchange into a topic is not supported: use DoPut");
  if (const auto* table = std::get_if<TableIngest>(&route))
    return tables_.Exchange(context, descriptor, table->target.name, in, out);
  return NoHandler("DoExchange");
}

Result<std::vector<flight::ActionResult>> HangarService::Act(const flight::ServerCallContext& context,
                                                             const Route& route, const flight::Action& action) {
  if (const auto* sql = std::get_if<SqlRoute>(&route)) return sql_->DoAction(context, *sql->call, action);
  if (const auto* known = std::get_if<ActionRoute>(&route)) {
    if (!known->invalid.ok()) return known->invalid;
    return (this->*known->spec->handler)(context, action, *known);
  }
  return FlightService::DoAction(context, action);  // UNIMPLEMENTED, naming the action
}

Result<std::vector<flight::FlightInfo>> HangarService::ListFlights(const flight::ServerCallContext& context,
                                                                   const flight::Criteria&) {
  HANGAR_ASSIGN_OR_RETURN(auto out, tables_.List());
  if (topics_) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, topics_->List(context));
    for (auto& info : topics) out.push_back(std::move(info));
  }
  return out;
}

// --- the actions ------------------------------------------------------------

const std::vector<ActionSpec>& HangarService::Actions() {
  using T = ActionTarget;
  static const std::vector<ActionSpec> actions{
      {"CreateTable", T::kNewTable, Access::kWrite, &HangarService::CreateTableAction,
       "create an empty table; body {\"name\": \"users\", \"schema_json\": \"{\\\"fields\\\": [{\\\"name\\\": "
       "\\\"id\\\", \\\"type\\\": \\\"int64\\\", \\\"nullable\\\": false}]}\", \"primary_key\": [\"id\"]} "
       "(primary_key optional: with one, writes are upserts and reads see the latest row per key); "
       "answers as DescribeTable"},
      {"ListTables", T::kServer, Access::kRead, &HangarService::ListTablesAction,
       "JSON list of every table, e.g. [\"default.users\"]"},
      {"DescribeTable", T::kTable, Access::kRead, &HangarService::DescribeTableAction,
       "a table's schema, row count, size and files; body {\"name\": \"users\"}"},
      {"DropTable", T::kTable, Access::kAdmin, &HangarService::DropTableAction,
       "drop a table; body {\"name\": \"users\"}"},
      {"CompactTable", T::kTable, Access::kAdmin, &HangarService::CompactTableAction,
       "rewrite a table's files into few large ones, keeping one row per key in a primary-key table; body "
       "{\"name\": \"users\"}; answers {\"files_before\", \"files_after\", \"rows_before\", \"rows_after\"}"},
      {"drop_dataset", T::kBareName, Access::kAdmin, &HangarService::DropTableAction,
       "drop a table; body: the bare name (as the Arrow cookbook sends it)"},
      {"RetryFlush", T::kTable, Access::kAdmin, &HangarService::MemtableAction,
       "flush a read-only table's memtable again (a table whose streamed rows repeatedly failed to flush takes no "
       "writes until then); body {\"name\": \"users\"}; answers {\"table\", \"flushed_lsn\"}"},
      {"QuarantineMemtable", T::kTable, Access::kAdmin, &HangarService::MemtableAction,
       "move a table's unflushed streamed rows into quarantine/<table>-lsn<first>-<last>.arrows in the data "
       "directory and let the table take writes again; body {\"name\": \"users\"}; answers {\"table\", \"file\", "
       "\"batches\", \"rows\", \"first_lsn\", \"last_lsn\"}"},
      {"ClusterStatus", T::kServer, Access::kRead, &HangarService::ClusterStatusAction,
       "the cluster's members (location, load) and the topic partitions each owns, as JSON (`hangar cluster status`)"},
      {"ServerStatus", T::kServer, Access::kRead, &HangarService::ServerStatusAction,
       "version, uptime, tables, topics and headline metrics as JSON (what `hangar status` prints)"},
      // Anyone may renew: it renews what the caller holds.
      {"RenewFlightEndpoint", T::kAnyone, Access::kRead, &HangarService::RenewEndpointAction,
       "renew an endpoint (RenewFlightEndpointRequest): Hangar's tickets do not expire, so the "
       "endpoint comes back as it was"},
      // Tests of the SQL engine's reset only (SetEngineFaultHook).
      {"InjectEngineFailure", T::kServer, Access::kAdmin, &HangarService::InjectEngineFailureAction, ""},
  };
  return actions;
}

const ActionSpec* HangarService::FindAction(std::string_view name) {
  for (const auto& spec : Actions())
    if (spec.name == name) return &spec;
  return nullptr;
}

HangarService::ActionResults HangarService::ListTablesAction(const flight::ServerCallContext&, const flight::Action&,
                                                             const ActionRoute&) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& snapshot : tables_.store()->List()) names.push_back(snapshot->name.ToString());
  return std::vector<flight::ActionResult>{{JsonText(names)}};
}

HangarService::ActionResults HangarService::DescribeTableAction(const flight::ServerCallContext&, const flight::Action&,
                                                                const ActionRoute& route) {
  HANGAR_ASSIGN_OR_RETURN(auto text, tables_.Describe(route.name));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::CreateTableAction(const flight::ServerCallContext& context,
                                                              const flight::Action& action, const ActionRoute& route) {
  const CreateTableRequest& request = *route.create;
  if (request.name.ns == kKafkaNamespace) return Status::Invalid("no table may be created in the 'kafka' namespace");
  HANGAR_ASSIGN_OR_RETURN(auto writer, tables_.WriterOf(context, request.name));
  if (writer) return tables_.forwarding().Action(context, *writer, action);
  HANGAR_RETURN_NOT_OK(
      tables_.store()->CreateTable(request.name, request.schema, request.primary_key, request.partition_spec).status());
  HANGAR_ASSIGN_OR_RETURN(auto text, tables_.Describe(request.name));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

// DropTable and drop_dataset (which answers nothing, as the cookbook expects).
HangarService::ActionResults HangarService::DropTableAction(const flight::ServerCallContext& context,
                                                            const flight::Action& action, const ActionRoute& route) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, tables_.WriterOf(context, route.name));
  if (writer) return tables_.forwarding().Action(context, *writer, action);
  HANGAR_RETURN_NOT_OK(tables_.store()->DropTable(route.name));
  if (action.type == "drop_dataset") return std::vector<flight::ActionResult>{};
  return std::vector<flight::ActionResult>{{JsonText(nlohmann::json{{"dropped", route.name.ToString()}})}};
}

HangarService::ActionResults HangarService::CompactTableAction(const flight::ServerCallContext& context,
                                                               const flight::Action& action, const ActionRoute& route) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, tables_.WriterOf(context, route.name));
  if (writer) return tables_.forwarding().Action(context, *writer, action);
  HANGAR_ASSIGN_OR_RETURN(auto table, tables_.store()->FindTable(route.name));
  HANGAR_ASSIGN_OR_RETURN(auto result, tables_.store()->Compact(table, true));
  return std::vector<flight::ActionResult>{{JsonText(nlohmann::json{{"table", route.name.ToString()},
                                                                    {"files_before", result.files_before},
                                                                    {"files_after", result.files_after},
                                                                    {"rows_before", result.rows_before},
                                                                    {"rows_after", result.rows_after}})}};
}

HangarService::ActionResults HangarService::MemtableAction(const flight::ServerCallContext& context,
                                                           const flight::Action& action, const ActionRoute& route) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, tables_.WriterOf(context, route.name));
  if (writer) return tables_.forwarding().Action(context, *writer, action);
  const auto& ingest = tables_.ingest();
  if (!ingest) return Status::FailedPrecondition("this server has no streaming ingest");
  HANGAR_ASSIGN_OR_RETURN(
      auto result, action.type == "RetryFlush" ? ingest->RetryFlush(route.name) : ingest->Quarantine(route.name));
  return std::vector<flight::ActionResult>{{std::move(result)}};
}

HangarService::ActionResults HangarService::ClusterStatusAction(const flight::ServerCallContext&, const flight::Action&,
                                                                const ActionRoute&) {
  if (!cluster_) return Status::FailedPrecondition("this server is not part of a cluster (start it with --cluster)");
  const auto& folders = tables_.folders();
  std::map<std::string, std::vector<std::string>> tables;
  if (folders) tables = folders->TablesByNode();
  HANGAR_ASSIGN_OR_RETURN(auto text, cluster_->StatusJson(topics_.get(), folders ? &tables : nullptr));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::ServerStatusAction(const flight::ServerCallContext&, const flight::Action&,
                                                               const ActionRoute&) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ServerStatusJson(*tables_.store(), topics_.get()));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::RenewEndpointAction(const flight::ServerCallContext&,
                                                                const flight::Action& action, const ActionRoute&) {
  // Hangar's tickets do not expire: the endpoint comes back as it was.
  ::arrow::flight::protocol::RenewFlightEndpointRequest request;
  if (!request.ParseFromString(action.body)) return Status::Invalid("RenewFlightEndpoint: malformed request");
  return std::vector<flight::ActionResult>{{request.endpoint().SerializeAsString()}};
}

HangarService::ActionResults HangarService::InjectEngineFailureAction(const flight::ServerCallContext& context,
                                                                      const flight::Action& action,
                                                                      const ActionRoute&) {
  if (!engine_fault_) return FlightService::DoAction(context, action);
  return engine_fault_();
}

Result<std::vector<flight::ActionType>> HangarService::ListActions(const flight::ServerCallContext&) {
  std::vector<flight::ActionType> actions;
  for (const auto& spec : Actions())
    if (!spec.description.empty()) actions.push_back({std::string(spec.name), std::string(spec.description)});
  if (sql_) {
    for (auto& action : sql::FlightSqlService::Actions()) actions.push_back(std::move(action));
  }
  return actions;
}

}  // namespace hangar::server
