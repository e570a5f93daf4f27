// A real S3-compatible server for C++ tests and benchmarks: SeaweedFS
// (`weed server` with its filer and S3 gateway), built from the Go module
// proxy by scripts/setup.sh into third_party/seaweedfs/weed. Each server
// runs on free loopback ports with a fresh data directory of its own and
// one identity (an access key and secret made up per server) allowed
// everything; Start creates the bucket and returns once it takes writes.
//
//   auto s3 = S3Server::Start(dir);            // bucket "hangar"
//   if (!s3.ok()) ...;                         // the error names the log to read
//   objstore::S3Options options = (*s3)->options();   // endpoint, region, keys, path-style
//   (*s3)->Kill();  (*s3)->Restart();          // the same ports and data
//
// The server's output goes to DIR/weed.log.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "objstore/s3_object_store.h"
#include "objstore/s3_options.h"
#include "support/loopback_ports.h"

extern char** environ;

namespace hangar::testing {

class S3Server {
 public:
  // `weed` defaults to third_party/seaweedfs/weed of the source tree.
  static Result<std::unique_ptr<S3Server>> Start(const std::filesystem::path& dir, const std::string& bucket = "hangar",
                                                 std::string weed = "") {
    if (weed.empty()) weed = std::string(HANGAR_SOURCE_DIR) + "/third_party/seaweedfs/weed";
    if (::access(weed.c_str(), X_OK) != 0)
      return Status::NotFound(weed + " is missing: run scripts/setup.sh (make setup)");
    std::unique_ptr<S3Server> server(new S3Server(dir, std::move(weed), bucket));
    // A port found free may be taken before the server binds it (by another
    // test's server): then it exits at once, and new ports are tried.
    Status launched;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt > 0) server->PickPorts();
      launched = server->Launch();
      if (launched.ok() || launched.code() != StatusCode::kAborted) break;
    }
    HANGAR_RETURN_NOT_OK(launched);
    Status created = objstore::CreateS3Bucket(bucket, server->patient_options());
    if (!created.ok()) return created.WithContext("cannot create the test bucket (see " + server->log() + ")");
    HANGAR_RETURN_NOT_OK(server->WarmUp());
    return server;
  }

  ~S3Server() { Kill(); }
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // SIGKILL: the server is gone at once (requests now fail to connect).
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Starts it again on the same ports and data; OK once the bucket answers.
  Status Restart() {
    Kill();
    HANGAR_RETURN_NOT_OK(Launch());
    return WarmUp();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(s3_port_); }
  // For virtual-host addressing: BUCKET.localhost resolves to loopback.
  std::string localhost_endpoint() const { return "http://localhost:" + std::to_string(s3_port_); }
  const std::string& bucket() const { return bucket_; }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }
  const std::string& log() const { return log_; }
  int pid() const { return pid_; }

  // How a client reaches the bucket: path-style at the endpoint, the
  // server's keys, few quick retries (a test of an outage ends soon).
  objstore::S3Options options() const {
    objstore::S3Options options;
    options.endpoint = endpoint();
    options.region = "us-east-1";
    options.access_key_id = access_key_;
    options.secret_access_key = secret_key_;
    options.addressing = objstore::S3Addressing::kPath;
    options.retry.max_attempts = 4;
    options.retry.initial_backoff = std::chrono::milliseconds(50);
    options.retry.max_backoff = std::chrono::milliseconds(400);
    options.retry.max_elapsed = std::chrono::seconds(5);
    options.connect_timeout = std::chrono::milliseconds(1000);
    return options;
  }

 private:
  S3Server(std::filesystem::path dir, std::string weed, std::string bucket)
      : dir_(std::move(dir)), weed_(std::move(weed)), bucket_(std::move(bucket)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    PickPorts();
    std::mt19937_64 random{std::random_device{}()};
    access_key_ = "HANGARTEST" + std::to_string(random() % 1000000000);
    secret_key_ = "secret-" + std::to_string(random()) + "-" + std::to_string(random());
    config_ = (dir_ / "s3.json").string();
    std::ofstream(config_) << R"({"identities": [{"name": "hangar", "credentials": [{"accessKey": ")" << access_key_
                           << R"(", "secretKey": ")" << secret_key_
                           << R"("}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]})";
    log_ = (dir_ / "weed.log").string();
  }

  void PickPorts() {
    int* const ports[] = {&s3_port_,      &master_port_,      &volume_port_,      &filer_port_,
                          &s3_grpc_port_, &master_grpc_port_, &volume_grpc_port_, &filer_grpc_port_};
    const std::vector<int> free = FreePorts(std::size(ports));
    for (size_t i = 0; i < std::size(ports); ++i) *ports[i] = free[i];
  }

  // Options for setting the server up: the gateway accepts before the filer
  // behind it is ready, so requests are tried again (5xx, refused
  // connections) for up to two minutes (a loaded CI machine needs them).
  objstore::S3Options patient_options() const {
    objstore::S3Options options = this->options();
    options.retry.max_attempts = 1200;
    options.retry.max_backoff = std::chrono::milliseconds(500);
    options.retry.max_elapsed = std::chrono::seconds(120);
    options.stall_timeout = std::chrono::seconds(60);
    return options;
  }

  // SeaweedFS makes its first volumes and finds its lock server seconds
  // after it starts; the first write waits for both. One write and delete
  // here, so that no test's first request is the slow one.
  Status WarmUp() {
    auto store = objstore::OpenS3ObjectStore({bucket_, ""}, patient_options());
    if (!store.ok()) return store.status().WithContext("the test server does not answer (see " + log_ + ")");
    Status st = (*store)->Put("warm-up", "x");
    if (st.ok()) st = (*store)->Delete("warm-up");
    return st.ok() ? st : st.WithContext("the test server takes no writes (see " + log_ + ")");
  }

  Status Launch() {
    auto port = [](const char* flag, int value) { return std::string("-") + flag + "=" + std::to_string(value); };
    std::vector<std::string> args = {
        weed_, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir=" + (dir_ / "data").string(),
        port("master.port", master_port_), port("master.port.grpc", master_grpc_port_), "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false", port("volume.port", volume_port_), port("volume.port.grpc", volume_grpc_port_),
        "-volume.max=64", "-volume.preStopSeconds=0", "-filer", port("filer.port", filer_port_),
        port("filer.port.grpc", filer_grpc_port_), "-s3", port("s3.port", s3_port_),
        port("s3.port.grpc", s3_grpc_port_), "-s3.port.iceberg=0", "-s3.port.lance=0",
        // BUCKET.localhost names the bucket too (virtual-host addressing).
        "-s3.domainName=localhost", "-s3.config=" + config_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawn(&pid_, weed_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return Status::IOError("cannot run " + weed_ + ": " + std::strerror(rc));
    }
    for (int i = 0; i < 2400; ++i) {
      if (Accepts(s3_port_)) return Status::OK();
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return Status(StatusCode::kAborted, "SeaweedFS exited at start (see " + log_ + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::IOError("SeaweedFS's S3 gateway did not listen within 120 s (see " + log_ + ")");
  }

  std::filesystem::path dir_;
  std::string weed_;
  std::string bucket_;
  std::string access_key_;
  std::string secret_key_;
  std::string config_;
  std::string log_;
  int s3_port_ = 0, master_port_ = 0, volume_port_ = 0, filer_port_ = 0;
  int s3_grpc_port_ = 0, master_grpc_port_ = 0, volume_grpc_port_ = 0, filer_grpc_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace hangar::testing
