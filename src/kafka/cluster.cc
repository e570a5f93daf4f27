#include "kafka/cluster.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace hangar::kafka {

namespace {

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};

}  // namespace

int64_t TopicInfo::records() const {
  int64_t n = 0;
  for (const auto& p : partitions) n += p.high - p.low;
  return n;
}

Result<std::shared_ptr<KafkaCluster>> KafkaCluster::Connect(KafkaOptions options) {
  // A producer handle: it needs no group and joins nothing.
  HANGAR_ASSIGN_OR_RETURN(auto conf, MakeConf(options));
  auto errors = std::make_unique<LoginErrors>();
  rd_kafka_conf_set_opaque(conf.get(), errors.get());
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaCluster::OnError);
  HANGAR_ASSIGN_OR_RETURN(auto handle, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  std::shared_ptr<KafkaCluster> cluster(new KafkaCluster(std::move(options), std::move(errors), std::move(handle)));
  HANGAR_RETURN_NOT_OK(cluster->FirstMetadata());
  return cluster;
}

void KafkaCluster::OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
  if (err != RD_KAFKA_RESP_ERR__AUTHENTICATION && err != RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED) return;
  auto* errors = static_cast<LoginErrors*>(opaque);
  std::lock_guard lock(errors->mu);
  errors->refusal = reason;
}

// librdkafka retries a refused SASL login in its own threads and reports it
// only as an error event, while a metadata request waits its whole timeout.
// So the request is made in short steps, the events served in between: a
// wrong password fails in a fraction of a second, not after the timeout.
Status KafkaCluster::FirstMetadata() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
  while (true) {
    auto metadata = Metadata(250);
    if (metadata.ok()) return Status::OK();
    rd_kafka_poll(handle_.get(), 0);
    {
      std::lock_guard lock(errors_->mu);
      if (!errors_->refusal.empty())
        return Status::Unauthenticated("the Kafka brokers at " + options_.brokers +
                                       " refused the SASL login of user '" + options_.sasl_username +
                                       "': " + errors_->refusal);
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return metadata.status().WithContext("cannot reach Kafka at " + options_.brokers);
  }
}

// (topic, partition count) of every topic. Always the whole cluster's
// metadata: asking about one topic by name makes brokers that auto-create
// topics (the dev cluster does) create it.
Result<std::vector<std::pair<std::string, int>>> KafkaCluster::Metadata(int timeout_ms) {
  // Serves the handle's error events, which would otherwise pile up on it.
  rd_kafka_poll(handle_.get(), 0);
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 1, nullptr, &raw, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "Kafka metadata request failed");
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
  std::vector<std::pair<std::string, int>> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // being created or deleted: not there yet
    out.emplace_back(t.topic, t.partition_cnt);
  }
  return out;
}

namespace {
// Internal topics (`_schemas`, `__consumer_offsets`) are not Hangar's to serve.
bool IsInternalTopic(const std::string& name) { return name.empty() || name[0] == '_'; }
}  // namespace

Result<std::vector<std::string>> KafkaCluster::TopicNames() {
  HANGAR_ASSIGN_OR_RETURN(auto topics, Metadata());
  std::vector<std::string> out;
  for (const auto& [name, partitions] : topics)
    if (!IsInternalTopic(name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<TopicInfo>> KafkaCluster::DescribeTopics() {
  HANGAR_ASSIGN_OR_RETURN(auto topics, Metadata());
  std::sort(topics.begin(), topics.end());
  std::vector<TopicInfo> out;
  for (const auto& [name, partitions] : topics) {
    if (IsInternalTopic(name)) continue;
    auto info = WithWatermarks(name, partitions);
    if (!info.ok() && info.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
    HANGAR_RETURN_NOT_OK(info.status());
    out.push_back(std::move(*info));
  }
  return out;
}

Result<int32_t> KafkaCluster::PartitionCount(const std::string& topic) {
  HANGAR_ASSIGN_OR_RETURN(auto topics, Metadata());
  auto it = std::find_if(topics.begin(), topics.end(), [&](const auto& t) { return t.first == topic; });
  if (it == topics.end()) return Missing(topic);
  return it->second;
}

// A broker lists only the topics the client may describe, so a topic absent
// from the listing may exist behind an ACL. Asked for by name, the broker
// says which: TOPIC_AUTHORIZATION_FAILED, or unknown. The question goes
// through a consumer handle, whose metadata requests never auto-create.
Status KafkaCluster::Missing(const std::string& topic) {
  const Status not_found = Status::NotFound("no Kafka topic '" + topic + "'");
  auto handle = consumers_.Take();
  if (!handle.ok()) return not_found;
  TopicHandle rkt(rd_kafka_topic_new(handle->get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err =
      rkt ? rd_kafka_metadata(handle->get(), 0, rkt.get(), &raw, options_.request_timeout_ms) : rd_kafka_last_error();
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md && md->topic_cnt == 1) err = md->topics[0].err;
  rkt.reset();
  consumers_.Give(std::move(*handle));
  if (err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    return Status::PermissionDenied("the Kafka brokers do not allow " +
                                    (options_.sasl_username.empty() ? std::string("this server's Kafka user")
                                                                    : "Kafka user '" + options_.sasl_username + "'") +
                                    " to describe topic '" + topic + "' (TOPIC_AUTHORIZATION_FAILED)");
  return not_found;
}

Result<TopicInfo> KafkaCluster::DescribeTopic(const std::string& topic) {
  HANGAR_ASSIGN_OR_RETURN(int32_t partitions, PartitionCount(topic));
  return WithWatermarks(topic, partitions);
}

Result<TopicInfo> KafkaCluster::WithWatermarks(const std::string& topic, int32_t partitions) {
  TopicInfo info{topic, {}};
  for (int32_t p = 0; p < partitions; ++p) {
    HANGAR_ASSIGN_OR_RETURN(auto w, Watermarks(topic, p));
    info.partitions.push_back(w);
  }
  return info;
}

// A partition whose leader is moving, or that was made a moment ago, answers
// NOT_LEADER for a while (a real broker does, right after CreateTopics), and
// librdkafka does not retry a watermark query: Hangar does, within the
// request timeout, so a topic made just before GetFlightInfo is served.
Result<PartitionInfo> KafkaCluster::Watermarks(const std::string& topic, int32_t partition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.request_timeout_ms);
  PartitionInfo info{partition, 0, 0};
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(handle_.get(), topic.c_str(), partition, &info.low,
                                                               &info.high, options_.request_timeout_ms);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return info;
    const bool leader_moving =
        err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    if (!leader_moving || std::chrono::steady_clock::now() >= deadline)
      return KafkaError(err, "watermarks of Kafka topic '" + topic + "' partition " + std::to_string(partition));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<int64_t> KafkaCluster::OffsetForTime(const std::string& topic, int32_t partition, int64_t timestamp_ms) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = timestamp_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(handle_.get(), list.get(), options_.request_timeout_ms);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError(err, "offset for a time in Kafka topic '" + topic + "' partition " + std::to_string(partition));
  return list->elems[0].offset;
}

}  // namespace hangar::kafka
