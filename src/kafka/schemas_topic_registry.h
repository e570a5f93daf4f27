// A Schema Registry read straight from its storage topic, `_schemas`, in the
// format Confluent's registry writes (key {"keytype": "SCHEMA", "subject",
// "version", "magic"}, value {"subject", "version", "id", "schema",
// "deleted"}; a null value deletes). Needs nothing but Kafka.
//
// The registry is read incrementally: every question first checks the
// topic's high watermark (one round trip) and reads only what is new, so a
// schema registered a moment ago is seen. Register appends to the topic
// itself; the topic has no leader to hand out ids, so two writers
// registering at the same instant could pick the same id — register
// through one Hangar node (or a REST registry) where that matters.
#pragma once

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "kafka/cluster.h"
#include "kafka/partition_reader.h"
#include "kafka/producer.h"
#include "kafka/schema_registry.h"

namespace hangar::kafka {

class SchemasTopicRegistry : public SchemaRegistry {
 public:
  SchemasTopicRegistry(std::shared_ptr<KafkaCluster> cluster, std::string topic = "_schemas");

  Result<std::shared_ptr<const avro::AvroSchema>> SchemaById(int32_t id) override;
  Result<std::vector<RegisteredSchema>> Versions(const std::string& subject) override;
  Result<RegisteredSchema> Register(const std::string& subject, const std::string& json) override;

 private:
  Status Refresh();  // with mu_ held
  void Apply(const rd_kafka_message_t& message);

  std::shared_ptr<KafkaCluster> cluster_;
  const std::string topic_;
  std::mutex mu_;
  std::unique_ptr<Producer> producer_;
  int64_t next_offset_ = 0;
  std::map<int32_t, Result<std::shared_ptr<const avro::AvroSchema>>> by_id_;
  std::map<int32_t, nlohmann::json> json_by_id_;                         // parsed JSON, to compare schemas by
  std::map<std::string, std::map<int32_t, RegisteredSchema>> subjects_;  // subject -> version -> schema
};

}  // namespace hangar::kafka
