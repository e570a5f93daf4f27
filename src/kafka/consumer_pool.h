// Connected consumer handles kept for reuse. Opening one costs threads, a
// connection and version negotiation with the brokers (~5 ms); a pooled
// handle starts fetching at once, which matters when a query or a client
// reads many small partitions. Each handle serves one partition reader at a
// time (see partition_reader.h).
#pragma once

#include <mutex>
#include <vector>

#include "kafka/options.h"

namespace hangar::kafka {

// Which records of transactional producers a reader sees (Kafka's isolation.level).
enum class Isolation { kReadCommitted, kReadUncommitted };

struct ReaderTuning {
  // Messages librdkafka may prefetch; its default (100,000) makes big reads
  // pause for a refill every ~150k messages.
  int queued_min_messages = 1000000;
  int fetch_wait_max_ms = 10;      // longest a fetch waits for new data (follow mode latency)
  int fetch_max_bytes = 16 << 20;  // per partition and fetch
};

class ConsumerPool {
 public:
  ConsumerPool(KafkaOptions options, ReaderTuning tuning = {}, size_t max_idle = 32);

  const KafkaOptions& options() const { return options_; }
  // An idle handle reading with `isolation`, or a new one.
  Result<KafkaHandle> Take(Isolation isolation = Isolation::kReadCommitted);
  // A handle whose reader has stopped; kept unless max_idle are.
  void Give(KafkaHandle handle, Isolation isolation = Isolation::kReadCommitted);

 private:
  const KafkaOptions options_;
  const ReaderTuning tuning_;
  const size_t max_idle_;
  std::mutex mu_;
  // Idle handles by isolation level (a handle's level is fixed when it is made).
  std::vector<KafkaHandle> idle_[2];
};

}  // namespace hangar::kafka
