#include "kafka/handles.h"

#include <string>

namespace hangar::kafka {

Status KafkaError(rd_kafka_resp_err_t err, std::string_view context) {
  std::string message = std::string(context) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: return Status::NotFound(std::move(message));
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS: return Status::Unavailable(std::move(message));
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED: return Status::Unauthenticated(std::move(message));
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED: return Status::PermissionDenied(std::move(message));
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return Status::OutOfRange(std::move(message) +
                                " (records left the log while being read: retention or compaction)");
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD: return Status::Invalid(std::move(message));
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
      // Kafka 4 refuses message times more than an hour ahead of the broker's clock by default.
      return Status::Invalid(std::move(message) +
                             " (a message time further from the brokers' clock than their "
                             "log.message.timestamp.after.max.ms or log.message.timestamp.before.max.ms allow)");
    default: return Status::Internal(std::move(message));
  }
}

}  // namespace hangar::kafka
