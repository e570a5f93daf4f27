// A ZooKeeper server for the cluster tests and benchmark: Debian's `zookeeper` package run
// with the machine's Java on a free loopback port, its data and log in a
// directory of its own. It can be killed and started again on the same port
// and data (a ZooKeeper restart).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_ports.h"

extern char** environ;

namespace hangar::testing {

class ZooKeeperProcess {
 public:
  explicit ZooKeeperProcess(std::filesystem::path dir) : dir_(std::move(dir)), port_(FreePort()) {
    std::filesystem::create_directories(dir_ / "data");
    // tickTime 500 ms: sessions may be as short as 1 s (2 ticks).
    std::ofstream(dir_ / "zoo.cfg") << "tickTime=500\ndataDir=" << (dir_ / "data").string() << "\nclientPort=" << port_
                                    << "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
                                       "minSessionTimeout=1000\nmaxSessionTimeout=30000\n";
    Start();
  }
  ~ZooKeeperProcess() { Kill(); }
  ZooKeeperProcess(const ZooKeeperProcess&) = delete;
  ZooKeeperProcess& operator=(const ZooKeeperProcess&) = delete;

  // Starts the server; true once it accepts connections (Java takes seconds).
  bool Start() {
    const std::string jars = "/usr/share/java/";
    std::string classpath;
    for (const char* jar :
         {"zookeeper", "zookeeper-jute", "slf4j-api", "slf4j-simple", "netty-handler", "netty-common", "netty-buffer",
          "netty-transport", "netty-codec", "netty-resolver", "netty-transport-native-epoll",
          "netty-transport-native-unix-common", "commons-cli", "commons-io", "metrics-core", "snappy-java"})
      classpath += (classpath.empty() ? "" : ":") + jars + jar + ".jar";
    std::vector<std::string> args = {"java",
                                     "-Xmx256m",
                                     "-cp",
                                     classpath,
                                     "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                     (dir_ / "zoo.cfg").string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "zookeeper.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawnp(&pid_, "java", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    for (int i = 0; i < 600; ++i) {
      if (Accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const { return "zk://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  std::filesystem::path dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace hangar::testing
