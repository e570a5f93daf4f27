// Password guessing against a real server on loopback: failed logins are
// throttled per user name and per client address with RESOURCE_EXHAUSTED
// saying when to retry, other users and clients holding tokens are not
// held up, and a throttled user logs in again once the window gives its
// allowance back.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "flight/auth/users_file.h"
#include "flight/client.h"
#include "metrics/registry.h"
#include "peer_relay.h"
#include "test_service.h"

namespace hangar::flight {
namespace {

using auth::Access;

double Limited(const std::string& limit) {
  return metrics::DefaultRegistry()
      .Counter("hangar_rpc_limited_total", "Calls refused with RESOURCE_EXHAUSTED, by the limit they hit", {"limit"})
      .WithLabels({limit})
      .value();
}

bool Contains(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

class LoginThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hangar-login-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auth::UsersFile users;
    // A cheap hash keeps the test quick; the throttle does not depend on it.
    for (const char* name : {"alice", "bob", "carol"})
      ASSERT_TRUE(users.AddUser(name, std::string(name) + "-pw", {{Access::kAdmin, "*"}}, false, 1000).ok());
    ASSERT_TRUE(users.Save((dir_ / "users.json").string()).ok());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(LoginLimits login) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.auth = AuthOptions{(dir_ / "users.json").string(), "0123456789abcdef0123456789abcdef",
                               std::chrono::seconds(3600), login};
    auto server = FlightServer::Start(options, std::make_shared<testing::TestFlightService>());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  std::unique_ptr<FlightClient> Connect() { return FlightClient::Connect(server_->location()).value(); }
  Status Login(FlightClient& client, const std::string& user, const std::string& password) {
    return client.AuthenticateBasicToken(user, password).status();
  }

  std::filesystem::path dir_;
  std::unique_ptr<FlightServer> server_;
};

TEST_F(LoginThrottleTest, AFloodAgainstOneUserIsThrottledAndNobodyElseIsHeldUp) {
  LoginLimits login;
  // One failure back every 4 s: far more than the test needs between its
  // guesses and its checks, and short enough to wait for at the end.
  login.failures_per_user = 3;
  login.failures_per_peer = 100;
  login.window = std::chrono::seconds(12);
  Start(login);
  auto carol = Connect();  // logged in before the flood
  ASSERT_TRUE(Login(*carol, "carol", "carol-pw").ok());
  const double before = Limited("login_failures_per_user");

  auto attacker = Connect();
  int unauthenticated = 0, throttled = 0;
  Status last;
  for (int i = 0; i < 40; ++i) {
    last = Login(*attacker, "alice", "guess-" + std::to_string(i));
    if (last.code() == StatusCode::kUnauthenticated) ++unauthenticated;
    if (last.code() == StatusCode::kResourceExhausted) ++throttled;
  }
  // Three guesses were checked (a slow machine may see one come back
  // meanwhile); the rest were refused without a check.
  EXPECT_GE(unauthenticated, 3);
  EXPECT_LE(unauthenticated, 10);
  EXPECT_EQ(unauthenticated + throttled, 40);
  EXPECT_EQ(last.code(), StatusCode::kResourceExhausted) << last.ToString();
  EXPECT_TRUE(Contains(last, "too many failed logins for user 'alice': retry in ")) << last.ToString();
  EXPECT_TRUE(Contains(last, "--login-failures-per-user")) << last.ToString();
  EXPECT_EQ(Limited("login_failures_per_user"), before + throttled);
  // The Handshake payload is the same door.
  Status by_payload = attacker->HandshakeBasicAuth("alice", "another-guess").status();
  EXPECT_EQ(by_payload.code(), StatusCode::kResourceExhausted) << by_payload.ToString();
  // Even the right password waits: that is what stops a guesser.
  EXPECT_EQ(Login(*Connect(), "alice", "alice-pw").code(), StatusCode::kResourceExhausted);

  // Another user logs in from the same address, and a client holding a
  // token goes on working.
  auto bob = Connect();
  Status bob_login = Login(*bob, "bob", "bob-pw");
  EXPECT_TRUE(bob_login.ok()) << bob_login.ToString();
  EXPECT_TRUE(bob->DoAction(Action{"echo", "x"}).ok());
  auto listed = carol->ListFlights();
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();

  // Once the window has given some allowance back, alice logs in.
  Status alice;
  for (int i = 0; i < 300; ++i) {
    alice = Login(*Connect(), "alice", "alice-pw");
    if (alice.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(alice.ok()) << alice.ToString();
}

TEST_F(LoginThrottleTest, AnAddressGuessingManyNamesIsThrottledAndOtherAddressesAreNot) {
  LoginLimits login;
  login.failures_per_user = 3;
  login.failures_per_peer = 4;
  login.window = std::chrono::seconds(60);
  Start(login);
  hangar::testing::PeerRelay relay(server_->port());  // the guesser, from 127.0.0.2
  auto guesser = FlightClient::Connect(relay.location()).value();
  Status last;
  for (int i = 0; i < 6; ++i) last = Login(*guesser, "user" + std::to_string(i), "guess");
  EXPECT_EQ(last.code(), StatusCode::kResourceExhausted) << last.ToString();
  EXPECT_TRUE(Contains(last, "too many failed logins from 127.0.0.2: retry in ")) << last.ToString();
  EXPECT_TRUE(Contains(last, "--login-failures-per-peer")) << last.ToString();
  // The address is refused for every name, bob's too...
  EXPECT_EQ(Login(*guesser, "bob", "bob-pw").code(), StatusCode::kResourceExhausted);
  // ...while bob, from his own address, is not.
  Status bob = Login(*Connect(), "bob", "bob-pw");
  EXPECT_TRUE(bob.ok()) << bob.ToString();
}

TEST_F(LoginThrottleTest, AConcurrentFloodOfLoginsLeavesTokenHoldersServed) {
  LoginLimits login;
  login.failures_per_user = 1000;
  login.failures_per_peer = 100000;
  login.concurrent_checks = 1;
  Start(login);
  auto carol = Connect();
  ASSERT_TRUE(Login(*carol, "carol", "carol-pw").ok());
  // Eight clients guess as fast as they can; each check takes a full
  // PBKDF2, one at a time.
  std::atomic<bool> stop = false;
  std::atomic<int> attempts = 0, refused_busy = 0;
  std::vector<std::thread> flood;
  for (int t = 0; t < 8; ++t) {
    flood.emplace_back([&, t] {
      auto client = Connect();
      while (!stop) {
        Status st = Login(*client, "nobody" + std::to_string(t), "guess");
        ++attempts;
        if (st.code() == StatusCode::kResourceExhausted && Contains(st, "--max-concurrent-logins")) ++refused_busy;
      }
    });
  }
  while (attempts < 16) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Calls with a token never wait for a password check.
  for (int i = 0; i < 20; ++i) {
    auto echoed = carol->DoAction(Action{"echo", "x"});
    ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
  }
  stop = true;
  for (auto& thread : flood) thread.join();
  // A correct login still gets its turn after the flood.
  EXPECT_TRUE(Login(*Connect(), "bob", "bob-pw").ok());
}

}  // namespace
}  // namespace hangar::flight
