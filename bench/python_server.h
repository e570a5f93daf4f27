// A Python baseline server of a benchmark (a script run with the interpreter
// of third_party/venv/) as a child process: it listens on a free loopback
// port, prints "port N", and serves until its standard input closes.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace hangar::bench {

// `script` (with `args`) run by `python`: served until Stop() or the end of
// this process, whichever comes first (either closes its standard input).
class PythonServer {
 public:
  // Forks and execs: call before this process starts any gRPC thread. On
  // failure port() is 0 and why() says what is missing.
  PythonServer(const std::string& python, const std::string& script, const std::vector<std::string>& args = {}) {
    if (::access(python.c_str(), X_OK) != 0) {
      why_ = python + " not found (`make setup` creates third_party/venv/ with pyarrow)";
      return;
    }
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) std::exit(1);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      // Nothing else of this process's (the other servers' control pipes) stays open in it.
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
      std::vector<char*> argv{const_cast<char*>(python.c_str()), const_cast<char*>(script.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(python.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    stdin_ = to_child[1];
    // "port N\n", within 60 s (importing pyarrow takes a second or two).
    std::string line;
    pollfd pfd{from_child[0], POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      if (::poll(&pfd, 1, 1000) <= 0) continue;
      char buffer[64];
      const ssize_t n = ::read(from_child[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<size_t>(n));
    }
    ::close(from_child[0]);
    if (std::sscanf(line.c_str(), "port %d", &port_) != 1 || port_ <= 0) {
      port_ = 0;
      why_ =
          python + " " + script + " did not start a pyarrow.flight server (pyarrow missing? `make setup` installs it)";
      Stop();
    }
  }
  PythonServer(const PythonServer&) = delete;
  PythonServer& operator=(const PythonServer&) = delete;
  ~PythonServer() { Stop(); }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& why() const { return why_; }
  void Stop() {
    if (pid_ <= 0) return;
    ::close(stdin_);
    // Give it a few seconds to shut down, then end it.
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      ::usleep(50 * 1000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
  std::string why_;
};

}  // namespace hangar::bench
