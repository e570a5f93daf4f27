// Readiness, as the gRPC health service reports it: SERVING while the data
// directory takes writes, NOT_SERVING while it does not (a full or
// read-only disk, a vanished mount: puts and streams would fail) and from
// shutdown on, and while the SQL engine is reset after an internal failure
// (duckdb/database.h), so that a load balancer stops sending calls before they fail.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>

#include "base/periodic.h"
#include "flight/server.h"

namespace hangar::server {

class ReadinessProbe {
 public:
  // Probes `data_dir` every `interval` (store::CheckWritable) and sets the
  // server's health to what it finds; says so in the log when it changes.
  ReadinessProbe(flight::FlightServer* server, std::filesystem::path data_dir, std::chrono::milliseconds interval);
  // Stops probing; the health stays as it is.
  ~ReadinessProbe() = default;
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  // Shutting down: NOT_SERVING for good.
  void ShutDown();
  // The SQL engine is being reset (false) or is back (true): NOT_SERVING meanwhile.
  void SetEngineServing(bool serving);

 private:
  void Probe();
  // Sets the health from the parts; needs mu_.
  void Update();

  flight::FlightServer* server_;
  const std::filesystem::path data_dir_;
  std::mutex mu_;
  bool shut_down_ = false;  // guarded by mu_
  bool serving_ = true;     // what the server says; guarded by mu_
  bool disk_ok_ = true;     // guarded by mu_
  bool engine_ok_ = true;   // guarded by mu_
  Periodic probe_;          // last: it stops before the rest goes
};

}  // namespace hangar::server
