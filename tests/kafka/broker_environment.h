// The real Apache Kafka broker the topic tests run on: one per suite. Under
// CTest the fixture `kafka_broker` (tests/CMakeLists.txt) starts it before
// the suite's first test and stops it after the last, and each test reads
// where it is from $HANGAR_KAFKA_BROKER (the launcher's ready.json). Run
// directly, a test binary starts a broker of its own for its run.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "kafka_test_util.h"
#include "support/kafka_broker.h"

namespace hangar::kafka::testing {

class BrokerEnvironment : public TopicEnvironment {
 public:
  static BrokerEnvironment& Get() {
    static BrokerEnvironment env;
    return env;
  }
  KafkaOptions options() const override {
    KafkaOptions o;
    o.brokers = bootstrap_;
    return o;
  }
  std::shared_ptr<KafkaCluster> cluster() override { return cluster_; }
  const std::string& schema_registry() const { return schema_registry_; }
  // Each test process registers into a schemas topic of its own: processes
  // sharing one `_schemas` could give two schemas one id at the same
  // instant (the topic has no leader handing ids out; docs/topics.md).
  std::string schemas_topic() override { return schemas_topic_; }

  std::string NewTopic(const std::string& stem, int partitions) override { return NewTopic(stem, partitions, {}); }
  // With topic configs ("cleanup.policy" = "compact", ...). Tests of one
  // suite share the broker from separate processes: names carry the pid.
  std::string NewTopic(const std::string& stem, int partitions, const std::map<std::string, std::string>& configs) {
    const std::string name = stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
    Status created = CreateTopic(name, partitions, configs);
    EXPECT_TRUE(created.ok()) << created.ToString();
    // Metadata reaches every handle a moment after creation.
    for (int i = 0; i < 300; ++i) {
      auto count = cluster_->PartitionCount(name);
      if (count.ok() && *count == partitions) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return name;
  }

 private:
  BrokerEnvironment() {
    std::string ready;
    if (const char* path = std::getenv("HANGAR_KAFKA_BROKER")) {
      std::ifstream in(path);
      std::getline(in, ready);
      EXPECT_FALSE(ready.empty()) << "no ready line in " << path << " (the CTest fixture kafka_broker writes it)";
    } else {
      const std::filesystem::path source = HANGAR_SOURCE_DIR;
      auto own = hangar::testing::KafkaBrokerProcess::Start(
          (source / "third_party/venv/bin/python").string(), (source / "tests/support/kafka_broker.py").string(),
          std::filesystem::temp_directory_path() / ("hangar-kafka-tests-" + std::to_string(::getpid())),
          {"--schema-registry"});
      EXPECT_TRUE(own.ok()) << own.status().ToString();
      if (!own.ok()) return;
      own_ = std::move(*own);
      ready = nlohmann::json{{"bootstrap", own_->bootstrap()}, {"schema_registry", own_->schema_registry()}}.dump();
    }
    auto json = nlohmann::json::parse(ready, nullptr, false);
    bootstrap_ = json.value("bootstrap", "");
    schema_registry_ = json.value("schema_registry", "");
    auto cluster = KafkaCluster::Connect(options());
    EXPECT_TRUE(cluster.ok()) << cluster.status().ToString();
    if (cluster.ok()) cluster_ = *cluster;
    schemas_topic_ = "_schemas-" + std::to_string(::getpid());
    Status created = CreateTopic(schemas_topic_, 1, {{"cleanup.policy", "compact"}});
    EXPECT_TRUE(created.ok()) << created.ToString();
  }

  // Kafka's CreateTopics through librdkafka's admin API, one replica.
  Status CreateTopic(const std::string& name, int partitions, const std::map<std::string, std::string>& configs) {
    HANGAR_ASSIGN_OR_RETURN(auto conf, MakeConf(options()));
    HANGAR_ASSIGN_OR_RETURN(auto admin, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
    char error[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, error, sizeof error);
    if (topic == nullptr) return Status::Invalid(error);
    for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_CreateTopics(admin.get(), &topic, 1, nullptr, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
    Status out = Status::OK();
    if (event == nullptr) {
      out = Status::Unavailable("CreateTopics of '" + name + "' got no answer in 60 s");
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = KafkaError(rd_kafka_event_error(event), "CreateTopics of '" + name + "'");
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
      if (n == 1 && rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
        out = KafkaError(rd_kafka_topic_result_error(results[0]), "CreateTopics of '" + name + "'");
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(topic);
    return out;
  }

  std::unique_ptr<hangar::testing::KafkaBrokerProcess> own_;
  std::string bootstrap_, schema_registry_, schemas_topic_;
  std::shared_ptr<KafkaCluster> cluster_;
  int counter_ = 0;
};

}  // namespace hangar::kafka::testing
