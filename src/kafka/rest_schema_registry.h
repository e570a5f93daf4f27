// A Confluent-compatible Schema Registry over its REST API:
// GET /schemas/ids/{id}, GET /subjects/{subject}/versions[/{version}],
// POST /subjects/{subject}/versions. Schemas by id never change and are
// cached; versions are asked for every time (a new one may have come).
#pragma once

#include <map>
#include <mutex>

#include "kafka/schema_registry.h"

namespace hangar::kafka {

struct RestRegistryOptions {
  std::string url;       // e.g. http://registry:8081
  std::string username;  // HTTP basic auth, if set
  std::string password;
  std::string ca_file;  // PEM CA bundle for https
  int timeout_ms = 10000;
};

class RestSchemaRegistry : public SchemaRegistry {
 public:
  explicit RestSchemaRegistry(RestRegistryOptions options);

  Result<std::shared_ptr<const avro::AvroSchema>> SchemaById(int32_t id) override;
  Result<std::vector<RegisteredSchema>> Versions(const std::string& subject) override;
  Result<RegisteredSchema> Register(const std::string& subject, const std::string& json) override;

 private:
  // The body of a 200 answer; 404 is NOT_FOUND, other answers name the status and the registry's message.
  Result<std::string> Request(const std::string& path, const std::string* post_body);

  RestRegistryOptions options_;
  std::mutex mu_;
  std::map<int32_t, std::shared_ptr<const avro::AvroSchema>> by_id_;
};

}  // namespace hangar::kafka
