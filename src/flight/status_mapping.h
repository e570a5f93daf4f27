// The one place where Hangar's Status meets gRPC's.
//
// Codes map one to one (they share numbering). Errors from inside the server
// that a client cannot act on, local I/O and internal errors, whose messages
// may name files or internals, reach the client as a generic message with a
// reference number; the full message goes to the server log under the same
// number.
#pragma once

#include <grpcpp/support/status.h>

#include "base/status.h"

namespace hangar::flight {

grpc::Status ToGrpcStatus(const Status& status);
Status FromGrpcStatus(const grpc::Status& status);

}  // namespace hangar::flight
