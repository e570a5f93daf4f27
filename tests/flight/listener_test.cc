// The Flight port's own accept loop (flight/listener.h), with plain sockets
// and a hand-over that keeps what it gets, as gRPC does: connections over a
// bound are reset and come back once others close, and running out of file
// descriptors resets new connections without ever stopping the loop.
#include "flight/listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "metrics/registry.h"
#include "peer_relay.h"

namespace hangar::flight {
namespace {

double Refused(const std::string& reason) {
  return metrics::DefaultRegistry()
      .Counter("hangar_connections_refused_total",
               "Connections to the Flight port reset on arrival, by the limit they hit", {"reason"})
      .WithLabels({reason})
      .value();
}

// What the listener handed over, held open until closed here.
class Held {
 public:
  ~Held() { CloseAll(); }
  std::function<void(int, int)> HandOver() {
    return [this](int, int fd) {
      std::lock_guard lock(mu_);
      fds_.push_back(fd);
    };
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return fds_.size();
  }
  void CloseOne() {
    std::lock_guard lock(mu_);
    close(fds_.back());
    fds_.pop_back();
  }
  void CloseAll() {
    std::lock_guard lock(mu_);
    for (int fd : fds_) close(fd);
    fds_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<int> fds_;
};

// Polls `done` for up to ten seconds.
template <typename Done>
bool Eventually(Done&& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// The client's side of a connection was reset or closed by the server
// (within five seconds: a bound, not a timing).
bool ClosedByServer(int fd) {
  pollfd ready = {fd, POLLIN, 0};
  if (poll(&ready, 1, 5000) != 1) return false;
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

struct Clients {
  std::vector<int> fds;
  ~Clients() {
    for (int fd : fds) close(fd);
  }
};

// A blocking connection to `ip` (v4 or v6 text) on `port`; -1 if refused.
int ConnectTo(const std::string& ip, int port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (ip.find(':') != std::string::npos) {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(address);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr);
    length = sizeof v6;
  } else {
    auto& v4 = reinterpret_cast<sockaddr_in&>(address);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &v4.sin_addr);
    length = sizeof v4;
  }
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

TEST(ConnectionListener, ListensOnEveryAddressOfItsHostOnOnePort) {
  // IPv6 loopback, where the system has it.
  const int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 any6{};
  any6.sin6_family = AF_INET6;
  any6.sin6_addr = in6addr_loopback;
  const bool has_v6 = probe >= 0 && bind(probe, reinterpret_cast<sockaddr*>(&any6), sizeof any6) == 0;
  if (probe >= 0) close(probe);
  for (const std::string host : {"127.0.0.1", "localhost", "0.0.0.0", "::"}) {
    SCOPED_TRACE(host);
    auto listener = ConnectionListener::Listen(host, 0, {}).value();
    ASSERT_GT(listener->port(), 0);
    Held held;
    listener->Start(held.HandOver());
    Clients clients;
    size_t expected = 0;
    for (const std::string ip : {"127.0.0.1", "::1"}) {
      if (ip == "::1" && !has_v6) continue;
      const int fd = ConnectTo(ip, listener->port());
      const bool wildcard = host == "0.0.0.0" || host == "::";
      if (ip == "127.0.0.1" || wildcard) {
        EXPECT_GE(fd, 0) << ip;  // "localhost" may not name ::1
      } else if (host == "127.0.0.1") {
        EXPECT_LT(fd, 0) << ip;
      }
      if (fd < 0) continue;
      clients.fds.push_back(fd);
      ++expected;
    }
    EXPECT_TRUE(Eventually([&] { return held.size() == expected; })) << held.size() << " of " << expected;
  }
  // A port in use is an error that says so.
  auto first = ConnectionListener::Listen("127.0.0.1", 0, {}).value();
  auto second = ConnectionListener::Listen("127.0.0.1", first->port(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("could not listen on 127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.status().ToString();
}

TEST(ConnectionListener, AConnectionOverItsAddressesBoundIsResetUntilOneCloses) {
  auto listener = ConnectionListener::Listen("127.0.0.1", 0, {100, 3}).value();
  Held held;
  listener->Start(held.HandOver());
  const double before = Refused("max_connections_per_peer");
  Clients clients;
  for (int i = 0; i < 5; ++i) clients.fds.push_back(hangar::testing::ConnectFrom("127.0.0.2", listener->port()));
  ASSERT_TRUE(Eventually([&] { return held.size() == 3 && Refused("max_connections_per_peer") == before + 2; }));
  EXPECT_TRUE(ClosedByServer(clients.fds[3]));
  EXPECT_TRUE(ClosedByServer(clients.fds[4]));
  EXPECT_EQ(listener->open_connections(), 3);
  // Another address is not affected.
  clients.fds.push_back(hangar::testing::ConnectFrom("127.0.0.3", listener->port()));
  ASSERT_TRUE(Eventually([&] { return held.size() == 4; }));
  // Once a connection of the full address closes, it may have one again.
  held.CloseOne();
  held.CloseOne();  // 127.0.0.3's and one of 127.0.0.2's (the order they came in)
  clients.fds.push_back(hangar::testing::ConnectFrom("127.0.0.2", listener->port()));
  EXPECT_TRUE(Eventually([&] { return held.size() == 3; }));
  EXPECT_EQ(Refused("max_connections_per_peer"), before + 2);
}

TEST(ConnectionListener, OutOfDescriptorsItResetsNewConnectionsAndGoesOnAccepting) {
  auto listener = ConnectionListener::Listen("127.0.0.1", 0, {100000, 100000}).value();
  // Sixty connections wait in the backlog before anything is accepted.
  Clients clients;
  for (int i = 0; i < 60; ++i) clients.fds.push_back(hangar::testing::ConnectFrom("127.0.0.2", listener->port()));
  // Then the process may open twenty more descriptors, no more.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int64_t open = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd"); it != std::filesystem::directory_iterator();
       ++it)
    ++open;
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open + 20);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  const double before = Refused("descriptors");
  Held held;
  listener->Start(held.HandOver());
  const bool drained = Eventually([&] { return held.size() + (Refused("descriptors") - before) >= 60; });
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(drained) << held.size() << " handed over, " << Refused("descriptors") - before << " reset";
  EXPECT_GT(held.size(), 0u);
  EXPECT_LT(held.size(), 30u);  // about twenty (the count of open descriptors is not exact)
  EXPECT_GT(Refused("descriptors") - before, 0);

  // Descriptors free up (gRPC closes its connections): the loop accepts
  // again, and counts the closed ones as gone.
  held.CloseAll();
  EXPECT_TRUE(Eventually([&] { return listener->open_connections() == 0; }));
  clients.fds.push_back(hangar::testing::ConnectFrom("127.0.0.2", listener->port()));
  EXPECT_TRUE(Eventually([&] { return held.size() == 1; }));
  EXPECT_TRUE(Eventually([&] { return listener->open_connections() == 1; }));
}

}  // namespace
}  // namespace hangar::flight
