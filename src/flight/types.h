// The values of the Flight protocol, as plain C++ structs.
//
// Handlers and clients use these; the generated protobuf classes appear only
// in the .cc files that cross the wire (flight/protocol.cc). Byte fields are
// std::string, as in protobuf: they are small (tickets, commands, metadata).
// Bulk data never travels in these structs but in FlightData (flight_data.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow/ipc/schema_message.h"
#include "arrow/type.h"
#include "base/status.h"

namespace hangar::flight {

using Timestamp = std::chrono::system_clock::time_point;

struct FlightDescriptor {
  enum class Type { kUnknown = 0, kPath = 1, kCmd = 2 };
  Type type = Type::kUnknown;
  std::string cmd;                // kCmd: opaque command bytes
  std::vector<std::string> path;  // kPath: the dataset's name, segment by segment

  static FlightDescriptor Path(std::vector<std::string> path) { return {Type::kPath, {}, std::move(path)}; }
  static FlightDescriptor Command(std::string cmd) { return {Type::kCmd, std::move(cmd), {}}; }
  // "path [a, b]" or "cmd <n bytes>" (commands may be binary): for messages.
  std::string ToString() const;
  bool operator==(const FlightDescriptor&) const = default;
};

struct Ticket {
  std::string ticket;
  bool operator==(const Ticket&) const = default;
};

// grpc://host:port, grpc+tls://host:port (grpc+tcp:// is accepted as grpc://).
struct Location {
  std::string uri;

  static Location ForGrpcTcp(std::string_view host, int port);
  static Location ForGrpcTls(std::string_view host, int port);
  // Splits a location into what gRPC needs: "host:port" and whether TLS is on.
  struct Target {
    std::string address;
    bool tls = false;
  };
  Result<Target> Parse() const;
  bool operator==(const Location&) const = default;
};

struct FlightEndpoint {
  Ticket ticket;
  std::vector<Location> locations;  // empty: redeem the ticket where it was issued
  std::optional<Timestamp> expiration_time;
  std::string app_metadata;
  bool operator==(const FlightEndpoint&) const = default;
};

struct FlightInfo {
  arrow::SchemaPtr schema;  // may be null: an empty schema field on the wire
  FlightDescriptor descriptor;
  std::vector<FlightEndpoint> endpoints;
  int64_t total_records = -1;  // -1: unknown
  int64_t total_bytes = -1;    // -1: unknown
  bool ordered = false;
  std::string app_metadata;
};

struct PollInfo {
  std::optional<FlightInfo> info;
  std::optional<FlightDescriptor> descriptor;  // poll again with this; none: done
  std::optional<double> progress;              // 0.0 to 1.0
  std::optional<Timestamp> expiration_time;
};

struct Criteria {
  std::string expression;
};

struct Action {
  std::string type;
  std::string body;
};

struct ActionType {
  std::string type;
  std::string description;
  bool operator==(const ActionType&) const = default;
};

// One result of DoAction (Flight's `Result` message; renamed to stay clear of
// hangar::Result<T>).
struct ActionResult {
  std::string body;
};

// The RPCs of the Flight service, in Flight.proto's order.
enum class FlightMethod {
  kHandshake,
  kListFlights,
  kGetFlightInfo,
  kPollFlightInfo,
  kGetSchema,
  kDoGet,
  kDoPut,
  kDoExchange,
  kDoAction,
  kListActions,
};
std::string_view FlightMethodName(FlightMethod method);

// The IPC form of a schema that FlightInfo.schema and SchemaResult carry: an
// encapsulated Schema message (continuation marker, length, flatbuffer).
using arrow::ipc::SerializeSchema;
// Accepts both framings (with or without the continuation marker).
using arrow::ipc::DeserializeSchema;

}  // namespace hangar::flight
