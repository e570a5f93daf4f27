// Where Avro schemas of topics live: a Schema Registry, read either from the
// `_schemas` topic (schemas_topic_registry.h: works with any Kafka, the dev
// cluster included) or from a Confluent-compatible REST service
// (rest_schema_registry.h). Subjects follow the TopicNameStrategy: the value
// schema of topic `t` is subject `t-value`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "avro/schema.h"

namespace hangar::kafka {

struct RegisteredSchema {
  int32_t id = 0;
  std::string subject;
  int32_t version = 0;
  std::shared_ptr<const avro::AvroSchema> schema;
  std::string json;  // the schema's text as registered
};

inline std::string ValueSubject(const std::string& topic) { return topic + "-value"; }

class SchemaRegistry {
 public:
  virtual ~SchemaRegistry() = default;

  // The schema with this id; NOT_FOUND if the registry has none.
  virtual Result<std::shared_ptr<const avro::AvroSchema>> SchemaById(int32_t id) = 0;
  // A subject's live versions, oldest first; empty if it has none.
  virtual Result<std::vector<RegisteredSchema>> Versions(const std::string& subject) = 0;
  // Registers the schema `json` under `subject` (a no-op answering the
  // existing version if the subject already has the same schema) and
  // answers its registration.
  virtual Result<RegisteredSchema> Register(const std::string& subject, const std::string& json) = 0;
};

}  // namespace hangar::kafka
