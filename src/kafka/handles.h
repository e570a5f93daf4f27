// RAII owners of librdkafka's C handles, and librdkafka errors as Status.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string_view>

#include "base/status.h"

namespace hangar::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct KafkaDeleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};

using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using PartitionListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// A librdkafka error as a Status: unknown topics and partitions are
// NOT_FOUND, timeouts and unreachable brokers UNAVAILABLE, authentication
// failures UNAUTHENTICATED, the rest INTERNAL; the message starts with
// `context` and ends with librdkafka's own words.
Status KafkaError(rd_kafka_resp_err_t err, std::string_view context);

}  // namespace hangar::kafka
