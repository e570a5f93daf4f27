#include "server/table_flights.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/client_json.h"
#include "base/json_text.h"
#include "server/ingest_stream.h"

namespace hangar::server {

using store::CheckName;
using store::kDefaultNamespace;
using store::kKafkaNamespace;

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

TableFlights::TableFlights(std::shared_ptr<store::TableStore> tables, std::shared_ptr<store::Ingest> ingest)
    : tables_(std::move(tables)), ingest_(std::move(ingest)) {}

void TableFlights::SetTableOwners(std::shared_ptr<FolderOwnership> folders, TableForwarding forwarding) {
  folders_ = std::move(folders);
  forwarding_ = std::move(forwarding);
}

std::string TableFlights::TicketFor(const QualifiedName& name, const std::vector<std::string>& files,
                                    const std::vector<std::string>& partitions) {
  nlohmann::json ticket{{"table", name.ToString()}};
  if (!files.empty() || partitions.empty()) ticket["files"] = files;
  if (!partitions.empty()) ticket["partitions"] = partitions;
  return JsonText(ticket);
}

Result<QualifiedName> TableFlights::ResolveName(std::string_view text) const {
  // "uploaded.parquet" (the Arrow cookbook's names have dots) is the table
  // of that name in `default` if there is one, else namespace "uploaded".
  if (text.find('.') != std::string_view::npos && CheckName(text, "table name").ok()) {
    QualifiedName whole{std::string(kDefaultNamespace), std::string(text)};
    if (tables_->Snapshot(whole).ok()) return whole;
  }
  return store::ParseQualifiedName(text);
}

Result<TableTicket> TableFlights::ParseTicket(std::string_view ticket) const {
  if (ticket.empty() || ticket.front() != '{') {
    HANGAR_ASSIGN_OR_RETURN(auto name, ResolveName(ticket));
    return TableTicket{std::move(name), std::nullopt, {}};
  }
  auto json = ParseClientJson(ticket);
  HANGAR_ASSIGN_OR_RETURN(auto text, JsonStringMember(json, "table", "a JSON ticket ({\"table\": \"ns.name\"})"));
  HANGAR_ASSIGN_OR_RETURN(auto name, store::ParseQualifiedName(text));  // always qualified in Hangar's own tickets
  TableTicket out{std::move(name), std::nullopt, {}};
  if (json.contains("files")) {
    HANGAR_ASSIGN_OR_RETURN(out.files, StringsFromJson(json, "files", "ticket"));
  }
  HANGAR_ASSIGN_OR_RETURN(out.partitions, StringsFromJson(json, "partitions", "ticket"));
  return out;
}

Result<TableTarget> TableFlights::TargetOf(const flight::FlightDescriptor& descriptor) {
  if (descriptor.type == flight::FlightDescriptor::Type::kPath) {
    HANGAR_ASSIGN_OR_RETURN(auto name, store::NameFromPath(descriptor.path));
    return TableTarget{std::move(name), store::PutMode::kAppend, {}};
  }
  auto json = ParseClientJson(descriptor.cmd);
  HANGAR_ASSIGN_OR_RETURN(
      auto text, JsonStringMember(json, "table", "a command descriptor ({\"table\": \"ns.name\", \"mode\": ...})"));
  HANGAR_ASSIGN_OR_RETURN(auto name, store::ParseQualifiedName(text));
  TableTarget target{std::move(name), store::PutMode::kAppend, {}};
  if (json.contains("mode")) {
    if (!json["mode"].is_string()) return Status::Invalid("descriptor: \"mode\" must be a string");
    HANGAR_ASSIGN_OR_RETURN(target.mode, store::ParsePutMode(json["mode"].get<std::string>()));
  }
  HANGAR_ASSIGN_OR_RETURN(target.partitions, StringsFromJson(json, "partitions", "descriptor"));
  return target;
}

Result<flight::FlightInfo> TableFlights::InfoFor(const store::SnapshotPtr& snapshot_ptr,
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

Result<std::vector<flight::FlightInfo>> TableFlights::List() const {
  std::vector<flight::FlightInfo> out;
  for (const auto& snapshot : tables_->List()) {
    HANGAR_ASSIGN_OR_RETURN(auto info, InfoFor(snapshot));
    out.push_back(std::move(info));
  }
  return out;
}

Result<flight::FlightInfo> TableFlights::Info(const TableTarget& target,
                                              const flight::FlightDescriptor& descriptor) const {
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(target.name));
  HANGAR_ASSIGN_OR_RETURN(auto info, InfoFor(snapshot, target.partitions));
  info.descriptor = descriptor;  // echoed as asked
  return info;
}

Result<arrow::SchemaPtr> TableFlights::Schema(const TableTarget& target) const {
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(target.name));
  return snapshot->schema;
}

Status TableFlights::Get(const flight::ServerCallContext& context, const TableTicket& ticket,
                         flight::FlightStreamWriter* out) const {
  HANGAR_ASSIGN_OR_RETURN(auto snapshot, tables_->Snapshot(ticket.name));
  // No files named (a bare name, or the endpoint of an empty table): all of them.
  HANGAR_ASSIGN_OR_RETURN(
      auto source, tables_->Scan(snapshot, ticket.files.value_or(std::vector<std::string>{}), ticket.partitions));
  HANGAR_RETURN_NOT_OK(out->Begin(snapshot->schema));
  while (!context.is_cancelled()) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, source->Next());
    if (batch == nullptr) return Status::OK();
    HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*batch));
  }
  return Status::Cancelled("the client cancelled the call");
}

Result<std::optional<std::string>> TableFlights::WriterOf(const flight::ServerCallContext& context,
                                                          const QualifiedName& name) const {
  if (!folders_ || context.header(TableForwarding::kForwardedHeader)) return std::optional<std::string>();
  return folders_->WriterOf(name);
}

Status TableFlights::Put(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                         const QualifiedName& name, store::PutMode mode, bool must_exist,
                         flight::FlightStreamReader* in, flight::PutResultWriter* out,
                         const std::function<std::string(const store::PutResult&)>& answer) const {
  if (name.ns == kKafkaNamespace) return Status::Invalid("no table may be created in the 'kafka' namespace");
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Put(context, *writer, descriptor, in, out);
  if (must_exist) HANGAR_RETURN_NOT_OK(tables_->Snapshot(name).status());
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  PutStreamSource source(in, schema);
  HANGAR_ASSIGN_OR_RETURN(auto result, tables_->Put(name, mode, &source));
  return out->Write(answer(result));
}

std::string TableFlights::PutAnswer(const QualifiedName& name, const store::PutResult& result) {
  return JsonText(nlohmann::json{{"table", name.ToString()},
                                 {"rows", result.rows},
                                 {"bytes", result.bytes},
                                 {"created", result.created},
                                 {"version", result.snapshot->version}});
}

Status TableFlights::Exchange(const flight::ServerCallContext& context, const flight::FlightDescriptor& descriptor,
                              const QualifiedName& name, flight::FlightStreamReader* in,
                              flight::FlightStreamWriter* out) const {
  if (!ingest_) return Status::Unimplemented("this server does not take streaming ingest");
  // The writer checks the table (a node that copies tables from the bucket
  // learns of a new one a moment after it was created).
  HANGAR_ASSIGN_OR_RETURN(auto writer, WriterOf(context, name));
  if (writer) return forwarding_.Exchange(context, *writer, descriptor, in, out);
  HANGAR_RETURN_NOT_OK(tables_->Snapshot(name).status());  // create it first (CreateTable or DoPut)
  return ServeIngestStream(*ingest_, context, name, in, out);
}

Result<std::string> TableFlights::Describe(const QualifiedName& name) const {
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
  for (const auto& m : *snapshot->memtable) memtable_rows += m.rows;
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

}  // namespace hangar::server
