// Where the topic tests' topics live, and small helpers to fill topics.
// KafkaEnvironment is one development Kafka cluster (librdkafka's mock
// cluster on loopback) for every test of a test binary: for the tests that
// need what only the mock does (injected broker errors, its 5 MiB
// retention) and the fast ones that decode. broker_environment.h is the
// real broker the other topic tests run on.
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

// A cluster for topic tests: how to reach it, and new topics of its own.
class TopicEnvironment {
 public:
  virtual ~TopicEnvironment() = default;
  virtual KafkaOptions options() const = 0;
  virtual std::shared_ptr<KafkaCluster> cluster() = 0;
  // A topic name no other test uses, made with `partitions`.
  virtual std::string NewTopic(const std::string& stem, int partitions) = 0;
  // The registry's topic the tests register into.
  virtual std::string schemas_topic() { return "_schemas"; }
};

class KafkaEnvironment : public TopicEnvironment {
 public:
  static KafkaEnvironment& Get() {
    static KafkaEnvironment env;
    return env;
  }
  DevCluster& dev() { return *dev_; }
  KafkaOptions options() const override {
    KafkaOptions o;
    o.brokers = dev_->bootstrap_servers();
    return o;
  }
  std::shared_ptr<KafkaCluster> cluster() override { return cluster_; }
  std::string NewTopic(const std::string& stem, int partitions) override {
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
