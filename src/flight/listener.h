// The Flight port's listening sockets and the loop that accepts connections.
//
// gRPC 1.51 accepts connections itself, but its loop stops for good at the
// first accept(2) error other than EAGAIN, EINTR and ECONNABORTED: a burst of
// connections that uses up the process's file descriptors (EMFILE) leaves
// the port bound but never accepted from again, until a restart. And it
// accepts without bound, so idle sockets alone can take every descriptor
// the server needs for its files. Hangar therefore accepts on its own
// thread and hands each connection it admits to gRPC (gRPC's external
// connection acceptor: the same TLS and HTTP/2 handshake, deadline
// included, as its own listener). That lets the server
//
//  - bound connections in all and per client address, below what the
//    descriptor limit allows, resetting the ones over a bound at once;
//  - never stop accepting: out of descriptors anyway (files, DuckDB and
//    Kafka use them too), it closes a spare descriptor kept for this,
//    accepts, resets the connection and takes the spare back, so the
//    backlog drains and the loop goes on, and serving resumes as soon as
//    descriptors free up.
//
// The listener cannot see gRPC close a connection, so it remembers the
// descriptor and socket inode of each connection it handed over and counts
// one as closed once that descriptor no longer holds that socket (it checks
// a client address's connections when that address is at its bound, all of
// them when the total is, and every second).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace hangar::flight {

struct ConnectionLimits {
  int64_t max_connections = 4096;          // in all (lowered to fit the descriptors, see below)
  int64_t max_connections_per_peer = 256;  // from one client address
};

class ConnectionListener {
 public:
  // Binds and listens on host:port: every address `host` resolves to, with
  // one port (port 0 picks a free one); 0.0.0.0 and :: take both families
  // where the system has IPv6, as gRPC's own listener does. SO_REUSEPORT is
  // left off, so a second server cannot share the port.
  //
  // The total of `limits` is lowered, with a warning, so that connections
  // leave a quarter of the descriptors (at least 64) that the process has
  // not opened yet to everything else.
  static Result<std::unique_ptr<ConnectionListener>> Listen(const std::string& host, int port, ConnectionLimits limits);
  ~ConnectionListener();  // Stop()
  ConnectionListener(const ConnectionListener&) = delete;
  ConnectionListener& operator=(const ConnectionListener&) = delete;

  int port() const { return port_; }
  // The bound on connections in force.
  int64_t max_connections() const { return max_connections_; }

  // Starts accepting. Each admitted connection, a non-blocking socket, goes
  // to `hand_over` on the listener's thread; it owns the socket from then on.
  void Start(std::function<void(int listen_fd, int fd)> hand_over);
  // Stops accepting and closes the listening sockets. Idempotent.
  void Stop();

  // Connections open now, as last counted.
  int64_t open_connections() const { return open_.load(); }

 private:
  struct Connection {
    ino_t inode;
    std::string peer;
  };
  // A warning repeated at most every 10 s, with the count of the ones held back.
  struct Throttled {
    std::chrono::steady_clock::time_point last{};
    int64_t held_back = 0;
  };

  ConnectionListener(std::vector<int> sockets, int port, int64_t max_connections, ConnectionLimits limits);
  void Run();
  // Accepts what is pending on `listen_fd`; false when the loop should back off a little.
  bool AcceptPending(int listen_fd);
  // Out of descriptors: makes room with the spare, accepts and resets one connection.
  bool ShedOne(int listen_fd);
  // Whether a new connection from `peer` may be served; records it if so.
  bool Admit(int fd, const std::string& peer);
  void Forget(int fd);
  // Forgets the connections of `peer` (all with an empty peer) that are closed.
  void Sweep(const std::string& peer);
  void Refused(const std::string& reason, const std::string& message);

  const std::vector<int> sockets_;
  const int port_;
  const int64_t max_connections_;
  const ConnectionLimits limits_;
  int wake_read_ = -1, wake_write_ = -1;
  int spare_ = -1;  // a descriptor held back so that accept can always make room
  std::function<void(int, int)> hand_over_;
  std::thread thread_;
  std::atomic<bool> stopped_ = false;
  std::atomic<int64_t> open_ = 0;

  // The accept thread's own state.
  std::unordered_map<int, Connection> connections_;            // by descriptor
  std::unordered_map<std::string, std::vector<int>> by_peer_;  // descriptors by client address
  std::chrono::steady_clock::time_point last_sweep_{};
  std::map<std::string, Throttled> warnings_;
};

}  // namespace hangar::flight
