#include "server/hangar_service.h"

#include "base/client_json.h"
#include "base/json_text.h"
#include "flight/proto/Flight.pb.h"
#include "server/create_table.h"
#include "server/ingest_stream.h"
#include "server/server_status.h"

#include <nlohmann/json.hpp>

namespace hangar::server {

using flight::auth::Access;

namespace {

// A Flight put stream as a RecordBatchSource (app_metadata-only messages skipped).
class PutStreamSource : public arrow::RecordBatchSource {
 public:
  PutStreamSource(flight::FlightStreamReader* in, arrow::SchemaPtr schema) : in_(in), schema_(std::move(schema)) {}
  const arrow::SchemaPtr& schema() const override { return schema_; }
  Result<arrow::RecordBatchPtr> Next() override {
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, in_->Next());
      if (chunk.end()) return arrow::RecordBatchPtr();
      if (chunk.data != nullptr) return chunk.data;
    }
  }

 private:
  flight::FlightStreamReader* in_;
  arrow::SchemaPtr schema_;
};

Result<std::string> StringFromJson(const nlohmann::json& json, const char* key, std::string_view what) {
  if (!json.is_object() || !json.contains(key) || !json[key].is_string())
    return Status::Invalid(std::string(what) + " needs a JSON object with a \"" + key + "\" string");
  return json[key].get<std::string>();
}

}  // namespace

HangarService::HangarService(std::shared_ptr<store::TableStore> tables, std::shared_ptr<TopicFlights> topics,
                             std::shared_ptr<sql::FlightSqlService> sql, std::shared_ptr<store::Ingest> ingest)
    : tables_(std::move(tables)), topics_(std::move(topics)), sql_(std::move(sql)), ingest_(std::move(ingest)) {}

sql::FlightSqlService* HangarService::SqlFor(std::string_view bytes) const {
  return sql_ && sql::FlightSqlService::IsFlightSql(bytes) ? sql_.get() : nullptr;
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
    HANGAR_RETURN_NOT_OK(CheckName(descriptor.path[1], "topic name"));
    TopicRequest request;
    request.topic = descriptor.path[1];
    return std::optional<TopicRequest>(std::move(request));
  }
  auto json = ParseClientJson(descriptor.cmd);
  if (!json.is_object() || !json.contains("topic")) return std::optional<TopicRequest>();
  HANGAR_ASSIGN_OR_RETURN(auto request, ParseTopicCommand(json));
  return std::optional<TopicRequest>(std::move(request));
}

std::string HangarService::TicketFor(const QualifiedName& name, const std::vector<std::string>& files,
                                     const std::vector<std::string>& partitions) {
  nlohmann::json ticket{{"table", name.ToString()}};
  if (!files.empty() || partitions.empty()) ticket["files"] = files;
  if (!partitions.empty()) ticket["partitions"] = partitions;
  return JsonText(ticket);
}

namespace {

// A JSON list of strings (a ticket's "files", a descriptor's "partitions").
Result<std::vector<std::string>> StringsFromJson(const nlohmann::json& json, const std::string& key,
                                                 const std::string& where) {
  std::vector<std::string> out;
  if (!json.contains(key)) return out;
  const auto& list = json[key];
  if (!list.is_array() || !std::all_of(list.begin(), list.end(), [](const auto& v) { return v.is_string(); }))
    return Status::Invalid(where + ": \"" + key + "\" must be a list of strings");
  for (const auto& v : list) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

Result<QualifiedName> HangarService::ResolveName(std::string_view text) const {
  // "uploaded.parquet" (the Arrow cookbook's names have dots) is the table
  // of that name in `default` if there is one, else namespace "uploaded".
  if (text.find('.') != std::string_view::npos && CheckName(text, "table name").ok()) {
    QualifiedName whole{std::string(kDefaultNamespace), std::string(text)};
    if (tables_->Snapshot(whole).ok()) return whole;
  }
  return ParseQualifiedName(text);
}

Result<QualifiedName> HangarService::ResolveFor(const flight::ServerCallContext& context, std::string_view text,
                                                Access access) const {
  HANGAR_ASSIGN_OR_RETURN(auto name, ResolveName(text));
  // What the name means may have changed since the call was authorized (a
  // table "default.a.b" dropped, and "a.b" now names table b of namespace
  // a): what is acted on is checked again.
  HANGAR_RETURN_NOT_OK(flight::CheckAllowed(context, access, name.ToString()));
  return name;
}

Result<TableTicket> HangarService::ParseTicket(std::string_view ticket) const {
  if (ticket.empty() || ticket.front() != '{') {
    HANGAR_ASSIGN_OR_RETURN(auto name, ResolveName(ticket));
    return TableTicket{std::move(name), std::nullopt, {}};
  }
  auto json = ParseClientJson(ticket);
  HANGAR_ASSIGN_OR_RETURN(auto text, StringFromJson(json, "table", "a JSON ticket ({\"table\": \"ns.name\"})"));
  HANGAR_ASSIGN_OR_RETURN(auto name, ParseQualifiedName(text));  // always qualified in Hangar's own tickets
  TableTicket out{std::move(name), std::nullopt, {}};
  if (json.contains("files")) {
    HANGAR_ASSIGN_OR_RETURN(out.files, StringsFromJson(json, "files", "ticket"));
  }
  HANGAR_ASSIGN_OR_RETURN(out.partitions, StringsFromJson(json, "partitions", "ticket"));
  return out;
}

Result<TableTarget> HangarService::TargetOf(const flight::FlightDescriptor& descriptor) {
  if (descriptor.type == flight::FlightDescriptor::Type::kPath) {
    HANGAR_ASSIGN_OR_RETURN(auto name, NameFromPath(descriptor.path));
    return TableTarget{std::move(name), store::PutMode::kAppend, {}};
  }
  auto json = ParseClientJson(descriptor.cmd);
  HANGAR_ASSIGN_OR_RETURN(
      auto text, StringFromJson(json, "table", "a command descriptor ({\"table\": \"ns.name\", \"mode\": ...})"));
  HANGAR_ASSIGN_OR_RETURN(auto name, ParseQualifiedName(text));
  TableTarget target{std::move(name), store::PutMode::kAppend, {}};
  if (json.contains("mode")) {
    if (!json["mode"].is_string()) return Status::Invalid("descriptor: \"mode\" must be a string");
    HANGAR_ASSIGN_OR_RETURN(target.mode, store::ParsePutMode(json["mode"].get<std::string>()));
  }
  HANGAR_ASSIGN_OR_RETURN(target.partitions, StringsFromJson(json, "partitions", "descriptor"));
  return target;
}

void HangarService::SetCluster(std::shared_ptr<ClusterPlacement> placement) {
  cluster_ = std::move(placement);
  auto locations = [cluster = cluster_](const std::string& topic, int32_t partition) {
    return cluster->LocationsFor(ClusterPlacement::PartitionKey(topic, partition));
  };
  if (topics_) topics_->set_placement(locations);
  if (sql_) sql_->set_placement(locations);
}

bool HangarService::IsSql(const flight::CallRequest& request) const {
  if (!sql_) return false;
  return request.ticket       ? SqlFor(request.ticket->ticket) != nullptr
         : request.descriptor ? SqlFor(request.descriptor->cmd) != nullptr
         : request.action     ? sql::FlightSqlService::IsFlightSqlAction(request.action->type)
                              : false;
}

std::string HangarService::ResourceOf(const flight::ServerCallContext& context, const flight::CallRequest& request) {
  if (IsSql(request)) return "sql";
  return FlightService::ResourceOf(context, request);
}

Result<flight::AccessRequest> HangarService::AccessFor(const flight::ServerCallContext& context,
                                                       const flight::CallRequest& request) {
  using flight::FlightMethod;
  if (IsSql(request)) return sql_->AccessFor(context, request);
  // Permissions name topics as the tables of namespace "kafka".
  auto on_topic = [](Access access, const std::string& topic) {
    return flight::AccessRequest{access, QualifiedName{std::string(kKafkaNamespace), topic}.ToString()};
  };
  switch (request.method) {
    case FlightMethod::kDoGet: {
      if (IsTopicTicket(request.ticket->ticket)) {
        HANGAR_ASSIGN_OR_RETURN(auto topic, ParseTopicTicket(request.ticket->ticket));
        return on_topic(Access::kRead, topic.topic);
      }
      HANGAR_ASSIGN_OR_RETURN(auto ticket, ParseTicket(request.ticket->ticket));
      return flight::AccessRequest{Access::kRead, ticket.name.ToString()};
    }
    case FlightMethod::kDoAction: {
      const ActionSpec* spec = FindAction(request.action->type);
      // Actions Hangar does not have are open to every user, who then hears
      // UNIMPLEMENTED rather than PERMISSION_DENIED.
      if (spec == nullptr) return flight::AccessRequest{Access::kRead, "", {}, true};
      return ActionAccess(*spec, *request.action);
    }
    case FlightMethod::kListActions: return flight::AccessRequest{Access::kRead, "*"};
    case FlightMethod::kDoPut:
    case FlightMethod::kDoExchange: {
      HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(*request.descriptor));
      if (topic) return on_topic(Access::kWrite, topic->topic);
      HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(*request.descriptor));
      return flight::AccessRequest{Access::kWrite, target.name.ToString()};
    }
    default: {
      HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(*request.descriptor));
      if (topic) return on_topic(Access::kRead, topic->topic);
      HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(*request.descriptor));
      return flight::AccessRequest{Access::kRead, target.name.ToString()};
    }
  }
}

const std::vector<HangarService::ActionSpec>& HangarService::Actions() {
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

const HangarService::ActionSpec* HangarService::FindAction(std::string_view name) {
  for (const auto& spec : Actions())
    if (spec.name == name) return &spec;
  return nullptr;
}

Result<flight::AccessRequest> HangarService::ActionAccess(const ActionSpec& spec, const flight::Action& action) const {
  switch (spec.target) {
    case ActionTarget::kAnyone: return flight::AccessRequest{Access::kRead, "", {}, true};
    case ActionTarget::kServer: return flight::AccessRequest{spec.access, "*"};
    case ActionTarget::kBareName: {
      HANGAR_ASSIGN_OR_RETURN(auto name, ResolveName(action.body));
      return flight::AccessRequest{spec.access, name.ToString()};
    }
    case ActionTarget::kNewTable:
    case ActionTarget::kTable: {
      auto body = ParseClientJson(action.body);
      auto text = StringFromJson(body, "name", action.type);
      // A new table's name is always namespace.name; existing ones resolve.
      auto name = !text.ok()                               ? Result<QualifiedName>(text.status())
                  : spec.target == ActionTarget::kNewTable ? ParseQualifiedName(*text)
                                                           : ResolveName(*text);
      if (!name.ok()) return flight::AccessRequest{Access::kAdmin, "*"};  // the action reports the error
      return flight::AccessRequest{spec.access, name->ToString()};
    }
  }
  return Status::Internal("action " + action.type + ": no target");
}

Result<flight::FlightInfo> HangarService::InfoFor(const store::SnapshotPtr& snapshot_ptr,
                                                  const std::vector<std::string>& partitions) const {
  const store::TableSnapshot& snapshot = *snapshot_ptr;
  const QualifiedName& name = snapshot.name;
  flight::FlightInfo info;
  info.schema = snapshot.schema;
  info.descriptor = name.ns == kDefaultNamespace ? flight::FlightDescriptor::Path({name.name})
                                                 : flight::FlightDescriptor::Path({name.ns, name.name});
  auto groups = tables_->FileGroups(snapshot, partitions);
  // One endpoint that reads it all (rows in memory, an empty table or selection).
  if (groups.empty()) groups.emplace_back();
  for (const auto& group : groups)
    info.endpoints.push_back(
        {flight::Ticket{TicketFor(name, group, group.empty() ? partitions : std::vector<std::string>{})},
         {},
         std::nullopt,
         ""});
  HANGAR_ASSIGN_OR_RETURN(info.total_records, tables_->CountRows(snapshot_ptr, partitions));
  info.total_bytes = snapshot.bytes;
  info.ordered = true;
  return info;
}

Result<std::vector<flight::FlightInfo>> HangarService::ListFlights(const flight::ServerCallContext& context,
                                                                   const flight::Criteria&) {
  std::vector<flight::FlightInfo> out;
  for (const auto& snapshot : tables_->List()) {
    HANGAR_ASSIGN_OR_RETURN(auto info, InfoFor(snapshot));
    out.push_back(std::move(info));
  }
  if (topics_) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, topics_->List(context));
    for (auto& info : topics) out.push_back(std::move(info));
  }
  return out;
}

Result<flight::FlightInfo> HangarService::GetFlightInfo(const flight::ServerCallContext& context,
                                                        const flight::FlightDescriptor& descriptor) {
  if (auto* sql = SqlFor(descriptor.cmd)) return sql->GetFlightInfo(context, descriptor);
  HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(descriptor));
  if (topic) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Info(context, *topic, descriptor);
  }
  HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(descriptor));
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(target.name));
  HANGAR_ASSIGN_OR_RETURN(auto info, InfoFor(snapshot, target.partitions));
  info.descriptor = descriptor;  // echoed as asked
  return info;
}

Result<flight::PollInfo> HangarService::PollFlightInfo(const flight::ServerCallContext& context,
                                                       const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto info, GetFlightInfo(context, descriptor));
  flight::PollInfo poll;
  poll.info = std::move(info);
  poll.progress = 1.0;
  return poll;  // no descriptor: nothing to poll again
}

Result<arrow::SchemaPtr> HangarService::GetSchema(const flight::ServerCallContext& context,
                                                  const flight::FlightDescriptor& descriptor) {
  if (auto* sql = SqlFor(descriptor.cmd)) return sql->GetSchema(context, descriptor);
  HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(descriptor));
  if (topic) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Schema(context, *topic);
  }
  HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(descriptor));
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(target.name));
  return snapshot->schema;
}

Status HangarService::DoGet(const flight::ServerCallContext& context, const flight::Ticket& ticket,
                            flight::FlightStreamWriter* out) {
  if (auto* sql = SqlFor(ticket.ticket)) return sql->DoGet(context, ticket, out);
  if (IsTopicTicket(ticket.ticket)) {
    HANGAR_ASSIGN_OR_RETURN(auto topic, ParseTopicTicket(ticket.ticket));
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Get(context, topic, out);
  }
  HANGAR_ASSIGN_OR_RETURN(auto parsed, ParseTicket(ticket.ticket));
  // A bare name may mean another table now than when the call was authorized.
  HANGAR_RETURN_NOT_OK(flight::CheckAllowed(context, Access::kRead, parsed.name.ToString()));
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(parsed.name));
  // No files named (a bare name, or the endpoint of an empty table): all of them.
  HANGAR_ASSIGN_OR_RETURN(
      auto source, tables_->Scan(snapshot, parsed.files.value_or(std::vector<std::string>{}), parsed.partitions));
  HANGAR_RETURN_NOT_OK(out->Begin(snapshot->schema));
  while (!context.is_cancelled()) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, source->Next());
    if (batch == nullptr) return Status::OK();
    HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*batch));
  }
  return Status::Cancelled("the client cancelled the call");
}

void HangarService::SetTableOwners(std::shared_ptr<FolderOwnership> folders, TableForwarding forwarding) {
  folders_ = std::move(folders);
  forwarding_ = std::move(forwarding);
}

Result<std::optional<std::string>> HangarService::WriterOf(const flight::ServerCallContext& context,
                                                           const QualifiedName& name) const {
  if (!folders_ || context.header(TableForwarding::kForwardedHeader)) return std::optional<std::string>();
  return folders_->WriterOf(name);
}

Status HangarService::PutTable(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                               const QualifiedName& name, store::PutMode mode, bool must_exist,
                               flight::FlightStreamReader* in, flight::PutResultWriter* out,
                               const std::function<std::string(const store::PutResult&)>& answer) {
  if (name.ns == kKafkaNamespace) return Status::Invalid("no table may be created in the 'kafka' namespace");
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Put(context, *writer, descriptor, in, out);
  if (must_exist) HANGAR_RETURN_NOT_OK(tables_->Snapshot(name).status());
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  PutStreamSource source(in, schema);
  HANGAR_ASSIGN_OR_RETURN(auto result, tables_->Put(name, mode, &source));
  return out->Write(answer(result));
}

Status HangarService::DoPut(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                            flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  if (auto* sql = SqlFor(descriptor.cmd)) {
    // Flight SQL's bulk ingest is a table put.
    HANGAR_ASSIGN_OR_RETURN(auto ingest, sql->IngestTargetOf(context, descriptor));
    if (!ingest) return sql->DoPut(context, descriptor, in, out);
    return PutTable(context, descriptor, ingest->name, ingest->mode, ingest->must_exist, in, out,
                    [](const store::PutResult& result) { return sql::FlightSqlService::UpdateResult(result.rows); });
  }
  HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(descriptor));
  if (topic) {
    HANGAR_ASSIGN_OR_RETURN(auto topics, Topics());
    return topics->Put(context, *topic, in, out);
  }
  HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(descriptor));
  if (!target.partitions.empty())
    return Status::Invalid("\"partitions\" select what to read; a put's rows go to their own partitions");
  return PutTable(context, descriptor, target.name, target.mode, false, in, out, [&](const store::PutResult& result) {
    return JsonText(nlohmann::json{{"table", target.name.ToString()},
                                   {"rows", result.rows},
                                   {"bytes", result.bytes},
                                   {"created", result.created},
                                   {"version", result.snapshot->version}});
  });
}

Status HangarService::DoExchange(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                                 flight::FlightStreamReader* in, flight::FlightStreamWriter* out) {
  if (!ingest_) return Status::Unimplemented("this server does not take streaming ingest");
  HANGAR_ASSIGN_OR_RETURN(auto topic, TopicOf(descriptor));
  if (topic) return Status::Unimplemented("DoExchange into a topic is not supported: use DoPut");
  HANGAR_ASSIGN_OR_RETURN(auto target, TargetOf(descriptor));
  // The writer checks the table (a node that copies tables from the bucket
  // learns of a new one a moment after it was created).
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, target.name));
  if (writer) return forwarding_.Exchange(context, *writer, descriptor, in, out);
  HANGAR_RETURN_NOT_OK(tables_->Snapshot(target.name).status());  // create it first (CreateTable or DoPut)
  return ServeIngestStream(*ingest_, context, target.name, in, out);
}

Result<std::string> HangarService::Describe(const QualifiedName& name) const {
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(name));
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : snapshot->schema->fields())
    fields.push_back({{"name", f->name()}, {"type", f->type()->ToString()}, {"nullable", f->nullable()}});
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : snapshot->files) {
    files.push_back({{"name", f.meta.name}, {"rows", f.meta.rows}, {"bytes", f.meta.bytes}});
    if (!f.meta.partition.empty()) files.back()["partition"] = f.meta.partition;
  }
  HANGAR_ASSIGN_OR_RETURN(const int64_t rows, tables_->CountRows(snapshot));
  int64_t memtable_rows = 0;
  for (const auto& m : *snapshot->memtable) memtable_rows += m.batch->num_rows;
  nlohmann::json out = {{"name", name.ToString()},
                        {"table_type", snapshot->primary_key.empty() ? "append_only" : "primary_key"},
                        {"version", snapshot->version},
                        {"schema", snapshot->schema->ToString()},
                        {"fields", fields},
                        {"rows", rows},
                        {"bytes", snapshot->bytes},
                        {"files", files},
                        {"memtable_rows", memtable_rows}};
  // Every version of every key, as stored (rows counts the latest ones).
  if (!snapshot->primary_key.empty()) {
    out["primary_key"] = snapshot->primary_key;
    out["stored_rows"] = snapshot->rows;
  }
  if (!snapshot->partition_spec.empty())
    out["partition_spec"] = nlohmann::json::parse(store::SerializePartitionSpec(snapshot->partition_spec));
  return JsonText(out);
}

Result<std::vector<flight::ActionResult>> HangarService::DoAction(const flight::ServerCallContext& context,
                                                                  const flight::Action& action) {
  if (sql_ && sql::FlightSqlService::IsFlightSqlAction(action.type)) return sql_->DoAction(context, action);
  const ActionSpec* spec = FindAction(action.type);
  if (spec == nullptr) return FlightService::DoAction(context, action);
  // The table acted on is resolved and checked again here: what the name
  // means may have changed since the call was authorized (ResolveFor).
  QualifiedName name;
  if (spec->target == ActionTarget::kTable) {
    auto body = ParseClientJson(action.body);
    HANGAR_ASSIGN_OR_RETURN(auto text, StringFromJson(body, "name", action.type + " (body {\"name\": \"users\"})"));
    HANGAR_ASSIGN_OR_RETURN(name, ResolveFor(context, text, spec->access));
  } else if (spec->target == ActionTarget::kBareName) {
    HANGAR_ASSIGN_OR_RETURN(name, ResolveFor(context, action.body, spec->access));
  }
  return (this->*spec->handler)(context, action, name);
}

HangarService::ActionResults HangarService::ListTablesAction(const flight::ServerCallContext&, const flight::Action&,
                                                             const QualifiedName&) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& snapshot : tables_->List()) names.push_back(snapshot->name.ToString());
  return std::vector<flight::ActionResult>{{JsonText(names)}};
}

HangarService::ActionResults HangarService::DescribeTableAction(const flight::ServerCallContext&, const flight::Action&,
                                                                const QualifiedName& name) {
  HANGAR_ASSIGN_OR_RETURN(auto text, Describe(name));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::CreateTableAction(const flight::ServerCallContext& context,
                                                              const flight::Action& action, const QualifiedName&) {
  HANGAR_ASSIGN_OR_RETURN(auto request, ParseCreateTable(action.body));
  if (request.name.ns == kKafkaNamespace) return Status::Invalid("no table may be created in the 'kafka' namespace");
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, request.name));
  if (writer) return forwarding_.Action(context, *writer, action);
  HANGAR_RETURN_NOT_OK(
      tables_->CreateTable(request.name, request.schema, request.primary_key, request.partition_spec).status());
  HANGAR_ASSIGN_OR_RETURN(auto text, Describe(request.name));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

// DropTable and drop_dataset (which answers nothing, as the cookbook expects).
HangarService::ActionResults HangarService::DropTableAction(const flight::ServerCallContext& context,
                                                            const flight::Action& action, const QualifiedName& name) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Action(context, *writer, action);
  HANGAR_RETURN_NOT_OK(tables_->DropTable(name));
  if (action.type == "drop_dataset") return std::vector<flight::ActionResult>{};
  return std::vector<flight::ActionResult>{{JsonText(nlohmann::json{{"dropped", name.ToString()}})}};
}

HangarService::ActionResults HangarService::CompactTableAction(const flight::ServerCallContext& context,
                                                               const flight::Action& action,
                                                               const QualifiedName& name) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Action(context, *writer, action);
  HANGAR_ASSIGN_OR_RETURN(auto table, tables_->FindTable(name));
  HANGAR_ASSIGN_OR_RETURN(auto result, tables_->Compact(table, true));
  return std::vector<flight::ActionResult>{{JsonText(nlohmann::json{{"table", name.ToString()},
                                                                    {"files_before", result.files_before},
                                                                    {"files_after", result.files_after},
                                                                    {"rows_before", result.rows_before},
                                                                    {"rows_after", result.rows_after}})}};
}

HangarService::ActionResults HangarService::MemtableAction(const flight::ServerCallContext& context,
                                                           const flight::Action& action, const QualifiedName& name) {
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Action(context, *writer, action);
  if (!ingest_) return Status::FailedPrecondition("this server has no streaming ingest");
  HANGAR_ASSIGN_OR_RETURN(auto result,
                          action.type == "RetryFlush" ? ingest_->RetryFlush(name) : ingest_->Quarantine(name));
  return std::vector<flight::ActionResult>{{std::move(result)}};
}

HangarService::ActionResults HangarService::ClusterStatusAction(const flight::ServerCallContext&, const flight::Action&,
                                                                const QualifiedName&) {
  if (!cluster_) return Status::FailedPrecondition("this server is not part of a cluster (start it with --cluster)");
  std::map<std::string, std::vector<std::string>> tables;
  if (folders_) tables = folders_->TablesByNode();
  HANGAR_ASSIGN_OR_RETURN(auto text, cluster_->StatusJson(topics_.get(), folders_ ? &tables : nullptr));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::ServerStatusAction(const flight::ServerCallContext&, const flight::Action&,
                                                               const QualifiedName&) {
  HANGAR_ASSIGN_OR_RETURN(auto text, ServerStatusJson(*tables_, topics_.get()));
  return std::vector<flight::ActionResult>{{std::move(text)}};
}

HangarService::ActionResults HangarService::RenewEndpointAction(const flight::ServerCallContext&,
                                                                const flight::Action& action, const QualifiedName&) {
  // Hangar's tickets do not expire: the endpoint comes back as it was.
  ::arrow::flight::protocol::RenewFlightEndpointRequest request;
  if (!request.ParseFromString(action.body)) return Status::Invalid("RenewFlightEndpoint: malformed request");
  return std::vector<flight::ActionResult>{{request.endpoint().SerializeAsString()}};
}

HangarService::ActionResults HangarService::InjectEngineFailureAction(const flight::ServerCallContext& context,
                                                                      const flight::Action& action,
                                                                      const QualifiedName&) {
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
