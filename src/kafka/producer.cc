#include "kafka/producer.h"

#include <algorithm>

namespace hangar::kafka {

Result<std::unique_ptr<Producer>> Producer::Open(const KafkaOptions& options) {
  HANGAR_ASSIGN_OR_RETURN(auto conf, MakeConf(options, {{"enable.idempotence", "true"},
                                                        {"acks", "all"},
                                                        {"partitioner", "murmur2_random"},
                                                        {"linger.ms", "5"},
                                                        // What waits for delivery, all puts together
                                                        // (librdkafka's default is 1 GiB); a full queue
                                                        // makes puts wait.
                                                        {"queue.buffering.max.messages", "200000"},
                                                        {"queue.buffering.max.kbytes", "131072"}}));
  std::unique_ptr<Producer> producer(new Producer());
  rd_kafka_conf_set_opaque(conf.get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::OnDelivery);
  HANGAR_ASSIGN_OR_RETURN(producer->handle_, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  producer->request_timeout_ms_ = options.request_timeout_ms;
  return producer;
}

Producer::~Producer() {
  // Whatever is still queued was never reported as written: give it a short
  // chance, then drop it with the handle.
  if (handle_) rd_kafka_flush(handle_.get(), 1000);
}

// Runs on the thread that polls (Produce and Flush), never concurrently.
void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (self->failure_.ok())
      self->failure_ = KafkaError(
          m->err, "Kafka did not accept a message for topic '" + std::string(rd_kafka_topic_name(m->rkt)) + "'");
    return;
  }
  PartitionWrite& w = self->written_[m->partition];
  w.first_offset = w.messages == 0 ? m->offset : std::min(w.first_offset, m->offset);
  w.last_offset = std::max(w.last_offset, m->offset);
  ++w.messages;
}

// Asks for a topic's metadata before its first message: librdkafka would
// otherwise learn of the topic only at its next periodic scan, up to a
// second later.
Status Producer::Learn(const std::string& topic) {
  TopicHandle rkt(rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 0, rkt.get(), &md, request_timeout_ms_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "Kafka metadata of topic '" + topic + "'");
  rd_kafka_metadata_destroy(md);
  known_topics_.insert(topic);
  return Status::OK();
}

Status Producer::Produce(const std::string& topic, int32_t partition, std::string_view key, std::string_view value,
                         int64_t timestamp_ms, bool null_key) {
  if (!known_topics_.count(topic)) HANGAR_RETURN_NOT_OK(Learn(topic));
  while (true) {
    rd_kafka_resp_err_t err =
        rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_KEY(null_key ? nullptr : const_cast<char*>(key.data()), null_key ? 0 : key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return KafkaError(err, "cannot produce to Kafka topic '" + topic + "'");
    rd_kafka_poll(handle_.get(), 10);  // let deliveries drain the queue
  }
  rd_kafka_poll(handle_.get(), 0);
  return failure_;
}

Result<std::map<int32_t, PartitionWrite>> Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(handle_.get(), timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "Kafka did not acknowledge every message in time");
  HANGAR_RETURN_NOT_OK(failure_);
  return std::exchange(written_, {});
}

}  // namespace hangar::kafka
