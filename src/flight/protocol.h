// Conversions between Hangar's Flight values (types.h) and the generated
// protobuf messages of Flight.proto. Only the gRPC glue includes this file.
#pragma once

#include "flight/proto/Flight.pb.h"
#include "flight/types.h"

namespace hangar::flight {

namespace pb = ::arrow::flight::protocol;

void ToProto(const FlightDescriptor& in, pb::FlightDescriptor* out);
Result<FlightDescriptor> FromProto(const pb::FlightDescriptor& in);
void ToProto(const Ticket& in, pb::Ticket* out);
Ticket FromProto(const pb::Ticket& in);
Status ToProto(const FlightInfo& in, pb::FlightInfo* out);
Result<FlightInfo> FromProto(const pb::FlightInfo& in);
Status ToProto(const PollInfo& in, pb::PollInfo* out);
Result<PollInfo> FromProto(const pb::PollInfo& in);
void ToProto(const FlightEndpoint& in, pb::FlightEndpoint* out);
FlightEndpoint FromProto(const pb::FlightEndpoint& in);

}  // namespace hangar::flight
