// Kafka connections per user (credential pass-through) against a real Apache
// Kafka broker with SASL/PLAIN users: the mock cluster has no SASL, and what
// matters here is what the brokers do with a login. One broker for the one
// test: starting it is the slow part.
#include <gtest/gtest.h>

#include <filesystem>

#include "kafka/user_clusters.h"
#include "support/kafka_broker.h"

namespace hangar::kafka {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;

TEST(UserClusters, EachUserLogsInOnceBoundedAndClosedWhenIdleOrExpired) {
  const fs::path source = HANGAR_SOURCE_DIR;
  const fs::path dir = fs::temp_directory_path() / ("hangar-user-clusters-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto broker = testing::KafkaBrokerProcess::Start(
      (source / "third_party/venv/bin/python").string(), (source / "tests/support/kafka_broker.py").string(), dir,
      {"--sasl", "--user", "alice=alice-Secret-71", "--user", "bob=bob-Secret-42", "--user", "carol=carol-Secret-3"});
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();

  KafkaOptions base;
  base.brokers = (*broker)->sasl_bootstrap();
  base.security_protocol = "sasl_plaintext";
  base.sasl_mechanism = "PLAIN";
  UserClusters users(base, UserClusterLimits{2, seconds(60)});
  const auto wall = std::chrono::system_clock::now();

  auto alice = users.For("alice", "alice-Secret-71", wall + hours(1));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ((*alice)->options().sasl_username, "alice");
  EXPECT_TRUE((*alice)->TopicNames().ok());
  auto again = users.For("alice", "alice-Secret-71", wall + hours(2));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), alice->get()) << "one connection per user, shared by its calls";

  // A password the brokers refuse: UNAUTHENTICATED at once (not after the
  // request timeout), naming the user and never the password.
  auto wrong = users.For("bob", "not-bobs-password", wall + hours(1));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated) << wrong.status().ToString();
  EXPECT_NE(wrong.status().message().find("'bob'"), std::string::npos) << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find("not-bobs-password"), std::string::npos);
  EXPECT_EQ(users.size(), 1u) << "a refused login keeps nothing";

  auto bob = users.For("bob", "bob-Secret-42", wall + hours(1));
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(users.size(), 2u);
  // At the bound (2), the connection idle longest goes: alice was used last.
  ASSERT_TRUE(users.For("alice", "alice-Secret-71", wall + hours(2)).ok());
  auto carol = users.For("carol", "carol-Secret-3", wall + hours(1));
  ASSERT_TRUE(carol.ok()) << carol.status().ToString();
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(bob->use_count(), 1) << "bob's connection left the cache; only this test holds it";
  EXPECT_GT(alice->use_count(), 1) << "alice's is still cached";

  // Expired credentials are refused before any login.
  auto expired = users.For("alice", "alice-Secret-71", wall - seconds(1));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);

  // Closed when the token expires (alice's was extended to two hours) ...
  const auto steady = std::chrono::steady_clock::now();
  users.Sweep(steady, wall + hours(1) + seconds(1));
  EXPECT_EQ(users.size(), 1u) << "carol's credentials expired after one hour";
  // ... or when unused for the idle time.
  users.Sweep(steady + seconds(61), wall);
  EXPECT_EQ(users.size(), 0u);
  // A call that still holds a connection keeps using it.
  EXPECT_TRUE((*alice)->TopicNames().ok());
}

}  // namespace
}  // namespace hangar::kafka
