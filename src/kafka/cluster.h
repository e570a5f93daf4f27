// The cluster as Hangar sees it: topics, their partitions and watermarks.
// One long-lived client handle answers every metadata question; readers
// take consumer handles from the cluster's pool (consumer_pool.h) and
// producers open their own (producer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kafka/consumer_pool.h"
#include "kafka/options.h"

namespace hangar::kafka {

struct PartitionInfo {
  int32_t id = 0;
  int64_t low = 0;   // first offset still in the log
  int64_t high = 0;  // the offset the next message will get
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // by id
  int64_t records() const;                // sum of high - low
};

class KafkaCluster {
 public:
  static Result<std::shared_ptr<KafkaCluster>> Connect(KafkaOptions options);

  const KafkaOptions& options() const { return options_; }
  // Consumer handles for partition readers.
  ConsumerPool& consumers() { return consumers_; }

  // The topics users see (internal ones, with a leading '_', left out), by
  // name, with their partitions' watermarks: one metadata request for all.
  Result<std::vector<TopicInfo>> DescribeTopics();
  // A topic's partitions, with their watermarks. NOT_FOUND if absent.
  Result<TopicInfo> DescribeTopic(const std::string& topic);
  // The names of the topics DescribeTopics describes, sorted; no watermarks asked.
  Result<std::vector<std::string>> TopicNames();
  // How many partitions a topic has (one metadata request). NOT_FOUND if absent.
  Result<int32_t> PartitionCount(const std::string& topic);
  Result<PartitionInfo> Watermarks(const std::string& topic, int32_t partition);
  // The first offset whose timestamp is at or after `timestamp_ms`; -1 when
  // no message is that recent or the broker cannot say.
  Result<int64_t> OffsetForTime(const std::string& topic, int32_t partition, int64_t timestamp_ms);

 private:
  KafkaCluster(KafkaOptions options, KafkaHandle handle)
      : options_(options), handle_(std::move(handle)), consumers_(std::move(options)) {}
  Result<std::vector<std::pair<std::string, int>>> Metadata();
  Result<TopicInfo> WithWatermarks(const std::string& topic, int32_t partitions);
  // Why `topic` is not among the topics listed: not there, or hidden by the brokers' ACLs.
  Status Missing(const std::string& topic);

  KafkaOptions options_;
  KafkaHandle handle_;
  ConsumerPool consumers_;
};

}  // namespace hangar::kafka
