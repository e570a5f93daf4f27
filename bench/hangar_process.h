// `hangar serve` as a child process for the benchmarks: a free loopback
// port, its stderr in a log file (so it never blocks on a full pipe), and
// the address it serves on read from that log.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace hangar::bench {

struct HangarProcess {
  pid_t pid = -1;
  int port = 0;

  void Stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

inline HangarProcess StartHangar(const std::string& bin_dir, const std::string& data_dir,
                                 const std::vector<std::string>& flags, const char* bench) {
  const std::string log = data_dir + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string bin = bin_dir + "/hangar";
  std::vector<std::string> args = {bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  HangarProcess server;
  if (posix_spawn(&server.pid, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "%s: cannot start %s\n", bench, bin.c_str());
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < 300 && server.port == 0; ++i) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    if (const auto at = s.find("grpc://127.0.0.1:"); at != std::string::npos)
      server.port = std::atoi(s.c_str() + at + std::strlen("grpc://127.0.0.1:"));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (server.port == 0) {
    std::fprintf(stderr, "%s: the server did not start (see %s)\n", bench, log.c_str());
    std::exit(1);
  }
  return server;
}

}  // namespace hangar::bench
