// Kafka messages polled into Arrow record batches inside the caller's
// process, the way pykafarr's users read topics: each Poll answers up to N
// messages as one batch whose rows all share one writer schema, and returns
// early when the next message was written with another schema, so a batch
// (and the DataFrame made of it) is homogeneous and typed by its own schema.
// The batch's message type is the Avro record's full name.
//
// Columns: the value record's fields as the writer schema gives them (no
// resolution to a newer version: pykafarr's frames are per schema), then the
// metadata columns (metadata_columns.h). Without a registry the value is
// raw: a `_value` binary column, and no message type.
//
// Two ways to read. Without a group id every partition of the topics is
// assigned from a start position (the first offset kept, the end, a given
// offset, or the first offset at a timestamp), nothing is committed, and no
// group coordinator is involved — as Hangar's server reads. With a group id
// the listener joins the consumer group: partitions come from the group's
// assignment, reading starts at the group's committed offsets, and what
// Poll returned is committed in the background (librdkafka's auto commit of
// the offsets it handed out).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arrow/array.h"
#include "kafka/metadata_columns.h"
#include "kafka/options.h"
#include "kafka/schema_registry.h"

namespace hangar::kafka {

struct ListenerOptions {
  std::vector<std::string> topics;
  std::optional<std::string> group_id;
  // Without a group: where each partition starts. An offset beyond a
  // partition's end waits for it; before its start, reads from its start.
  enum class Start { kEarliest, kLatest, kOffset } start = Start::kEarliest;
  int64_t start_offset = 0;                // with Start::kOffset
  std::optional<int64_t> start_timestamp;  // ms since the epoch: the first offset at or after it
  std::optional<int64_t> end_timestamp;    // ms, exclusive: later messages are left out
  std::vector<std::string> metadata = AllMetadataColumns();
};

struct PolledBatch {
  std::string message_type;  // the value record's full name; empty for raw values or no rows
  std::optional<int32_t> schema_id;
  arrow::RecordBatchPtr batch;  // null when the poll found no message
};

// The librdkafka settings a listener's consumer runs with, before the
// caller's own properties (`group`: a group member commits). The benchmarks'
// raw consumer reads with the same ones.
std::vector<std::pair<std::string, std::string>> ListenerConsumerSettings(bool group);

class Listener {
 public:
  // `registry` may be null: values are then read raw. Connects to the
  // brokers and, without a group, assigns every partition of the topics
  // (which must exist).
  static Result<std::unique_ptr<Listener>> Open(const KafkaOptions& kafka, std::shared_ptr<SchemaRegistry> registry,
                                                ListenerOptions options);
  ~Listener();

  // Up to `max_messages` messages of one writer schema. Waits at most
  // `max_time_ms` in all, in slices; after each slice `interrupted` (if
  // given) is asked, and when it answers true the poll ends CANCELLED —
  // the messages it had read stay for the next poll. A message that cannot
  // be decoded is DATA_LOSS naming its topic, partition and offset.
  Result<PolledBatch> Poll(int64_t max_messages, int max_time_ms, const std::function<bool()>& interrupted = nullptr);

  class Impl;

 private:
  explicit Listener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hangar::kafka
