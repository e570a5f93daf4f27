#include "sql/flight_sql_client.h"

#include <google/protobuf/any.pb.h>

#include "flight/protocol.h"
#include "sql/proto/FlightSql.pb.h"

namespace hangar::sql {

namespace {

namespace pb = ::arrow::flight::protocol::sql;

flight::FlightDescriptor CommandOf(const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.PackFrom(message);
  return flight::FlightDescriptor::Command(any.SerializeAsString());
}

}  // namespace

flight::FlightDescriptor StatementQueryDescriptor(const std::string& sql) {
  pb::CommandStatementQuery command;
  command.set_query(sql);
  return CommandOf(command);
}

Status RunClientQuery(flight::FlightClient& client, const std::string& sql,
                      const std::function<Status(const arrow::SchemaPtr&)>& begin,
                      const std::function<Status(const arrow::RecordBatch&)>& batch) {
  HANGAR_ASSIGN_OR_RETURN(auto info, client.GetFlightInfo(StatementQueryDescriptor(sql)));
  HANGAR_RETURN_NOT_OK(begin(info.schema ? info.schema : arrow::schema({})));
  for (const auto& endpoint : info.endpoints) {
    HANGAR_ASSIGN_OR_RETURN(auto reader, client.DoGet(endpoint.ticket));
    while (true) {
      HANGAR_ASSIGN_OR_RETURN(auto chunk, reader->Next());
      if (chunk.end()) break;
      if (chunk.data) HANGAR_RETURN_NOT_OK(batch(*chunk.data));
    }
  }
  return Status::OK();
}

Result<bool> CancelClientQuery(flight::FlightClient& client, const flight::FlightInfo& info) {
  ::arrow::flight::protocol::CancelFlightInfoRequest request;
  HANGAR_RETURN_NOT_OK(flight::ToProto(info, request.mutable_info()));
  HANGAR_ASSIGN_OR_RETURN(auto results, client.DoAction({"CancelFlightInfo", request.SerializeAsString()}));
  ::arrow::flight::protocol::CancelFlightInfoResult result;
  if (results.empty() || !result.ParseFromString(results[0].body))
    return Status::Internal("the server's CancelFlightInfo answer is not a CancelFlightInfoResult");
  return result.status() == ::arrow::flight::protocol::CANCEL_STATUS_CANCELLED;
}

Result<int64_t> RunClientUpdate(flight::FlightClient& client, const std::string& sql) {
  pb::CommandStatementUpdate command;
  command.set_query(sql);
  HANGAR_ASSIGN_OR_RETURN(auto writer, client.DoPut(CommandOf(command), arrow::schema({})));
  HANGAR_ASSIGN_OR_RETURN(auto answer, writer->ReadResult());
  HANGAR_RETURN_NOT_OK(writer->Close());
  pb::DoPutUpdateResult result;
  if (!answer || !result.ParseFromString(*answer)) return Status::Internal("the server sent no update result");
  return result.record_count();
}

}  // namespace hangar::sql
