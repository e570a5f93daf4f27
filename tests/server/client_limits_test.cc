// What one client, without credentials or with a few, can no longer do to
// `hangar serve`: flood the port with bare sockets until the server runs
// out of file descriptors (the listener used to stop accepting for good),
// hold every stream slot with streams that never send, or guess passwords
// as fast as the server hashes them. Each attack fails with the status or
// log line naming its limit, and other clients go on being served.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "flight/auth/users_file.h"
#include "flight/peer_relay.h"
#include "support/server_checks.h"
#include "support/server_process.h"

namespace hangar {
namespace {

using testing::ServerProcess;
using testing::TempDataDir;

// Bare TCP connections to 127.0.0.1:`port` from `address`, which never send a byte.
class IdleSockets {
 public:
  IdleSockets(int port, const std::string& address, int count) {
    for (int i = 0; i < count; ++i) {
      const int fd = testing::ConnectFrom(address, port, /*nonblocking=*/true);
      if (fd >= 0) fds_.push_back(fd);
    }
  }
  ~IdleSockets() { Close(); }
  void Close() {
    for (int fd : fds_) close(fd);
    fds_.clear();
  }
  size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

// The status of one call from a fresh client (a fresh connection, no backoff
// inherited from refused ones).
Status OneCall(int port) {
  auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port));
  if (!client.ok()) return client.status();
  flight::CallOptions options;
  options.timeout = std::chrono::seconds(3);
  return (*client)->ListActions(options).status();
}

// Polls until a fresh client is served; its last status.
Status ServedWithin(int port, std::chrono::seconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  Status last;
  do {
    last = OneCall(port);
    if (last.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < until);
  return last;
}

std::string HealthWithin(int port, std::chrono::seconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  std::string health;
  do {
    health = testing::HealthOf(port);
    if (health == "SERVING") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < until);
  return health;
}

bool LogSays(const ServerProcess& server, const std::string& text) {
  for (int i = 0; i < 100; ++i) {
    if (server.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(ClientLimits, MoreIdleSocketsThanDescriptorsNeverStopTheListener) {
  if (access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "needs prlimit (util-linux)";
  TempDataDir dir;
  // 256 descriptors in all for the server: far fewer than the sockets below.
  const std::vector<std::string> launcher = {"prlimit", "--nofile=256:256", "--"};
  const std::vector<std::string> flags = {"--metrics-listen",    "off", "--max-connections-per-peer", "32",
                                          "--handshake-timeout", "2"};
  auto server = std::make_unique<ServerProcess>(dir.str(), std::map<std::string, std::string>{}, flags, launcher);
  ASSERT_TRUE(server->started()) << server->startup_log();
  // It fits connections to its descriptors, and says so.
  EXPECT_NE(server->startup_log().find("fewer connections than --max-connections"), std::string::npos)
      << server->startup_log();
  ASSERT_TRUE(OneCall(server->port()).ok());

  // One address: at most 32 of its sockets are taken, the rest are reset,
  // and another client is served while all of them are open.
  {
    IdleSockets flood(server->port(), "127.0.0.2", 100);
    ASSERT_EQ(flood.size(), 100u);
    Status served = ServedWithin(server->port(), std::chrono::seconds(10));
    EXPECT_TRUE(served.ok()) << served.ToString();
    EXPECT_TRUE(LogSays(*server, "refusing connections from 127.0.0.2")) << server->log();
    EXPECT_TRUE(LogSays(*server, "--max-connections-per-peer")) << server->log();
  }

  // Many addresses, more sockets than the server has descriptors: the total
  // bound resets what does not fit, the handshake timeout frees what was
  // taken, and a client is served while the flood is still open.
  {
    std::vector<std::unique_ptr<IdleSockets>> flood;
    for (int host = 3; host <= 22; ++host)
      flood.push_back(std::make_unique<IdleSockets>(server->port(), "127.0.0." + std::to_string(host), 32));
    Status served = ServedWithin(server->port(), std::chrono::seconds(15));
    EXPECT_TRUE(served.ok()) << served.ToString();
    EXPECT_EQ(HealthWithin(server->port(), std::chrono::seconds(10)), "SERVING");
    EXPECT_TRUE(LogSays(*server, "the server's limit (--max-connections)")) << server->log();
  }
  // Once they are gone, at once.
  Status after = ServedWithin(server->port(), std::chrono::seconds(10));
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_EQ(HealthWithin(server->port(), std::chrono::seconds(10)), "SERVING");

  // And a second wave, opened and closed at once, leaves nothing behind.
  {
    std::vector<std::unique_ptr<IdleSockets>> flood;
    for (int host = 30; host <= 50; ++host)
      flood.push_back(std::make_unique<IdleSockets>(server->port(), "127.0.0." + std::to_string(host), 32));
  }
  after = ServedWithin(server->port(), std::chrono::seconds(10));
  EXPECT_TRUE(after.ok()) << after.ToString();

  // A restart works: the server stops cleanly and a new one serves.
  EXPECT_EQ(server->Kill(SIGTERM), 0) << server->log();
  server = std::make_unique<ServerProcess>(dir.str(), std::map<std::string, std::string>{}, flags, launcher);
  ASSERT_TRUE(server->started()) << server->startup_log();
  Status restarted = ServedWithin(server->port(), std::chrono::seconds(10));
  EXPECT_TRUE(restarted.ok()) << restarted.ToString();
}

TEST(ClientLimits, QuietStreamsAndPasswordGuessesMeetTheirLimits) {
  TempDataDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string users_path = (dir.path() / "users.json").string();
  flight::auth::UsersFile users;
  ASSERT_TRUE(users.AddUser("alice", "alice-pw", {{flight::auth::Access::kAdmin, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.AddUser("bob", "bob-pw", {{flight::auth::Access::kAdmin, "*"}}, false, 1000).ok());
  ASSERT_TRUE(users.Save(users_path).ok());
  ServerProcess server(
      (dir.path() / "data").string(), {},
      {"--users", users_path, "--metrics-listen", "off", "--idle-stream-timeout", "1", "--max-streams-per-peer", "2",
       "--login-failures-per-user", "2", "--login-failure-window", "60"});
  ASSERT_TRUE(server.started()) << server.startup_log();
  auto alice = server.Connect();
  ASSERT_TRUE(alice->AuthenticateBasicToken("alice", "alice-pw").ok());

  // Two uploads that send their schema and then nothing hold this address's
  // two stream slots: a third stream is refused, naming the limit.
  auto schema = arrow::schema({arrow::field("x", arrow::int64())});
  auto first = alice->DoPut(flight::FlightDescriptor::Path({"quiet1"}), schema).value();
  auto second = alice->DoPut(flight::FlightDescriptor::Path({"quiet2"}), schema).value();
  Status refused;
  for (int i = 0; i < 100; ++i) {
    auto reader = alice->DoGet(flight::Ticket{"nothing"});
    refused = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
    if (refused.code() == StatusCode::kResourceExhausted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.ToString();
  EXPECT_NE(refused.message().find("--max-streams-per-peer"), std::string::npos) << refused.message();
  // A second later the server cuts both, and says why.
  for (auto* put : {first.get(), second.get()}) {
    auto result = put->ReadResult();  // returns once the server ends the call
    (void)result;
    Status cut = put->Close();
    EXPECT_EQ(cut.code(), StatusCode::kResourceExhausted) << cut.ToString();
    EXPECT_NE(cut.message().find("--idle-stream-timeout"), std::string::npos) << cut.message();
  }
  Status again;
  for (int i = 0; i < 200; ++i) {
    auto reader = alice->DoGet(flight::Ticket{"nothing"});
    again = reader.ok() ? (*reader)->ReadAll().status() : reader.status();
    if (again.code() != StatusCode::kResourceExhausted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(again.code(), StatusCode::kResourceExhausted) << again.ToString();

  // Guessing bob's password: two tries, then refusals without a check.
  auto guesser = server.Connect();
  EXPECT_EQ(guesser->AuthenticateBasicToken("bob", "guess-1").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(guesser->AuthenticateBasicToken("bob", "guess-2").status().code(), StatusCode::kUnauthenticated);
  Status throttled = guesser->AuthenticateBasicToken("bob", "guess-3").status();
  EXPECT_EQ(throttled.code(), StatusCode::kResourceExhausted) << throttled.ToString();
  EXPECT_NE(throttled.message().find("too many failed logins for user 'bob'"), std::string::npos)
      << throttled.message();
  EXPECT_NE(throttled.message().find("--login-failures-per-user"), std::string::npos) << throttled.message();
  // alice, holding a token, is not held up.
  EXPECT_TRUE(alice->ListFlights().ok());
  EXPECT_TRUE(server.Connect()->AuthenticateBasicToken("alice", "alice-pw").ok());
}

}  // namespace
}  // namespace hangar
