// What every client subcommand shares: the connection flags, credentials
// from flags or environment, and the resulting authenticated FlightClient.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "cli/flags.h"
#include "flight/client.h"

namespace hangar::cli {

// The flags Connect understands; commands add their own.
std::set<std::string> ConnectionFlags();
extern const char* const kConnectionUsage;

// Connects to --server (default grpc://127.0.0.1:8815, or $HANGAR_SERVER),
// with TLS roots/client certificates from --tls-ca/--tls-cert/--tls-key, and
// logs in with --user/--password or $HANGAR_USER/$HANGAR_PASSWORD if given.
Result<std::unique_ptr<flight::FlightClient>> Connect(const Flags& flags);

// A descriptor from "name", "namespace.name" or "namespace/name".
flight::FlightDescriptor DescriptorFromName(const std::string& name);

}  // namespace hangar::cli
