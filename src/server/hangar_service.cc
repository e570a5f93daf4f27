#include "server/hangar_service.h"

#include <nlohmann/json.hpp>

namespace hangar::server {

using flight::auth::Access;

namespace {

// The first difference between the table's schema and a stream's, in words.
std::string SchemaMismatch(const arrow::Schema& table, const arrow::Schema& stream) {
  const int n = std::min(table.num_fields(), stream.num_fields());
  for (int i = 0; i < n; ++i) {
    const auto& a = *table.field(i);
    const auto& b = *stream.field(i);
    if (a.name() != b.name())
      return "field " + std::to_string(i) + " is '" + a.name() + "' in the table but '" + b.name() + "' in the stream";
    if (!a.Equals(b, false))
      return "field '" + a.name() + "' is " + a.ToString() + " in the table but " + b.ToString() + " in the stream";
  }
  if (table.num_fields() != stream.num_fields())
    return "the table has " + std::to_string(table.num_fields()) + " fields, the stream " +
           std::to_string(stream.num_fields());
  return "";
}

}  // namespace

HangarService::HangarService() = default;

std::string HangarService::TicketFor(const QualifiedName& name) {
  return nlohmann::json{{"table", name.ToString()}}.dump();
}

Result<QualifiedName> HangarService::ParseTicket(std::string_view ticket) {
  if (!ticket.empty() && ticket.front() == '{') {
    auto json = nlohmann::json::parse(ticket, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("table") || !json["table"].is_string())
      return Status::Invalid("ticket is JSON but not a Hangar ticket ({\"table\": \"namespace.name\"})");
    return ParseQualifiedName(json["table"].get<std::string>());
  }
  return ParseQualifiedName(ticket);
}

Result<QualifiedName> HangarService::TableOf(const flight::FlightDescriptor& descriptor) const {
  if (descriptor.type != flight::FlightDescriptor::Type::kPath)
    return Status::Invalid("Hangar names tables by path descriptors; got " + descriptor.ToString());
  HANGAR_ASSIGN_OR_RETURN(auto name, NameFromPath(descriptor.path));
  return name;
}

Result<HangarService::Snapshot> HangarService::Find(const QualifiedName& name) const {
  std::lock_guard lock(mu_);
  auto it = datasets_.find(name);
  if (it == datasets_.end()) return Status::NotFound("no table '" + name.ToString() + "'");
  return it->second;
}

Result<flight::AccessRequest> HangarService::AccessFor(const flight::ServerCallContext&,
                                                       const flight::CallRequest& request) {
  using flight::FlightMethod;
  switch (request.method) {
    case FlightMethod::kDoGet: {
      HANGAR_ASSIGN_OR_RETURN(auto name, ParseTicket(request.ticket->ticket));
      return flight::AccessRequest{Access::kRead, name.ToString()};
    }
    case FlightMethod::kDoAction: {
      const auto& action = *request.action;
      if (action.type == "ListTables") return flight::AccessRequest{Access::kRead, "*"};
      if (action.type == "drop_dataset") {
        HANGAR_ASSIGN_OR_RETURN(auto name, ParseQualifiedName(action.body));
        return flight::AccessRequest{Access::kAdmin, name.ToString()};
      }
      if (action.type == "DropTable") {
        auto body = nlohmann::json::parse(action.body, nullptr, false);
        if (body.is_object() && body.contains("name") && body["name"].is_string()) {
          HANGAR_ASSIGN_OR_RETURN(auto name, ParseQualifiedName(body["name"].get<std::string>()));
          return flight::AccessRequest{Access::kAdmin, name.ToString()};
        }
      }
      return flight::AccessRequest{Access::kAdmin, "*"};
    }
    case FlightMethod::kListActions: return flight::AccessRequest{Access::kRead, "*"};
    case FlightMethod::kDoPut:
    case FlightMethod::kDoExchange: {
      HANGAR_ASSIGN_OR_RETURN(auto name, TableOf(*request.descriptor));
      return flight::AccessRequest{Access::kWrite, name.ToString()};
    }
    default: {
      HANGAR_ASSIGN_OR_RETURN(auto name, TableOf(*request.descriptor));
      return flight::AccessRequest{Access::kRead, name.ToString()};
    }
  }
}

flight::FlightInfo HangarService::InfoFor(const QualifiedName& name, const Dataset& dataset) const {
  flight::FlightInfo info;
  info.schema = dataset.schema;
  info.descriptor = name.ns == kDefaultNamespace ? flight::FlightDescriptor::Path({name.name})
                                                 : flight::FlightDescriptor::Path({name.ns, name.name});
  info.endpoints.push_back({flight::Ticket{TicketFor(name)}, {}, std::nullopt, ""});
  info.total_records = dataset.rows;
  info.total_bytes = dataset.bytes;
  info.ordered = true;
  return info;
}

Result<std::vector<flight::FlightInfo>> HangarService::ListFlights(const flight::ServerCallContext&,
                                                                   const flight::Criteria&) {
  std::lock_guard lock(mu_);
  std::vector<flight::FlightInfo> out;
  for (const auto& [name, dataset] : datasets_) out.push_back(InfoFor(name, *dataset));
  return out;
}

Result<flight::FlightInfo> HangarService::GetFlightInfo(const flight::ServerCallContext&,
                                                        const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto name, TableOf(descriptor));
  HANGAR_ASSIGN_OR_RETURN(auto dataset, Find(name));
  flight::FlightInfo info = InfoFor(name, *dataset);
  info.descriptor = descriptor;  // echoed as asked
  return info;
}

Result<arrow::SchemaPtr> HangarService::GetSchema(const flight::ServerCallContext&,
                                                  const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto name, TableOf(descriptor));
  HANGAR_ASSIGN_OR_RETURN(auto dataset, Find(name));
  return dataset->schema;
}

Status HangarService::DoGet(const flight::ServerCallContext&, const flight::Ticket& ticket,
                            flight::FlightStreamWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto name, ParseTicket(ticket.ticket));
  HANGAR_ASSIGN_OR_RETURN(auto dataset, Find(name));
  HANGAR_RETURN_NOT_OK(out->Begin(dataset->schema));
  for (const auto& batch : dataset->batches) HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*batch));
  return Status::OK();
}

Status HangarService::DoPut(const flight::ServerCallContext&, const flight::FlightDescriptor& descriptor,
                            flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto name, TableOf(descriptor));
  if (name.ns == kKafkaNamespace) return Status::Invalid("no table may be created in the 'kafka' namespace");
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  {
    std::lock_guard lock(mu_);
    auto it = datasets_.find(name);
    if (it != datasets_.end()) {
      std::string mismatch = SchemaMismatch(*it->second->schema, *schema);
      if (!mismatch.empty())
        return Status::Invalid("schema of the stream does not match table '" + name.ToString() + "': " + mismatch);
    }
  }
  std::vector<arrow::RecordBatchPtr> batches;
  int64_t rows = 0, bytes = 0;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto chunk, in->Next());
    if (chunk.end()) break;
    if (chunk.data == nullptr) continue;
    rows += chunk.data->num_rows;
    bytes += arrow::TotalBufferSize(*chunk.data);
    batches.push_back(std::move(chunk.data));
  }
  // Publish: readers see all of this stream's batches or none of them.
  std::lock_guard lock(mu_);
  auto next = std::make_shared<Dataset>();
  auto it = datasets_.find(name);
  if (it != datasets_.end()) {
    // Re-checked: another DoPut may have created the table meanwhile.
    std::string mismatch = SchemaMismatch(*it->second->schema, *schema);
    if (!mismatch.empty())
      return Status::Invalid("schema of the stream does not match table '" + name.ToString() + "': " + mismatch);
    *next = *it->second;
  } else {
    next->schema = schema;
  }
  next->batches.insert(next->batches.end(), batches.begin(), batches.end());
  next->rows += rows;
  next->bytes += bytes;
  datasets_[name] = std::move(next);
  nlohmann::json result = {{"table", name.ToString()}, {"rows", rows}};
  return out->Write(result.dump());
}

Status HangarService::Drop(std::string_view text) {
  HANGAR_ASSIGN_OR_RETURN(auto name, ParseQualifiedName(text));
  std::lock_guard lock(mu_);
  if (datasets_.erase(name) == 0) return Status::NotFound("no table '" + name.ToString() + "'");
  return Status::OK();
}

Result<std::vector<flight::ActionResult>> HangarService::DoAction(const flight::ServerCallContext& context,
                                                                  const flight::Action& action) {
  if (action.type == "ListTables") {
    nlohmann::json names = nlohmann::json::array();
    std::lock_guard lock(mu_);
    for (const auto& [name, dataset] : datasets_) names.push_back(name.ToString());
    return std::vector<flight::ActionResult>{{names.dump()}};
  }
  if (action.type == "drop_dataset") {
    HANGAR_RETURN_NOT_OK(Drop(action.body));
    return std::vector<flight::ActionResult>{};
  }
  if (action.type == "DropTable") {
    auto body = nlohmann::json::parse(action.body, nullptr, false);
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
      return Status::Invalid("DropTable needs a JSON body {\"name\": \"table\"}");
    HANGAR_RETURN_NOT_OK(Drop(body["name"].get<std::string>()));
    return std::vector<flight::ActionResult>{{nlohmann::json{{"dropped", body["name"]}}.dump()}};
  }
  return FlightService::DoAction(context, action);
}

Result<std::vector<flight::ActionType>> HangarService::ListActions(const flight::ServerCallContext&) {
  return std::vector<flight::ActionType>{
      {"ListTables", "JSON list of every table, e.g. [\"default.users\"]"},
      {"DropTable", "drop a table; body {\"name\": \"users\"}"},
      {"drop_dataset", "drop a table; body: the bare name (as the Arrow cookbook sends it)"},
  };
}

}  // namespace hangar::server
