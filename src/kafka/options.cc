#include "kafka/options.h"

namespace hangar::kafka {

namespace {

Status Set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK)
    return Status::Invalid("Kafka property '" + key + "': " + error);
  return Status::OK();
}

}  // namespace

Result<ConfHandle> MakeConf(const KafkaOptions& options,
                            const std::vector<std::pair<std::string, std::string>>& overrides) {
  ConfHandle conf(rd_kafka_conf_new());
  if (options.brokers.empty()) return Status::Invalid("no Kafka bootstrap servers given");
  HANGAR_RETURN_NOT_OK(Set(conf.get(), "bootstrap.servers", options.brokers));
  HANGAR_RETURN_NOT_OK(Set(conf.get(), "client.id", "hangar"));
  // librdkafka's own lines go to stderr; only warnings and worse.
  HANGAR_RETURN_NOT_OK(Set(conf.get(), "log_level", "4"));
  const std::pair<const char*, const std::string*> security[] = {
      {"security.protocol", &options.security_protocol}, {"sasl.mechanism", &options.sasl_mechanism},
      {"sasl.username", &options.sasl_username},         {"sasl.password", &options.sasl_password},
      {"ssl.ca.location", &options.ssl_ca_file},         {"ssl.certificate.location", &options.ssl_cert_file},
      {"ssl.key.location", &options.ssl_key_file}};
  for (const auto& [key, value] : security)
    if (!value->empty()) HANGAR_RETURN_NOT_OK(Set(conf.get(), key, *value));
  for (const auto& [key, value] : overrides) HANGAR_RETURN_NOT_OK(Set(conf.get(), key, value));
  for (const auto& [key, value] : options.properties) HANGAR_RETURN_NOT_OK(Set(conf.get(), key, value));
  return conf;
}

Result<KafkaHandle> NewClient(rd_kafka_type_t type, ConfHandle conf) {
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error, sizeof(error));
  if (rk == nullptr) return Status::Invalid(std::string("cannot create a Kafka client: ") + error);
  conf.release();  // rd_kafka_new took it
  return KafkaHandle(rk);
}

}  // namespace hangar::kafka
