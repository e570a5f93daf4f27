// Metrics of topic reads: records decoded, undecodable messages, and how far
// each partition read is behind the end of the log when it hands out a batch
// (hangar_kafka_*, in metrics::DefaultRegistry()).
#pragma once

#include <cstdint>
#include <string>

namespace hangar::kafka {

class TopicMetrics {
 public:
  static TopicMetrics& Get();
  // A batch of `records` handed out, `lag` messages short of the log's end.
  void Read(const std::string& topic, int32_t partition, int64_t records, int64_t lag);
  void DecodeError(const std::string& topic);

 private:
  TopicMetrics() = default;
};

}  // namespace hangar::kafka
