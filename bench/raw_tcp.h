// The floor every loopback benchmark is measured against: `total` bytes over
// one TCP connection on 127.0.0.1, 1 MiB write()s from a forked child into
// 1 MiB read()s. Forks: call before the process starts any gRPC thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace hangar::bench {

inline void RawTcp(int64_t total) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("socket");
    std::exit(1);
  }
  // The writer is another process, as a Flight server would be.
  const pid_t writer = ::fork();
  if (writer == 0) {
    int fd = ::accept(listener, nullptr, nullptr);
    std::vector<char> chunk(1 << 20, 'x');
    for (int64_t sent = 0; sent < total;) {
      ssize_t n = ::write(fd, chunk.data(), std::min<int64_t>(chunk.size(), total - sent));
      if (n <= 0) break;
      sent += n;
    }
    ::close(fd);
    ::_exit(0);
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);
  std::vector<char> buffer(1 << 20);
  int64_t received = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) break;
    received += n;
  }
  ::waitpid(writer, nullptr, 0);
  ::close(fd);
  ::close(listener);
  if (received != total) std::exit(1);
}

}  // namespace hangar::bench
