// The load test, full: 32 clients mixing DoGet, DoPut, DoExchange (acked at
// `disk`) and SQL against one server for 60 s (`--quick`: 10 s). The
// baseline, measured in the same run on the same server, is one client
// alone: the report gives each call's throughput and p50/p99 latency under
// load next to it, the unexpected errors (there must be none), the server's
// peak memory against its budget, and the metrics scraped at the end.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench_util.h"
#include "support/load_mix.h"
#include "support/server_process.h"

using namespace hangar;
using namespace hangar::bench;
using namespace hangar::testing;

namespace {

int MetricsPort(const std::string& log_path) {
  std::ifstream in(log_path);
  std::stringstream text;
  text << in.rdbuf();
  return MetricsPortInLog(text.str());
}

void Report(const char* title, const LoadResult& result) {
  std::printf("%s (%.0f s):\n", title, result.seconds);
  for (const auto& [name, op] : result.ops)
    std::printf("  %-9s %8zu calls %9.1f/s   p50 %8.2f ms   p99 %8.2f ms   errors %lld\n", name.c_str(),
                op.latencies_ms.size(), static_cast<double>(op.latencies_ms.size()) / result.seconds,
                op.Percentile(0.5), op.Percentile(0.99), static_cast<long long>(op.errors));
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const double seconds = quick ? 10 : 60;
  const std::string bin_dir = std::filesystem::path(argv[0]).parent_path().string();
  const auto dir = std::filesystem::temp_directory_path() / ("bench_load-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  constexpr int64_t kBudgetMiB = 128 + 512 + 384;  // memtables + DuckDB + the rest (see tests/server/load_test.cc)
  const std::string data = (dir / "data").string();
  auto server = hangar::testing::StartServerOrExit(bin_dir, data,
                                                   {"--max-memtable-mib", "128", "--duckdb-memory-limit", "512MB",
                                                    "--metrics-listen", "127.0.0.1:0", "--access-log", "off"},
                                                   "bench_load");
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", server->port()));
  Check(client.status(), "connect");
  Check(PrepareLoad(**client), "preparing the tables");

  const LoadResult alone = RunLoad(server->port(), server->pid(), 1, quick ? 4 : 10);
  const LoadResult loaded = RunLoad(server->port(), server->pid(), 32, seconds);
  Report("baseline: 1 client", alone);
  Report("load: 32 clients", loaded);
  std::printf("under load vs alone (throughput ratio, p99 ratio):\n");
  for (const auto& [name, op] : loaded.ops) {
    auto base = alone.ops.find(name);
    if (base == alone.ops.end() || base->second.latencies_ms.empty()) continue;
    const double rate = static_cast<double>(op.latencies_ms.size()) / loaded.seconds;
    const double base_rate = static_cast<double>(base->second.latencies_ms.size()) / alone.seconds;
    std::printf("  %-9s %6.2fx calls/s   %6.2fx p99\n", name.c_str(), rate / base_rate,
                op.Percentile(0.99) / base->second.Percentile(0.99));
  }
  std::printf("unexpected errors: %lld%s\n", static_cast<long long>(alone.errors() + loaded.errors()),
              loaded.errors() ? "" : " (none)");
  for (const auto& [name, op] : loaded.ops)
    if (op.errors) std::printf("  %s: %s\n", name.c_str(), op.first_error.c_str());
  std::printf("peak server memory: %lld MiB (budget %lld MiB)\n", static_cast<long long>(loaded.peak_rss_mib),
              static_cast<long long>(kBudgetMiB));

  const std::string scrape = HttpGet(MetricsPort(data + ".log"), "/metrics");
  std::printf("\nmetrics at the end (hangar_rpc_handled_total, hangar_ingest_ack_seconds_count, hangar_wal_*):\n");
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("hangar_rpc_handled_total", 0) == 0 || line.rfind("hangar_ingest_ack_seconds_count", 0) == 0 ||
        line.rfind("hangar_wal_fsync_seconds_count", 0) == 0 || line.rfind("hangar_wal_group_records_sum", 0) == 0 ||
        line.rfind("hangar_rpc_active_streams", 0) == 0 || line.rfind("hangar_sql_query_seconds_count", 0) == 0)
      std::printf("  %s\n", line.c_str());
  server->Stop();
  std::filesystem::remove_all(dir);
  std::filesystem::remove(data + ".log");
  const bool ok = loaded.errors() == 0 && alone.errors() == 0 && loaded.peak_rss_mib < kBudgetMiB;
  return ok ? 0 : 1;
}
