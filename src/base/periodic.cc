#include "base/periodic.h"

namespace hangar {

Periodic::Periodic(std::chrono::milliseconds interval, std::function<void()> work, bool run_at_start)
    : interval_(interval), work_(std::move(work)) {
  thread_ = std::thread([this, run_at_start] {
    if (run_at_start) work_();
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_.load(); })) {
      lock.unlock();
      work_();
      lock.lock();
    }
  });
}

Periodic::~Periodic() { Stop(); }

void Periodic::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hangar
