// `hangar serve` as a child process on a loopback port of its own choosing,
// for tests that restart or kill the server.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flight/client.h"

extern char** environ;

namespace hangar::testing {

#if defined(__SANITIZE_ADDRESS__)
#define HANGAR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HANGAR_TEST_ASAN 1
#endif
#endif

// A process's resident memory in MiB. A read that fails fails the test (and
// gives -1): a bound checked against readings that were never made must not
// pass.
inline int64_t ResidentMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  ADD_FAILURE() << "cannot read the resident memory of process " << pid << " from /proc";
  return -1;
}

// The environment for a server whose memory a test measures: under ASan, a
// small quarantine (ASan keeps 256 MB of freed memory by default, and the
// server would look as if it held what it only freed), plus `asan_options`.
inline std::map<std::string, std::string> MemoryMeasuredEnv(const std::string& asan_options = "") {
  std::map<std::string, std::string> env;
#if defined(HANGAR_TEST_ASAN)
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "quarantine_size_mb=4";
  if (!asan_options.empty()) options += ":" + asan_options;
  env["ASAN_OPTIONS"] = options;
#else
  (void)asan_options;
#endif
  return env;
}

class ServerProcess {
 public:
  // Starts `hangar serve --listen 127.0.0.1:0 --data-dir DIR` with extra
  // environment variables and flags; waits for the line that names its
  // location (and notes the development Kafka cluster's, with --dev-kafka).
  // A `launcher` (a command and its arguments, found on PATH, e.g. prlimit)
  // runs the server instead of it being started directly.
  ServerProcess(const std::string& data_dir, const std::map<std::string, std::string>& env = {},
                const std::vector<std::string>& flags = {}, const std::vector<std::string>& launcher = {}) {
    int out[2];
    if (pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string bin = std::string(HANGAR_BIN_DIR) + "/hangar";
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
    const int rc = launcher.empty() ? posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), envp.data())
                                    : posix_spawnp(&pid_, launcher[0].c_str(), &actions, nullptr, argv.data(),
                                                   envp.data());
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

  std::unique_ptr<flight::FlightClient> Connect() const {
    auto client = flight::FlightClient::Connect(flight::Location::ForGrpcTcp("127.0.0.1", port_));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

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

// What the gRPC health service answers for the server (""): SERVING,
// NOT_SERVING, or "error: ..." when the call fails.
inline std::string HealthOf(int port) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::CompletionQueue cq;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (!status.ok()) return "error: " + status.error_message();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse{status = 1: SERVING, 2: NOT_SERVING} as field 1, varint.
  if (bytes.size() == 2 && bytes[0] == 0x08) return bytes[1] == 1 ? "SERVING" : bytes[1] == 2 ? "NOT_SERVING" : "?";
  return bytes.empty() ? "UNKNOWN" : "?";
}

// A data directory for one server, removed with the object.
class TempDataDir {
 public:
  TempDataDir()
      : path_(std::filesystem::temp_directory_path() /
              ("hangar-server-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDataDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace hangar::testing
