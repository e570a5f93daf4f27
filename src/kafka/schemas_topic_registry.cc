#include "kafka/schemas_topic_registry.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace hangar::kafka {

SchemasTopicRegistry::SchemasTopicRegistry(std::shared_ptr<KafkaCluster> cluster, std::string topic)
    : cluster_(std::move(cluster)), topic_(std::move(topic)) {}

Status SchemasTopicRegistry::Refresh() {
  auto marks = cluster_->Watermarks(topic_, 0);
  if (!marks.ok() && marks.status().code() == StatusCode::kNotFound) return Status::OK();  // no schemas yet
  HANGAR_RETURN_NOT_OK(marks.status().WithContext("schema registry topic '" + topic_ + "'"));
  if (marks->high <= next_offset_) return Status::OK();
  // A reader only while there is something new: an idle registry sends the
  // brokers nothing but the watermark question.
  HANGAR_ASSIGN_OR_RETURN(auto reader,
                          PartitionReader::Open(cluster_->consumers(), topic_, 0, std::max(next_offset_, marks->low)));
  std::vector<MessageHandle> messages;
  while (next_offset_ < marks->high) {
    int64_t end_of_log = -1;
    messages.clear();
    HANGAR_RETURN_NOT_OK(reader->Read(&messages, 10000, cluster_->options().request_timeout_ms, &end_of_log)
                             .WithContext("schema registry topic '" + topic_ + "'"));
    if (messages.empty() && end_of_log < 0)
      return Status::Unavailable("schema registry topic '" + topic_ + "': no data within the request timeout");
    for (const auto& m : messages) {
      Apply(*m);
      next_offset_ = m->offset + 1;
    }
    if (end_of_log >= marks->high) break;  // the last records were compacted away
  }
  return Status::OK();
}

void SchemasTopicRegistry::Apply(const rd_kafka_message_t& m) {
  if (m.key == nullptr) return;
  auto key = nlohmann::json::parse(std::string_view(static_cast<const char*>(m.key), m.key_len), nullptr, false);
  if (!key.is_object() || key.value("keytype", "") != "SCHEMA" || !key.contains("subject") || !key.contains("version"))
    return;  // CONFIG, NOOP, DELETE_SUBJECT and others do not change the schemas
  if (!key["subject"].is_string() || !key["version"].is_number_integer()) return;
  const std::string subject = key["subject"];
  const int32_t version = key["version"];
  if (m.payload == nullptr) {  // a tombstone: the version is gone
    subjects_[subject].erase(version);
    return;
  }
  auto value = nlohmann::json::parse(std::string_view(static_cast<const char*>(m.payload), m.len), nullptr, false);
  if (!value.is_object() || !value.contains("id") || !value["id"].is_number_integer() || !value.contains("schema") ||
      !value["schema"].is_string())
    return;
  if (value.value("schemaType", "AVRO") != "AVRO") return;  // Protobuf and JSON schemas are not Hangar's
  const int32_t id = value["id"];
  const std::string text = value["schema"];
  auto parsed = avro::AvroSchema::Parse(text);
  json_by_id_[id] = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.ok())
    by_id_.insert_or_assign(id, Result<std::shared_ptr<const avro::AvroSchema>>(
                                    parsed.status().WithContext("registered schema " + std::to_string(id))));
  else
    by_id_.insert_or_assign(id, Result<std::shared_ptr<const avro::AvroSchema>>(*parsed));
  if (value.value("deleted", false) || !parsed.ok()) {
    subjects_[subject].erase(version);  // soft-deleted: its id still reads old data
    return;
  }
  subjects_[subject][version] = RegisteredSchema{id, subject, version, *parsed, text};
}

Result<std::shared_ptr<const avro::AvroSchema>> SchemasTopicRegistry::SchemaById(int32_t id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    HANGAR_RETURN_NOT_OK(Refresh());
    it = by_id_.find(id);
    if (it == by_id_.end()) return Status::NotFound("the schema registry has no schema with id " + std::to_string(id));
  }
  return it->second;
}

Result<std::vector<RegisteredSchema>> SchemasTopicRegistry::Versions(const std::string& subject) {
  std::lock_guard lock(mu_);
  HANGAR_RETURN_NOT_OK(Refresh());
  std::vector<RegisteredSchema> out;
  auto it = subjects_.find(subject);
  if (it != subjects_.end())
    for (const auto& [version, schema] : it->second) out.push_back(schema);
  return out;
}

Result<RegisteredSchema> SchemasTopicRegistry::Register(const std::string& subject, const std::string& json) {
  HANGAR_RETURN_NOT_OK(avro::AvroSchema::Parse(json).status());
  const auto wanted = nlohmann::json::parse(json);  // valid: it just parsed as a schema
  std::lock_guard lock(mu_);
  HANGAR_RETURN_NOT_OK(Refresh());
  int32_t version = 1;
  if (auto it = subjects_.find(subject); it != subjects_.end()) {
    for (const auto& [v, registered] : it->second)
      if (json_by_id_[registered.id] == wanted) return registered;
    if (!it->second.empty()) version = it->second.rbegin()->first + 1;
  }
  // The same schema under another subject keeps its id, as in Confluent's registry.
  int32_t id = 0;
  for (const auto& [existing, text] : json_by_id_)
    if (text == wanted) id = existing;
  if (id == 0) id = by_id_.empty() ? 1 : by_id_.rbegin()->first + 1;
  if (!producer_) {
    HANGAR_ASSIGN_OR_RETURN(producer_, Producer::Open(cluster_->options()));
  }
  const std::string key =
      JsonText(nlohmann::json{{"keytype", "SCHEMA"}, {"subject", subject}, {"version", version}, {"magic", 1}});
  const std::string value = JsonText(nlohmann::json{
      {"subject", subject}, {"version", version}, {"id", id}, {"schema", JsonText(wanted)}, {"deleted", false}});
  HANGAR_RETURN_NOT_OK(producer_->Produce(topic_, 0, key, value));
  HANGAR_RETURN_NOT_OK(producer_->Flush(cluster_->options().request_timeout_ms)
                           .status()
                           .WithContext("registering a schema in '" + topic_ + "'"));
  HANGAR_RETURN_NOT_OK(Refresh());
  auto it = subjects_.find(subject);
  if (it == subjects_.end() || !it->second.count(version))
    return Status::Internal("a schema registered in '" + topic_ + "' did not read back");
  return it->second[version];
}

}  // namespace hangar::kafka
