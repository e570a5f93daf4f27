#include "flight/protocol.h"

namespace hangar::flight {

namespace {

void ToProto(Timestamp in, google::protobuf::Timestamp* out) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(in.time_since_epoch()).count();
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

Timestamp FromProto(const google::protobuf::Timestamp& in) {
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::seconds(in.seconds()) +
                                                                   std::chrono::nanoseconds(in.nanos())));
}

}  // namespace

void ToProto(const FlightDescriptor& in, pb::FlightDescriptor* out) {
  out->set_type(static_cast<pb::FlightDescriptor::DescriptorType>(in.type));
  out->set_cmd(in.cmd);
  for (const auto& p : in.path) out->add_path(p);
}

Result<FlightDescriptor> FromProto(const pb::FlightDescriptor& in) {
  FlightDescriptor out;
  switch (in.type()) {
    case pb::FlightDescriptor::PATH: out.type = FlightDescriptor::Type::kPath; break;
    case pb::FlightDescriptor::CMD: out.type = FlightDescriptor::Type::kCmd; break;
    case pb::FlightDescriptor::UNKNOWN: out.type = FlightDescriptor::Type::kUnknown; break;
    default: return Status::Invalid("FlightDescriptor has unknown type " + std::to_string(in.type()));
  }
  out.cmd = in.cmd();
  out.path.assign(in.path().begin(), in.path().end());
  return out;
}

void ToProto(const Ticket& in, pb::Ticket* out) { out->set_ticket(in.ticket); }
Ticket FromProto(const pb::Ticket& in) { return Ticket{in.ticket()}; }

void ToProto(const FlightEndpoint& in, pb::FlightEndpoint* out) {
  ToProto(in.ticket, out->mutable_ticket());
  for (const auto& loc : in.locations) out->add_location()->set_uri(loc.uri);
  if (in.expiration_time) ToProto(*in.expiration_time, out->mutable_expiration_time());
  out->set_app_metadata(in.app_metadata);
}

FlightEndpoint FromProto(const pb::FlightEndpoint& in) {
  FlightEndpoint out;
  out.ticket = FromProto(in.ticket());
  for (const auto& loc : in.location()) out.locations.push_back(Location{loc.uri()});
  if (in.has_expiration_time()) out.expiration_time = FromProto(in.expiration_time());
  out.app_metadata = in.app_metadata();
  return out;
}

Status ToProto(const FlightInfo& in, pb::FlightInfo* out) {
  if (in.schema) {
    HANGAR_ASSIGN_OR_RETURN(*out->mutable_schema(), SerializeSchema(*in.schema));
  }
  ToProto(in.descriptor, out->mutable_flight_descriptor());
  for (const auto& e : in.endpoints) ToProto(e, out->add_endpoint());
  out->set_total_records(in.total_records);
  out->set_total_bytes(in.total_bytes);
  out->set_ordered(in.ordered);
  out->set_app_metadata(in.app_metadata);
  return Status::OK();
}

Result<FlightInfo> FromProto(const pb::FlightInfo& in) {
  FlightInfo out;
  if (!in.schema().empty()) {
    HANGAR_ASSIGN_OR_RETURN(out.schema, DeserializeSchema(in.schema()));
  }
  HANGAR_ASSIGN_OR_RETURN(out.descriptor, FromProto(in.flight_descriptor()));
  for (const auto& e : in.endpoint()) out.endpoints.push_back(FromProto(e));
  out.total_records = in.total_records();
  out.total_bytes = in.total_bytes();
  out.ordered = in.ordered();
  out.app_metadata = in.app_metadata();
  return out;
}

Status ToProto(const PollInfo& in, pb::PollInfo* out) {
  if (in.info) HANGAR_RETURN_NOT_OK(ToProto(*in.info, out->mutable_info()));
  if (in.descriptor) ToProto(*in.descriptor, out->mutable_flight_descriptor());
  if (in.progress) out->set_progress(*in.progress);
  if (in.expiration_time) ToProto(*in.expiration_time, out->mutable_expiration_time());
  return Status::OK();
}

Result<PollInfo> FromProto(const pb::PollInfo& in) {
  PollInfo out;
  if (in.has_info()) {
    HANGAR_ASSIGN_OR_RETURN(out.info, FromProto(in.info()));
  }
  if (in.has_flight_descriptor()) {
    HANGAR_ASSIGN_OR_RETURN(out.descriptor, FromProto(in.flight_descriptor()));
  }
  if (in.has_progress()) out.progress = in.progress();
  if (in.has_expiration_time()) out.expiration_time = FromProto(in.expiration_time());
  return out;
}

}  // namespace hangar::flight
