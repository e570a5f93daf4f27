#include "sql/flight_sql.h"

#include <google/protobuf/any.pb.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "arrow/ipc/schema_message.h"
#include "base/client_json.h"
#include "flight/proto/Flight.pb.h"
#include "flight/protocol.h"
#include "flight/rpc_metrics.h"
#include "sql/metadata_commands.h"
#include "sql/proto/FlightSql.pb.h"

namespace hangar::sql {

namespace pb = ::arrow::flight::protocol::sql;
using google::protobuf::Any;

struct FlightSqlService::Prepared {
  std::chrono::steady_clock::time_point last_used;  // guarded by FlightSqlService::mu_
  std::string query;
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

// 128 random bits in hex: handles nobody can guess.
std::string RandomId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// The handle inside a statement ticket.
std::string StatementHandle(const std::string& run_id, const std::string* query, const std::string* prepared) {
  nlohmann::json json{{"run", run_id}};
  if (query) json["query"] = *query;
  if (prepared) json["prepared"] = *prepared;
  return json.dump();
}

Status NotAnInsert() {
  return Status::Invalid("the only update Hangar's SQL takes is INSERT INTO a table (SELECT or VALUES); "
                         "tables are created and dropped with the CreateTable and DropTable actions");
}

Status Unsupported(const std::string& what) {
  return Status::Unimplemented(what + " is not supported by Hangar's Flight SQL");
}

Status NotAQuery() {
  return Status::Invalid("the prepared statement is an update (INSERT): execute it with DoPut and "
                         "CommandPreparedStatementUpdate");
}

// The PutResult of an update: DoPutUpdateResult (not Any-wrapped, as the specification has it).
Status WriteUpdateResult(int64_t rows, flight::PutResultWriter* out) {
  pb::DoPutUpdateResult result;
  result.set_record_count(rows);
  return out->Write(result.SerializeAsString());
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

Status StreamSource(arrow::RecordBatchSource& source, flight::FlightStreamWriter* out) {
  if (!out->started()) HANGAR_RETURN_NOT_OK(out->Begin(source.schema()));
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

bool FlightSqlService::IsFlightSql(std::string_view bytes) { return ParseAny(bytes).ok(); }

bool FlightSqlService::IsFlightSqlAction(std::string_view type) {
  for (const auto& action : Actions())
    if (action.type == type) return true;
  return type == "CancelQuery";
}

std::vector<flight::ActionType> FlightSqlService::Actions() {
  return {
      {"CreatePreparedStatement", "Flight SQL: prepare a query (ActionCreatePreparedStatementRequest)"},
      {"ClosePreparedStatement", "Flight SQL: release a prepared statement (ActionClosePreparedStatementRequest)"},
      {"CancelFlightInfo", "Cancel the query behind a FlightInfo (CancelFlightInfoRequest)"},
  };
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
      "expire after " + std::to_string(std::chrono::duration_cast<std::chrono::minutes>(kPreparedTimeout).count()) +
      " minutes";
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

Result<std::string> FlightSqlService::QueryOfHandle(const flight::ServerCallContext& context, const std::string& handle,
                                                    std::shared_ptr<Prepared>* prepared) {
  auto json = ParseClientJson(handle);
  if (!json.is_object()) return Status::Invalid("malformed statement handle");
  if (json.contains("query") && json["query"].is_string()) return json["query"].get<std::string>();
  if (json.contains("prepared") && json["prepared"].is_string()) {
    HANGAR_ASSIGN_OR_RETURN(*prepared, FindPrepared(context, json["prepared"].get<std::string>()));
    return (*prepared)->query;
  }
  return Status::Invalid("malformed statement handle");
}

Result<flight::AccessRequest> FlightSqlService::AccessFor(const flight::ServerCallContext& context,
                                                          const flight::CallRequest& request) {
  flight::AccessRequest access{flight::auth::Access::kRead, "", {}, true};
  auto reads = [&](const std::string& sql) -> Status {
    HANGAR_RETURN_NOT_OK(CheckQuery(sql));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(sql));
    std::vector<store::QualifiedName> names;
    if (insert) {
      HANGAR_ASSIGN_OR_RETURN(auto target, engine_->InsertTarget(*insert));
      access = flight::AccessRequest{flight::auth::Access::kWrite, target.ToString(), {}, false};
      HANGAR_ASSIGN_OR_RETURN(names, engine_->InsertReads(*insert));
    } else {
      HANGAR_ASSIGN_OR_RETURN(names, engine_->RelationsRead(sql));
    }
    for (const auto& name : names) access.reads.push_back(name.ToString());
    return Status::OK();
  };
  std::string_view bytes;
  if (request.ticket) bytes = request.ticket->ticket;
  else if (request.descriptor) bytes = request.descriptor->cmd;
  else if (request.action) bytes = request.action->body;
  auto any = ParseAny(bytes);
  if (!any.ok()) return access;  // CancelFlightInfo's body, or an error the handler reports
  if (any->Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandStatementQuery>(*any));
    HANGAR_RETURN_NOT_OK(reads(command.query()));
  } else if (any->Is<pb::ActionCreatePreparedStatementRequest>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::ActionCreatePreparedStatementRequest>(*any));
    HANGAR_RETURN_NOT_OK(reads(command.query()));
  } else if (any->Is<pb::TicketStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto ticket, Unpack<pb::TicketStatementQuery>(*any));
    std::shared_ptr<Prepared> prepared;
    HANGAR_ASSIGN_OR_RETURN(auto query, QueryOfHandle(context, ticket.statement_handle(), &prepared));
    HANGAR_RETURN_NOT_OK(reads(query));
  } else if (any->Is<pb::CommandStatementUpdate>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandStatementUpdate>(*any));
    HANGAR_RETURN_NOT_OK(CheckQuery(command.query()));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command.query()));
    if (!insert) return NotAnInsert();
    HANGAR_RETURN_NOT_OK(reads(command.query()));
  }
  // Prepared statements were checked when made, and belong to their maker.
  return access;
}

Result<flight::FlightInfo> FlightSqlService::GetFlightInfo(const flight::ServerCallContext& context,
                                                           const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(descriptor.cmd));
  if (any.Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandStatementQuery>(any));
    if (command.has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(command.query()));
    if (placement_) {
      HANGAR_ASSIGN_OR_RETURN(auto partitioned, PartitionedStatementInfo(descriptor, command.query()));
      if (partitioned) return std::move(*partitioned);
    }
    const std::string run_id = RandomId();
    HANGAR_ASSIGN_OR_RETURN(auto schema, engine_->Plan(run_id, command.query()));
    auto info = StatementInfo(descriptor, schema, StatementHandle(run_id, &command.query(), nullptr));
    if (placement_) info.app_metadata = R"({"execution":"single"})";
    return info;
  }
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (prepared->insert) return NotAQuery();
    return StatementInfo(descriptor, prepared->schemas.result,
                         StatementHandle(RandomId(), nullptr, &command.prepared_statement_handle()));
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

Result<std::optional<flight::FlightInfo>> FlightSqlService::PartitionedStatementInfo(
    const flight::FlightDescriptor& descriptor, const std::string& query) {
  HANGAR_ASSIGN_OR_RETURN(auto topic, engine_->PureTopicScan(query));
  if (!topic) return std::optional<flight::FlightInfo>();
  HANGAR_ASSIGN_OR_RETURN(auto schemas, engine_->Describe(query));
  HANGAR_ASSIGN_OR_RETURN(auto partitions, engine_->TopicPartitions(topic->name));
  flight::FlightInfo info;
  info.schema = schemas.result;
  info.descriptor = descriptor;
  for (int32_t partition : partitions) {
    nlohmann::json handle = {{"run", RandomId()}, {"query", query}, {"partition", partition}};
    pb::TicketStatementQuery ticket;
    ticket.set_statement_handle(handle.dump());
    info.endpoints.push_back({flight::Ticket{Pack(ticket)}, placement_(topic->name, partition), std::nullopt, ""});
  }
  info.app_metadata = nlohmann::json{{"execution", "partitioned"},
                                     {"topic", topic->ToString()},
                                     {"endpoints", partitions.size()}}
                          .dump();
  return std::optional<flight::FlightInfo>(std::move(info));
}

Result<arrow::SchemaPtr> FlightSqlService::GetSchema(const flight::ServerCallContext& context,
                                                     const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(descriptor.cmd));
  if (any.Is<pb::CommandStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandStatementQuery>(any));
    HANGAR_RETURN_NOT_OK(CheckQuery(command.query()));
    HANGAR_ASSIGN_OR_RETURN(auto schemas, engine_->Describe(command.query()));
    return schemas.result;
  }
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    return prepared->schemas.result;
  }
  if (IsMetadataCommand(any)) return MetadataSchema(any);
  return Status::Invalid("Flight SQL command " + any.type_url().substr(kTypePrefix.size()) +
                         " cannot be used with GetSchema");
}

Status FlightSqlService::DoGet(const flight::ServerCallContext& context, const flight::Ticket& ticket,
                               flight::FlightStreamWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(ticket.ticket));
  if (IsMetadataCommand(any)) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, RunMetadataCommand(*engine_, any));
    HANGAR_RETURN_NOT_OK(out->Begin(batch->schema));
    return out->WriteRecordBatch(*batch);
  }
  if (!any.Is<pb::TicketStatementQuery>())
    return Status::Invalid("Flight SQL message " + any.type_url().substr(kTypePrefix.size()) + " is not a ticket");
  HANGAR_ASSIGN_OR_RETURN(auto statement, Unpack<pb::TicketStatementQuery>(any));
  auto handle = ParseClientJson(statement.statement_handle());
  const std::string run_id = handle.is_object() ? handle.value("run", "") : "";
  std::shared_ptr<Prepared> prepared;
  HANGAR_ASSIGN_OR_RETURN(auto query, QueryOfHandle(context, statement.statement_handle(), &prepared));
  HANGAR_RETURN_NOT_OK(CheckQuery(query));
  auto cancelled = [&context] { return context.is_cancelled(); };
  std::vector<std::shared_ptr<const duckdb::Parameters>> rows;
  if (prepared) {
    std::lock_guard lock(prepared->mu);
    rows = prepared->rows;
  }
  std::optional<int32_t> partition;
  if (handle.is_object() && handle.contains("partition") && handle["partition"].is_number_integer())
    partition = handle["partition"].get<int32_t>();
  if (rows.empty()) {
    HANGAR_ASSIGN_OR_RETURN(auto source, engine_->Run(run_id, query, nullptr, cancelled, partition));
    return StreamSource(*source, out);
  }
  // Each bound row runs the query once; the results follow one another.
  for (const auto& row : rows) {
    HANGAR_ASSIGN_OR_RETURN(auto source, engine_->Run(run_id, query, row.get(), cancelled));
    HANGAR_RETURN_NOT_OK(StreamSource(*source, out));
  }
  return Status::OK();
}

Status FlightSqlService::DoPut(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                               flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(descriptor.cmd));
  if (any.Is<pb::CommandPreparedStatementQuery>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementQuery>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (prepared->insert) return NotAQuery();
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
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandStatementUpdate>(any));
    if (command.has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(command.query()));
    HANGAR_ASSIGN_OR_RETURN(auto insert, ParseInsert(command.query()));
    if (!insert) return NotAnInsert();
    HANGAR_ASSIGN_OR_RETURN(auto rows, engine_->Insert(RandomId(), *insert, {}));
    return WriteUpdateResult(rows, out);
  }
  if (any.Is<pb::CommandPreparedStatementUpdate>()) {
    HANGAR_ASSIGN_OR_RETURN(auto command, Unpack<pb::CommandPreparedStatementUpdate>(any));
    HANGAR_ASSIGN_OR_RETURN(auto prepared, FindPrepared(context, command.prepared_statement_handle()));
    if (!prepared->insert) return Status::Invalid("the prepared statement is a query, not an update");
    HANGAR_ASSIGN_OR_RETURN(auto bound, ReadParameterRows(in, prepared->schemas.parameters->num_fields()));
    HANGAR_ASSIGN_OR_RETURN(auto written, engine_->Insert(RandomId(), *prepared->insert, bound.rows));
    return WriteUpdateResult(written, out);
  }
  if (any.Is<pb::CommandStatementSubstraitPlan>()) return Unsupported("Substrait plans");
  return Status::Invalid("Flight SQL command " + any.type_url().substr(kTypePrefix.size()) +
                         " cannot be used with DoPut");
}

Result<std::vector<flight::ActionResult>> FlightSqlService::DoAction(const flight::ServerCallContext& context,
                                                                     const flight::Action& action) {
  if (action.type == "CancelFlightInfo" || action.type == "CancelQuery") {
    flight::FlightInfo info;
    if (action.type == "CancelFlightInfo") {
      ::arrow::flight::protocol::CancelFlightInfoRequest request;
      if (!request.ParseFromString(action.body)) return Status::Invalid("CancelFlightInfo: malformed request");
      HANGAR_ASSIGN_OR_RETURN(info, flight::FromProto(request.info()));
    } else {
      HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(action.body));
      HANGAR_ASSIGN_OR_RETURN(auto request, Unpack<pb::ActionCancelQueryRequest>(any));
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
      pb::ActionCancelQueryResult result;
      result.set_result(cancelled ? 1 : 0);
      return std::vector<flight::ActionResult>{{Pack(result)}};
    }
    ::arrow::flight::protocol::CancelFlightInfoResult result;
    result.set_status(cancelled ? ::arrow::flight::protocol::CANCEL_STATUS_CANCELLED
                                : ::arrow::flight::protocol::CANCEL_STATUS_NOT_CANCELLABLE);
    return std::vector<flight::ActionResult>{{result.SerializeAsString()}};
  }
  HANGAR_ASSIGN_OR_RETURN(auto any, ParseAny(action.body));
  if (action.type == "CreatePreparedStatement") {
    HANGAR_ASSIGN_OR_RETURN(auto request, Unpack<pb::ActionCreatePreparedStatementRequest>(any));
    if (request.has_transaction_id()) return Unsupported("transactions");
    HANGAR_RETURN_NOT_OK(CheckQuery(request.query()));
    {
      std::lock_guard lock(mu_);
      HANGAR_RETURN_NOT_OK(CheckPreparedRoom(context.user()));
    }
    auto prepared = std::make_shared<Prepared>();
    prepared->query = request.query();
    prepared->user = context.user();
    HANGAR_ASSIGN_OR_RETURN(prepared->insert, ParseInsert(request.query()));
    if (prepared->insert) {  // no result; the parameters are its query's
      HANGAR_RETURN_NOT_OK(engine_->InsertTarget(*prepared->insert).status());
      HANGAR_ASSIGN_OR_RETURN(prepared->schemas, engine_->Describe(prepared->insert->query));
      prepared->schemas.result = arrow::schema({});
    } else {
      HANGAR_ASSIGN_OR_RETURN(prepared->schemas, engine_->Describe(request.query()));
    }
    pb::ActionCreatePreparedStatementResult result;
    const std::string handle = RandomId();
    result.set_prepared_statement_handle(handle);
    HANGAR_ASSIGN_OR_RETURN(auto dataset, arrow::ipc::SerializeSchema(*prepared->schemas.result));
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
  if (action.type == "CreatePreparedSubstraitPlan") return Unsupported("Substrait plans");
  if (action.type == "BeginTransaction" || action.type == "EndTransaction" || action.type == "BeginSavepoint" ||
      action.type == "EndSavepoint")
    return Unsupported("transactions");
  return Status::Invalid("unknown Flight SQL action " + action.type);
}

}  // namespace hangar::sql
