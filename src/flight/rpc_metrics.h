// The Flight server's metrics: calls, outcomes, latency, rows and bytes per
// RPC and resource (table or topic), active streams, refusals by limit and
// bearer tokens issued and refused, connections open and refused. They live in metrics::DefaultRegistry()
// under hangar_rpc_* and hangar_auth_*; docs/operations.md lists them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hangar::flight {

// What the access log and the metrics say about one call.
struct CallStats {
  std::string target;    // the descriptor, ticket or action type, shortened
  std::string resource;  // the table or topic it touches ("" if none or unknown)
  int64_t rows_in = 0, rows_out = 0, bytes_in = 0, bytes_out = 0;
};

class RpcMetrics {
 public:
  static RpcMetrics& Get();

  void Record(std::string_view rpc, std::string_view code, const CallStats& stats, double seconds);
  void SetActiveStreams(int64_t n);
  void Limited(std::string_view limit);
  void SetOpenConnections(int64_t n);
  void ConnectionRefused(std::string_view reason);
  void TokenIssued();
  void TokenRefused(std::string_view reason);

 private:
  RpcMetrics() = default;
};

}  // namespace hangar::flight
