// The load test, short: 32 clients mixing DoGet, DoPut, DoExchange (acked at
// `disk`) and SQL against one server for a few seconds. Every answer is
// checked (row counts, acks); there must be no error at all, and the
// server's peak memory must stay within its configured budget.
// bench/load_bench.cc is the full minute, with latencies.
#include <gtest/gtest.h>

#include "support/load_mix.h"
#include "support/server_checks.h"
#include "support/server_process.h"

namespace hangar {
namespace {

TEST(Load, ThirtyTwoClientsMixingEveryCallSeeNoErrorAndBoundedMemory) {
  testing::TempDataDir dir;
  // The budget: memtables 128 MiB + DuckDB 512 MiB + 384 MiB for the rest of
  // the process (code, gRPC, Kafka client, buffers of 32 streams).
  constexpr int64_t kBudgetMiB = 128 + 512 + 384;
  testing::ServerProcess server(dir.str(), testing::MemoryMeasuredEnv(),
                                {"--max-memtable-mib", "128", "--duckdb-memory-limit", "512MB", "--access-log", "off"});
  ASSERT_TRUE(server.started()) << server.startup_log();
  auto client = server.Connect();
  ASSERT_TRUE(testing::PrepareLoad(*client).ok());
  const auto result = testing::RunLoad(server.port(), server.pid(), 32, 6);
  for (const auto& [name, op] : result.ops) {
    EXPECT_EQ(op.errors, 0) << name << ": " << op.first_error;
    EXPECT_GT(op.latencies_ms.size(), 0u) << name;
    std::printf("%-9s %6zu calls  p50 %8.1f ms  p99 %8.1f ms\n", name.c_str(), op.latencies_ms.size(),
                op.Percentile(0.5), op.Percentile(0.99));
  }
  EXPECT_EQ(result.ops.size(), 4u);
  std::printf("peak server memory %lld MiB (budget %lld MiB)\n", static_cast<long long>(result.peak_rss_mib),
              static_cast<long long>(kBudgetMiB));
#if !defined(HANGAR_TEST_ASAN)
  EXPECT_LT(result.peak_rss_mib, kBudgetMiB);
#endif
}

}  // namespace
}  // namespace hangar
