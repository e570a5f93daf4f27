// A minimal HTTP/1.1 server for Prometheus to scrape: GET /metrics answers
// with whatever `render` returns, in the text exposition format.
//
// One thread serves one connection at a time, and every connection is
// closed after its response. A scrape every few seconds needs no more, and
// the small surface keeps it out of the way of the Flight server it reports
// on. A client that sends nothing is dropped after a few seconds, so it can
// delay other scrapes but never block the endpoint for good.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"

namespace hangar::metrics {

class HttpEndpoint {
 public:
  // Listens on `listen`: "host:port" with an IPv4 address or a name such as
  // "localhost", "[v6-address]:port", or ":port" for every interface; port 0
  // picks a free one (see port()). `render` runs on the endpoint's thread,
  // once per GET /metrics.
  static Result<std::unique_ptr<HttpEndpoint>> Start(const std::string& listen, std::function<std::string()> render);

  // Stops promptly, even in the middle of a connection: closes the listening
  // socket and joins the thread.
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The port listened on, the chosen one when Start was given port 0.
  int port() const { return port_; }

 private:
  // Owns a file descriptor; closes it on destruction.
  class Fd {
   public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    ~Fd();
    int get() const { return fd_; }
    int release() {
      int fd = fd_;
      fd_ = -1;
      return fd;
    }

   private:
    int fd_ = -1;
  };

  HttpEndpoint(Fd listener, Fd wake_read, Fd wake_write, int port, std::function<std::string()> render);

  void Run();
  void Serve(int client);
  // The whole response to one request head (request line and headers).
  std::string Respond(const std::string& head);

  Fd listener_;
  // The destructor writes to wake_write_ to end every poll() of the thread.
  Fd wake_read_;
  Fd wake_write_;
  int port_;
  std::function<std::string()> render_;
  std::thread thread_;
};

}  // namespace hangar::metrics
