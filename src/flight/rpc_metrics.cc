#include "flight/rpc_metrics.h"

#include "metrics/registry.h"

namespace hangar::flight {

namespace {

using metrics::DefaultRegistry;

// The families, registered once; children are looked up per call (a map
// lookup under a lock, small next to a gRPC call).
struct Families {
  metrics::Family<metrics::Counter>& handled = DefaultRegistry().Counter(
      "hangar_rpc_handled_total", "Flight calls completed, by RPC and gRPC status code", {"rpc", "code"});
  metrics::Family<metrics::Histogram>& duration =
      DefaultRegistry().Histogram("hangar_rpc_duration_seconds", "Flight call duration, from arrival to status",
                                  {"rpc"}, metrics::LatencyBuckets());
  metrics::Family<metrics::Counter>& rows_in = DefaultRegistry().Counter(
      "hangar_rpc_received_rows_total", "Rows received from clients, by RPC and table or topic", {"rpc", "resource"});
  metrics::Family<metrics::Counter>& rows_out = DefaultRegistry().Counter(
      "hangar_rpc_sent_rows_total", "Rows sent to clients, by RPC and table or topic", {"rpc", "resource"});
  metrics::Family<metrics::Counter>& bytes_in = DefaultRegistry().Counter(
      "hangar_rpc_received_bytes_total",
      "FlightData bytes received (IPC headers, bodies, app_metadata), by RPC and table or topic", {"rpc", "resource"});
  metrics::Family<metrics::Counter>& bytes_out = DefaultRegistry().Counter(
      "hangar_rpc_sent_bytes_total", "FlightData bytes sent, by RPC and table or topic", {"rpc", "resource"});
  metrics::Gauge& active_streams =
      DefaultRegistry()
          .Gauge("hangar_rpc_active_streams", "DoGet, DoPut, DoExchange and Handshake calls running")
          .WithLabels({});
  metrics::Family<metrics::Counter>& limited = DefaultRegistry().Counter(
      "hangar_rpc_limited_total", "Calls refused with RESOURCE_EXHAUSTED, by the limit they hit", {"limit"});
  metrics::Gauge& connections_open =
      DefaultRegistry()
          .Gauge("hangar_connections_open", "TCP connections to the Flight port open (counted every second)")
          .WithLabels({});
  metrics::Family<metrics::Counter>& connections_refused =
      DefaultRegistry().Counter("hangar_connections_refused_total",
                                "Connections to the Flight port reset on arrival, by the limit they hit", {"reason"});
  metrics::Counter& tokens_issued =
      DefaultRegistry()
          .Counter("hangar_auth_tokens_issued_total", "Bearer tokens issued for Basic credentials")
          .WithLabels({});
  metrics::Family<metrics::Counter>& refused =
      DefaultRegistry().Counter("hangar_auth_refused_total", "Credentials refused, by reason", {"reason"});
};

Families& F() {
  static Families families;
  return families;
}

}  // namespace

RpcMetrics& RpcMetrics::Get() {
  static RpcMetrics metrics;
  F();  // families exist (as 0) from the first use on
  return metrics;
}

void RpcMetrics::Record(std::string_view rpc, std::string_view code, const CallStats& stats, double seconds) {
  Families& f = F();
  const std::string r(rpc);
  f.handled.WithLabels({r, std::string(code)}).Add();
  f.duration.WithLabels({r}).Observe(seconds);
  if (stats.rows_in > 0 || stats.bytes_in > 0) {
    f.rows_in.WithLabels({r, stats.resource}).Add(static_cast<double>(stats.rows_in));
    f.bytes_in.WithLabels({r, stats.resource}).Add(static_cast<double>(stats.bytes_in));
  }
  if (stats.rows_out > 0 || stats.bytes_out > 0) {
    f.rows_out.WithLabels({r, stats.resource}).Add(static_cast<double>(stats.rows_out));
    f.bytes_out.WithLabels({r, stats.resource}).Add(static_cast<double>(stats.bytes_out));
  }
}

void RpcMetrics::SetActiveStreams(int64_t n) { F().active_streams.Set(static_cast<double>(n)); }
void RpcMetrics::Limited(std::string_view limit) { F().limited.WithLabels({std::string(limit)}).Add(); }
void RpcMetrics::SetOpenConnections(int64_t n) { F().connections_open.Set(static_cast<double>(n)); }
void RpcMetrics::ConnectionRefused(std::string_view reason) {
  F().connections_refused.WithLabels({std::string(reason)}).Add();
}
void RpcMetrics::TokenIssued() { F().tokens_issued.Add(); }
void RpcMetrics::TokenRefused(std::string_view reason) { F().refused.WithLabels({std::string(reason)}).Add(); }

}  // namespace hangar::flight
