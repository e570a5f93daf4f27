// The cluster as Hangar sees it: topics, their partitions and watermarks.
// One long-lived client handle answers every metadata question; readers
// take consumer handles from the cluster's pool (consumer_pool.h) and
// producers open their own (producer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
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
  // Connects and asks for the cluster's metadata once: brokers that cannot
  // be reached are UNAVAILABLE, a SASL login the brokers refuse is
  // UNAUTHENTICATED naming the user (as soon as the brokers say so).
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
  // What the brokers said of the handle's SASL login, if they refused it.
  struct LoginErrors {
    std::mutex mu;
    std::string refusal;  // guarded by mu
  };

  KafkaCluster(KafkaOptions options, std::unique_ptr<LoginErrors> errors, KafkaHandle handle)
      : options_(options), errors_(std::move(errors)), handle_(std::move(handle)), consumers_(std::move(options)) {}
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  // The first metadata request, failing early on a refused login.
  Status FirstMetadata();
  Result<std::vector<std::pair<std::string, int>>> Metadata(int timeout_ms);
  Result<std::vector<std::pair<std::string, int>>> Metadata() { return Metadata(options_.request_timeout_ms); }
  Result<TopicInfo> WithWatermarks(const std::string& topic, int32_t partitions);
  // Why `topic` is not among the topics listed: not there, or hidden by the brokers' ACLs.
  Status Missing(const std::string& topic);

  KafkaOptions options_;
  std::unique_ptr<LoginErrors> errors_;  // before handle_: the handle's callback uses it
  KafkaHandle handle_;
  ConsumerPool consumers_;
};

}  // namespace hangar::kafka
