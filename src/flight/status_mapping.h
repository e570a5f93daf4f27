// The one place where Hangar's Status meets gRPC's.
//
// Codes map one to one (they share numbering). Errors from inside the server
// that a client cannot act on, local I/O and internal errors, whose messages
// may name files or internals, reach the client as a generic message with a
// reference number; the full message goes to the server log under the same
// number. Every other message is given as ClientText makes it.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "base/status.h"

namespace hangar::flight {

grpc::Status ToGrpcStatus(const Status& status);
// `text` as a client may see it: without a stack trace, and with every
// slash-rooted path cut to its last component (a server's folders are
// nobody else's business; the file name is what helps).
std::string ClientText(std::string text);
Status FromGrpcStatus(const grpc::Status& status);

}  // namespace hangar::flight
