#include "cli/readiness.h"

#include "base/log.h"
#include "store/file_util.h"

namespace hangar::cli {

ReadinessProbe::ReadinessProbe(flight::FlightServer* server, std::filesystem::path data_dir,
                               std::chrono::milliseconds interval)
    : server_(server), data_dir_(std::move(data_dir)), probe_(interval, [this] { Probe(); }, true) {}

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
  if (shut_down_ || st.ok() == serving_) return;  // ShutDown decided meanwhile, or nothing changed
  serving_ = st.ok();
  server_->SetServing(serving_);
  if (serving_) {
    log::Info("the data directory takes writes again; health: SERVING");
  } else {
    log::Warn("the data directory takes no writes; health: NOT_SERVING", {{"error", st.ToString()}});
  }
}

}  // namespace hangar::cli
