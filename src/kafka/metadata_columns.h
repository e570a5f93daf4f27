// The columns a Kafka record carries besides its value — _partition int32,
// _offset int64, _timestamp timestamp[ms, UTC] and _key binary — built row
// by row next to the value's columns. Partition streams (topic_reader.h) and
// listeners (listener.h) append the same columns the same way.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <vector>

#include "arrow/builder_binary.h"
#include "arrow/builder_primitive.h"

namespace hangar::kafka {

inline const std::vector<std::string>& AllMetadataColumns() {
  static const std::vector<std::string> all = {"_partition", "_offset", "_timestamp", "_key"};
  return all;
}

// The field of metadata column `name`; INVALID_ARGUMENT naming the known
// ones for any other name.
Result<arrow::FieldPtr> MetadataField(const std::string& name);

class MetadataColumns {
 public:
  // Builds the columns `names` (each one of AllMetadataColumns()), in order.
  Status Init(const std::vector<std::string>& names);

  // One row: the record's partition, offset, timestamp (null when the
  // broker gave none) and key.
  void Append(const rd_kafka_message_t& m);
  // The rows since the last Finish, one array per column, appended to `out`.
  Status Finish(std::vector<arrow::ArrayPtr>* out);

 private:
  enum class Column { kPartition, kOffset, kTimestamp, kKey };
  std::vector<Column> columns_;
  arrow::PrimitiveBuilder<int32_t> partition_{arrow::int32()};
  arrow::PrimitiveBuilder<int64_t> offset_{arrow::int64()};
  arrow::PrimitiveBuilder<int64_t> timestamp_{arrow::timestamp(arrow::TimeUnit::kMilli, "UTC")};
  arrow::BinaryBuilder key_{arrow::binary()};
};

}  // namespace hangar::kafka
