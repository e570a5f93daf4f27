#include "store/compactor.h"

#include "base/background_priority.h"
#include "base/log.h"

namespace hangar::store {

Compactor::Compactor(std::shared_ptr<TableStore> store, std::chrono::milliseconds interval, std::function<bool()> busy)
    : store_(std::move(store)), busy_(std::move(busy)), rounds_(interval, [this] {
        RunInBackground();  // on the rounds' own thread
        if (!busy_ || !busy_()) CompactDue();
      }) {}

void Compactor::CompactDue() {
  std::lock_guard compacting(compact_mu_);
  for (const auto& table : store_->Tables()) {
    while (true) {
      if (rounds_.stopping()) return;
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
