#include "sql/flight_sql.h"

#include <algorithm>

#include <google/protobuf/any.pb.h>

#include <nlohmann/json.hpp>

#include "arrow/builder_primitive.h"
#include "arrow/ipc/schema_message.h"
#include "base/client_json.h"
#include "base/json_text.h"
#include "flight/proto/Flight.pb.h"
#include "flight/protocol.h"
#include "flight/rpc_metrics.h"
#include "sql/column_metadata.h"
#include "sql/metadata_commands.h"
#include "sql/proto/FlightSql.pb.h"
#include "sql/random_id.h"

namespace hangar::sql {

namespace pb = ::arrow::flight::protocol::sql;
using google::protobuf::Any;

struct FlightSqlService::Prepared {
  std::chrono::steady_clock::time_point last_used;  // guarded by FlightSqlService::mu_
  std::string query;
  Scope scope;                            // the session's, when it was prepared
  std::vector<ColumnSource> sources;      // where its result's columns come from
  std::optional<InsertStatement> insert;  // an update (INSERT) rather than a query
  std::string user;
  duckdb::StatementSchemas schemas;
  int64_t bytes = 0;  // charged to the prepared statements' memory; guarded by FlightSqlService::mu_
  std::mutex mu;
  std::vector<std::shared_ptr<const duckdb::Parameters>> rows;  // bound by DoPut; guarded by mu
};

namespace {

constexpr std::string_view kTypePrefix = "type.googleapis.com/arrow.flight.protocol.sql.";

Result<Any> ParseAny(std::string_view bytes) {
  Any any;
  if (!any.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      any.type_url().compare(0, kTypePrefix.size(), kTypePrefix) != 0)
    return Status::Invalid("not a Flight SQL command (a google.protobuf.Any of arrow.flight.protocol.sql)");
  return any;
}

template <typename Message>
Result<Message> Unpack(const Any& any) {
  Message message;
  if (!any.UnpackTo(&message))
    return Status::Invalid("malformed Flight SQL message " + any.type_url().substr(kTypePrefix.size()));
  return message;
}

std::string Pack(const google::protobuf::Message& message) {
  Any any;
  any.PackFrom(message);
  return any.SerializeAsString();
}

// The tables a result's columns come from, as a handle carries them to the
// DoGet (its stream's schema says what the FlightInfo's did): [[ns, name]
// or null, ...], null when no column names a table.
nlohmann::json SourcesJson(const std::vector<ColumnSource>& sources) {
  nlohmann::json out = nlohmann::json::array();
  bool any = false;
  for (const auto& source : sources) {
    any = any || source.table.has_value();
    out.push_back(source.table ? nlohmann::json{source.table->ns, source.table->name} : nlohmann::json());
  }
  return any ? out : nlohmann::json();
}

std::vector<ColumnSource> SourcesFromJson(const nlohmann::json& json) {
  std::vector<ColumnSource> out;
  if (!json.is_array()) return out;
  for (const auto& entry : json) {
    ColumnSource source;
    if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string())
      source.table = store::QualifiedName{entry[0].get<std::string>(), entry[1].get<std::string>()};
    out.push_back(std::move(source));
  }
  return out;
}

// The handle inside a statement ticket: the run id, and the query with the
// session's schema, its columns' tables and the one partition it runs over
// (if any), or the prepared statement. (An update run as a query has a
// handle of its own: its count.)
std::string StatementHandle(const std::string& run_id, const std::string* query, const Scope* scope,
                            const std::string* prepared, const std::vector<ColumnSource>& sources = {},
                            std::optional<int32_t> partition = std::nullopt) {
  nlohmann::json json{{"run", run_id}};
  if (query) json["query"] = *query;
  if (partition) json["partition"] = *partition;
  if (scope && scope->schema != store::kDefaultNamespace) json["schema"] = scope->schema;
  if (prepared) json["prepared"] = *prepared;
  if (auto tables = SourcesJson(sources); !tables.is_null()) json["sources"] = std::move(tables);
  return JsonText(json);
}

// What an update run as a query answers: one row, the count of rows written.
arrow::SchemaPtr CountSchema() { return arrow::schema({arrow::field("count", arrow::int64(), false)}); }

Status NotAnInsert() {
  return Status::Invalid(
      "the only update Hangar's SQL takes is INSERT INTO a table (SELECT or VALUES); "
      "tables are created and dropped with the CreateTable and DropTable actions");
}

Status Unsupported(const std::string& what) {
  return Status::Unimplemented("Hangar's Flight SQL does not support " + what);
}

Status WriteUpdateResult(int64_t rows, flight::PutResultWriter* out) {
  return out->Write(FlightSqlService::UpdateResult(rows));
}

struct ParameterRows {
  std::vector<std::shared_ptr<const duckdb::Parameters>> rows;
  int64_t bytes = 0;  // what they hold, as bound
};

// The parameter rows of a DoPut, within the call's memory budget: the
// batches as they arrive (FlightStreamReader::ReadAll) and the values they
// become, a DuckDB value per cell, which cost far more than their Arrow form.
Result<ParameterRows> ReadParameterRows(flight::FlightStreamReader* in, size_t expected) {
  ParameterRows out;
  auto& rows = out.rows;
  HANGAR_ASSIGN_OR_RETURN(auto batches, in->ReadAll());
  for (const auto& batch : batches)
    out.bytes += arrow::DecodedSize(*batch) +
                 batch->num_rows * (kParameterRowOverheadBytes + kParameterValueOverheadBytes * batch->num_columns());
  if (out.bytes > in->limits().memory_budget)
    return Status::ResourceExhausted("the parameter rows of the call would take " + std::to_string(out.bytes >> 20) +
                                     " MiB once bound, more than its memory budget of " +
                                     std::to_string(in->limits().memory_budget >> 20) +
                                     " MiB (the server's --call-memory-mib); send fewer rows per call");
  for (const auto& batch : batches) {
    if (static_cast<size_t>(batch->num_columns()) != expected)
      return Status::Invalid("the statement takes " + std::to_string(expected) + " parameters, the batch has " +
                             std::to_string(batch->num_columns()) + " columns");
    for (int64_t r = 0; r < batch->num_rows; ++r) {
      HANGAR_ASSIGN_OR_RETURN(auto row, duckdb::Parameters::FromRow(*batch, r));
      rows.push_back(std::make_shared<const duckdb::Parameters>(std::move(row)));
    }
  }
  return out;
}

flight::FlightInfo StatementInfo(const flight::FlightDescriptor& descriptor, arrow::SchemaPtr schema,
                                 const std::string& handle) {
  pb::TicketStatementQuery ticket;
  ticket.set_statement_handle(handle);
  flight::FlightInfo info;
  info.schema = std::move(schema);
  info.descriptor = descriptor;
  info.endpoints.push_back({flight::Ticket{Pack(ticket)}, {}, std::nullopt, ""});
  return info;
}

Status StreamSource(arrow::RecordBatchSource& source, const std::vector<ColumnSource>& sources,
                    flight::FlightStreamWriter* out) {
  // The stream's schema says what the FlightInfo's said, column metadata too.
  if (!out->started()) HANGAR_RETURN_NOT_OK(out->Begin(WithColumnMetadata(*source.schema(), sources)));
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, source.Next());
    if (batch == nullptr) return Status::OK();
    HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*batch));
  }
}

}  // namespace

FlightSqlService::FlightSqlService(std::shared_ptr<SqlEngine> engine, FlightSqlLimits limits)
    : engine_(std::move(engine)), limits_(limits) {}

Status FlightSqlService::CheckQuery(const std::string& sql) const {
  if (static_cast<int64_t>(sql.size()) <= limits_.max_query_bytes) return Status::OK();
  flight::RpcMetrics::Get().Limited("max_query");
  return Status::ResourceExhausted("the SQL text has " + std::to_string(sql.size()) +
                                   " bytes, more than the server's limit of " +
                                   std::to_string(limits_.max_query_bytes) + " (--max-query-kib)");
}

Status FlightSqlService::ChargePrepared(int64_t bytes) {
  if (bytes > 0 && prepared_bytes_ + bytes > limits_.prepared_memory_bytes) {
    flight::RpcMetrics::Get().Limited("prepared_memory");
    return Status::ResourceExhausted(
        "the open prepared statements would hold " + std::to_string((prepared_bytes_ + bytes) >> 20) +
        " MiB (their text and bound parameters), more than the server's limit of " +
        std::to_string(limits_.prepared_memory_bytes >> 20) +
        " MiB (--prepared-memory-mib); close prepared statements that are no longer needed");
  }
  prepared_bytes_ += bytes;
  return Status::OK();
}

namespace {

// Actions Flight SQL clients send that Hangar answers "not supported".
bool IsUnsupportedSqlAction(std::string_view type) {
  return type == "CreatePreparedSubstraitPlan" || type == "BeginTransaction" || type == "EndTransaction" ||
         type == "BeginSavepoint" || type == "EndSavepoint";
}

// Whether DoAction `type` is one of Flight SQL's (or one Flight SQL
// clients send, such as the session and transaction actions).
bool IsFlightSqlAction(std::string_view type) {
  for (const auto& action : FlightSqlService::Actions())
    if (action.type == type) return true;
  return type == "CancelQuery" || IsUnsupportedSqlAction(type);
}

}  // namespace

std::vector<flight::ActionType> FlightSqlService::Actions() {
  return {
      {"CreatePreparedStatement", "Flight SQL: prepare a query (ActionCreatePreparedStatementRequest)"},
      {"ClosePreparedStatement", "Flight SQL: release a prepared statement (ActionClosePreparedStatementRequest)"},
      {"CancelFlightInfo", "Cancel the query behind a FlightInfo (CancelFlightInfoRequest)"},
      {"SetSessionOptions",
       "set the session's options (SetSessionOptionsRequest): \"schema\", the namespace bare names resolve in; "
       "\"catalog\" (Hangar has none: only \"\")"},
      {"GetSessionOptions", "the session's options (GetSessionOptionsRequest)"},
      {"CloseSession", "end the session (CloseSessionRequest)"},
  };
}

Scope FlightSqlService::ScopeOf(const flight::ServerCallContext& context) {
  return Scope{sessions_.Find(context).schema.value_or(std::string(store::kDefaultNamespace))};
}

struct FlightSqlService::Handle {
  std::string run;
  std::optional<std::string> query;    // a statement query
  Scope scope;                         // ... and where its bare names resolve
  std::optional<int32_t> partition;    // ... over one partition of its topic
  std::shared_ptr<Prepared> prepared;  // or a prepared statement
  std::optional<int64_t> count;        // or the count of rows an update wrote
  std::vector<ColumnSource> sources;   // the query's columns' tables
};

struct FlightSqlService::Call {
  std::optional<Any> any;  // the message; none for an action whose body is not one ...
  Status not_any;          // ... and why
  flight::AccessRequest access{flight::auth::Access::kRead, "", {}, true};
  // The unpacked message of a statement (a query, an update, a prepared
  // statement to make, a bulk ingest), its ticket's handle, or its ingest.
  std::shared_ptr<const google::protobuf::Message> command;
  std::optional<Handle> handle;
  std::optional<IngestTarget> ingest;
  Scope scope;                          // the session's when the call came
  std::optional<CheckedQuery> checked;  // a query's parse, made to check what it reads
  // The parse of the query the call runs, if checking made one.
  const ParsedQuery* parsed() const { return checked ? &checked->parsed : nullptr; }
};

namespace {

// The call's statement as `Message`: as Resolve unpacked it, or the error
// of a message of another type.
template <typename Message>
Result<const Message*> CommandOf(const FlightSqlService::Call& call, const Any& any) {
  if (const auto* command = dynamic_cast<const Message*>(call.command.get())) return command;
  HANGAR_RETURN_NOT_OK(Unpack<Message>(any).status());
  return Status::Internal("a Flight SQL message the call did not decode");
}

}  // namespace

Result<FlightSqlService::Handle> FlightSqlService::ParseHandle(const flight::ServerCallContext& context,
                                                               const std::string& text) {
  auto json = ParseClientJson(text);
  if (!json.is_object()) return Status::Invalid("malformed statement handle");
  Handle handle;
  if (json.contains("run") && json["run"].is_string()) handle.run = json["run"].get<std::string>();
  if (json.contains("schema") && json["schema"].is_string()) handle.scope.schema = json["schema"].get<std::string>();
  if (json.contains("sources")) handle.sources = SourcesFromJson(json["sources"]);
  if (json.contains("partition") && json["partition"].is_number_integer())
    handle.partition = json["partition"].get<int32_t>();
  if (json.contains("query") && json["query"].is_string()) {
    handle.query = json["query"].get<std::string>();
  } else if (json.contains("prepared") && json["prepared"].is_string()) {
    HANGAR_ASSIGN_OR_RETURN(handle.prepared, FindPrepared(context, json["prepared"].get<std::string>()));
  } else if (json.contains("count") && json["count"].is_number_integer()) {
    handle.count = json["count"].get<int64_t>();
  } else {
    return Status::Invalid("malformed statement handle");
  }
  return handle;
}

Result<std::string> FlightSqlService::SchemaNamed(const std::string& schema) {
  const std::string folded = store::FoldCase(schema);
  if (folded == store::kDefaultNamespace) return std::string(store::kDefaultNamespace);
  if (folded == store::kKafkaNamespace) {
    if (engine_->relations().has_kafka()) return std::string(store::kKafkaNamespace);
    return Status::Invalid("schema 'kafka' holds topics, and this server is not connected to Kafka");
  }
  HANGAR_RETURN_NOT_OK(store::CheckNamespace(schema));
  HANGAR_ASSIGN_OR_RETURN(auto relations, engine_->ListRelations());
  for (const auto& name : relations)
    if (store::FoldCase(name.ns) == folded) return name.ns;
  return Status::NotFound("no schema named '" + schema + "' (a schema is a namespace with at least one table)");
}

Status FlightSqlService::CheckPreparedRoom(const std::string& user) {
  // Handles idle for longer than kPreparedTimeout go first, so that clients
  // that never close them do not hold their room for ever.
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(prepared_, [&](const auto& entry) {
    if (now - entry.second->last_used <= kPreparedTimeout) return false;
    prepared_bytes_ -= entry.second->bytes;
    return true;
  });
  const std::string close_some =
      "; close prepared statements that are no longer needed (ClosePreparedStatement), or wait for idle ones to "
      "expire after " +
      std::to_string(std::chrono::duration_cast<std::chrono::minutes>(kPreparedTimeout).count()) + " minutes";
  if (static_cast<int64_t>(prepared_.size()) >= limits_.max_prepared) {
    flight::RpcMetrics::Get().Limited("max_prepared_statements");
    return Status::ResourceExhausted("the server holds " + std::to_string(prepared_.size()) +
                                     " prepared statements, its limit (--max-prepared-statements)" + close_some);
  }
  int64_t mine = 0;
  for (const auto& [handle, prepared] : prepared_) mine += prepared->user == user ? 1 : 0;
  if (mine >= limits_.max_prepared_per_user) {
    flight::RpcMetrics::Get().Limited("max_prepared_statements_per_user");
    return Status::ResourceExhausted((user.empty() ? std::string("the clients (authentication is off: one user) hold ")
                                                   : "user '" + user + "' holds ") +
                                     std::to_string(mine) +
                                     " prepared statements, the limit per user (--max-prepared-statements-per-user)" +
                                     close_some);
  }
  return Status::OK();
}

Result<std::shared_ptr<FlightSqlService::Prepared>> FlightSqlService::FindPrepared(
    const flight::ServerCallContext& context, const std::string& handle) {
  std::lock_guard lock(mu_);
  auto it = prepared_.find(handle);
  if (it == prepared_.end() || it->second->user != context.user())
    return Status::NotFound("no prepared statement with this handle (closed, expired, or made by another user)");
  it->second->last_used = std::chrono::steady_clock::now();
  return it->second;
}

Result<std::optional<flight::FlightInfo>> FlightSqlService::PartitionedStatementInfo(
    const flight::FlightDescriptor& descriptor, const std::string& query, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto topic, engine_->PureTopicScan(query, scope));
  if (!topic) return std::optional<flight::FlightInfo>();
  std::vector<ColumnSource> sources;
  HANGAR_ASSIGN_OR_RETURN(auto schemas, engine_->Describe(query, scope, &sources));
  HANGAR_ASSIGN_OR_RETURN(auto partitions, engine_->TopicPartitions(topic->name));
  flight::FlightInfo info;
  info.schema = WithColumnMetadata(*schemas.result, sources);
  info.descriptor = descriptor;
  for (int32_t partition : partitions) {
    pb::TicketStatementQuery ticket;
    ticket.set_statement_handle(StatementHandle(RandomId(), &query, &scope, nullptr, sources, partition));
    info.endpoints.push_back({flight::Ticket{Pack(ticket)}, placement_(topic->name, partition), std::nullopt, ""});
  }
  info.app_metadata = JsonText(
      nlohmann::json{{"execution", "partitioned"}, {"topic", topic->ToString()}, {"endpoints", partitions.size()}});
  return std::optional<flight::FlightInfo>(std::move(info));
}

std::string FlightSqlService::UpdateResult(int64_t rows) {
  // Not Any-wrapped, as the specification has it.
  pb::DoPutUpdateResult result;
  result.set_record_count(rows);
  return result.SerializeAsString();
}

namespace {

// Where a bulk ingest goes; INVALID_ARGUMENT or UNIMPLEMENTED for what
// Hangar does not do. Bare table names are those of `scope`.
Result<IngestTarget> IngestTargetOf(const pb::CommandStatementIngest& command, const Scope& scope) {
  if (command.has_transaction_id()) return Unsupported("transactions");
  if (command.temporary())
    return Unsupported("temporary tables (bulk ingest with temporary=true; every Hangar table is durable)");
  if (command.has_catalog() && !command.catalog().empty())
    return Status::Invalid("bulk ingest: Hangar has no catalogs (catalog '" + command.catalog() +
                           "'); name the table by schema and table only");
  if (!command.options().empty())
    return Status::Invalid("bulk ingest: Hangar takes no ingest options (got '" + command.options().begin()->first +
                           "')");
  if (command.table().empty()) return Status::Invalid("bulk ingest: no table named");
  IngestTarget target;
  target.name.ns = command.has_schema() && !command.schema().empty() ? command.schema() : scope.schema;
  target.name.name = command.table();
  HANGAR_RETURN_NOT_OK(store::CheckNamespace(target.name.ns));
  HANGAR_RETURN_NOT_OK(store::CheckName(target.name.name, "table name"));
  using Options = pb::CommandStatementIngest::TableDefinitionOptions;
  const auto& options = command.table_definition_options();
  // Unspecified means fail, both ways: nothing is created or changed unasked.
  const bool create = options.if_not_exist() == Options::TABLE_NOT_EXIST_OPTION_CREATE;
  target.must_exist = !create;
  switch (options.if_exists()) {
    case Options::TABLE_EXISTS_OPTION_APPEND: target.mode = store::PutMode::kAppend; break;
    case Options::TABLE_EXISTS_OPTION_REPLACE: target.mode = store::PutMode::kOverwrite; break;
    default:
      if (!create)
        return Status::Invalid("bulk ingest: the options fail both when " + target.name.ToString() +
                               " exists and when it does not (set if_exists or if_not_exist)");
      target.mode = store::PutMode::kCreate;
  }
  return target;
}

// Unpacks `any` into the call's command when it holds a `Message`.
template <typename Message>
Result<const Message*> Decode(const Any& any, FlightSqlService::Call& call) {
  if (!any.Is<Message>()) return nullptr;
  HANGAR_ASSIGN_OR_RETURN(auto message, Unpack<Message>(any));
  auto command = std::make_shared<const Message>(std::move(message));
  call.command = command;
  return command.get();
}

}  // namespace

Result<std::shared_ptr<FlightSqlService::Call>> FlightSqlService::Resolve(const flight::ServerCallContext& context,
                                                                          const flight::CallRequest& request) {
  std::string_view bytes;
  if (request.action) {
    if (!IsFlightSqlAction(request.action->type)) return nullptr;
    bytes = request.action->body;
  } else if (request.ticket) {
    bytes = request.ticket->ticket;
  } else if (request.descriptor) {
    bytes = request.descriptor->cmd;
  } else {
    return nullptr;
  }
  auto call = std::make_shared<Call>();
  auto any = ParseAny(bytes);
  if (!any.ok()) {
    if (!request.action) return nullptr;  // not Flight SQL's
    // The session, cancel and unsupported actions: open to any user (a
    // session is the caller's own; CancelFlightInfo names a run id only its
    // holder knows).
    call->not_any = any.status();
    return call;
  }
  call->any = std::move(*any);
  call->scope = ScopeOf(context);
  // What the handlers and the permission check both need, decoded here once.
  const Any& message = *call->any;
  HANGAR_RETURN_NOT_OK(Decode<pb::CommandStatementQuery>(message, *call).status());
  HANGAR_RETURN_NOT_OK(Decode<pb::CommandStatementUpdate>(message, *call).status());
  HANGAR_RETURN_NOT_OK(Decode<pb::ActionCreatePreparedStatementRequest>(message, *call).status());
  if (request.ticket != nullptr || request.authorizing) {
    HANGAR_ASSIGN_OR_RETURN(auto ticket, Decode<pb::TicketStatementQuery>(message, *call));
    if (ticket) {
      HANGAR_ASSIGN_OR_RETURN(call->handle, ParseHandle(context, ticket->statement_handle()));
    }
  }
  if (request.method == flight::FlightMethod::kDoPut || request.authorizing) {
    HANGAR_ASSIGN_OR_RETURN(auto ingest, Decode<pb::CommandStatementIngest>(message, *call));
    if (ingest) {
      HANGAR_ASSIGN_OR_RETURN(call->ingest, IngestTargetOf(*ingest, call->scope));
      call->access = flight::AccessRequest{flight::auth::Access::kWrite, call->ingest->name.ToString()};
    }
  }
  if (request.authorizing) HANGAR_RETURN_NOT_OK(CheckAccess(*call));
  return call;
}

const flight::AccessRequest& FlightSqlService::AccessOf(const Call& call) { return call.access; }

const std::optional<IngestTarget>& FlightSqlService::IngestOf(const Call& call) { return call.ingest; }

Status FlightSqlService::CheckAccess(Call& call) {
  auto& access = call.access;
  auto reads = [&](const std::string& sql, const Scope& scope) -> Status {
    HANGAR_RETURN_NOT_OK(CheckQuery(sql));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(sql));
    std::vector<store::QualifiedName> names;
    if (insert) {
      HANGAR_ASSIGN_OR_RETURN(auto target, engine_->InsertTarget(*insert, scope));
      access = flight::AccessRequest{flight::auth::Access::kWrite, target.ToString(), {}, false};
      HANGAR_ASSIGN_OR_RETURN(names, engine_->InsertReads(*insert, scope));
    } else {
      // The parse made for the check is the one the query is planned with.
      HANGAR_ASSIGN_OR_RETURN(call.checked, engine_->Check(sql, scope));
      names = call.checked->reads;
    }
    for (const auto& name : names) access.reads.push_back(name.ToString());
    return Status::OK();
  };
  const Any& any = *call.any;
  if (any.Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::CommandStatementQuery>(call, any));
    return reads(command->query(), call.scope);
  }
  if (any.Is<pb::ActionCreatePreparedStatementRequest>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::ActionCreatePreparedStatementRequest>(call, any));
    return reads(command->query(), call.scope);
  }
  if (call.handle) {
    // A prepared statement was checked when made, and belongs to its maker;
    // a count reads nothing.
    if (call.handle->query) return reads(*call.handle->query, call.handle->scope);
    return Status::OK();
  }
  if (any.Is<pb::CommandStatementUpdate>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::CommandStatementUpdate>(call, any));
    HANGAR_RETURN_NOT_OK(CheckQuery(command->query()));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command->query()));
    if (!insert) return NotAnInsert();
    return reads(command->query(), call.scope);
  }
  return Status::OK();  // a bulk ingest's access is its table's (Resolve)
}

Result<arrow::SchemaPtr> FlightSqlService::PreparedResultSchema(Prepared& prepared) {
  const auto& fields = prepared.schemas.result->fields();
  const bool typed =
      std::none_of(fields.begin(), fields.end(), [](const auto& f) { return f->type()->id() == arrow::TypeId::kNull; });
  std::shared_ptr<const duckdb::Parameters> first;
  {
    std::lock_guard lock(prepared.mu);
    if (!prepared.rows.empty()) first = prepared.rows.front();
  }
  if (typed || first == nullptr) return prepared.schemas.result;
  // A column typed by a parameter DuckDB could not type when preparing
  // (`SELECT ? + 1`) takes its type from the bound values: the result of a
  // run with the first row says what the stream will carry.
  HANGAR_ASSIGN_OR_RETURN(auto source,
                          engine_->Run(RandomId(), prepared.query, first.get(), nullptr, std::nullopt, prepared.scope));
  return source->schema();
}

Result<flight::FlightInfo> FlightSqlService::RunUpdateAsQuery(
    const flight::FlightDescriptor& descriptor, const InsertStatement& insert,
    const std::vector<std::shared_ptr<const duckdb::Parameters>>& rows, const Scope& scope) {
  HANGAR_ASSIGN_OR_RETURN(auto written, engine_->Insert(RandomId(), insert, rows, scope));
  pb::TicketStatementQuery ticket;
  ticket.set_statement_handle(JsonText(nlohmann::json{{"run", RandomId()}, {"count", written}}));
  flight::FlightInfo info;
  info.schema = WithColumnMetadata(*CountSchema());
  info.descriptor = descriptor;
  info.endpoints.push_back({flight::Ticket{Pack(ticket)}, {}, std::nullopt, ""});
  info.total_records = 1;
  return info;
}

Result<flight::FlightInfo> FlightSqlService::GetFlightInfo(const flight::ServerCallContext& context, const Call& call,
                                                           const flight::FlightDescriptor& descriptor) {
  const Any& any = *call.any;
  if (any.Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::CommandStatementQuery>(call, any));
    if (command->has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(command->query()));
    const Scope& scope = call.scope;
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command->query()));
    if (insert) return RunUpdateAsQuery(descriptor, *insert, {}, scope);
    if (placement_) {
      HANGAR_ASSIGN_OR_RETURN(auto partitioned, PartitionedStatementInfo(descriptor, command->query(), scope));
      if (partitioned) return std::move(*partitioned);
    }
    const std::string run_id = RandomId();
    std::vector<ColumnSource> sources;
    HANGAR_ASSIGN_OR_RETURN(auto schema, engine_->Plan(run_id, command->query(), scope, &sources, call.parsed()));
    auto info = StatementInfo(descriptor, WithColumnMetadata(*schema, sources),
                              StatementHandle(run_id, &command->query(), &scope, nullptr, sources));
    if (placement_) info.app_metadata = R"({"execution":"single"})";
    return info;
  }
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (prepared->insert) {
      std::vector<std::shared_ptr<const duckdb::Parameters>> rows;
      {
        std::lock_guard lock(prepared->mu);
        rows = prepared->rows;
      }
      return RunUpdateAsQuery(descriptor, *prepared->insert, rows, prepared->scope);
    }
    HANGAR_ASSIGN_OR_RETURN(auto schema, PreparedResultSchema(*prepared));
    return StatementInfo(descriptor, WithColumnMetadata(*schema, prepared->sources),
                         StatementHandle(RandomId(), nullptr, nullptr, &command.prepared_statement_handle()));
  }
  if (IsMetadataCommand(any)) {
    HANGAR_ASSIGN_OR_RETURN(auto schema, MetadataSchema(any));
    flight::FlightInfo info;
    info.schema = std::move(schema);
    info.descriptor = descriptor;
    info.endpoints.push_back({flight::Ticket{descriptor.cmd}, {}, std::nullopt, ""});  // the command is its own ticket
    return info;
  }
  if (any.Is<pb::CommandStatementSubstraitPlan>()) return Unsupported("Substrait plans");
  return Status::Invalid("Flight SQL command " + any.type_url().substr(kTypePrefix.size()) +
                         " cannot be used with GetFlightInfo");
}

Result<arrow::SchemaPtr> FlightSqlService::GetSchema(const flight::ServerCallContext& context, const Call& call) {
  const Any& any = *call.any;
  if (any.Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::CommandStatementQuery>(call, any));
    HANGAR_RETURN_NOT_OK(CheckQuery(command->query()));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command->query()));
    if (insert) return WithColumnMetadata(*CountSchema());
    std::vector<ColumnSource> sources;
    HANGAR_ASSIGN_OR_RETURN(auto schemas, engine_->Describe(command->query(), call.scope, &sources, 0, call.parsed()));
    return WithColumnMetadata(*schemas.result, sources);
  }
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (prepared->insert) return WithColumnMetadata(*CountSchema());
    HANGAR_ASSIGN_OR_RETURN(auto schema, PreparedResultSchema(*prepared));
    return WithColumnMetadata(*schema, prepared->sources);
  }
  if (IsMetadataCommand(any)) return MetadataSchema(any);
  return Status::Invalid("Flight SQL command " + any.type_url().substr(kTypePrefix.size()) +
                         " cannot be used with GetSchema");
}

Status FlightSqlService::DoGet(const flight::ServerCallContext& context, const Call& call,
                               flight::FlightStreamWriter* out) {
  const Any& any = *call.any;
  if (IsMetadataCommand(any)) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, RunMetadataCommand(*engine_, any));
    HANGAR_RETURN_NOT_OK(out->Begin(batch->schema));
    return out->WriteRecordBatch(*batch);
  }
  if (!any.Is<pb::TicketStatementQuery>())
    return Status::Invalid("Flight SQL message " + any.type_url().substr(kTypePrefix.size()) + " is not a ticket");
  if (!call.handle) return Status::Internal("a statement ticket the call did not decode");
  const Handle& handle = *call.handle;
  if (handle.count) {
    arrow::PrimitiveBuilder<int64_t> count(arrow::int64());
    count.Append(*handle.count);
    HANGAR_ASSIGN_OR_RETURN(auto column, count.Finish());
    auto batch = arrow::MakeRecordBatch(WithColumnMetadata(*CountSchema()), 1, {column});
    HANGAR_RETURN_NOT_OK(out->Begin(batch->schema));
    return out->WriteRecordBatch(*batch);
  }
  const std::string query = handle.prepared ? handle.prepared->query : *handle.query;
  const Scope scope = handle.prepared ? handle.prepared->scope : handle.scope;
  HANGAR_RETURN_NOT_OK(CheckQuery(query));
  auto cancelled = [&context] { return context.is_cancelled(); };
  std::vector<std::shared_ptr<const duckdb::Parameters>> rows;
  if (handle.prepared) {
    std::lock_guard lock(handle.prepared->mu);
    rows = handle.prepared->rows;
  }
  if (rows.empty()) {
    // A query checked for permissions runs from that check's parse.
    const ParsedQuery* parsed = handle.prepared ? nullptr : call.parsed();
    HANGAR_ASSIGN_OR_RETURN(auto source,
                            engine_->Run(handle.run, query, nullptr, cancelled, handle.partition, scope, parsed));
    return StreamSource(*source, handle.prepared ? handle.prepared->sources : handle.sources, out);
  }
  // Each bound row runs the query once; the results follow one another.
  for (const auto& row : rows) {
    HANGAR_ASSIGN_OR_RETURN(auto source, engine_->Run(handle.run, query, row.get(), cancelled, std::nullopt, scope));
    HANGAR_RETURN_NOT_OK(StreamSource(*source, handle.prepared->sources, out));
  }
  return Status::OK();
}

Status FlightSqlService::DoPut(const flight::ServerCallContext& context, const Call& call,
                               flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  const Any& any = *call.any;
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    // Parameter rows to bind, for a query or an update run as one.
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    HANGAR_ASSIGN_OR_RETURN(auto bound, ReadParameterRows(in, prepared->schemas.parameters->num_fields()));
    {
      // The new rows replace the old ones in the statement's charge (unless
      // it was closed meanwhile: then nothing is charged).
      std::lock_guard lock(mu_);
      auto open = prepared_.find(command.prepared_statement_handle());
      if (open == prepared_.end() || open->second != prepared)
        return Status::NotFound("the prepared statement was closed while its parameters arrived");
      const int64_t before = prepared->bytes;
      const int64_t after = static_cast<int64_t>(prepared->query.size()) + bound.bytes;
      HANGAR_RETURN_NOT_OK(ChargePrepared(after - before));
      prepared->bytes = after;
    }
    {
      std::lock_guard lock(prepared->mu);
      prepared->rows = std::move(bound.rows);
    }
    pb::DoPutPreparedStatementResult result;
    result.set_prepared_statement_handle(command.prepared_statement_handle());
    return out->Write(result.SerializeAsString());
  }
  if (any.Is<pb::CommandStatementUpdate>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::CommandStatementUpdate>(call, any));
    if (command->has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(command->query()));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command->query()));
    if (!insert) return NotAnInsert();
    HANGAR_ASSIGN_OR_RETURN(auto rows, engine_->Insert(RandomId(), *insert, {}, call.scope));
    return WriteUpdateResult(rows, out);
  }
  if (any.Is<pb::CommandPreparedStatementUpdate>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementUpdate>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (!prepared->insert) return Status::Invalid("the prepared statement is a query, not an update");
    HANGAR_ASSIGN_OR_RETURN(auto bound, ReadParameterRows(in, prepared->schemas.parameters->num_fields()));
    if (bound.rows.empty()) {  // parameters bound before, or none
      std::lock_guard lock(prepared->mu);
      bound.rows = prepared->rows;
    }
    HANGAR_ASSIGN_OR_RETURN(auto written, engine_->Insert(RandomId(), *prepared->insert, bound.rows, prepared->scope));
    return WriteUpdateResult(written, out);
  }
  if (any.Is<pb::CommandStatementIngest>())
    return Status::FailedPrecondition("bulk ingest is taken by Hangar's table service, which is not running here");
  if (any.Is<pb::CommandStatementSubstraitPlan>()) return Unsupported("Substrait plans");
  return Status::Invalid("Flight SQL command " + any.type_url().substr(kTypePrefix.size()) +
                         " cannot be used with DoPut");
}

Result<std::vector<flight::ActionResult>> FlightSqlService::CancelAction(const Call& call,
                                                                         const flight::Action& action) {
  flight::FlightInfo info;
  if (action.type == "CancelFlightInfo") {
    ::arrow::flight::protocol::CancelFlightInfoRequest request;
    if (!request.ParseFromString(action.body)) return Status::Invalid("CancelFlightInfo: malformed request");
    HANGAR_ASSIGN_OR_RETURN(info, flight::FromProto(request.info()));
  } else {
    if (!call.any) return call.not_any;
    HANGAR_ASSIGN_OR_RETURN(auto request, Unpack<pb::ActionCancelQueryRequest>(*call.any));
    ::arrow::flight::protocol::FlightInfo proto;
    if (!proto.ParseFromString(request.info())) return Status::Invalid("CancelQuery: malformed FlightInfo");
    HANGAR_ASSIGN_OR_RETURN(info, flight::FromProto(proto));
  }
  bool cancelled = false, known = false;
  for (const auto& endpoint : info.endpoints) {
    auto any = ParseAny(endpoint.ticket.ticket);
    if (!any.ok() || !any->Is<pb::TicketStatementQuery>()) continue;
    HANGAR_ASSIGN_OR_RETURN(auto ticket, Unpack<pb::TicketStatementQuery>(*any));
    auto handle = ParseClientJson(ticket.statement_handle());
    if (!handle.is_object() || !handle.contains("run")) continue;
    known = true;
    cancelled = engine_->Cancel(handle.value("run", "")) || cancelled;
  }
  if (!known) return Status::Invalid(action.type + ": the FlightInfo is not one of a Flight SQL query");
  // A query not running (finished, or its ticket not redeemed yet) has nothing to cancel.
  if (action.type == "CancelQuery") {
    constexpr int kCancelled = 1, kNotCancellable = 3;  // ActionCancelQueryResult.CancelResult
    pb::ActionCancelQueryResult result;
    result.set_result(cancelled ? kCancelled : kNotCancellable);
    return std::vector<flight::ActionResult>{{Pack(result)}};
  }
  ::arrow::flight::protocol::CancelFlightInfoResult result;
  result.set_status(cancelled ? ::arrow::flight::protocol::CANCEL_STATUS_CANCELLED
                              : ::arrow::flight::protocol::CANCEL_STATUS_NOT_CANCELLABLE);
  return std::vector<flight::ActionResult>{{result.SerializeAsString()}};
}

Result<std::vector<flight::ActionResult>> FlightSqlService::SessionAction(const flight::ServerCallContext& context,
                                                                          const flight::Action& action) {
  namespace fp = ::arrow::flight::protocol;
  if (action.type == "SetSessionOptions") {
    fp::SetSessionOptionsRequest request;
    if (!request.ParseFromString(action.body)) return Status::Invalid("SetSessionOptions: malformed request");
    SessionOptions options = sessions_.Find(context);
    fp::SetSessionOptionsResult result;
    auto refuse = [&](const std::string& name, fp::SetSessionOptionsResult::ErrorValue why) {
      (*result.mutable_errors())[name].set_value(why);
    };
    for (const auto& [name, value] : request.session_options()) {
      const bool unset = value.option_value_case() == fp::SessionOptionValue::OPTION_VALUE_NOT_SET;
      if (!unset && value.option_value_case() != fp::SessionOptionValue::kStringValue) {
        refuse(name, fp::SetSessionOptionsResult::INVALID_VALUE);
      } else if (name == "schema") {
        if (unset) {
          options.schema.reset();
        } else if (auto schema = SchemaNamed(value.string_value()); schema.ok()) {
          options.schema = *schema;
        } else {
          refuse(name, fp::SetSessionOptionsResult::INVALID_VALUE);
        }
      } else if (name == "catalog") {
        // Hangar has no catalogs: the current one is always "".
        if (!unset && !value.string_value().empty()) refuse(name, fp::SetSessionOptionsResult::INVALID_VALUE);
      } else {
        refuse(name, fp::SetSessionOptionsResult::INVALID_NAME);
      }
    }
    HANGAR_RETURN_NOT_OK(sessions_.Store(context, std::move(options)));
    return std::vector<flight::ActionResult>{{result.SerializeAsString()}};
  }
  if (action.type == "GetSessionOptions") {
    fp::GetSessionOptionsResult result;
    auto& options = *result.mutable_session_options();
    options["schema"].set_string_value(ScopeOf(context).schema);
    options["catalog"].set_string_value("");
    return std::vector<flight::ActionResult>{{result.SerializeAsString()}};
  }
  // CloseSession: closed, whether or not there was one (a driver closes the
  // session of every connection, even one that never set an option).
  sessions_.Close(context);
  fp::CloseSessionResult result;
  result.set_status(fp::CloseSessionResult::CLOSED);
  return std::vector<flight::ActionResult>{{result.SerializeAsString()}};
}

Result<std::vector<flight::ActionResult>> FlightSqlService::DoAction(const flight::ServerCallContext& context,
                                                                     const Call& call, const flight::Action& action) {
  if (action.type == "CancelFlightInfo" || action.type == "CancelQuery") return CancelAction(call, action);
  if (action.type == "SetSessionOptions" || action.type == "GetSessionOptions" || action.type == "CloseSession")
    return SessionAction(context, action);
  if (action.type == "CreatePreparedSubstraitPlan") return Unsupported("Substrait plans");
  if (IsUnsupportedSqlAction(action.type)) return Unsupported("transactions");
  if (!call.any) return call.not_any;
  const Any& any = *call.any;
  if (action.type == "CreatePreparedStatement") {
    HANGAR_ASSIGN_OR_RETURN(auto command, CommandOf<pb::ActionCreatePreparedStatementRequest>(call, any));
    const auto& request = *command;
    if (request.has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(request.query()));
    {
      std::lock_guard lock(mu_);
      HANGAR_RETURN_NOT_OK(CheckPreparedRoom(context.user()));
    }
    auto prepared = std::make_shared<Prepared>();
    prepared->query = request.query();
    prepared->scope = call.scope;
    prepared->user = context.user();
    HANGAR_ASSIGN_OR_RETURN(prepared->insert, ParseInsert(request.query()));
    if (prepared->insert) {  // no result; the parameters are its query's
      HANGAR_RETURN_NOT_OK(engine_->InsertTarget(*prepared->insert, prepared->scope).status());
      HANGAR_ASSIGN_OR_RETURN(prepared->schemas, engine_->DescribeInsert(*prepared->insert, prepared->scope));
      prepared->schemas.result = arrow::schema({});
    } else {
      HANGAR_ASSIGN_OR_RETURN(
          prepared->schemas, engine_->Describe(request.query(), prepared->scope, &prepared->sources, 0, call.parsed()));
    }
    pb::ActionCreatePreparedStatementResult result;
    const std::string handle = RandomId();
    result.set_prepared_statement_handle(handle);
    result.set_is_update(prepared->insert.has_value());
    HANGAR_ASSIGN_OR_RETURN(
        auto dataset, arrow::ipc::SerializeSchema(*WithColumnMetadata(*prepared->schemas.result, prepared->sources)));
    result.set_dataset_schema(dataset);
    if (prepared->schemas.parameters->num_fields() > 0) {
      HANGAR_ASSIGN_OR_RETURN(auto parameters, arrow::ipc::SerializeSchema(*prepared->schemas.parameters));
      result.set_parameter_schema(parameters);
    }
    {
      // Checked again: others may have prepared meanwhile (DuckDB took its time).
      std::lock_guard lock(mu_);
      HANGAR_RETURN_NOT_OK(CheckPreparedRoom(context.user()));
      HANGAR_RETURN_NOT_OK(ChargePrepared(static_cast<int64_t>(prepared->query.size())));
      prepared->bytes = static_cast<int64_t>(prepared->query.size());
      prepared->last_used = std::chrono::steady_clock::now();
      prepared_[handle] = std::move(prepared);
    }
    return std::vector<flight::ActionResult>{{Pack(result)}};
  }
  if (action.type == "ClosePreparedStatement") {
    HANGAR_ASSIGN_OR_RETURN(auto request, Unpack<pb::ActionClosePreparedStatementRequest>(any));
    HANGAR_RETURN_NOT_OK(FindPrepared(context, request.prepared_statement_handle()).status());
    std::lock_guard lock(mu_);
    auto it = prepared_.find(request.prepared_statement_handle());
    if (it != prepared_.end()) {
      prepared_bytes_ -= it->second->bytes;
      prepared_.erase(it);
    }
    return std::vector<flight::ActionResult>{};
  }
  return Status::Invalid("unknown Flight SQL action " + action.type);
}

}  // namespace hangar::sql
