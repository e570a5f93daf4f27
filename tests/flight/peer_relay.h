// A TCP relay on loopback whose connections to the server come from another
// loopback address (127.0.0.2 by default): a client that connects through
// it is, to the server, a second machine. Tests of the limits kept per
// client address use it to be two clients at once.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "flight/types.h"

namespace hangar::testing {

// A socket on `address` (port 0) connected to 127.0.0.1:`port`; -1 on failure.
inline int ConnectFrom(const std::string& address, int port, bool nonblocking = false) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, address.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  return fd;
}

class PeerRelay {
 public:
  explicit PeerRelay(int target_port, std::string source = "127.0.0.2")
      : target_port_(target_port), source_(std::move(source)) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 64) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      return;
    port_ = ntohs(address.sin_port);
    if (pipe2(wake_, O_CLOEXEC) != 0) return;
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~PeerRelay() {
    stopping_ = true;
    if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& pump : pumps_) pump.join();
    for (int fd : {listener_, wake_[0], wake_[1]})
      if (fd >= 0) close(fd);
  }
  PeerRelay(const PeerRelay&) = delete;
  PeerRelay& operator=(const PeerRelay&) = delete;

  flight::Location location() const { return flight::Location::ForGrpcTcp("127.0.0.1", port_); }

 private:
  void Accept() {
    while (!stopping_) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) <= 0 || fds[1].revents != 0) continue;
      const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = ConnectFrom(source_, target_port_);
      if (server < 0) {
        close(client);
        continue;
      }
      pumps_.emplace_back([this, client, server] { Pump(client, server); });
    }
  }
  // Copies bytes both ways until either side closes or the relay stops.
  void Pump(int a, int b) {
    char buffer[64 * 1024];
    while (!stopping_) {
      pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 3, -1) <= 0 || fds[2].revents != 0) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        done = n <= 0;
        for (ssize_t at = 0; !done && at < n;) {
          const ssize_t w = send(fds[1 - i].fd, buffer + at, static_cast<size_t>(n - at), MSG_NOSIGNAL);
          done = w <= 0;
          at += w > 0 ? w : 0;
        }
      }
      if (done) break;
    }
    close(a);
    close(b);
  }

  const int target_port_;
  const std::string source_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_ = false;
  std::thread acceptor_;
  std::list<std::thread> pumps_;  // only the acceptor adds, only the destructor joins
};

}  // namespace hangar::testing
