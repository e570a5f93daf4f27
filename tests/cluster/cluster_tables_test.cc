// Tables shared by a cluster: three `hangar serve` nodes coordinated by a
// real ZooKeeper, their tables in one shared data directory
// (--shared-data-dir). Writes through any node land exactly once on the
// table's node and every node reads them; killing that node during ingest
// loses nothing it acknowledged at `disk` (a live node adopts its folder and
// replays its log), checked row by row; after a ZooKeeper restart the nodes
// hold their own folders again and no table has two writers. The same
// cluster with its tables in a bucket instead (--object-store, no shared
// directory): killing the writer during ingest loses nothing acknowledged
// at `object_storage`, a live node adopts the table from the bucket, and the
// killed node restarted on its old disk duplicates nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <thread>

#include "arrow/array_access.h"
#include "cluster/membership.h"
#include "cluster_status.h"
#include "sql/flight_sql_client.h"
#include "store/store_test_util.h"
#include "support/s3_server.h"
#include "support/server_process.h"
#include "support/zookeeper_process.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using store::testing::Events;
using store::testing::EventSchema;
using testing::FreePort;
using testing::ServerProcess;
using testing::TempDataDir;
using testing::ZooKeeperProcess;

constexpr int kNodes = 3;

class ClusterTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zookeeper_ = std::make_unique<ZooKeeperProcess>(dir_.path() / "zookeeper");
    ASSERT_GT(zookeeper_->port(), 0);
    for (int n = 0; n < kNodes; ++n) StartNodeOnAFreePort(n);
    for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(WaitForMembers(n, kNodes)) << "node " << n;
  }

  // Flags every node gets besides these (a fixture may add some).
  virtual std::vector<std::string> NodeFlags() { return {}; }
  // How the nodes share their tables, and the environment they get.
  virtual std::vector<std::string> SharingFlags() { return {"--shared-data-dir", shared().string()}; }
  virtual std::map<std::string, std::string> NodeEnv() { return {}; }
  // Node `n`'s own folder (tables, log).
  virtual fs::path FolderOf(int n) const { return shared() / "nodes" / NodeId(n); }
  // A client of node `n`.
  virtual std::unique_ptr<flight::FlightClient> Connect(int n) { return nodes_[n]->Connect(); }

  void LaunchNode(int n) {
    std::vector<std::string> flags = {"--listen",
                                      "127.0.0.1:" + std::to_string(ports_[n]),
                                      "--cluster",
                                      zookeeper_->url("/hangar-tables"),
                                      "--cluster-session-timeout",
                                      "2",
                                      "--access-log",
                                      "off",
                                      "--metrics-listen",
                                      "off"};
    for (auto& flag : SharingFlags()) flags.push_back(flag);
    for (auto& flag : NodeFlags()) flags.push_back(flag);
    nodes_[n] = std::make_unique<ServerProcess>(DataDirOf(n).string(), NodeEnv(), flags);
  }
  // A port chosen free may be taken before its node listens (other suites
  // start brokers and object stores beside this one): the node is then
  // started again on another port, before anything knows it by its first.
  void StartNodeOnAFreePort(int n) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      ports_[n] = FreePort();
      LaunchNode(n);
      if (nodes_[n]->started() || nodes_[n]->startup_log().find("Address already in use") == std::string::npos) break;
    }
    ASSERT_TRUE(nodes_[n]->started()) << nodes_[n]->startup_log();
  }
  fs::path shared() const { return dir_.path() / "shared"; }
  fs::path DataDirOf(int n) const { return dir_.path() / ("node" + std::to_string(n)); }
  // Where node `n` is reached, and its id (the name of its folder).
  virtual std::string LocationOf(int n) const { return "grpc://127.0.0.1:" + std::to_string(ports_[n]); }
  std::string NodeId(int n) const { return cluster::MemberId(LocationOf(n)); }

  nlohmann::json StatusOf(int n) { return testing::ClusterStatusOf(*Connect(n)); }
  bool WaitForMembers(int n, size_t count, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    return testing::WaitForMembers([&] { return StatusOf(n); }, count, timeout);
  }

  // Waits until a node other than `owner` alone holds `name` (it adopted
  // the folder); the holders then. `owner_keeps_copy`: the owner's own disk
  // (not shared) still has its copy, which does not count.
  std::vector<int> WaitForAdoption(const std::string& name, int owner, bool owner_keeps_copy = false) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    std::vector<int> now;
    while (std::chrono::steady_clock::now() < until) {
      now = Holders(name);
      if (owner_keeps_copy) std::erase(now, owner);
      if (now.size() == 1 && now[0] != owner) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return now;
  }

  // Every node's ClusterStatus names node `writer`, and no other, as
  // writing table `name`.
  void ExpectOneWriterEverywhere(const std::string& name, int writer) {
    for (int n = 0; n < kNodes; ++n) {
      std::vector<std::string> writers;
      const nlohmann::json status = StatusOf(n);
      for (const auto& m : status["members"])
        for (const auto& t : m.value("tables", nlohmann::json::array()))
          if (t == name) writers.push_back(m["id"]);
      EXPECT_EQ(writers, std::vector<std::string>{NodeId(writer)}) << "as node " << n << " sees it: " << status.dump();
    }
  }

  // The nodes whose folder holds table `name` (on the shared disk).
  std::vector<int> Holders(const std::string& name) const {
    std::vector<int> out;
    for (int n = 0; n < kNodes; ++n) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(FolderOf(n) / "tables", ec))
        if (entry.path().filename().string().starts_with(name + "-")) out.push_back(n);
    }
    return out;
  }

  // Creates `events` through node 0: the node that holds it (-1 if not one).
  int CreateEventsOnItsNode() {
    CreateEvents(*Connect(0));
    const auto holders = Holders("default.events");
    EXPECT_EQ(holders.size(), 1u);
    return holders.size() == 1 ? holders[0] : -1;
  }

  static void CreateEvents(flight::FlightClient& client) {
    auto results = client.DoAction(flight::Action{
        "CreateTable",
        R"({"name": "events", "schema_json": {"fields": [{"name": "id", "type": "int64", "nullable": false},
                                                                        {"name": "what", "type": "utf8"}]}})"});
    ASSERT_TRUE(results.ok()) << results.status().ToString();
  }

  // Streams `batches` into `events` through `client` at `durability`; the
  // batches acknowledged OK at that level, by index. Stops early (the stream
  // broke) without failing. `pause`: between batches.
  static std::set<int64_t> Ingest(flight::FlightClient& client, const std::vector<arrow::RecordBatchPtr>& batches,
                                  const std::string& durability, Status* ended = nullptr,
                                  std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
    std::set<int64_t> acked;
    auto stream = client.DoExchange(flight::FlightDescriptor::Path({"events"}));
    if (!stream.ok()) {
      if (ended) *ended = stream.status();
      return acked;
    }
    std::thread reader([&] {
      while (true) {
        auto chunk = (*stream)->Next();
        if (!chunk.ok() && ended) *ended = chunk.status();
        if (!chunk.ok() || chunk->end()) break;
        if (!chunk->app_metadata) continue;
        auto ack = nlohmann::json::parse(chunk->app_metadata->view());
        if (ack["error"].is_null() && ack["durability_level"] == durability) acked.insert(ack["batch"].get<int64_t>());
      }
    });
    Status st =
        (*stream)->WriteMetadata(arrow::Buffer::FromString(R"({"requested_durability": ")" + durability + "\"}"));
    for (size_t i = 0; st.ok() && i < batches.size(); ++i) {
      if (i == 0) st = (*stream)->Begin(EventSchema());
      if (st.ok()) st = (*stream)->WriteRecordBatch(*batches[i]);
      std::this_thread::sleep_for(pause);
    }
    if (st.ok()) (void)(*stream)->DoneWriting();
    reader.join();
    return acked;
  }

  // Every id node `n` reads of `events` (every endpoint, where GetFlightInfo says).
  std::vector<int64_t> ReadIds(int n) {
    auto ids = TryReadIds(n);
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? *ids : std::vector<int64_t>{};
  }
  Result<std::vector<int64_t>> TryReadIds(int n) {
    auto client = Connect(n);
    HANGAR_ASSIGN_OR_RETURN(auto info, client->GetFlightInfo(flight::FlightDescriptor::Path({"events"})));
    std::vector<int64_t> ids;
    for (const auto& endpoint : info.endpoints) {
      HANGAR_ASSIGN_OR_RETURN(auto stream, client->DoGet(endpoint.ticket));
      HANGAR_ASSIGN_OR_RETURN(auto batches, stream->ReadAll());
      for (const auto& b : batches)
        for (int64_t r = 0; r < b->num_rows; ++r)
          ids.push_back(arrow::LoadInteger(*b->column(0), b->column(0)->offset + r));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  TempDataDir dir_;
  std::unique_ptr<ZooKeeperProcess> zookeeper_;
  int ports_[kNodes] = {};
  std::unique_ptr<ServerProcess> nodes_[kNodes];
};

TEST_F(ClusterTablesTest, WritesThroughAnyNodeLandOnceOnTheTablesNodeAndEveryNodeReadsThem) {
  CreateEvents(*Connect(0));
  const auto holders = Holders("default.events");
  ASSERT_EQ(holders.size(), 1u);
  // Created once: asking another node again is "already exists", from the table's node.
  auto again = Connect(2)->DoAction(flight::Action{
      "CreateTable", R"({"name": "events", "schema_json": {"fields": [{"name": "id", "type": "int64"}]}})"});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();

  // Each node streams its own ids, acknowledged once committed; one more
  // node puts a dataset.
  std::vector<int64_t> expected;
  for (int n = 0; n < kNodes; ++n) {
    std::vector<arrow::RecordBatchPtr> batches;
    for (int b = 0; b < 5; ++b) {
      batches.push_back(Events(n * 10000 + b * 100, 100));
      for (int64_t id = n * 10000 + b * 100; id < n * 10000 + b * 100 + 100; ++id) expected.push_back(id);
    }
    Status ended;
    EXPECT_EQ(Ingest(*Connect(n), batches, "committed", &ended).size(), 5u) << n << " " << ended.ToString();
  }
  const int other = (holders[0] + 1) % kNodes;
  auto writer = Connect(other)->DoPut(flight::FlightDescriptor::Path({"events"}), EventSchema()).value();
  ASSERT_TRUE(writer->WriteRecordBatch(*Events(50000, 250)).ok());
  ASSERT_TRUE(writer->DoneWriting().ok());
  auto result = writer->ReadResult();
  ASSERT_TRUE(writer->Close().ok());
  ASSERT_TRUE(result.ok() && *result);
  EXPECT_EQ(nlohmann::json::parse(**result)["rows"], 250);
  for (int64_t id = 50000; id < 50250; ++id) expected.push_back(id);
  std::sort(expected.begin(), expected.end());

  // Still one folder holds it, one writer as every node sees it; every node
  // reads every row exactly once.
  EXPECT_EQ(Holders("default.events"), holders);
  ExpectOneWriterEverywhere("default.events", holders[0]);
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(ReadIds(n), expected) << "node " << n;
  // SQL on a node that does not hold the table sees it too.
  int64_t rows = -1, distinct = -1;
  Status st = sql::RunClientQuery(
      *Connect(other), "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events",
      [](const arrow::SchemaPtr&) { return Status::OK(); },
      [&](const arrow::RecordBatch& batch) {
        rows = arrow::LoadInteger(*batch.column(0), 0);
        distinct = arrow::LoadInteger(*batch.column(1), 0);
        return Status::OK();
      });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rows, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(distinct, static_cast<int64_t>(expected.size()));
}

TEST_F(ClusterTablesTest, KillingTheTablesNodeDuringIngestLosesNothingAckedAtDisk) {
  CreateEvents(*Connect(0));
  const auto holders = Holders("default.events");
  ASSERT_EQ(holders.size(), 1u);
  const int owner = holders[0];
  const int via = (owner + 1) % kNodes;  // streams go through another node: forwarded
  // Up to 2,000 batches of 50 rows, a few milliseconds apart; the owner is
  // killed while they flow.
  std::vector<arrow::RecordBatchPtr> batches;
  for (int b = 0; b < 2000; ++b) batches.push_back(Events(b * 50, 50));
  std::set<int64_t> acked;
  Status ended;
  std::thread writer([&] { acked = Ingest(*Connect(via), batches, "disk", &ended, std::chrono::milliseconds(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  nodes_[owner]->Kill(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  writer.join();
  EXPECT_FALSE(ended.ok()) << "the stream should have broken with its writer";
  ASSERT_GT(acked.size(), 20u) << ended.ToString();
  ASSERT_LT(acked.size(), batches.size());

  // A live node adopts the dead node's folder: the table moves to it.
  const auto now = WaitForAdoption("default.events", owner);
  ASSERT_EQ(now.size(), 1u);
  ASSERT_NE(now[0], owner) << nodes_[via]->log();
  std::printf("%zu batches acknowledged at disk before the kill; the folder adopted %.1f s after it\n", acked.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count());

  // Row by row: every batch acknowledged at `disk` is there exactly once,
  // and every batch there is whole (nothing unacknowledged in part).
  const int reader = now[0] == via ? (via + 1) % kNodes : via;
  ASSERT_NE(reader, owner);
  std::map<int64_t, int> seen;
  for (int64_t id : ReadIds(reader)) ++seen[id];
  for (int64_t b : acked)
    for (int64_t id = b * 50; id < b * 50 + 50; ++id) ASSERT_EQ(seen[id], 1) << "id " << id << " of acked batch " << b;
  for (const auto& [id, times] : seen) {
    EXPECT_EQ(times, 1) << id;
    for (int64_t other = id / 50 * 50; other < id / 50 * 50 + 50; ++other) EXPECT_EQ(seen.count(other), 1u) << other;
  }
  // And the table takes writes again, through any live node.
  EXPECT_EQ(Ingest(*Connect(reader), {Events(100000, 10)}, "committed").size(), 1u);
  EXPECT_EQ(ReadIds(now[0]).back(), 100009);
}

TEST_F(ClusterTablesTest, AfterAZooKeeperRestartEachNodeHoldsItsOwnFolderAndNoTableHasTwoWriters) {
  CreateEvents(*Connect(0));
  const auto holders = Holders("default.events");
  ASSERT_EQ(holders.size(), 1u);
  ASSERT_EQ(Ingest(*Connect(0), {Events(0, 100)}, "committed").size(), 1u);
  std::map<int, std::string> epochs;
  for (int n = 0; n < kNodes; ++n) epochs[n] = store::ReadWholeFile(shared() / "nodes" / NodeId(n) / "epoch").value();
  zookeeper_->Kill();
  // Longer than the session timeout: every session (and every lock) is gone.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  // Cut off, no node writes: the table's node refuses, whoever is asked.
  Status ended;
  EXPECT_TRUE(Ingest(*Connect(holders[0]), {Events(500, 10)}, "disk", &ended).empty());
  ASSERT_TRUE(zookeeper_->Start());
  for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(WaitForMembers(n, kNodes)) << "node " << n << " " << StatusOf(n).dump();
  // Past the time a gone node's folder would be adopted: none was; each
  // node still holds its own folder (ZooKeeper restored the sessions, or a
  // node took its lock again under a later epoch), and all are up.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Holders("default.events"), holders);
  ExpectOneWriterEverywhere("default.events", holders[0]);
  for (int n = 0; n < kNodes; ++n) {
    const std::string epoch = store::ReadWholeFile(shared() / "nodes" / NodeId(n) / "epoch").value();
    EXPECT_GE(std::stoll(epoch), std::stoll(epochs[n])) << n;
    EXPECT_TRUE(WaitForMembers(n, kNodes, std::chrono::seconds(1))) << n;
    EXPECT_EQ(nodes_[n]->log().find("adopt"), std::string::npos) << nodes_[n]->log();
  }
  // Writes through every node land once, on the one writer.
  for (int n = 0; n < kNodes; ++n)
    EXPECT_EQ(Ingest(*Connect(n), {Events(1000 + n * 10, 10)}, "committed").size(), 1u) << n;
  const auto ids = ReadIds((holders[0] + 1) % kNodes);
  EXPECT_EQ(ids.size(), 130u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 130u);
}

TEST_F(ClusterTablesTest, ANodeFrozenPastItsSessionIsFencedOutAndExitsWhenItWakes) {
  CreateEvents(*Connect(0));
  const auto holders = Holders("default.events");
  ASSERT_EQ(holders.size(), 1u);
  const int owner = holders[0];
  const int other = (owner + 1) % kNodes;
  // Acknowledged at `disk` only: these rows are in the owner's log alone.
  ASSERT_EQ(Ingest(*Connect(owner), {Events(0, 100), Events(100, 100)}, "disk").size(), 2u);
  const std::string epoch = store::ReadWholeFile(shared() / "nodes" / NodeId(owner) / "epoch").value();
  // Frozen (a long GC pause, a stalled VM): its session expires, and a live
  // node adopts its folder under a later epoch.
  ::kill(nodes_[owner]->pid(), SIGSTOP);
  const auto now = WaitForAdoption("default.events", owner);
  ASSERT_EQ(now.size(), 1u);
  ASSERT_NE(now[0], owner);
  EXPECT_GT(std::stoll(store::ReadWholeFile(shared() / "nodes" / NodeId(owner) / "epoch").value()), std::stoll(epoch));
  // Woken, it finds its folder was another's meanwhile: it writes nothing
  // more and exits (75), to start afresh.
  ::kill(nodes_[owner]->pid(), SIGCONT);
  const int status = nodes_[owner]->WaitFor(std::chrono::seconds(20));
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << nodes_[owner]->log();
  EXPECT_EQ(WEXITSTATUS(status), 75);
  // Without rejoining first: a node registers again only holding its folder.
  EXPECT_EQ(nodes_[owner]->log().find("joined the cluster"), std::string::npos) << nodes_[owner]->log();
  EXPECT_NE(nodes_[owner]->log().find("was adopted by another node"), std::string::npos) << nodes_[owner]->log();
  // The adopter has every row the frozen node acknowledged, once; the
  // table takes writes through the node that is left.
  EXPECT_EQ(Ingest(*Connect(other), {Events(200, 10)}, "committed").size(), 1u);
  const auto ids = ReadIds(other);
  ASSERT_EQ(ids.size(), 210u);
  for (int64_t i = 0; i < 210; ++i) EXPECT_EQ(ids[i], i);
}

// The nodes with mutual TLS (certificates made by the openssl CLI): a node
// forwarding a write verifies the writer with --cluster-tls-ca and presents
// its own certificate, as the writer requires of every client.
class ClusterTablesTlsTest : public ClusterTablesTest {
 protected:
  std::vector<std::string> NodeFlags() override {
    MakeCertificates();
    return {"--tls-cert",      File("node.crt"), "--tls-key",        File("node.key"),
            "--tls-client-ca", File("ca.crt"),   "--cluster-tls-ca", File("ca.crt")};
  }
  std::unique_ptr<flight::FlightClient> Connect(int n) override {
    flight::ClientOptions options;
    options.tls_root_certs = store::ReadWholeFile(File("ca.crt")).value();
    options.tls_cert_chain = store::ReadWholeFile(File("client.crt")).value();
    options.tls_private_key = store::ReadWholeFile(File("client.key")).value();
    auto client = flight::FlightClient::Connect(flight::Location{LocationOf(n)}, options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }
  std::string LocationOf(int n) const override { return "grpc+tls://127.0.0.1:" + std::to_string(ports_[n]); }
  std::string File(const std::string& name) const { return (dir_.path() / "tls" / name).string(); }
  void MakeCertificates() {
    if (fs::exists(File("node.crt"))) return;
    fs::create_directories(dir_.path() / "tls");
    const std::string script = "set -e; cd '" + (dir_.path() / "tls").string() + "'\n" + R"(
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=hangar-test-ca" 2>/dev/null
      leaf() { # name san
        openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1" 2>/dev/null
        printf "subjectAltName=%s\n" "$2" > $1.ext
        openssl x509 -req -in $1.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $1.crt -days 2 -extfile $1.ext 2>/dev/null
      }
      leaf node "IP:127.0.0.1"
      leaf client "DNS:client"
    )";
    std::ofstream(dir_.path() / "tls" / "make.sh") << script;
    ASSERT_EQ(std::system(("sh '" + (dir_.path() / "tls" / "make.sh").string() + "'").c_str()), 0) << "openssl failed";
  }
};

TEST_F(ClusterTablesTlsTest, WritesForwardedBetweenNodesOverMutualTlsLandOnce) {
  CreateEvents(*Connect(0));
  const auto holders = Holders("default.events");
  ASSERT_EQ(holders.size(), 1u);
  // A stream through one node that does not write the table, a put through the other.
  const int first = (holders[0] + 1) % kNodes, second = (holders[0] + 2) % kNodes;
  Status ended;
  EXPECT_EQ(Ingest(*Connect(first), {Events(0, 100), Events(100, 100)}, "committed", &ended).size(), 2u)
      << ended.ToString();
  auto writer = Connect(second)->DoPut(flight::FlightDescriptor::Path({"events"}), EventSchema()).value();
  ASSERT_TRUE(writer->WriteRecordBatch(*Events(200, 50)).ok());
  ASSERT_TRUE(writer->Close().ok());
  std::vector<int64_t> expected(250);
  std::iota(expected.begin(), expected.end(), 0);
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(ReadIds(n), expected) << "node " << n;
}

// No shared directory: the nodes share their tables through one bucket
// (--object-store), each with its own data directory. This fixture: a
// folder laid out as a bucket (file://); the next one, SeaweedFS.
class ClusterBucketTablesTest : public ClusterTablesTest {
 protected:
  std::vector<std::string> SharingFlags() override {
    return {"--object-store", "file://" + (dir_.path() / "bucket").string()};
  }
  fs::path FolderOf(int n) const override { return DataDirOf(n) / "cluster" / "nodes" / NodeId(n); }

  // What node `n` reads of `events` once `done` says it is all there (its
  // copy from the bucket catches up; a read while the copy is replaced may
  // fail, and is made again).
  std::vector<int64_t> ReadIdsOnce(int n, const std::function<bool(const std::vector<int64_t>&)>& done) {
    Result<std::vector<int64_t>> ids = Status::NotFound("not read yet");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
      ids = TryReadIds(n);
      if (ids.ok() && done(*ids)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_TRUE(ids.ok()) << "node " << n << ": " << ids.status().ToString() << "\n" << nodes_[n]->log();
    return ids.ok() ? *ids : std::vector<int64_t>{};
  }
  // Streams `batch` through node `n` at `object_storage`, again while the
  // node still names the gone writer (until its copy from the bucket names
  // the adopter): true once acknowledged.
  bool IngestOne(int n, const arrow::RecordBatchPtr& batch) {
    Status ended;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
      if (Ingest(*Connect(n), {batch}, "object_storage", &ended).size() == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } while (std::chrono::steady_clock::now() < deadline);
    ADD_FAILURE() << "node " << n << ": " << ended.ToString();
    return false;
  }

  // The writer of `events` is SIGKILLed while a stream acknowledged at
  // `object_storage` flows through another node; a live node adopts the
  // table from the bucket; every acknowledged batch is there exactly once on
  // every live node, and the killed node, restarted on its old disk,
  // duplicates nothing.
  void KillTheWriterDuringIngest(const std::string& level = "object_storage") {
    const int owner = CreateEventsOnItsNode();
    ASSERT_GE(owner, 0);
    const int via = (owner + 1) % kNodes;
    std::vector<arrow::RecordBatchPtr> batches;
    for (int b = 0; b < 2000; ++b) batches.push_back(Events(b * 50, 50));
    std::set<int64_t> acked;
    Status ended;
    std::thread writer([&] { acked = Ingest(*Connect(via), batches, level, &ended, std::chrono::milliseconds(5)); });
    // Killed once some batches are in the bucket (and more are on the way).
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until &&
           !fs::exists(DataDirOf(via) / "cluster" / "nodes" / NodeId(owner) / "tables"))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::seconds(3));
    nodes_[owner]->Kill(SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    writer.join();
    EXPECT_FALSE(ended.ok()) << "the stream should have broken with its writer";
    ASSERT_GT(acked.size(), 0u) << ended.ToString() << nodes_[owner]->log();
    ASSERT_LT(acked.size(), batches.size());

    const auto now = WaitForAdoption("default.events", owner, true);
    ASSERT_EQ(now.size(), 1u) << nodes_[via]->log();
    const int adopter = now[0];
    const int other = 3 - owner - adopter;
    std::printf("%zu batches acknowledged at %s before the kill; adopted %.1f s after it\n", acked.size(),
                level.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count());

    // Every live node reads the table as the bucket has it (the other node
    // once its copy caught up): each acknowledged batch exactly once, every
    // batch whole.
    const int64_t last_acked = *acked.rbegin() * 50;
    for (int reader : {adopter, other}) {
      std::map<int64_t, int> seen;
      for (int64_t id :
           ReadIdsOnce(reader, [&](const auto& ids) { return std::binary_search(ids.begin(), ids.end(), last_acked); }))
        ++seen[id];
      for (int64_t b : acked)
        for (int64_t id = b * 50; id < b * 50 + 50; ++id)
          ASSERT_EQ(seen[id], 1) << "node " << reader << ": id " << id << " of acked batch " << b;
      for (const auto& [id, times] : seen) {
        EXPECT_EQ(times, 1) << id;
        for (int64_t o = id / 50 * 50; o < id / 50 * 50 + 50; ++o) EXPECT_EQ(seen.count(o), 1u) << o;
      }
    }
    const size_t rows_after_kill = ReadIds(adopter).size();

    // The table takes writes again, through the node that does not write it.
    EXPECT_TRUE(IngestOne(other, Events(100000, 10)));
    EXPECT_EQ(ReadIds(adopter).back(), 100009);

    // The killed node, restarted on its old data directory, rejoins: its
    // copy of the table was adopted, so it goes (its log's batches for it
    // with it); it reads the adopter's table and forwards writes there.
    LaunchNode(owner);
    ASSERT_TRUE(nodes_[owner]->started()) << nodes_[owner]->startup_log();
    for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(WaitForMembers(n, kNodes)) << n;
    EXPECT_NE(nodes_[owner]->startup_log().find("adopted by another node while this node was gone"), std::string::npos)
        << nodes_[owner]->startup_log();
    EXPECT_TRUE(IngestOne(owner, Events(200000, 10)));
    EXPECT_EQ(Holders("default.events"), std::vector<int>{adopter});
    const size_t expected = rows_after_kill + 20;
    for (int n = 0; n < kNodes; ++n) {
      const auto ids = ReadIdsOnce(n, [&](const auto& ids) { return ids.size() >= expected; });
      EXPECT_EQ(ids.size(), expected) << "node " << n;
      EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size()) << "node " << n;
    }
  }
};

TEST_F(ClusterBucketTablesTest, KillingTheWriterLosesNothingAckedAtObjectStorage) { KillTheWriterDuringIngest(); }
TEST_F(ClusterBucketTablesTest, KillingTheWriterLosesNothingAckedAtIcebergCommitted) {
  KillTheWriterDuringIngest("iceberg_committed");
}

TEST_F(ClusterBucketTablesTest, AWriterFrozenPastItsSessionIsAdoptedAndExitsWhenItWakes) {
  const int owner = CreateEventsOnItsNode();
  ASSERT_GE(owner, 0);
  const int other = (owner + 1) % kNodes;
  ASSERT_EQ(Ingest(*Connect(owner), {Events(0, 100), Events(100, 100)}, "object_storage").size(), 2u);
  ::kill(nodes_[owner]->pid(), SIGSTOP);
  const auto now = WaitForAdoption("default.events", owner, true);
  ASSERT_EQ(now.size(), 1u);
  // Woken, it finds the bucket names another writer of its table: it
  // writes nothing more there and exits (75), to start afresh.
  ::kill(nodes_[owner]->pid(), SIGCONT);
  const int status = nodes_[owner]->WaitFor(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << status << "\n" << nodes_[owner]->log();
  EXPECT_EQ(WEXITSTATUS(status), 75);
  EXPECT_NE(nodes_[owner]->log().find("was adopted by another node"), std::string::npos) << nodes_[owner]->log();
  EXPECT_TRUE(IngestOne(other, Events(200, 10)));
  const auto ids = ReadIdsOnce(other, [](const auto& ids) { return ids.size() >= 210; });
  ASSERT_EQ(ids.size(), 210u);
  for (int64_t i = 0; i < 210; ++i) EXPECT_EQ(ids[i], i);
}

TEST_F(ClusterBucketTablesTest, SharedDataDirWithObjectStoreIsRefused) {
  ServerProcess refused((dir_.path() / "refused").string(), {},
                        {"--cluster", zookeeper_->url("/hangar-tables"), "--shared-data-dir", shared().string(),
                         "--object-store", "file://" + (dir_.path() / "bucket").string()});
  EXPECT_FALSE(refused.started());
  EXPECT_NE(refused.startup_log().find("--shared-data-dir and --object-store do not go together"), std::string::npos)
      << refused.startup_log();
}

// A writer back within its session timeout (here 10 s) keeps its tables:
// nobody adopts them, and its log replays what the bucket lacks (batches
// acknowledged at `disk` only), each once.
class ClusterBucketLongSessionTest : public ClusterBucketTablesTest {
 protected:
  std::vector<std::string> NodeFlags() override { return {"--cluster-session-timeout", "10"}; }
};

TEST_F(ClusterBucketLongSessionTest, AWriterRestartedWithinItsSessionReplaysItsLogOnce) {
  const int owner = CreateEventsOnItsNode();
  ASSERT_GE(owner, 0);
  const int via = (owner + 1) % kNodes;
  ASSERT_TRUE(IngestOne(via, Events(0, 50)));
  std::vector<arrow::RecordBatchPtr> batches;
  for (int b = 1; b < 20; ++b) batches.push_back(Events(b * 50, 50));
  ASSERT_EQ(Ingest(*Connect(via), batches, "disk").size(), batches.size());
  nodes_[owner]->Kill(SIGKILL);
  LaunchNode(owner);
  ASSERT_TRUE(nodes_[owner]->started()) << nodes_[owner]->startup_log();
  for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(WaitForMembers(n, kNodes)) << n;
  // One more batch at object_storage takes the replayed ones to the bucket.
  ASSERT_TRUE(IngestOne(via, Events(1000, 50)));
  EXPECT_EQ(Holders("default.events"), std::vector<int>{owner});
  for (int n = 0; n < kNodes; ++n) {
    const auto ids = ReadIdsOnce(n, [](const auto& ids) { return ids.size() >= 1050; });
    ASSERT_EQ(ids.size(), 1050u) << "node " << n;
    for (int64_t i = 0; i < 1050; ++i) ASSERT_EQ(ids[i], i) << "node " << n;
    EXPECT_EQ(nodes_[n]->log().find("adopt"), std::string::npos) << nodes_[n]->log();
  }
}

// The same against SeaweedFS's S3 gateway.
class ClusterS3TablesTest : public ClusterBucketTablesTest {
 protected:
  void SetUp() override {
    auto server = testing::S3Server::Start(dir_.path() / "s3");
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    s3_ = std::move(*server);
    ClusterBucketTablesTest::SetUp();
  }
  std::vector<std::string> SharingFlags() override {
    return {"--object-store",     "s3://" + s3_->bucket() + "/cluster",
            "--s3-endpoint",      s3_->endpoint(),
            "--s3-access-key-id", s3_->access_key()};
  }
  std::map<std::string, std::string> NodeEnv() override { return {{"HANGAR_S3_SECRET_ACCESS_KEY", s3_->secret_key()}}; }
  std::unique_ptr<testing::S3Server> s3_;
};

TEST_F(ClusterS3TablesTest, KillingTheWriterLosesNothingAckedAtObjectStorage) { KillTheWriterDuringIngest(); }

}  // namespace
}  // namespace hangar
