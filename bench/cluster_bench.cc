// Aggregate parallel DoGet throughput of a 12-partition topic served by 1, 2
// and 3 Hangar nodes coordinated through ZooKeeper (Debian's, started here on
// loopback), all reading one Kafka mock cluster in this process. A client
// reads every endpoint at once, each from its first location (its owner).
// The report gives rows/s and MB/s per cluster size, the ratio to one node
// (the baseline, measured in the same run), and the CPU each node used.
// On a 2-core machine the curve is bounded by the cores: the point is that
// it is not worse than one node and shows where the time goes.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "bench_util.h"
#include "flight/client.h"
#include "kafka/dev_cluster.h"
#include "kafka/dev_data.h"
#include "kafka/schemas_topic_registry.h"
#include "support/server_process.h"
#include "support/zookeeper_process.h"

using namespace hangar;
using namespace hangar::bench;

namespace {

// User + system CPU seconds a process has used.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
    if (i == 15) break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Read {
  int64_t rows = 0;
  int64_t bytes = 0;
  double seconds = 0;
};

Read ReadAllEndpoints(const flight::FlightInfo& info) {
  const auto start = Clock::now();
  std::vector<std::future<Read>> parts;
  for (const auto& endpoint : info.endpoints)
    parts.push_back(std::async(std::launch::async, [&endpoint] {
      Read r;
      auto client = flight::FlightClient::Connect(endpoint.locations.at(0));
      Check(client.status(), "connect to an endpoint's owner");
      auto reader = (*client)->DoGet(endpoint.ticket);
      Check(reader.status(), "DoGet");
      while (true) {
        auto chunk = (*reader)->Next();
        Check(chunk.status(), "reading a partition");
        if (chunk->end()) break;
        if (!chunk->data) continue;
        r.rows += chunk->data->num_rows;
        r.bytes += arrow::TotalBufferSize(*chunk->data);
      }
      return r;
    }));
  Read total;
  for (auto& part : parts) {
    const Read r = part.get();
    total.rows += r.rows;
    total.bytes += r.bytes;
  }
  total.seconds = Seconds(start);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int64_t records = quick ? 100000 : 400000;
  const int rounds = quick ? 2 : 4;
  const std::string bin_dir = std::filesystem::path(argv[0]).parent_path().string();
  const auto dir = std::filesystem::temp_directory_path() / ("bench_cluster-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  auto dev = kafka::DevCluster::Start(1);
  Check(dev.status(), "starting the Kafka mock cluster");
  kafka::KafkaOptions options;
  options.brokers = (*dev)->bootstrap_servers();
  auto kafka_cluster = kafka::KafkaCluster::Connect(options);
  Check(kafka_cluster.status(), "connecting to Kafka");
  kafka::SchemasTopicRegistry registry(*kafka_cluster);
  kafka::DemoTopic demo;
  demo.partitions = 12;
  demo.records = records;
  Check(kafka::SeedDemoTopic(**dev, registry, options, demo), "seeding the topic");
  testing::ZooKeeperProcess zookeeper(dir / "zookeeper");

  std::printf("bench_cluster: topic 'orders', 12 partitions, %lld records; best of %d parallel reads per size\n",
              static_cast<long long>(records), rounds);
  std::printf("%-6s %12s %10s %9s   %s\n", "nodes", "rows/s", "MB/s", "vs 1", "CPU seconds per node during the reads");
  double baseline = 0;
  for (int size = 1; size <= 3; ++size) {
    std::vector<std::unique_ptr<testing::ServerProcess>> nodes;
    for (int n = 0; n < size; ++n)
      nodes.push_back(hangar::testing::StartServerOrExit(
          bin_dir, (dir / ("node" + std::to_string(size) + "-" + std::to_string(n))).string(),
          {"--kafka-brokers", options.brokers, "--cluster", zookeeper.url("/bench"), "--cluster-session-timeout", "2",
           "--access-log", "off", "--metrics-listen", "off"},
          "bench_cluster"));
    auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", nodes[0]->port()));
    Check(client.status(), "connect");
    // Wait until node 0 places partitions on every node of this size.
    flight::FlightInfo info;
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto got = (*client)->GetFlightInfo(flight::FlightDescriptor::Path({"kafka", "orders"}));
      Check(got.status(), "GetFlightInfo");
      info = *got;
      std::set<std::string> owners;
      for (const auto& e : info.endpoints)
        if (!e.locations.empty()) owners.insert(e.locations[0].uri);
      if (owners.size() == static_cast<size_t>(size) &&
          info.endpoints.front().locations.size() == static_cast<size_t>(size))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Read best;
    std::vector<double> cpu(size, 0);
    for (int round = 0; round < rounds; ++round) {
      std::vector<double> before;
      for (auto& node : nodes) before.push_back(CpuSeconds(node->pid()));
      const Read r = ReadAllEndpoints(info);
      if (r.rows != records) {
        std::fprintf(stderr, "bench_cluster: read %lld rows, not %lld\n", static_cast<long long>(r.rows),
                     static_cast<long long>(records));
        return 1;
      }
      if (best.seconds == 0 || r.seconds < best.seconds) {
        best = r;
        for (int n = 0; n < size; ++n) cpu[n] = CpuSeconds(nodes[n]->pid()) - before[n];
      }
    }
    const double rate = static_cast<double>(best.rows) / best.seconds;
    if (size == 1) baseline = rate;
    std::printf("%-6d %12.0f %10.1f %8.2fx  ", size, rate, static_cast<double>(best.bytes) / best.seconds / 1e6,
                rate / baseline);
    for (double c : cpu) std::printf(" %.2f", c);
    std::printf("  (read took %.3f s)\n", best.seconds);
    for (auto& node : nodes) node->Stop();
  }
  std::filesystem::remove_all(dir);
  return 0;
}
