#include "kafka/consumer_pool.h"

#include <algorithm>

namespace hangar::kafka {

ConsumerPool::ConsumerPool(KafkaOptions options, ReaderTuning tuning, size_t max_idle)
    : options_(std::move(options)), tuning_(tuning), max_idle_(max_idle) {}

Result<KafkaHandle> ConsumerPool::Take(Isolation isolation) {
  {
    std::lock_guard lock(mu_);
    auto& idle = idle_[static_cast<int>(isolation)];
    if (!idle.empty()) {
      KafkaHandle handle = std::move(idle.back());
      idle.pop_back();
      return handle;
    }
  }
  HANGAR_ASSIGN_OR_RETURN(
      auto conf,
      MakeConf(options_,
               {{"enable.partition.eof", "true"},
                {"enable.auto.commit", "false"},
                {"enable.auto.offset.store", "false"},
                // Never jump silently when records vanish (retention, compaction)
                // from under a reader: report it.
                {"auto.offset.reset", "error"},
                {"isolation.level", isolation == Isolation::kReadCommitted ? "read_committed" : "read_uncommitted"},
                {"queued.min.messages", std::to_string(tuning_.queued_min_messages)},
                // What one reader prefetches (librdkafka's default: 64 MiB), per stream.
                {"queued.max.messages.kbytes", std::to_string(2 * (tuning_.fetch_max_bytes >> 10))},
                {"fetch.wait.max.ms", std::to_string(tuning_.fetch_wait_max_ms)},
                {"fetch.message.max.bytes", std::to_string(tuning_.fetch_max_bytes)},
                {"fetch.max.bytes", std::to_string(std::max(tuning_.fetch_max_bytes, 52428800))}}));
  return NewClient(RD_KAFKA_CONSUMER, std::move(conf));
}

void ConsumerPool::Give(KafkaHandle handle, Isolation isolation) {
  std::lock_guard lock(mu_);
  auto& idle = idle_[static_cast<int>(isolation)];
  if (idle.size() < max_idle_) idle.push_back(std::move(handle));
}

}  // namespace hangar::kafka
