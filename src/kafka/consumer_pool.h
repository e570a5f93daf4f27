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
  // An idle handle, or a new one.
  Result<KafkaHandle> Take();
  // A handle whose reader has stopped; kept unless max_idle are.
  void Give(KafkaHandle handle);

 private:
  const KafkaOptions options_;
  const ReaderTuning tuning_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<KafkaHandle> idle_;
};

}  // namespace hangar::kafka
