// The /metrics endpoint over real loopback TCP: exact responses for scrapes
// and for bad requests, listen addresses, and a prompt stop while a client
// holds a connection open.
#include "metrics/http_endpoint.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string_view>
#include <thread>

#include "metrics/registry.h"

namespace hangar::metrics {
namespace {

using Clock = std::chrono::steady_clock;

// A connected TCP client socket, closed on destruction.
class Client {
 public:
  Client(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
    fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && connect(fd_, found->ai_addr, found->ai_addrlen) != 0) {
      close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(found);
    if (fd_ < 0) return;
    // A broken endpoint must fail the test, not hang it.
    timeval tv{15, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Everything up to the server's close (or the receive timeout).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_ = -1;
};

std::string Exchange(int port, std::string_view request, const std::string& host = "127.0.0.1") {
  Client client(host, port);
  if (!client.connected() || !client.Send(request)) return "<no connection>";
  return client.ReadAll();
}

std::unique_ptr<HttpEndpoint> StartOrDie(const std::string& listen, std::function<std::string()> render) {
  auto endpoint = HttpEndpoint::Start(listen, std::move(render));
  EXPECT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  return endpoint.ok() ? std::move(endpoint).value() : nullptr;
}

std::string ErrorResponse(std::string_view status, std::string_view extra = {}) {
  std::string reason(status.substr(4));
  return "HTTP/1.1 " + std::string(status) +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(reason.size() + 1) +
         "\r\n" + std::string(extra) + "Connection: close\r\n\r\n" + reason + "\n";
}

TEST(HttpEndpointTest, ServesTheRegistryOnGetMetrics) {
  Registry registry;
  auto& calls = registry.Counter("hangar_flight_calls_total", "Flight calls served.", {"method"});
  calls.WithLabels({"DoGet"}).Add(3);
  auto endpoint = StartOrDie("127.0.0.1:0", [&] { return registry.Expose(); });
  ASSERT_NE(endpoint, nullptr);
  ASSERT_GT(endpoint->port(), 0);

  const std::string body =
      "# HELP hangar_flight_calls_total Flight calls served.\n"
      "# TYPE hangar_flight_calls_total counter\n"
      "hangar_flight_calls_total{method=\"DoGet\"} 3\n";
  EXPECT_EQ(Exchange(endpoint->port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Connection: close\r\n"
                "\r\n" +
                body);

  // Rendered afresh for every scrape; a query string is ignored.
  calls.WithLabels({"DoGet"}).Add();
  std::string second = Exchange(endpoint->port(), "GET /metrics?name[]=x HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200 OK\r\n")) << second;
  EXPECT_TRUE(second.ends_with("hangar_flight_calls_total{method=\"DoGet\"} 4\n")) << second;
}

TEST(HttpEndpointTest, HeadGivesHeadersOnly) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string("twelve bytes"); });
  ASSERT_NE(endpoint, nullptr);
  EXPECT_EQ(Exchange(endpoint->port(), "HEAD /metrics HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 12\r\n"
            "Connection: close\r\n\r\n");
}

TEST(HttpEndpointTest, RootPointsToMetrics) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(endpoint, nullptr);
  // Bare newlines, as a hand-typed request might have.
  EXPECT_EQ(Exchange(endpoint->port(), "GET / HTTP/1.1\n\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 32\r\n"
            "Connection: close\r\n\r\n"
            "Hangar metrics: scrape /metrics\n");
}

TEST(HttpEndpointTest, UnknownPathIs404) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(endpoint, nullptr);
  EXPECT_EQ(Exchange(endpoint->port(), "GET /nope HTTP/1.1\r\n\r\n"), ErrorResponse("404 Not Found"));
  EXPECT_EQ(Exchange(endpoint->port(), "POST /metrics/x HTTP/1.1\r\n\r\n"), ErrorResponse("404 Not Found"));
}

TEST(HttpEndpointTest, OtherMethodsAre405) {
  std::atomic<bool> rendered = false;
  auto endpoint = StartOrDie("127.0.0.1:0", [&] {
    rendered = true;
    return std::string();
  });
  ASSERT_NE(endpoint, nullptr);
  // The unread body must not turn the close into a reset that eats the answer.
  EXPECT_EQ(Exchange(endpoint->port(), "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            ErrorResponse("405 Method Not Allowed", "Allow: GET, HEAD\r\n"));
  EXPECT_EQ(Exchange(endpoint->port(), "DELETE / HTTP/1.1\r\n\r\n"),
            ErrorResponse("405 Method Not Allowed", "Allow: GET, HEAD\r\n"));
  EXPECT_FALSE(rendered);
}

TEST(HttpEndpointTest, MalformedRequestsAre400) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(endpoint, nullptr);
  for (const char* request : {
           "garbage\r\n\r\n", "GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/2.0\r\n\r\n",
           "GET metrics HTTP/1.1\r\n\r\n", "get /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1 extra\r\n\r\n",
           "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
           "\x16\x03\x01\x02\x01\xfc\x03\x03\r\n\r\n",  // TLS to a plain port
       }) {
    EXPECT_EQ(Exchange(endpoint->port(), request), ErrorResponse("400 Bad Request")) << request;
  }
}

TEST(HttpEndpointTest, OversizedHeadIs431) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(endpoint, nullptr);
  std::string request = "GET /metrics HTTP/1.1\r\nX-Padding: " + std::string(9000, 'a') + "\r\n\r\n";
  EXPECT_EQ(Exchange(endpoint->port(), request), ErrorResponse("431 Request Header Fields Too Large"));
}

TEST(HttpEndpointTest, StopsPromptlyWhileAClientHoldsAConnection) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(endpoint, nullptr);
  Client idle("127.0.0.1", endpoint->port());
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.Send("GET /met"));  // half a request: the endpoint waits in the read
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Clock::time_point start = Clock::now();
  endpoint.reset();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(idle.ReadAll(), "");  // closed without an answer
}

TEST(HttpEndpointTest, SilentClientIsDroppedAndTheNextOneServed) {
  auto endpoint = StartOrDie("127.0.0.1:0", [] { return std::string("ok\n"); });
  ASSERT_NE(endpoint, nullptr);
  Client silent("127.0.0.1", endpoint->port());
  ASSERT_TRUE(silent.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // accepted first
  Clock::time_point start = Clock::now();
  std::string scraped = Exchange(endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(scraped.ends_with("\r\n\r\nok\n")) << scraped;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(8));
  EXPECT_EQ(silent.ReadAll(), ErrorResponse("408 Request Timeout"));
}

TEST(HttpEndpointTest, ListensOnLocalhostAndIPv6Loopback) {
  auto by_name = StartOrDie("localhost:0", [] { return std::string("x\n"); });
  ASSERT_NE(by_name, nullptr);
  std::string got = Exchange(by_name->port(), "GET /metrics HTTP/1.1\r\n\r\n");
  if (got == "<no connection>") got = Exchange(by_name->port(), "GET /metrics HTTP/1.1\r\n\r\n", "::1");
  EXPECT_TRUE(got.ends_with("\r\n\r\nx\n")) << got;

  auto v6 = HttpEndpoint::Start("[::1]:0", [] { return std::string("y\n"); });
  if (!v6.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << v6.status().ToString();
  EXPECT_TRUE(Exchange((*v6)->port(), "GET /metrics HTTP/1.1\r\n\r\n", "::1").ends_with("\r\n\r\ny\n"));
}

TEST(HttpEndpointTest, PortInUseNamesTheAddress) {
  auto first = StartOrDie("127.0.0.1:0", [] { return std::string(); });
  ASSERT_NE(first, nullptr);
  std::string listen = "127.0.0.1:" + std::to_string(first->port());
  auto second = HttpEndpoint::Start(listen, [] { return std::string(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
  EXPECT_NE(second.status().message().find(listen), std::string::npos) << second.status().ToString();
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos) << second.status().ToString();
}

TEST(HttpEndpointTest, RejectsMalformedListenAddresses) {
  for (const char* listen :
       {"", "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:http", "::1:9464", "[::1", "[::1]9464"}) {
    auto endpoint = HttpEndpoint::Start(listen, [] { return std::string(); });
    ASSERT_FALSE(endpoint.ok()) << listen;
    EXPECT_EQ(endpoint.status().code(), StatusCode::kInvalidArgument) << listen << ": " << endpoint.status().ToString();
  }
}

}  // namespace
}  // namespace hangar::metrics
