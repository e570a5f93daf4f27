#include "kafka/listener.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "arrow/builder_binary.h"
#include "avro/decoder.h"
#include "kafka/cluster.h"
#include "kafka/handles.h"
#include "kafka/wire_format.h"

namespace hangar::kafka {

namespace {

using Clock = std::chrono::steady_clock;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using QueueHandle = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

// How long one wait for the broker lasts before the caller is asked whether
// to stop (Ctrl-C in Python): short enough to feel immediate.
constexpr int kSliceMs = 100;
// Messages taken from librdkafka's queue per call.
constexpr int64_t kReadChunk = 65536;
// Bytes of one partition a fetch asks for.
constexpr int kFetchBytes = 256 << 10;

// Connection troubles the consumer reports as messages and recovers from by
// itself (it reconnects and fetches again): not the listener's caller's to handle.
bool Transient(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         err == RD_KAFKA_RESP_ERR__RESOLVE || err == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

std::string Where(const rd_kafka_message_t& m) {
  return "Kafka topic '" + std::string(m.rkt ? rd_kafka_topic_name(m.rkt) : "?") + "' partition " +
         std::to_string(m.partition) + " offset " + std::to_string(m.offset);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ListenerConsumerSettings(bool group) {
  const ReaderTuning tuning;
  return {{"enable.auto.commit", group ? "true" : "false"},
          // Offsets are stored when Poll returns their messages, not when
          // they reach the listener's buffer.
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", "earliest"},
          // A deep prefetch, as the partition readers have (consumer_pool.h),
          // so a poll finds its messages waiting.
          {"queued.min.messages", std::to_string(tuning.queued_min_messages)},
          {"queued.max.messages.kbytes", std::to_string(2 * (tuning.fetch_max_bytes >> 10))},
          {"fetch.wait.max.ms", std::to_string(tuning.fetch_wait_max_ms)},
          // But smaller fetches than theirs: librdkafka hands a fetch's
          // messages over only once it has parsed all of them, so 16 MiB
          // fetches (100,000 small messages each) leave a poll waiting for
          // the whole lot, while 256 KiB ones let it decode the first
          // messages while the next are fetched, and less memory is live
          // (docs/benchmarks.md, Python listener). A distant broker may
          // want more per round trip: fetch_message_max_bytes=... .
          {"fetch.message.max.bytes", std::to_string(kFetchBytes)},
          {"fetch.max.bytes", std::to_string(std::max(tuning.fetch_max_bytes, 52428800))}};
}

class Listener::Impl {
 public:
  Impl(std::shared_ptr<SchemaRegistry> registry, ListenerOptions options)
      : registry_(std::move(registry)), options_(std::move(options)) {}

  ~Impl() {
    // Messages and the queue go back to librdkafka before its handle does.
    DropPending();
    for (const auto& [topic, partition] : started_) rd_kafka_consume_stop(topic, partition);
    queue_.reset();
    topics_.clear();
    // A group member leaves its group (and commits what Poll returned) now,
    // not after the session timeout.
    if (rk_ && options_.group_id) rd_kafka_consumer_close(rk_.get());
  }

  Status Open(const KafkaOptions& kafka) {
    if (options_.topics.empty()) return Status::Invalid("no topics to listen to");
    if (options_.group_id && options_.group_id->empty()) return Status::Invalid("the group id is empty");
    const bool group = options_.group_id.has_value();
    if (group && (options_.start != ListenerOptions::Start::kEarliest || options_.start_timestamp))
      return Status::Invalid(
          "a consumer group starts at its committed offsets: give a start offset or timestamp "
          "only without a group id");
    HANGAR_RETURN_NOT_OK(metadata_.Init(options_.metadata));
    for (const auto& name : options_.metadata) {
      HANGAR_ASSIGN_OR_RETURN(auto field, MetadataField(name));
      metadata_fields_.push_back(std::move(field));
    }

    HANGAR_ASSIGN_OR_RETURN(auto conf, MakeConf(kafka, ListenerConsumerSettings(group)));
    if (group) {
      char error[512];
      if (rd_kafka_conf_set(conf.get(), "group.id", options_.group_id->c_str(), error, sizeof(error)) !=
          RD_KAFKA_CONF_OK)
        return Status::Invalid("group id '" + *options_.group_id + "': " + error);
    }
    HANGAR_ASSIGN_OR_RETURN(rk_, NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
    if (group) {
      rd_kafka_poll_set_consumer(rk_.get());
      queue_.reset(rd_kafka_queue_get_consumer(rk_.get()));
      PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
      for (const auto& topic : options_.topics)
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
      rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), list.get());
      if (err) return KafkaError(err, "subscribing group '" + *options_.group_id + "'");
      return Status::OK();
    }
    // Without a group: librdkafka's simple consumer (as partition_reader.h
    // reads), every partition started into one queue.
    queue_.reset(rd_kafka_queue_new(rk_.get()));
    HANGAR_ASSIGN_OR_RETURN(auto cluster, KafkaCluster::Connect(kafka));
    for (const auto& topic : options_.topics) {
      HANGAR_ASSIGN_OR_RETURN(int32_t partitions, cluster->PartitionCount(topic));
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
      if (rkt == nullptr) return KafkaError(rd_kafka_last_error(), "topic '" + topic + "'");
      topics_.emplace_back(rkt);
      // The handle learns the partitions' leaders now: started without them,
      // a partition waits for librdkafka's next metadata refresh (about half
      // a second on a fresh handle) before its first fetch.
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, rkt, &md, kafka.request_timeout_ms);
      if (err) return KafkaError(err, "metadata of topic '" + topic + "'");
      rd_kafka_metadata_destroy(md);
      for (int32_t p = 0; p < partitions; ++p) {
        int64_t offset = options_.start == ListenerOptions::Start::kLatest   ? RD_KAFKA_OFFSET_END
                         : options_.start == ListenerOptions::Start::kOffset ? options_.start_offset
                                                                             : RD_KAFKA_OFFSET_BEGINNING;
        if (options_.start_timestamp) {
          HANGAR_ASSIGN_OR_RETURN(int64_t at, cluster->OffsetForTime(topic, p, *options_.start_timestamp));
          offset = at >= 0 ? std::max(offset, at) : RD_KAFKA_OFFSET_END;
        }
        if (rd_kafka_consume_start_queue(rkt, p, offset, queue_.get()) != 0)
          return KafkaError(rd_kafka_last_error(), "topic '" + topic + "' partition " + std::to_string(p));
        started_.emplace_back(rkt, p);
      }
    }
    return Status::OK();
  }

  Result<PolledBatch> Poll(int64_t max_messages, int max_time_ms, const std::function<bool()>& interrupted) {
    if (max_messages <= 0)
      return Status::Invalid("the number of messages to poll must be positive, not " + std::to_string(max_messages));
    if (max_time_ms < 0)
      return Status::Invalid("the poll's time must not be negative, not " + std::to_string(max_time_ms) + " ms");
    const auto deadline = Clock::now() + std::chrono::milliseconds(max_time_ms);
    while (true) {
      while (next_ < read_ && rows_ < max_messages) {
        const rd_kafka_message_t& m = *buffer_[next_];
        if (options_.end_timestamp && rd_kafka_message_timestamp(&m, nullptr) >= *options_.end_timestamp) {
          DropNext();
          continue;
        }
        if (registry_) {
          if (m.payload == nullptr) return Reject(Status::Invalid("the message has no value (a tombstone)"));
          int32_t id = 0;
          std::string_view datum;
          if (!ParseWireFormat({static_cast<const char*>(m.payload), m.len}, &id, &datum))
            return Reject(
                Status::Invalid("the value is not in the Confluent wire format (a zero byte, a schema id, Avro)"));
          // A new schema ends the batch: frames are homogeneous.
          if (rows_ > 0 && id != current_id_) return Flush();
          if (id != current_id_ || current_ == nullptr) {
            Result<SchemaState*> state = StateFor(id);
            if (!state.ok()) return Reject(state.status());
            current_ = *state;
            current_id_ = id;
          }
          Status appended = current_->decoder->AppendDatum(datum);
          if (!appended.ok()) return Reject(std::move(appended));
          // Kept to decode the batch again should a later message of it be bad.
          kept_.append(datum);
          kept_ends_.push_back(kept_.size());
        } else {
          if (raw_schema_ == nullptr) {
            HANGAR_ASSIGN_OR_RETURN(raw_schema_, WithMetadata({arrow::field("_value", arrow::binary(), true)}, {}, {}));
          }
          if (m.payload == nullptr)
            raw_.AppendNull();
          else
            raw_.Append(std::string_view(static_cast<const char*>(m.payload), m.len));
        }
        metadata_.Append(m);
        if (options_.group_id) NoteOffset(m);
        ++rows_;
        DropNext();
      }
      if (rows_ >= max_messages) return Flush();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Flush();
      HANGAR_RETURN_NOT_OK(Read(std::min<int64_t>(kReadChunk, max_messages - rows_),
                                static_cast<int>(std::min<int64_t>(left, kSliceMs))));
      if (interrupted && interrupted()) return Status::Cancelled("the poll was interrupted");
    }
  }

 private:
  struct SchemaState {
    std::unique_ptr<avro::Decoder> decoder;
    arrow::SchemaPtr schema;  // value fields, then the metadata columns
    std::string message_type;
  };

  // The decoder and columns of writer schema `id`, made when first met.
  Result<SchemaState*> StateFor(int32_t id) {
    auto it = schemas_.find(id);
    if (it != schemas_.end()) return &it->second;
    auto avro_schema = registry_->SchemaById(id);
    if (!avro_schema.ok()) return avro_schema.status().WithContext("schema id " + std::to_string(id));
    SchemaState state;
    auto decoder = avro::Decoder::Make(*avro_schema);
    if (!decoder.ok()) return decoder.status().WithContext("schema id " + std::to_string(id));
    state.decoder = std::move(*decoder);
    state.message_type = (*avro_schema)->root().full_name;
    HANGAR_ASSIGN_OR_RETURN(state.schema,
                            WithMetadata(state.decoder->schema()->fields(), state.decoder->schema()->metadata(), id));
    return &schemas_.emplace(id, std::move(state)).first->second;
  }

  Result<arrow::SchemaPtr> WithMetadata(std::vector<arrow::FieldPtr> fields, arrow::KeyValueMetadata metadata,
                                        std::optional<int32_t> id) {
    for (const auto& f : metadata_fields_) {
      for (const auto& existing : fields)
        if (existing->name() == f->name())
          return Status::Invalid("column '" + f->name() +
                                 "' is both a value field and a metadata column; leave the metadata column out");
      fields.push_back(f);
    }
    if (id) metadata.emplace_back("kafka.schema.id", std::to_string(*id));
    return arrow::schema(std::move(fields), std::move(metadata));
  }

  // Ends a poll on a message that cannot be read: the message is dropped
  // (the next poll goes on after it) and the error names it. The batch's
  // good rows stay for the next poll; the decoder may hold part of the bad
  // record, so they are decoded again without it.
  Result<PolledBatch> Reject(const Status& why) {
    MessageHandle bad(buffer_[next_]);
    ++next_;
    if (registry_ && rows_ > 0) {
      HANGAR_RETURN_NOT_OK(current_->decoder->Discard());
      const std::string_view kept(kept_);
      size_t begin = 0;
      for (const size_t end : kept_ends_) {
        HANGAR_RETURN_NOT_OK(current_->decoder->AppendDatum(kept.substr(begin, end - begin)));
        begin = end;
      }
    } else if (registry_) {
      for (auto& [id, state] : schemas_) HANGAR_RETURN_NOT_OK(state.decoder->Discard());
    }
    if (why.code() != StatusCode::kInvalidArgument && why.code() != StatusCode::kNotFound) return why;
    return Status::DataLoss(Where(*bad) + ": " + why.message());
  }

  // Waits at most `timeout_ms` for a message, then takes every message that
  // has arrived, up to `max`, without waiting for more: decoding starts as
  // soon as a fetch lands instead of when `max` messages came.
  Status Read(int64_t max, int timeout_ms) {
    DropPending();
    buffer_.resize(static_cast<size_t>(max));
    ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, buffer_.data(), buffer_.size());
    if (n == 0) {
      rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), timeout_ms);
      if (first == nullptr) return Status::OK();  // none within the slice
      buffer_[0] = first;
      n = 1;
      if (max > 1) {
        const ssize_t more = rd_kafka_consume_batch_queue(queue_.get(), 0, buffer_.data() + 1, buffer_.size() - 1);
        n = more < 0 ? more : n + more;
      }
    }
    if (n < 0) return KafkaError(rd_kafka_last_error(), "reading messages");
    // Messages in place, errors out: the first error is answered and the
    // messages after it are dropped (librdkafka fetches them again).
    Status failed;
    for (ssize_t i = 0; i < n; ++i) {
      MessageHandle m(buffer_[static_cast<size_t>(i)]);
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || Transient(m->err)) continue;
      if (m->err) {
        if (failed.ok()) failed = KafkaError(m->err, Where(*m));
        continue;
      }
      if (failed.ok()) buffer_[read_++] = m.release();
    }
    return failed;
  }

  // The message at next_ is done with: back to librdkafka right away, so
  // its memory is reused by the next fetches instead of a batch's worth
  // of messages living until the batch is flushed.
  void DropNext() { rd_kafka_message_destroy(buffer_[next_++]); }
  void DropPending() {
    while (next_ < read_) DropNext();
    next_ = read_ = 0;
  }

  // The next offset of the message's partition, for StoreOffsets.
  void NoteOffset(const rd_kafka_message_t& m) {
    for (auto it = next_offsets_.rbegin(); it != next_offsets_.rend(); ++it) {
      if (it->partition == m.partition && (it->rkt == m.rkt || it->topic == rd_kafka_topic_name(m.rkt))) {
        it->next = std::max(it->next, m.offset + 1);
        return;
      }
    }
    next_offsets_.push_back({m.rkt, rd_kafka_topic_name(m.rkt), m.partition, m.offset + 1});
  }

  Result<PolledBatch> Flush() {
    PolledBatch out;
    if (rows_ == 0) return out;
    std::vector<arrow::ArrayPtr> columns;
    arrow::SchemaPtr schema;
    if (registry_) {
      SchemaState& state = schemas_.at(current_id_);
      HANGAR_ASSIGN_OR_RETURN(auto values, state.decoder->Flush());
      columns = values->columns;
      schema = state.schema;
      out.message_type = state.message_type;
      out.schema_id = current_id_;
    } else {
      HANGAR_ASSIGN_OR_RETURN(auto values, raw_.Finish());
      columns.push_back(std::move(values));
      schema = raw_schema_;
    }
    HANGAR_RETURN_NOT_OK(metadata_.Finish(&columns));
    if (options_.group_id) HANGAR_RETURN_NOT_OK(StoreOffsets());
    out.batch = arrow::MakeRecordBatch(std::move(schema), rows_, std::move(columns));
    rows_ = 0;
    kept_.clear();
    kept_ends_.clear();
    return out;
  }

  // Marks the batch's messages consumed: the group's next commit covers them.
  Status StoreOffsets() {
    PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets_.size())));
    for (const auto& n : next_offsets_)
      rd_kafka_topic_partition_list_add(list.get(), n.topic.c_str(), n.partition)->offset = n.next;
    next_offsets_.clear();
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_.get(), list.get());
    // A partition the group has since taken away cannot be stored: its new
    // owner reads those messages again, as Kafka's at-least-once delivery says.
    if (err && err != RD_KAFKA_RESP_ERR__STATE) return KafkaError(err, "storing the offsets polled");
    return Status::OK();
  }

  std::shared_ptr<SchemaRegistry> registry_;
  ListenerOptions options_;
  KafkaHandle rk_;
  QueueHandle queue_;
  std::vector<TopicHandle> topics_;                             // without a group: the topics read
  std::vector<std::pair<rd_kafka_topic_t*, int32_t>> started_;  // and their partitions started
  // Read from Kafka: [next_, read_) are owned here, not yet in a batch.
  std::vector<rd_kafka_message_t*> buffer_;
  size_t next_ = 0;
  size_t read_ = 0;
  // The current batch's Avro datums, end to end, and where each ends.
  std::string kept_;
  std::vector<size_t> kept_ends_;
  struct NextOffset {
    rd_kafka_topic_t* rkt;
    std::string topic;
    int32_t partition;
    int64_t next;
  };
  std::vector<NextOffset> next_offsets_;              // with a group: the current batch's partitions
  std::unordered_map<int32_t, SchemaState> schemas_;  // writer schema id -> its decoder
  int32_t current_id_ = -1;
  SchemaState* current_ = nullptr;  // schemas_[current_id_]
  int64_t rows_ = 0;
  arrow::BinaryBuilder raw_{arrow::binary()};
  arrow::SchemaPtr raw_schema_;
  MetadataColumns metadata_;
  std::vector<arrow::FieldPtr> metadata_fields_;
};

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listener::~Listener() = default;

Result<std::unique_ptr<Listener>> Listener::Open(const KafkaOptions& kafka, std::shared_ptr<SchemaRegistry> registry,
                                                 ListenerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(registry), std::move(options));
  HANGAR_RETURN_NOT_OK(impl->Open(kafka));
  return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

Result<PolledBatch> Listener::Poll(int64_t max_messages, int max_time_ms, const std::function<bool()>& interrupted) {
  return impl_->Poll(max_messages, max_time_ms, interrupted);
}

}  // namespace hangar::kafka
