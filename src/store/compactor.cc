#include "store/compactor.h"

#include "base/log.h"

namespace hangar::store {

Compactor::Compactor(std::shared_ptr<TableStore> store, std::chrono::milliseconds interval, std::function<bool()> busy)
    : store_(std::move(store)), interval_(interval), busy_(std::move(busy)) {
  thread_ = std::thread([this] { Loop(); });
}

Compactor::~Compactor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Compactor::Loop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, interval_, [&] { return stopping_; })) {
    if (busy_ && busy_()) continue;
    lock.unlock();
    CompactDue();
    lock.lock();
  }
}

void Compactor::CompactDue() {
  std::lock_guard compacting(compact_mu_);
  for (const auto& table : store_->Tables()) {
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      auto result = store_->Compact(table, false);
      if (!result.ok()) {
        // A table dropped or overwritten meanwhile is no failure: its files
        // simply are not there any more. Anything else is worth a line.
        const StatusCode code = result.status().code();
        if (code != StatusCode::kNotFound && code != StatusCode::kFailedPrecondition)
          log::Warn("compaction failed (will retry)",
                    {{"table", table->snapshot()->name.ToString()}, {"error", result.status().ToString()}});
        break;
      }
      if (result->files_after == result->files_before) break;  // nothing (more) to compact
    }
  }
}

}  // namespace hangar::store
