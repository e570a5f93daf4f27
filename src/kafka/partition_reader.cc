#include "kafka/partition_reader.h"

#include <algorithm>

namespace hangar::kafka {

Result<std::unique_ptr<PartitionReader>> PartitionReader::Open(ConsumerPool& pool, const std::string& topic,
                                                               int32_t partition, int64_t start_offset,
                                                               Isolation isolation) {
  std::unique_ptr<PartitionReader> reader(new PartitionReader());
  reader->topic_ = topic;
  reader->partition_ = partition;
  HANGAR_ASSIGN_OR_RETURN(reader->handle_, pool.Take(isolation));
  reader->isolation_ = isolation;
  reader->pool_ = &pool;
  reader->rkt_.reset(rd_kafka_topic_new(reader->handle_.get(), topic.c_str(), nullptr));
  if (!reader->rkt_) return KafkaError(rd_kafka_last_error(), "Kafka topic '" + topic + "'");
  // Learn the partition's leader first: starting before it is known costs
  // librdkafka a fixed 500 ms wait.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(reader->handle_.get(), 0, reader->rkt_.get(), &md, pool.options().request_timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError(err, "Kafka metadata of topic '" + topic + "'");
  rd_kafka_metadata_destroy(md);
  if (rd_kafka_consume_start(reader->rkt_.get(), partition, start_offset) != 0)
    return KafkaError(rd_kafka_last_error(),
                      "cannot read Kafka topic '" + topic + "' partition " + std::to_string(partition));
  reader->started_ = true;
  return reader;
}

PartitionReader::~PartitionReader() {
  if (started_) rd_kafka_consume_stop(rkt_.get(), partition_);
  rkt_.reset();
  // A handle that never started, or stopped cleanly, serves the next reader.
  if (pool_ != nullptr && handle_) pool_->Give(std::move(handle_), isolation_);
}

void PartitionReader::Abandon() {
  if (started_) rd_kafka_consume_stop(rkt_.get(), partition_);
  started_ = false;
  // Released, not destroyed: see the header.
  static_cast<void>(rkt_.release());
  static_cast<void>(handle_.release());
}

Status PartitionReader::Read(std::vector<MessageHandle>* out, size_t max, int timeout_ms, int64_t* end_of_log) {
  *end_of_log = -1;
  if (max == 0) return Status::OK();
  // rd_kafka_consume_batch waits until it has `max` messages or the time is
  // up, so it only ever takes what is already queued (timeout 0); an empty
  // queue is waited on for one message, which returns as soon as it comes.
  scratch_.resize(max);
  ssize_t n = rd_kafka_consume_batch(rkt_.get(), partition_, 0, scratch_.data(), max);
  if (n == 0) {
    rd_kafka_message_t* first = rd_kafka_consume(rkt_.get(), partition_, timeout_ms);
    if (first == nullptr) {
      if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__TIMED_OUT) return Status::OK();
      return KafkaError(rd_kafka_last_error(), "reading Kafka topic '" + topic_ + "'");
    }
    scratch_[0] = first;
    n = 1 + std::max<ssize_t>(0, rd_kafka_consume_batch(rkt_.get(), partition_, 0, scratch_.data() + 1, max - 1));
  }
  if (n < 0) return KafkaError(rd_kafka_last_error(), "reading Kafka topic '" + topic_ + "'");
  Status status;
  for (ssize_t i = 0; i < n; ++i) {
    MessageHandle m(scratch_[static_cast<size_t>(i)]);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (status.ok()) out->push_back(std::move(m));
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      *end_of_log = std::max(*end_of_log, m->offset);
    } else if (status.ok()) {
      status = KafkaError(m->err, "reading Kafka topic '" + topic_ + "' partition " + std::to_string(partition_) +
                                      " at offset " + std::to_string(m->offset));
    }
  }
  return status;
}

}  // namespace hangar::kafka
