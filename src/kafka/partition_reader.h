// Reads one partition from a given offset, without a consumer group and
// without committing anything: librdkafka's simple consumer, which fetches
// in its own threads ahead of the reader (so fetching overlaps whatever the
// caller does with the messages) and was the fastest reader measured.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kafka/consumer_pool.h"

namespace hangar::kafka {

class PartitionReader {
 public:
  // Reads with a handle from `pool` (which must outlive the reader; the
  // handle goes back to it when the reader is destroyed).
  static Result<std::unique_ptr<PartitionReader>> Open(ConsumerPool& pool, const std::string& topic, int32_t partition,
                                                       int64_t start_offset,
                                                       Isolation isolation = Isolation::kReadCommitted);
  ~PartitionReader();

  // Appends up to `max` messages to `out`, waiting at most `timeout_ms` for
  // the first. Reaching the end of the log sets *end_of_log to the offset
  // it was reached at (more may come later), else to -1. A broken partition
  // (offset out of range, topic deleted) is an error.
  Status Read(std::vector<MessageHandle>* out, size_t max, int timeout_ms, int64_t* end_of_log);

  // For a reader whose topic was deleted under it: its handle is neither
  // pooled nor destroyed but left to run until the process exits.
  // librdkafka 2.0's rd_kafka_destroy of a handle that fetched a partition
  // of a since-deleted topic waits forever for a broker thread (so would the
  // server's shutdown); a few threads and a connection per such reader are
  // the lesser evil.
  void Abandon();

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

 private:
  PartitionReader() = default;

  ConsumerPool* pool_ = nullptr;
  Isolation isolation_ = Isolation::kReadCommitted;
  std::string topic_;
  int32_t partition_ = 0;
  KafkaHandle handle_;
  TopicHandle rkt_;
  bool started_ = false;
  std::vector<rd_kafka_message_t*> scratch_;
};

}  // namespace hangar::kafka
