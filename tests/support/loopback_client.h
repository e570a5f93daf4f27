// A Flight client of a test's server on loopback.
#pragma once

#include <cstdio>
#include <memory>

#include "flight/client.h"

namespace hangar::testing {

// A client of the server on 127.0.0.1:`port`; null (saying why on stderr)
// if none connects.
inline std::unique_ptr<flight::FlightClient> ConnectLoopback(int port) {
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port));
  if (client.ok()) return std::move(*client);
  std::fprintf(stderr, "cannot connect to the server on port %d: %s\n", port, client.status().ToString().c_str());
  return nullptr;
}

}  // namespace hangar::testing
