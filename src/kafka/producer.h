// Produces messages with idempotence and acks=all, and reports what the
// brokers acknowledged: per partition, the offsets written. Keys are hashed
// to partitions with murmur2, as the Java client does, so that Hangar and
// JVM producers put a key in the same partition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "kafka/options.h"

namespace hangar::kafka {

// What one partition acknowledged.
struct PartitionWrite {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t messages = 0;
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Open(const KafkaOptions& options);
  ~Producer();

  // Queues one message (copied). partition < 0: by key hash (random
  // without a key). timestamp_ms 0: now. Blocks while librdkafka's queue is
  // full.
  Status Produce(const std::string& topic, int32_t partition, std::string_view key, std::string_view value,
                 int64_t timestamp_ms = 0, bool null_key = false);
  // Waits until every queued message is acknowledged or failed: the first
  // failure, else what was written since the last Flush, by partition.
  Result<std::map<int32_t, PartitionWrite>> Flush(int timeout_ms = 60000);

 private:
  Producer() = default;
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  Status Learn(const std::string& topic);

  KafkaHandle handle_;
  int request_timeout_ms_ = 10000;
  std::set<std::string> known_topics_;
  std::map<int32_t, PartitionWrite> written_;
  Status failure_;
};

}  // namespace hangar::kafka
