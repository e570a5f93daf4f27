// A real Apache Kafka broker for C++ tests and benchmarks: runs the launcher
// tests/support/kafka_broker.py as a program (`kafka_broker.py DIR ...`),
// reads the one JSON line it prints once the broker is ready, and stops the
// broker by closing the launcher's standard input (the launcher then shuts
// the broker down cleanly and exits). The launcher's stderr goes to
// DIR/launcher.log, the broker's own log to DIR/broker.log.
//
//   auto broker = KafkaBrokerProcess::Start(python, script, dir, {"--schema-registry"});
//   if (!broker.ok()) ...;          // the error names the log to read
//   (*broker)->bootstrap();          // "127.0.0.1:PORT"
//   (*broker)->schema_registry();    // "http://127.0.0.1:PORT" with --schema-registry
//
// `python` must see confluent_kafka when --schema-registry is passed (the
// project's virtual environment, third_party/venv/bin/python).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

extern char** environ;

namespace hangar::testing {

class KafkaBrokerProcess {
 public:
  static Result<std::unique_ptr<KafkaBrokerProcess>> Start(const std::string& python, const std::string& script,
                                                           const std::filesystem::path& dir,
                                                           const std::vector<std::string>& flags = {},
                                                           int timeout_s = 120) {
    std::filesystem::create_directories(dir);
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
      ::close(to_child[0]);
      ::close(to_child[1]);
      return Status::IOError(std::string("pipe: ") + std::strerror(errno));
    }
    std::unique_ptr<KafkaBrokerProcess> p(new KafkaBrokerProcess());
    p->stdin_ = to_child[1];
    p->stdout_ = from_child[0];
    p->log_ = (dir / "launcher.log").string();
    std::vector<std::string> args = {python, script, dir.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, p->log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawnp(&p->pid_, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    if (rc != 0) {
      p->pid_ = -1;
      return Status::IOError("cannot run " + python + ": " + std::strerror(rc));
    }
    // The ready line; the launcher prints nothing else on stdout.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return Status::IOError("the Kafka broker was not ready within " + std::to_string(timeout_s) + " s (see " +
                               p->log_ + ")");
      pollfd fd{p->stdout_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::read(p->stdout_, buf, sizeof buf);
      if (n <= 0)
        return Status::IOError("the Kafka broker launcher exited before the broker was ready (see " + p->log_ + ")");
      line.append(buf, static_cast<size_t>(n));
    }
    auto ready = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
    if (!ready.is_object() || !ready.contains("bootstrap"))
      return Status::IOError("the Kafka broker launcher printed '" + line + "' (see " + p->log_ + ")");
    p->bootstrap_ = ready["bootstrap"].get<std::string>();
    p->broker_pid_ = ready.value("pid", -1);
    p->schema_registry_ = ready.value("schema_registry", "");
    p->sasl_bootstrap_ = ready.value("sasl_bootstrap", "");
    return p;
  }

  ~KafkaBrokerProcess() { Stop(); }
  KafkaBrokerProcess(const KafkaBrokerProcess&) = delete;
  KafkaBrokerProcess& operator=(const KafkaBrokerProcess&) = delete;

  // A clean shutdown: the launcher stops the broker when its stdin closes.
  void Stop() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    if (stdout_ >= 0) ::close(stdout_);
    stdout_ = -1;
  }

  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& sasl_bootstrap() const { return sasl_bootstrap_; }
  const std::string& schema_registry() const { return schema_registry_; }
  int broker_pid() const { return broker_pid_; }
  const std::string& log() const { return log_; }

 private:
  KafkaBrokerProcess() = default;

  pid_t pid_ = -1;
  int broker_pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string log_, bootstrap_, sasl_bootstrap_, schema_registry_;
};

}  // namespace hangar::testing
