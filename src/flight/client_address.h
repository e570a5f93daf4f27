// The address a client connects from, as the per-client limits count it.
//
// Limits meant to keep one client from taking what others need (connections,
// streams, failed logins) are kept per IP address, not per connection or
// port: opening another connection must not buy a client more. Clients
// behind one NAT or proxy share an address, and so share these limits.
#pragma once

#include <string>
#include <string_view>

namespace hangar::flight {

// "ipv4:10.1.2.3:5555" -> "10.1.2.3", "ipv6:[::1]:5555" -> "::1",
// "ipv6:[::ffff:10.1.2.3]:5555" -> "10.1.2.3" (gRPC's peer strings); anything
// else is returned unchanged.
std::string ClientAddress(std::string_view grpc_peer);

}  // namespace hangar::flight
