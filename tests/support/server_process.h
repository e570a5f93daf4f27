// `hangar serve` as a child process on a loopback port of its own choosing,
// for the tests that restart, kill or starve the server (crashes, a full
// disk, limits of the process) and for the benchmarks, which measure it as a
// client would see it. Tests that need no process of its own run a
// server::Node in theirs (node_server.h).
//
// No GoogleTest here: the benchmarks use it too (server_checks.h has what
// only tests need).
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_client.h"
#include "support/temp_data_dir.h"

extern char** environ;

namespace hangar::testing {

// Where `hangar` is: HANGAR_BIN_DIR as the build defines it for tests, else
// as the Makefile exports it, else beside the running program (a benchmark
// run from build/bin).
inline std::string DefaultBinDir() {
#if defined(HANGAR_BIN_DIR)
  return HANGAR_BIN_DIR;
#else
  if (const char* dir = std::getenv("HANGAR_BIN_DIR")) return dir;
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
#endif
}

class ServerProcess {
 public:
  // Starts `hangar serve --listen 127.0.0.1:0 --data-dir DIR` with extra
  // environment variables and flags; waits for the line that names its
  // location (and notes the development Kafka cluster's, with --dev-kafka).
  // A `launcher` (a command and its arguments, found on PATH, e.g. prlimit)
  // runs the server instead of it being started directly.
  ServerProcess(const std::string& data_dir, const std::map<std::string, std::string>& env = {},
                const std::vector<std::string>& flags = {}, const std::vector<std::string>& launcher = {},
                const std::string& bin_dir = DefaultBinDir()) {
    int out[2];
    if (pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string bin = bin_dir + "/hangar";
    std::vector<std::string> args = launcher;
    for (std::string arg : {bin, std::string("serve"), std::string("--listen"), std::string("127.0.0.1:0"),
                            std::string("--data-dir"), data_dir})
      args.push_back(arg);
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);  // `env` overrides
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = launcher.empty()
                       ? posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), envp.data())
                       : posix_spawnp(&pid_, launcher[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      pid_ = -1;
      return;
    }
    stderr_ = fdopen(out[0], "r");
    char line[1024];
    while (std::fgets(line, sizeof line, stderr_)) {
      const std::string text = line;
      startup_log_ += text;
      const std::string kafka_line = "development Kafka cluster at ";
      if (const auto k = text.find(kafka_line); k != std::string::npos)
        kafka_ = text.substr(k + kafka_line.size(), text.find(' ', k + kafka_line.size()) - k - kafka_line.size());
      const auto at = text.find("://");  // grpc:// or grpc+tls://
      if (text.find("serving Flight on") != std::string::npos && at != std::string::npos) {
        const std::string rest = text.substr(at + 3);
        const auto colon = rest.find(':');
        port_ = std::stoi(rest.substr(colon + 1));
        break;
      }
    }
    // The rest of stderr (the access log, warnings) is read on as it comes:
    // a full pipe would stall the server.
    drain_ = std::thread([this] {
      char more[4096];
      while (std::fgets(more, sizeof more, stderr_)) {
        std::lock_guard lock(log_mu_);
        log_ += more;
      }
    });
  }
  ~ServerProcess() {
    Kill(SIGKILL);
    if (drain_.joinable()) drain_.join();
    if (stderr_) std::fclose(stderr_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The development Kafka cluster's bootstrap servers (--dev-kafka).
  const std::string& kafka() const { return kafka_; }
  // What the server wrote to stderr up to the line naming its location.
  const std::string& startup_log() const { return startup_log_; }
  // What it wrote after that line, so far.
  std::string log() const {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  // Sends `signal` and reaps the process; returns its wait status.
  int Kill(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    return Wait();
  }
  // Shuts the server down as an operator would (SIGTERM), and reaps it.
  int Stop() { return Kill(SIGTERM); }
  // Waits up to `timeout` for the process to exit by itself: its wait
  // status, or -1 if it still runs.
  int WaitFor(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  // Waits for the process to exit by itself.
  int Wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // A client of the server; null (saying why on stderr) if none connects.
  std::unique_ptr<flight::FlightClient> Connect() const { return ConnectLoopback(port()); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string kafka_;
  FILE* stderr_ = nullptr;
  std::string startup_log_;
  mutable std::mutex log_mu_;
  std::string log_;  // guarded by log_mu_
  std::thread drain_;
};

// For the benchmarks: a server from `bin_dir` with `flags`, or the program
// ends (a benchmark without its server has nothing to measure).
inline std::unique_ptr<ServerProcess> StartServerOrExit(const std::string& bin_dir, const std::string& data_dir,
                                                        const std::vector<std::string>& flags, const char* who) {
  auto server = std::make_unique<ServerProcess>(data_dir, std::map<std::string, std::string>{}, flags,
                                                std::vector<std::string>{}, bin_dir);
  if (!server->started()) {
    std::fprintf(stderr, "%s: the server did not start:\n%s\n", who, server->startup_log().c_str());
    std::exit(1);
  }
  return server;
}

}  // namespace hangar::testing
