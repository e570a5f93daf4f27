// Readiness, as the gRPC health service reports it: SERVING while the data
// directory takes writes, NOT_SERVING while it does not (a full or
// read-only disk, a vanished mount: puts and streams would fail) and from
// shutdown on, so that a load balancer stops sending calls before they fail.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "flight/server.h"

namespace hangar::cli {

class ReadinessProbe {
 public:
  // Probes `data_dir` every `interval` (store::CheckWritable) and sets the
  // server's health to what it finds; says so on stderr when it changes.
  ReadinessProbe(flight::FlightServer* server, std::filesystem::path data_dir, std::chrono::milliseconds interval);
  // Stops probing; the health stays as it is.
  ~ReadinessProbe();
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  // Shutting down: NOT_SERVING for good.
  void ShutDown();

 private:
  void Loop();

  flight::FlightServer* server_;
  std::filesystem::path data_dir_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  bool serving_ = true;    // what the server says; guarded by mu_
  std::thread thread_;
};

}  // namespace hangar::cli
