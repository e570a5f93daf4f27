// The development Kafka cluster: librdkafka's mock cluster, in-process, on
// real loopback ports (kcat and any Kafka client can connect to it). It
// keeps only the last 5 MiB (or 100,000 batches) of each partition, so it is
// for trying Hangar out and for tests, never for data that matters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kafka/handles.h"

struct rd_kafka_mock_cluster_s;

namespace hangar::kafka {

class DevCluster {
 public:
  static Result<std::unique_ptr<DevCluster>> Start(int brokers = 1);
  ~DevCluster();

  // "127.0.0.1:port,..." for clients.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  Status CreateTopic(const std::string& topic, int partitions);
  // Makes the next requests of Kafka API `api_key` (1 = Fetch, 0 = Produce)
  // fail with `errors`, one each, in order: fault injection for tests.
  void FailNextRequests(int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors);
  // Forgets the failures of `api_key` not yet used.
  void ClearFailures(int16_t api_key);

 private:
  DevCluster() = default;
  KafkaHandle owner_;  // the mock cluster lives in this handle's threads
  rd_kafka_mock_cluster_s* mock_ = nullptr;
  std::string bootstrap_;
};

}  // namespace hangar::kafka
