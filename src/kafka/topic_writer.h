// Writing record batches into a Kafka topic: every row becomes one message,
// its value Avro in the Confluent wire format. The mirror of topic_reader.h;
// DoPut into a topic (server/topic_flights.h) feeds it a Flight stream.
//
// The value record is the stream's columns, except the metadata columns a
// topic read yields: `_key` (binary or utf8) becomes the message key and
// `_timestamp` (a timestamp) its time; `_partition` and `_offset` are
// Kafka's to assign and are dropped — so what was read from one topic can be
// written into another. A `key_column` takes the keys from that column
// instead (it stays in the value too), and a `partition` sends every
// message there; otherwise keys are hashed to partitions with murmur2 (as
// Java producers do) and keyless messages spread at random.
//
// The value schema: the latest version of subject `<topic>-value` if the
// columns fit it (matched by name); otherwise one made from the columns
// (avro/encoder.h), registered as the subject's next version — only if it
// can read what the latest version wrote (the registry's BACKWARD rule);
// else INVALID_ARGUMENT, naming the field, and nothing is written.
//
// Messages go out with idempotence and acks=all; Write returns once a
// batch's messages are all acknowledged. Kafka has no rollback: if a stream
// fails midway, the batches already written stay written.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow/array.h"
#include "avro/encoder.h"
#include "kafka/cluster.h"
#include "kafka/producer.h"
#include "kafka/schema_registry.h"

namespace hangar::kafka {

// Which columns of a stream go where in a message.
struct ValueLayout {
  arrow::SchemaPtr value_schema;   // the value record's fields
  std::vector<int> value_columns;  // their columns in the stream
  int key_column = -1;             // -1: keyless
  int timestamp_column = -1;       // -1: the producer's time
};

// The layout of a stream of `schema`; keys from `key_column`, else `_key`.
Result<ValueLayout> LayoutOf(const arrow::Schema& schema, const std::string& key_column);

// The encoder of `values` and the id of the registered schema it writes
// (the subject's latest version, or a compatible one made and registered).
struct ValueSchema {
  std::unique_ptr<avro::Encoder> encoder;
  int32_t id = 0;
};
Result<ValueSchema> ChooseSchema(SchemaRegistry& registry, const std::string& topic, const arrow::SchemaPtr& values);

class TopicWriter {
 public:
  // Checks the partition, lays the columns out, chooses the value schema
  // (registering one if needed) and opens the producer.
  static Result<std::unique_ptr<TopicWriter>> Open(KafkaCluster& cluster, SchemaRegistry& registry,
                                                   const std::string& topic, std::optional<int32_t> partition,
                                                   const std::string& key_column, const arrow::Schema& schema);
  // Writes one batch of the stream's schema; once Kafka has acknowledged
  // every message, what was written, by partition. A row that cannot be
  // encoded fails the batch (the batches before it are written).
  Result<std::map<int32_t, PartitionWrite>> Write(const arrow::RecordBatch& batch);
  int32_t schema_id() const { return schema_.id; }

 private:
  TopicWriter() = default;

  std::string topic_;
  std::optional<int32_t> partition_;
  ValueLayout layout_;
  ValueSchema schema_;
  std::unique_ptr<Producer> producer_;
  int64_t batches_ = 0;
  std::string value_;  // reused between rows
};

}  // namespace hangar::kafka
