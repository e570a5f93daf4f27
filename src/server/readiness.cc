#include "server/readiness.h"

#include "base/log.h"
#include "store/file_util.h"

namespace hangar::server {

ReadinessProbe::ReadinessProbe(flight::FlightServer* server, std::filesystem::path data_dir,
                               std::chrono::milliseconds interval)
    : server_(server),
      data_dir_(std::move(data_dir)),
      probe_(
          interval, [this] { Probe(); }, true) {}

void ReadinessProbe::ShutDown() {
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    serving_ = false;
    server_->SetServing(false);
  }
  probe_.Stop();
}

void ReadinessProbe::Probe() {
  const Status st = store::CheckWritable(data_dir_);
  std::lock_guard lock(mu_);
  if (st.ok() != disk_ok_) {
    if (st.ok())
      log::Info("the data directory takes writes again");
    else
      log::Warn("the data directory takes no writes", {{"error", st.ToString()}});
  }
  disk_ok_ = st.ok();
  Update();
}

void ReadinessProbe::SetEngineServing(bool serving) {
  std::lock_guard lock(mu_);
  engine_ok_ = serving;
  Update();
}

void ReadinessProbe::Update() {
  const bool serving = disk_ok_ && engine_ok_;
  if (shut_down_ || serving == serving_) return;  // ShutDown decided meanwhile, or nothing changed
  serving_ = serving;
  server_->SetServing(serving_);
  log::Write(serving_ ? log::Level::kInfo : log::Level::kWarn,
             std::string("health: ") + (serving_ ? "SERVING" : "NOT_SERVING"));
}

}  // namespace hangar::server
