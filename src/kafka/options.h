// How Hangar reaches a Kafka cluster: bootstrap servers, security, and any
// librdkafka property the operator wants to pass through.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka/handles.h"

namespace hangar::kafka {

struct KafkaOptions {
  std::string brokers;            // bootstrap servers, "host:port,host:port"
  std::string security_protocol;  // plaintext (default), ssl, sasl_plaintext, sasl_ssl
  std::string sasl_mechanism;     // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
  std::string sasl_username;
  std::string sasl_password;
  std::string ssl_ca_file;    // PEM CA bundle to verify the brokers
  std::string ssl_cert_file;  // client certificate (mutual TLS)
  std::string ssl_key_file;
  // Any other librdkafka property ("socket.timeout.ms" = "30000"); applied last.
  std::map<std::string, std::string> properties;
  // How long a metadata or offsets request may take before it fails.
  int request_timeout_ms = 10000;
};

// A librdkafka configuration of `options`, then `overrides` (each component's
// own tuning). An unknown property or bad value is an error naming it.
Result<ConfHandle> MakeConf(const KafkaOptions& options,
                            const std::vector<std::pair<std::string, std::string>>& overrides = {});

// A client handle of `type` (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER).
Result<KafkaHandle> NewClient(rd_kafka_type_t type, ConfHandle conf);

}  // namespace hangar::kafka
