// What every client subcommand shares: the connection flags, credentials
// from flags or environment, and the resulting authenticated FlightClient.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cli/flags.h"
#include "flight/client.h"

namespace hangar::cli {

// Connects (the connection flags: command_table.h) to --server (default grpc://127.0.0.1:8815, or $HANGAR_SERVER),
// with TLS roots/client certificates from --tls-ca/--tls-cert/--tls-key, and
// logs in with --user/--password or $HANGAR_USER/$HANGAR_PASSWORD if given.
Result<std::unique_ptr<flight::FlightClient>> Connect(const Flags& flags);

// What a client subcommand works with: its flags and a connected client.
struct Session {
  Flags flags;
  std::unique_ptr<flight::FlightClient> client;
};

// Parses the flags `command` declares in the command table (with the
// connection flags) and connects. On bad usage prints the command's usage
// and sets *exit to 2; when the connection fails prints why and sets *exit
// to 1; both return nullopt.
std::optional<Session> OpenSession(const char* command, const Args& args, int* exit);

// Prints "hangar COMMAND: status" on stderr; returns the exit code 1.
int Fail(const char* command, const Status& status);

// A flight's name as the CLI prints it: "kafka/orders", "flights"; a
// command descriptor as its text.
std::string DescriptorText(const flight::FlightDescriptor& descriptor);

// A descriptor from "name", "namespace.name" or "namespace/name".
flight::FlightDescriptor DescriptorFromName(const std::string& name);

}  // namespace hangar::cli
