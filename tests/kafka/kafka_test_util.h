// One development Kafka cluster (librdkafka's mock cluster on loopback) for
// every test of a test binary, and small helpers to fill topics.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "avro/varint.h"
#include "kafka/cluster.h"
#include "kafka/dev_cluster.h"
#include "kafka/producer.h"
#include "kafka/schemas_topic_registry.h"
#include "kafka/wire_format.h"

namespace hangar::kafka::testing {

class KafkaEnvironment {
 public:
  static KafkaEnvironment& Get() {
    static KafkaEnvironment env;
    return env;
  }
  DevCluster& dev() { return *dev_; }
  KafkaOptions options() const {
    KafkaOptions o;
    o.brokers = dev_->bootstrap_servers();
    return o;
  }
  std::shared_ptr<KafkaCluster> cluster() { return cluster_; }
  // A topic name no other test uses.
  std::string NewTopic(const std::string& stem, int partitions) {
    std::string name = stem + "-" + std::to_string(++counter_);
    EXPECT_TRUE(dev_->CreateTopic(name, partitions).ok());
    return name;
  }

 private:
  KafkaEnvironment() {
    auto dev = DevCluster::Start(1);
    EXPECT_TRUE(dev.ok()) << dev.status().ToString();
    dev_ = std::move(*dev);
    auto cluster = KafkaCluster::Connect(options());
    EXPECT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = *cluster;
  }
  std::unique_ptr<DevCluster> dev_;
  std::shared_ptr<KafkaCluster> cluster_;
  std::atomic<int> counter_{0};
};

// Avro binary written by hand (independent of Hangar's encoder).
inline void PutLong(int64_t v, std::string* out) { avro::WriteLong(v, out); }
inline void PutString(std::string_view s, std::string* out) {
  PutLong(static_cast<int64_t>(s.size()), out);
  out->append(s);
}
inline void PutFloat(float f, std::string* out) { out->append(reinterpret_cast<const char*>(&f), 4); }

// A Confluent-framed value: magic, schema id, datum.
inline std::string Framed(int32_t schema_id, const std::string& datum) {
  std::string out;
  AppendWireHeader(schema_id, &out);
  return out + datum;
}

}  // namespace hangar::kafka::testing
