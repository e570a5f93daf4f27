#include "metrics/http_endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <string_view>
#include <system_error>

namespace hangar::metrics {

namespace {

using Clock = std::chrono::steady_clock;

// A request head is a line and a few headers; Prometheus sends well under
// 1 KiB. Anything larger is not a scrape.
constexpr size_t kMaxHeadBytes = 8 * 1024;
// How long a client may take to send its head, and to take the response.
// The endpoint serves one connection at a time, so these bound how long one
// stuck client can hold up the next scrape.
constexpr std::chrono::seconds kReadTimeout{5};
constexpr std::chrono::seconds kWriteTimeout{10};

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// Splits "host:port", "[v6]:port" or ":port" into its parts.
Status SplitHostPort(const std::string& listen, std::string& host, std::string& port) {
  auto invalid = [&](std::string_view why) {
    return Status::Invalid("metrics listen address \"" + listen + "\": " + std::string(why));
  };
  size_t colon;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos) return invalid("no ']' after an IPv6 address");
    if (close + 1 >= listen.size() || listen[close + 1] != ':') return invalid("expected \"[address]:port\"");
    host = listen.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = listen.rfind(':');
    if (colon == std::string::npos) return invalid("expected \"host:port\"");
    host = listen.substr(0, colon);
    if (host.find(':') != std::string::npos) return invalid("an IPv6 address must be written in brackets");
  }
  port = listen.substr(colon + 1);
  int number = -1;
  const char* end = port.data() + port.size();
  auto [ptr, ec] = std::from_chars(port.data(), end, number);
  if (port.empty() || port[0] == '+' || port[0] == '-' || ec != std::errc() || ptr != end || number > 65535) {
    return invalid("the port must be a number from 0 to 65535");
  }
  return Status::OK();
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};

enum class Wait { kReady, kTimeout, kStopping };

// Waits until `fd` is ready for `events`, the deadline passes, or `wake`
// becomes readable (the endpoint is stopping), whichever comes first.
Wait WaitFor(int fd, short events, int wake, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Wait::kTimeout;
    pollfd fds[2] = {{fd, events, 0}, {wake, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return Wait::kStopping;  // cannot wait: give the connection up
    if (n <= 0) continue;
    if (fds[1].revents != 0) return Wait::kStopping;
    if (fds[0].revents != 0) return Wait::kReady;  // also errors and hang-ups: the next call reports them
  }
}

bool SendAll(int fd, std::string_view data, int wake) {
  Clock::time_point deadline = Clock::now() + kWriteTimeout;
  while (!data.empty()) {
    if (WaitFor(fd, POLLOUT, wake, deadline) != Wait::kReady) return false;
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Response(int code, std::string_view reason, std::string_view content_type, std::string_view body,
                     bool head_only, std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

std::string Error(int code, std::string_view reason, std::string_view extra_headers = {}) {
  return Response(code, reason, kTextContentType, std::string(reason) + "\n", false, extra_headers);
}

bool IsUpperAlpha(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Printable ASCII without spaces: what a request target may hold.
bool IsTarget(std::string_view s) {
  if (s.empty() || s[0] != '/') return false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

// "Name: value" with a name of printable characters and no space before the colon.
bool IsHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon)) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

HttpEndpoint::Fd& HttpEndpoint::Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

HttpEndpoint::Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(const std::string& listen,
                                                          std::function<std::string()> render) {
  std::string host, port;
  HANGAR_RETURN_NOT_OK(SplitHostPort(listen, host, port));

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (gai != 0) {
    return Status::Invalid("metrics listen address \"" + listen + "\": " + gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, AddrInfoDeleter> addrs(found);

  // The first address that binds wins ("localhost" may name both families).
  Fd listener;
  int last_errno = EADDRNOTAVAIL;
  for (addrinfo* ai = addrs.get(); ai != nullptr && listener.get() < 0; ai = ai->ai_next) {
    Fd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
    if (fd.get() < 0) {
      last_errno = errno;
      continue;
    }
    // A restarted server must get its port back while old connections sit in TIME_WAIT.
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), 16) != 0) {
      last_errno = errno;
      continue;
    }
    listener = std::move(fd);
  }
  if (listener.get() < 0) {
    return Status::IOError("cannot listen for metrics on " + listen + ": " + ErrnoText(last_errno));
  }

  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    return Status::IOError("metrics endpoint on " + listen + ": getsockname: " + ErrnoText(errno));
  }
  int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::IOError("metrics endpoint on " + listen + ": pipe: " + ErrnoText(errno));
  }
  Fd wake_read(pipe_fds[0]);
  Fd wake_write(pipe_fds[1]);
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(listener), std::move(wake_read),
                                                        std::move(wake_write), bound_port, std::move(render)));
}

HttpEndpoint::HttpEndpoint(Fd listener, Fd wake_read, Fd wake_write, int port, std::function<std::string()> render)
    : listener_(std::move(listener)),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)),
      port_(port),
      render_(std::move(render)) {
  thread_ = std::thread([this] { Run(); });
}

HttpEndpoint::~HttpEndpoint() {
  // The byte is never read: the pipe stays readable, so every poll() the
  // thread makes from now on returns at once, wherever it is.
  char byte = 0;
  while (write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
}

void HttpEndpoint::Run() {
  while (true) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0 && errno != EINTR) {
      // Out of kernel memory, most likely: back off rather than spin.
      pollfd wake = {wake_read_.get(), POLLIN, 0};
      poll(&wake, 1, 100);
      continue;
    }
    if (n <= 0) continue;
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    Fd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (client.get() < 0) {
      // Out of descriptors leaves the connection queued and the listener
      // readable; wait a little instead of spinning on it.
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        pollfd wake = {wake_read_.get(), POLLIN, 0};
        poll(&wake, 1, 100);
      }
      continue;
    }
    Serve(client.get());
  }
}

void HttpEndpoint::Serve(int client) {
  std::string head;
  std::string response;
  Clock::time_point deadline = Clock::now() + kReadTimeout;
  while (response.empty()) {
    Wait w = WaitFor(client, POLLIN, wake_read_.get(), deadline);
    if (w == Wait::kStopping) return;
    if (w == Wait::kTimeout) {
      response = Error(408, "Request Timeout");
      break;
    }
    char buf[2048];
    ssize_t n = recv(client, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return;
    }
    if (n == 0) return;  // gone before a whole head: nobody to answer
    head.append(buf, static_cast<size_t>(n));
    size_t end = head.find("\r\n\r\n");
    if (end == std::string::npos) end = head.find("\n\n");  // bare newlines, as some tools send
    if (end != std::string::npos && end < kMaxHeadBytes) {
      head.resize(end);
      response = Respond(head);
    } else if (head.size() >= kMaxHeadBytes) {
      response = Error(431, "Request Header Fields Too Large");
    }
  }
  if (!SendAll(client, response, wake_read_.get())) return;
  // Closing a socket with unread input (say a request body) resets the
  // connection, which can destroy the response before the client reads it.
  // Say we are done, then drop whatever has already arrived.
  shutdown(client, SHUT_WR);
  char sink[2048];
  while (recv(client, sink, sizeof sink, 0) > 0) {
  }
}

std::string HttpEndpoint::Respond(const std::string& head) {
  std::string_view rest(head);
  std::string_view line = rest.substr(0, rest.find('\n'));
  rest.remove_prefix(std::min(rest.size(), line.size() + 1));
  if (line.ends_with('\r')) line.remove_suffix(1);

  // Request line: METHOD SP target SP HTTP/1.x
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, "Bad Request");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsUpperAlpha(method) || !IsTarget(target) || (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return Error(400, "Bad Request");
  }
  while (!rest.empty()) {
    std::string_view header = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), header.size() + 1));
    if (header.ends_with('\r')) header.remove_suffix(1);
    if (!IsHeaderLine(header)) return Error(400, "Bad Request");
  }

  std::string_view path = target.substr(0, target.find_first_of("?#"));
  bool is_metrics = path == "/metrics";
  if (!is_metrics && path != "/") return Error(404, "Not Found");
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) return Error(405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
  if (!is_metrics) {
    return Response(200, "OK", kTextContentType, "Hangar metrics: scrape /metrics\n", head_only);
  }
  return Response(200, "OK", kMetricsContentType, render_(), head_only);
}

}  // namespace hangar::metrics
