#include "cli/readiness.h"

#include <cstdio>

#include "store/file_util.h"

namespace hangar::cli {

ReadinessProbe::ReadinessProbe(flight::FlightServer* server, std::filesystem::path data_dir,
                               std::chrono::milliseconds interval)
    : server_(server), data_dir_(std::move(data_dir)), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

ReadinessProbe::~ReadinessProbe() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReadinessProbe::ShutDown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  serving_ = false;
  server_->SetServing(false);
  wake_.notify_all();
}

void ReadinessProbe::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const Status st = store::CheckWritable(data_dir_);
    lock.lock();
    if (stopping_) break;  // ShutDown decided meanwhile
    if (st.ok() != serving_) {
      serving_ = st.ok();
      server_->SetServing(serving_);
      if (serving_) std::fprintf(stderr, "hangar: the data directory takes writes again; health: SERVING\n");
      else std::fprintf(stderr, "hangar: the data directory takes no writes (%s); health: NOT_SERVING\n", st.ToString().c_str());
    }
    wake_.wait_for(lock, interval_, [&] { return stopping_; });
  }
}

}  // namespace hangar::cli
