// Several `hangar serve` nodes coordinated by a real ZooKeeper (Debian's,
// started by the test on loopback), reading one Kafka cluster (librdkafka's
// mock cluster in this process): endpoints spread over every node, every row
// exactly once from parallel reads, a killed node's endpoints served by
// their fallbacks, membership converging after the session timeout, and
// nodes rejoining after a ZooKeeper restart with one owner per partition.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "arrow/array_access.h"
#include "cluster/membership.h"
#include "cluster/rendezvous.h"
#include "cluster_status.h"
#include "flight/auth/users_file.h"
#include "kafka/dev_cluster.h"
#include "kafka/dev_data.h"
#include "kafka/schemas_topic_registry.h"
#include "sql/flight_sql_client.h"
#include "support/server_process.h"
#include "support/zookeeper_process.h"

namespace hangar {
namespace {

using testing::ServerProcess;
using testing::TempDataDir;
using testing::ZooKeeperProcess;

constexpr int kPartitions = 12;
constexpr int64_t kRecords = 24000;

// The Kafka cluster every node reads: the demo topic over 12 partitions.
class SharedKafka {
 public:
  SharedKafka() {
    auto dev = kafka::DevCluster::Start(1);
    EXPECT_TRUE(dev.ok()) << dev.status().ToString();
    dev_ = std::move(*dev);
    kafka::KafkaOptions options;
    options.brokers = dev_->bootstrap_servers();
    auto cluster = kafka::KafkaCluster::Connect(options);
    EXPECT_TRUE(cluster.ok());
    kafka::SchemasTopicRegistry registry(*cluster);
    kafka::DemoTopic demo;
    demo.partitions = kPartitions;
    demo.records = kRecords;
    EXPECT_TRUE(kafka::SeedDemoTopic(*dev_, registry, options, demo).ok());
  }
  std::string brokers() const { return dev_->bootstrap_servers(); }

 private:
  std::unique_ptr<kafka::DevCluster> dev_;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zookeeper_ = std::make_unique<ZooKeeperProcess>(dir_.path() / "zookeeper");
    ASSERT_GT(zookeeper_->port(), 0);
    for (int n = 0; n < 3; ++n) StartNode(n);
    for (int n = 0; n < 3; ++n) ASSERT_TRUE(WaitForMembers(n, 3)) << "node " << n;
  }

  // Flags every node gets besides the cluster's (a fixture may add some).
  virtual std::vector<std::string> NodeFlags() { return {}; }

  void StartNode(int n) {
    std::vector<std::string> flags = {"--kafka-brokers",
                                      Kafka().brokers(),
                                      "--cluster",
                                      zookeeper_->url("/hangar-test"),
                                      "--cluster-session-timeout",
                                      "2",
                                      "--access-log",
                                      "off",
                                      "--metrics-listen",
                                      "off"};
    for (auto& flag : NodeFlags()) flags.push_back(flag);
    nodes_[n] = std::make_unique<ServerProcess>((dir_.path() / ("node" + std::to_string(n))).string(),
                                                std::map<std::string, std::string>{}, flags);
    ASSERT_TRUE(nodes_[n]->started()) << nodes_[n]->startup_log();
  }
  std::string Location(int n) const { return "grpc://127.0.0.1:" + std::to_string(nodes_[n]->port()); }

  // The ClusterStatus answer of node `n`.
  // Logs a client in where nodes need it.
  virtual void LogIn(flight::FlightClient&) {}

  nlohmann::json StatusOf(int n) {
    auto client = nodes_[n]->Connect();
    LogIn(*client);
    return testing::ClusterStatusOf(*client);
  }
  bool WaitForMembers(int n, size_t count, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    return testing::WaitForMembers([&] { return StatusOf(n); }, count, timeout);
  }
  flight::FlightInfo Info(int n) {
    return nodes_[n]->Connect()->GetFlightInfo(flight::FlightDescriptor::Path({"kafka", "orders"})).value();
  }

  // Reads one endpoint from its first location that answers; the order ids
  // it held. `tried` counts the locations that failed.
  // `token`: a bearer token for every location (nodes with authentication on).
  static Result<std::vector<int64_t>> ReadEndpoint(const flight::FlightEndpoint& endpoint, int* failed,
                                                   const std::string& token = "") {
    Status last = Status::Unavailable("no location");
    for (const auto& location : endpoint.locations) {
      auto client = flight::FlightClient::Connect(location);
      if (!client.ok()) return client.status();
      if (!token.empty()) (*client)->SetBearerToken(token);
      auto reader = (*client)->DoGet(endpoint.ticket);
      auto batches = reader.ok() ? (*reader)->ReadAll() : Result<std::vector<arrow::RecordBatchPtr>>(reader.status());
      if (!batches.ok()) {
        last = batches.status();
        ++*failed;
        continue;
      }
      std::vector<int64_t> ids;
      for (const auto& b : *batches)
        for (int64_t r = 0; r < b->num_rows; ++r)
          ids.push_back(arrow::LoadInteger(*b->column(0), b->column(0)->offset + r));
      return ids;
    }
    return last;
  }

  // Every endpoint read in parallel; checks every order id arrived exactly
  // once (`expected`: how many; ids are 1..kRecords, or every `step`-th).
  void ExpectEveryRowOnce(const flight::FlightInfo& info, int* failed, int64_t expected = kRecords,
                          const std::string& token = "") {
    std::vector<std::future<Result<std::vector<int64_t>>>> reads;
    std::vector<int> failures(info.endpoints.size(), 0);
    for (size_t e = 0; e < info.endpoints.size(); ++e)
      reads.push_back(
          std::async(std::launch::async, [&, e] { return ReadEndpoint(info.endpoints[e], &failures[e], token); }));
    std::map<int64_t, int> seen;
    for (auto& read : reads) {
      auto ids = read.get();
      ASSERT_TRUE(ids.ok()) << ids.status().ToString();
      for (int64_t id : *ids) ++seen[id];
    }
    for (int f : failures) *failed += f;
    ASSERT_EQ(seen.size(), static_cast<size_t>(expected));
    for (const auto& [id, times] : seen) ASSERT_EQ(times, 1) << "order " << id;
  }

  // Made by the first cluster test that runs (the binary also runs every
  // other server test, which must not pay for it).
  static SharedKafka& Kafka() {
    static SharedKafka kafka;
    return kafka;
  }
  TempDataDir dir_;
  std::unique_ptr<ZooKeeperProcess> zookeeper_;
  std::unique_ptr<ServerProcess> nodes_[3];
};

TEST_F(ClusterTest, EndpointsSpreadOverEveryNodeAndParallelReadsGetEveryRowOnce) {
  const auto info = Info(0);
  ASSERT_EQ(info.endpoints.size(), static_cast<size_t>(kPartitions));
  // Each partition's locations are the members ranked by rendezvous hashing
  // for it, owner first. (Whether every node owns some of 12 partitions
  // depends on the ports the nodes got: 2.3% of the time one owns none.)
  std::vector<std::string> ids;
  std::map<std::string, std::string> location_of;
  for (int n = 0; n < 3; ++n) {
    ids.push_back(cluster::MemberId(Location(n)));
    location_of[ids.back()] = Location(n);
  }
  std::map<std::string, int> owned;
  for (int p = 0; p < kPartitions; ++p) {
    const auto& endpoint = info.endpoints[p];
    std::vector<std::string> expected, got;
    for (const auto& id : cluster::RankMembers("kafka.orders/" + std::to_string(p), ids))
      expected.push_back(location_of[id]);
    for (const auto& l : endpoint.locations) got.push_back(l.uri);
    EXPECT_EQ(got, expected) << "partition " << p;  // the owner, then two fallbacks
    ++owned[endpoint.locations.at(0).uri];
  }
  EXPECT_GE(owned.size(), 2u) << "the partitions are spread";
  // Every node places every partition the same way.
  for (int n = 1; n < 3; ++n) {
    const auto other = Info(n);
    for (size_t e = 0; e < info.endpoints.size(); ++e)
      EXPECT_EQ(other.endpoints[e].locations, info.endpoints[e].locations) << "node " << n << " endpoint " << e;
  }
  int failed = 0;
  ExpectEveryRowOnce(info, &failed);
  EXPECT_EQ(failed, 0);
  // `hangar cluster status` agrees.
  const auto status = StatusOf(1);
  ASSERT_EQ(status["members"].size(), 3u);
  size_t partitions = 0;
  for (const auto& m : status["members"]) partitions += m["partitions"].size();
  EXPECT_EQ(partitions, static_cast<size_t>(kPartitions));
}

TEST_F(ClusterTest, APureScanQueryIsSplitByPartitionOverTheNodesAndOtherQueriesRunWhereAsked) {
  auto client = nodes_[1]->Connect();
  // quantity is 1 + i % 5 for order i + 1: a fifth of the orders have 3.
  auto info = client->GetFlightInfo(
      sql::StatementQueryDescriptor("SELECT order_id, amount * 2 AS doubled FROM kafka.orders o WHERE o.quantity = 3"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(info->app_metadata)["execution"], "partitioned") << info->app_metadata;
  ASSERT_EQ(info->endpoints.size(), static_cast<size_t>(kPartitions));
  std::set<std::string> owners;
  for (const auto& endpoint : info->endpoints) {
    ASSERT_EQ(endpoint.locations.size(), 3u);
    owners.insert(endpoint.locations[0].uri);
  }
  EXPECT_GE(owners.size(), 2u);  // spread (which nodes own some depends on their ports)
  // Each node runs its share; together every matching row, once.
  int failed = 0;
  ExpectEveryRowOnce(*info, &failed, kRecords / 5);
  EXPECT_EQ(failed, 0);
  // An aggregate is not a pure scan: one endpoint, run by the node asked.
  auto count = client->GetFlightInfo(sql::StatementQueryDescriptor("SELECT count(*) FROM kafka.orders"));
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(count->app_metadata)["execution"], "single");
  ASSERT_EQ(count->endpoints.size(), 1u);
  EXPECT_TRUE(count->endpoints[0].locations.empty());
  auto batches = client->DoGet(count->endpoints[0].ticket).value()->ReadAll().value();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(arrow::LoadInteger(*batches[0]->column(0), 0), kRecords);
}

TEST_F(ClusterTest, AKilledNodesEndpointsAreReadFromTheirFallbacksAndMembershipConverges) {
  // Every node sees three members before placement may give node 2 its
  // partitions: wait (bounded) until the FlightInfo places some there first,
  // or the kill below would test nothing.
  auto info = Info(0);
  auto places_on_2 = [this](const flight::FlightInfo& i) {
    for (const auto& endpoint : i.endpoints)
      if (!endpoint.locations.empty() && endpoint.locations[0].uri == Location(2)) return true;
    return false;
  };
  for (int tries = 0; tries < 100 && !places_on_2(info); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    info = Info(0);
  }
  ASSERT_TRUE(places_on_2(info)) << "no partition was placed on node 2 within 10 s";
  // Node 2 dies between the FlightInfo and the reads: its partitions' first
  // locations refuse, the client moves to the next.
  nodes_[2]->Kill(SIGKILL);
  int failed = 0;
  ExpectEveryRowOnce(info, &failed);
  int owned_by_dead = 0;
  for (const auto& endpoint : info.endpoints) owned_by_dead += endpoint.locations[0].uri == Location(2);
  EXPECT_EQ(failed, owned_by_dead);
  EXPECT_GT(failed, 0);
  // After the session timeout (2 s) the others see two members, and place
  // nothing on the dead node.
  ASSERT_TRUE(WaitForMembers(0, 2)) << StatusOf(0).dump();
  ASSERT_TRUE(WaitForMembers(1, 2)) << StatusOf(1).dump();
  for (const auto& endpoint : Info(1).endpoints) {
    ASSERT_EQ(endpoint.locations.size(), 2u);
    for (const auto& l : endpoint.locations) EXPECT_NE(l.uri, Location(2));
  }
  // The two left serve everything without a single fallback.
  failed = 0;
  ExpectEveryRowOnce(Info(1), &failed);
  EXPECT_EQ(failed, 0);
}

TEST_F(ClusterTest, NodesRejoinAfterAZooKeeperRestartWithOneOwnerPerPartition) {
  const auto before = Info(0);
  zookeeper_->Kill();
  // Longer than the session timeout: every session is gone when it is back.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  // Cut off from ZooKeeper, a node stops claiming: its endpoints name nobody.
  for (const auto& endpoint : Info(0).endpoints) EXPECT_TRUE(endpoint.locations.empty());
  ASSERT_TRUE(zookeeper_->Start());
  for (int n = 0; n < 3; ++n)
    ASSERT_TRUE(WaitForMembers(n, 3, std::chrono::seconds(30))) << "node " << n << " " << StatusOf(n).dump();
  // Every node places every partition on the same single owner, as before.
  std::vector<flight::FlightInfo> infos = {Info(0), Info(1), Info(2)};
  for (size_t e = 0; e < before.endpoints.size(); ++e)
    for (const auto& info : infos) EXPECT_EQ(info.endpoints[e].locations, before.endpoints[e].locations) << e;
  int failed = 0;
  ExpectEveryRowOnce(infos[2], &failed);
  EXPECT_EQ(failed, 0);
}

// Nodes with authentication on, sharing one users file and one token secret.
class ClusterAuthTest : public ClusterTest {
 protected:
  std::vector<std::string> NodeFlags() override {
    std::filesystem::create_directories(dir_.path());
    const std::string users = (dir_.path() / "users.json").string();
    const std::string secret = (dir_.path() / "token-secret").string();
    if (!std::filesystem::exists(users)) {
      flight::auth::UsersFile file;
      EXPECT_TRUE(file.AddUser("alice", "alice-pw", {{flight::auth::Access::kAdmin, "*"}}, false, 1000).ok());
      EXPECT_TRUE(file.Save(users).ok());
      std::ofstream(secret) << "0123456789abcdef0123456789abcdef";
    }
    return {"--users", users, "--token-secret-file", secret};
  }
  void LogIn(flight::FlightClient& client) override {
    EXPECT_TRUE(client.AuthenticateBasicToken("alice", "alice-pw").ok());
  }
};

TEST_F(ClusterAuthTest, ATokenFromOneNodeOpensEveryEndpointOnEveryNode) {
  auto client = nodes_[0]->Connect();
  auto token = client->AuthenticateBasicToken("alice", "alice-pw");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  auto info = client->GetFlightInfo(flight::FlightDescriptor::Path({"kafka", "orders"}));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  std::set<std::string> owners;
  for (const auto& endpoint : info->endpoints) owners.insert(endpoint.locations.at(0).uri);
  EXPECT_GE(owners.size(), 2u);  // spread (which nodes own some depends on their ports)
  // The token node 0 issued is good on nodes 1 and 2: no second login.
  int failed = 0;
  ExpectEveryRowOnce(*info, &failed, kRecords, *token);
  EXPECT_EQ(failed, 0);
  // Without it, another node refuses.
  auto stranger = nodes_[1]->Connect();
  EXPECT_EQ(stranger->DoGet(info->endpoints[0].ticket).value()->ReadAll().status().code(),
            StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace hangar
