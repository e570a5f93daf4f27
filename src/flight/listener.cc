#include "flight/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "base/log.h"
#include "flight/rpc_metrics.h"

namespace hangar::flight {

namespace {

using Clock = std::chrono::steady_clock;

// How often every connection is checked for having closed (the gauge of
// open connections is as fresh as this).
constexpr auto kSweepInterval = std::chrono::seconds(1);
// At the total bound, how often a refusal may first look for closed
// connections: a flood then costs a full check at most ten times a second.
constexpr auto kFullSweepAtLimit = std::chrono::milliseconds(100);
// Connections accepted per wake-up, so that stopping is never kept waiting.
constexpr int kAcceptBatch = 256;

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// Closes with a reset: the client learns at once that it was refused, and no
// TIME_WAIT is left on the server's side.
void Reset(int fd) {
  linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  close(fd);
}

std::string AddressText(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text);  // as ClientAddress() writes it
    } else {
      inet_ntop(AF_INET6, &a, text, sizeof text);
    }
  } else {
    return "local";
  }
  return text;
}

int64_t OpenDescriptors() {
  std::error_code ec;
  int64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

// Sockets closed unless released.
struct SocketList {
  std::vector<int> fds;
  ~SocketList() {
    for (int fd : fds) close(fd);
  }
  std::vector<int> Release() { return std::exchange(fds, {}); }
};

// Binds one address; the socket, or -1 with errno set.
int BindOne(const sockaddr* address, socklen_t length, bool dual_stack) {
  const int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // A restarted server gets its port back while old connections sit in TIME_WAIT.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address->sa_family == AF_INET6) {
    int v6_only = dual_stack ? 0 : 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof v6_only);
  }
  if (bind(fd, address, length) != 0 || listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return 0;
  return ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(local).sin6_port
                                           : reinterpret_cast<sockaddr_in&>(local).sin_port);
}

}  // namespace

Result<std::unique_ptr<ConnectionListener>> ConnectionListener::Listen(const std::string& host, int port,
                                                                       ConnectionLimits limits) {
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  auto failed = [&](int err) {
    return Status::Unavailable("could not listen on " + where + ": " + ErrnoText(err) +
                               (err == EADDRINUSE ? " (another server has the port?)" : ""));
  };
  SocketList sockets;
  int bound_port = port;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    // Both families on one socket, or IPv4 alone where there is no IPv6.
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_addr = in6addr_any;
    any6.sin6_port = htons(static_cast<uint16_t>(port));
    int fd = BindOne(reinterpret_cast<sockaddr*>(&any6), sizeof any6, true);
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
      sockaddr_in any4{};
      any4.sin_family = AF_INET;
      any4.sin_addr.s_addr = htonl(INADDR_ANY);
      any4.sin_port = htons(static_cast<uint16_t>(port));
      fd = BindOne(reinterpret_cast<sockaddr*>(&any4), sizeof any4, false);
    }
    if (fd < 0) return failed(errno);
    sockets.fds.push_back(fd);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int gai = getaddrinfo(host.c_str(), nullptr, &hints, &found); gai != 0)
      return Status::Unavailable("could not listen on " + where + ": " + gai_strerror(gai));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses(found, freeaddrinfo);
    int last_error = EADDRNOTAVAIL;
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      sockaddr_storage address{};
      std::memcpy(&address, ai->ai_addr, ai->ai_addrlen);
      // Every address of the name on one port: the first one bound chose it.
      if (address.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in&>(address).sin_port = htons(static_cast<uint16_t>(bound_port));
      } else if (address.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6&>(address).sin6_port = htons(static_cast<uint16_t>(bound_port));
      } else {
        continue;
      }
      const int fd = BindOne(reinterpret_cast<sockaddr*>(&address), ai->ai_addrlen, false);
      if (fd < 0) {
        // A family the system lacks is skipped; a port in use is a failure.
        if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) return failed(errno);
        last_error = errno;
        continue;
      }
      sockets.fds.push_back(fd);
      if (bound_port == 0) bound_port = LocalPort(fd);
    }
    if (sockets.fds.empty()) return failed(last_error);
  }
  if (bound_port == 0) bound_port = LocalPort(sockets.fds[0]);

  // Connections may take what the descriptor limit leaves once a quarter of
  // it (at least 64) is kept for files, logs, DuckDB and Kafka.
  int64_t max_connections = limits.max_connections;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const int64_t soft = static_cast<int64_t>(files.rlim_cur);
    const int64_t open = OpenDescriptors();
    const int64_t fit = std::max<int64_t>(4, soft - open - std::max<int64_t>(64, soft / 4) - 3);
    if (fit < max_connections) {
      log::Warn("fewer connections than --max-connections: the descriptor limit leaves room for " +
                    std::to_string(fit) + " (raise it with ulimit -n)",
                {{"max_connections", fit}, {"descriptor_limit", soft}, {"descriptors_open", open}});
      max_connections = fit;
    }
  }
  return std::unique_ptr<ConnectionListener>(
      new ConnectionListener(sockets.Release(), bound_port, max_connections, limits));
}

ConnectionListener::ConnectionListener(std::vector<int> sockets, int port, int64_t max_connections,
                                       ConnectionLimits limits)
    : sockets_(std::move(sockets)), port_(port), max_connections_(max_connections), limits_(limits) {
  int pipe_fds[2] = {-1, -1};
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = pipe_fds[0];
    wake_write_ = pipe_fds[1];
  }
  spare_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

ConnectionListener::~ConnectionListener() { Stop(); }

void ConnectionListener::Start(std::function<void(int, int)> hand_over) {
  hand_over_ = std::move(hand_over);
  thread_ = std::thread([this] { Run(); });
}

void ConnectionListener::Stop() {
  if (stopped_.exchange(true)) return;
  // The byte is never read: every poll of the thread returns at once from now on.
  char byte = 0;
  while (wake_write_ >= 0 && write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : sockets_) close(fd);
  for (int fd : {wake_read_, wake_write_, spare_})
    if (fd >= 0) close(fd);
}

void ConnectionListener::Run() {
  std::vector<pollfd> fds;
  for (int fd : sockets_) fds.push_back({fd, POLLIN, 0});
  fds.push_back({wake_read_, POLLIN, 0});
  bool back_off = false;
  while (!stopped_) {
    if (back_off) {
      // Out of memory or descriptors with no spare: wait a little rather than spin.
      pollfd wake = {wake_read_, POLLIN, 0};
      if (poll(&wake, 1, 100) > 0) return;
      back_off = false;
    }
    const int n = poll(fds.data(), fds.size(), 1000);
    if (n < 0 && errno != EINTR) back_off = true;
    if (fds.back().revents != 0) return;
    for (size_t i = 0; n > 0 && i < sockets_.size(); ++i)
      if (fds[i].revents != 0 && !AcceptPending(sockets_[i])) back_off = true;
    if (Clock::now() - last_sweep_ >= kSweepInterval) Sweep("");
  }
}

bool ConnectionListener::AcceptPending(int listen_fd) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      switch (errno) {
        case EAGAIN: return true;
        case EMFILE:
        case ENFILE:
          if (!ShedOne(listen_fd)) return false;
          continue;
        // Interrupted, or errors of that one connection (Linux reports
        // network errors pending on the new socket here): go on.
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH:
        case EPERM:  // a firewall rule
          continue;
        default: return false;  // ENOBUFS, ENOMEM and the unexpected
      }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!Admit(fd, AddressText(address))) {
      Reset(fd);
      continue;
    }
    hand_over_(listen_fd, fd);
  }
  return true;
}

bool ConnectionListener::ShedOne(int listen_fd) {
  if (spare_ < 0) spare_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spare_ < 0) return false;
  close(spare_);
  spare_ = -1;
  const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) Reset(fd);
  spare_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  Refused("descriptors",
          "out of file descriptors: resetting new connections until some close (raise the limit with ulimit -n, or "
          "lower --max-connections)");
  return fd >= 0;
}

bool ConnectionListener::Admit(int fd, const std::string& peer) {
  // The kernel gave out this number again: the connection that had it is closed.
  if (connections_.count(fd) > 0) Forget(fd);
  auto mine = by_peer_.find(peer);
  if (mine != by_peer_.end() && static_cast<int64_t>(mine->second.size()) >= limits_.max_connections_per_peer) {
    Sweep(peer);
    mine = by_peer_.find(peer);
    if (mine != by_peer_.end() && static_cast<int64_t>(mine->second.size()) >= limits_.max_connections_per_peer) {
      Refused("max_connections_per_peer", "refusing connections from " + peer + ": it has " +
                                              std::to_string(mine->second.size()) +
                                              " open, the limit per client address (--max-connections-per-peer)");
      return false;
    }
  }
  if (static_cast<int64_t>(connections_.size()) >= max_connections_) {
    if (Clock::now() - last_sweep_ >= kFullSweepAtLimit) Sweep("");
    if (static_cast<int64_t>(connections_.size()) >= max_connections_) {
      Refused("max_connections", "refusing connections: " + std::to_string(connections_.size()) +
                                     " are open, the server's limit (--max-connections)");
      return false;
    }
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  connections_[fd] = Connection{st.st_ino, peer};
  by_peer_[peer].push_back(fd);
  open_ = static_cast<int64_t>(connections_.size());
  RpcMetrics::Get().SetOpenConnections(open_);
  return true;
}

void ConnectionListener::Forget(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  auto peer = by_peer_.find(it->second.peer);
  if (peer != by_peer_.end()) {
    auto& fds = peer->second;
    if (auto at = std::find(fds.begin(), fds.end(), fd); at != fds.end()) fds.erase(at);
    if (fds.empty()) by_peer_.erase(peer);
  }
  connections_.erase(it);
}

void ConnectionListener::Sweep(const std::string& peer) {
  std::vector<int> candidates;
  if (peer.empty()) {
    last_sweep_ = Clock::now();
    for (const auto& [fd, connection] : connections_) candidates.push_back(fd);
  } else if (auto it = by_peer_.find(peer); it != by_peer_.end()) {
    candidates = it->second;
  }
  for (int fd : candidates) {
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_ino != connections_[fd].inode) Forget(fd);
  }
  open_ = static_cast<int64_t>(connections_.size());
  RpcMetrics::Get().SetOpenConnections(open_);
}

void ConnectionListener::Refused(const std::string& reason, const std::string& message) {
  RpcMetrics::Get().ConnectionRefused(reason);
  Throttled& warning = warnings_[reason];
  const auto now = Clock::now();
  if (warning.last != Clock::time_point{} && now - warning.last < std::chrono::seconds(10)) {
    ++warning.held_back;
    return;
  }
  if (warning.held_back > 0) {
    log::Warn(message, {{"refused_since_last_warning", warning.held_back}});
  } else {
    log::Warn(message);
  }
  warning.last = now;
  warning.held_back = 0;
}

}  // namespace hangar::flight
