// A topic partition as a stream of Arrow record batches.
//
// Columns: the fields of the value's Avro record (the reader schema: the
// subject's latest version unless a version is asked for), then the
// metadata columns _partition int32, _offset int64, _timestamp
// timestamp[ms, UTC] and _key binary. Values are in the Confluent wire
// format; each writer schema met in the partition gets its own decoder
// plan, resolved to the reader schema, all filling the same columns — so
// one stream has one schema however the topic's schema evolved. A topic
// with no value schema registered is read raw: a `_value` binary column.
//
// The range read is [start, end) in offsets, where end is the high
// watermark seen when the stream opens (or an earlier end asked for);
// timestamp bounds narrow it further. In follow mode there is no end: the
// stream tails the partition until the caller cancels, emitting what it has
// every `linger_ms`.
//
// A message that cannot be decoded (unknown schema id, truncated or
// malformed Avro, no Confluent framing, a null value) ends the stream with
// DATA_LOSS naming topic, partition and offset — or, with skip_errors, is
// left out and counted.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow/record_batch_source.h"
#include "kafka/cluster.h"
#include "kafka/metadata_columns.h"
#include "kafka/partition_reader.h"
#include "kafka/schema_registry.h"

namespace hangar::kafka {

struct TopicReadOptions {
  std::optional<int64_t> start_offset;     // default: the first offset still in the log
  std::optional<int64_t> end_offset;       // exclusive; default: the high watermark at open
  std::optional<int64_t> start_timestamp;  // ms since the epoch, inclusive
  std::optional<int64_t> end_timestamp;    // exclusive
  std::optional<int64_t> max_records;
  bool follow = false;
  std::vector<std::string> metadata = AllMetadataColumns();
  std::optional<int32_t> schema_version;  // of subject <topic>-value; default: latest
  bool skip_errors = false;
  // Records of open and aborted transactions too (Kafka's read_uncommitted);
  // by default only committed ones, as Kafka's own consumers read.
  bool read_uncommitted = false;
  int64_t batch_rows = 65536;     // a batch ends at whichever comes first
  int64_t batch_bytes = 8 << 20;  // (Kafka payload bytes)
  int linger_ms = 200;            // follow mode: longest a message waits to be sent
  int stall_timeout_ms = 30000;   // no data and no end of log for this long: UNAVAILABLE
};

// The reader schema and the columns of a topic read with `options`.
struct TopicSchema {
  std::optional<RegisteredSchema> reader;  // none: raw values
  arrow::SchemaPtr schema;
};
Result<TopicSchema> ResolveTopicSchema(SchemaRegistry& registry, const std::string& topic,
                                       const TopicReadOptions& options);

// What a finished (or cancelled) stream read.
struct PartitionReadStats {
  int64_t records = 0;      // rows emitted
  int64_t skipped = 0;      // undecodable messages left out (skip_errors)
  int64_t next_offset = 0;  // where a follow-up read would start
};

class PartitionSource : public arrow::RecordBatchSource {
 public:
  // `cancelled` is polled while waiting for data; when it turns true, Next
  // answers CANCELLED.
  static Result<std::unique_ptr<PartitionSource>> Open(std::shared_ptr<KafkaCluster> cluster,
                                                       std::shared_ptr<SchemaRegistry> registry,
                                                       const std::string& topic, int32_t partition,
                                                       TopicReadOptions options,
                                                       std::function<bool()> cancelled = nullptr);
  ~PartitionSource() override;

  const arrow::SchemaPtr& schema() const override;
  Result<arrow::RecordBatchPtr> Next() override;
  const PartitionReadStats& stats() const;

  class Impl;

 private:
  explicit PartitionSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::kafka
