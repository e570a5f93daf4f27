// Writes that reach a node other than the table's writer go on to it
// (folder_ownership.h): this node makes the same call to the writer as a
// Flight client, with the caller's own credentials (the cluster shares its
// users and token secret), and relays the messages both ways — batches and
// their app_metadata in, acknowledgements and results out — so the caller
// sees what the writer answered, errors included.
#pragma once

#include <string>
#include <vector>

#include "flight/client.h"
#include "flight/server.h"

namespace hangar::server {

class TableForwarding {
 public:
  // The header a forwarded call carries: its receiver serves it, whatever
  // it thinks of ownership (no call goes round between two nodes whose views
  // of the members differ for a moment).
  static constexpr const char* kForwardedHeader = "hangar-forwarded";

  // `client_options`: how this node reaches the others (TLS roots, ...).
  explicit TableForwarding(flight::ClientOptions client_options = {}) : client_options_(std::move(client_options)) {}

  Status Put(const flight::ServerCallContext& context, const std::string& location,
             const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
             flight::PutResultWriter* out) const;
  Status Exchange(const flight::ServerCallContext& context, const std::string& location,
                  const flight::FlightDescriptor& descriptor, flight::FlightStreamReader* in,
                  flight::FlightStreamWriter* out) const;
  Result<std::vector<flight::ActionResult>> Action(const flight::ServerCallContext& context,
                                                   const std::string& location, const flight::Action& action) const;

 private:
  Result<std::unique_ptr<flight::FlightClient>> Connect(const std::string& location) const;
  // The caller's credentials, for the call to the writer.
  static flight::CallOptions CallerOptions(const flight::ServerCallContext& context);

  flight::ClientOptions client_options_;
};

}  // namespace hangar::server
