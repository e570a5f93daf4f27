#include "kafka/topic_reader.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_map>

#include "arrow/builder_binary.h"
#include "arrow/builder_primitive.h"
#include "avro/arrow_types.h"
#include "avro/decoder.h"
#include "kafka/topic_metrics.h"
#include "kafka/wire_format.h"

namespace hangar::kafka {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kValueColumn = "_value";

// Errors that a message's bytes cause (as opposed to an unreachable cluster
// or registry): the ones skip_errors may skip.
bool IsDataError(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound;
}

}  // namespace

Result<TopicSchema> ResolveTopicSchema(SchemaRegistry& registry, const std::string& topic,
                                       const TopicReadOptions& options) {
  const std::string subject = ValueSubject(topic);
  HANGAR_ASSIGN_OR_RETURN(auto versions, registry.Versions(subject));
  TopicSchema out;
  std::vector<arrow::FieldPtr> fields;
  arrow::KeyValueMetadata metadata;
  if (versions.empty()) {
    if (options.schema_version)
      return Status::NotFound("subject '" + subject + "' has no schema version " +
                              std::to_string(*options.schema_version));
    fields.push_back(arrow::field(kValueColumn, arrow::binary(), true));
  } else {
    const RegisteredSchema* chosen = &versions.back();
    if (options.schema_version) {
      chosen = nullptr;
      std::string known;
      for (const auto& v : versions) {
        if (v.version == *options.schema_version) chosen = &v;
        known += (known.empty() ? "" : ", ") + std::to_string(v.version);
      }
      if (chosen == nullptr)
        return Status::NotFound("subject '" + subject + "' has no schema version " +
                                std::to_string(*options.schema_version) + " (it has " + known + ")");
    }
    auto value_schema = avro::ArrowSchemaOf(*chosen->schema);
    if (!value_schema.ok()) return value_schema.status().WithContext("subject '" + subject + "'");
    fields = (*value_schema)->fields();
    metadata = (*value_schema)->metadata();
    metadata.emplace_back("kafka.schema.id", std::to_string(chosen->id));
    metadata.emplace_back("kafka.schema.version", std::to_string(chosen->version));
    out.reader = *chosen;
  }
  for (const auto& name : options.metadata) {
    HANGAR_ASSIGN_OR_RETURN(auto f, MetadataField(name));
    for (const auto& existing : fields)
      if (existing->name() == name)
        return Status::Invalid("topic '" + topic + "': column '" + name +
                               "' is both a value field and a metadata column; leave the metadata column out");
    fields.push_back(std::move(f));
  }
  metadata.emplace_back("kafka.topic", topic);
  out.schema = arrow::schema(std::move(fields), std::move(metadata));
  return out;
}

class PartitionSource::Impl {
 public:
  Impl(std::shared_ptr<KafkaCluster> cluster, std::shared_ptr<SchemaRegistry> registry, std::string topic,
       int32_t partition, TopicReadOptions options, std::function<bool()> cancelled)
      : cluster_(std::move(cluster)),
        registry_(std::move(registry)),
        topic_(std::move(topic)),
        partition_(partition),
        options_(std::move(options)),
        cancelled_(std::move(cancelled)) {}

  Status Open() {
    if (options_.batch_rows <= 0 || options_.batch_bytes <= 0) return Status::Invalid("batch sizes must be positive");
    for (auto* v : {&options_.start_offset, &options_.end_offset, &options_.max_records})
      if (*v && **v < 0) return Status::Invalid("offsets and max_records must not be negative");
    HANGAR_ASSIGN_OR_RETURN(schema_, ResolveTopicSchema(*registry_, topic_, options_));
    if (schema_.reader) {
      HANGAR_ASSIGN_OR_RETURN(decoder_, avro::Decoder::Make(schema_.reader->schema));
    }
    HANGAR_RETURN_NOT_OK(metadata_.Init(options_.metadata));

    HANGAR_ASSIGN_OR_RETURN(int32_t partitions, cluster_->PartitionCount(topic_));
    if (partition_ < 0 || partition_ >= partitions)
      return Status::NotFound("Kafka topic '" + topic_ + "' has no partition " + std::to_string(partition_) +
                              " (it has " + std::to_string(partitions) + ")");
    HANGAR_ASSIGN_OR_RETURN(const PartitionInfo marks, cluster_->Watermarks(topic_, partition_));
    // Records before the log start are gone (retention, compaction): start at the first one kept.
    int64_t start = std::max(options_.start_offset.value_or(marks.low), marks.low);
    end_ = options_.follow ? std::numeric_limits<int64_t>::max()
                           : std::min(options_.end_offset.value_or(marks.high), marks.high);
    if (options_.end_offset) end_ = std::min(end_, *options_.end_offset);
    // Timestamp bounds narrow the offsets through the broker's time index
    // when it has one; every message is checked against them as well, so
    // the answer is right even where the index cannot help.
    if (options_.start_timestamp) {
      auto offset = cluster_->OffsetForTime(topic_, partition_, *options_.start_timestamp);
      if (offset.ok() && *offset >= 0) start = std::max(start, *offset);
    }
    if (options_.end_timestamp && !options_.follow) {
      auto offset = cluster_->OffsetForTime(topic_, partition_, *options_.end_timestamp);
      if (offset.ok() && *offset >= 0) end_ = std::min(end_, *offset);
    }
    stats_.next_offset = start;
    known_end_ = marks.high;
    if (start >= end_ || options_.max_records == 0) {
      done_ = true;
      return Status::OK();
    }
    HANGAR_ASSIGN_OR_RETURN(reader_, PartitionReader::Open(cluster_->consumers(), topic_, partition_, start,
                                                           options_.read_uncommitted ? Isolation::kReadUncommitted
                                                                                     : Isolation::kReadCommitted));
    return Status::OK();
  }

  const arrow::SchemaPtr& schema() const { return schema_.schema; }
  const PartitionReadStats& stats() const { return stats_; }

  Result<arrow::RecordBatchPtr> Next() {
    auto last_progress = Clock::now();
    if (last_topic_check_ == Clock::time_point{}) last_topic_check_ = last_progress;
    while (true) {
      if (done_) {
        if (rows_ > 0) return Flush();
        return arrow::RecordBatchPtr();
      }
      if (cancelled_ && cancelled_()) return Status::Cancelled("the client cancelled the call");
      if (inbox_pos_ == inbox_.size()) {
        // Every message before the end of the log was delivered ahead of that
        // event: a next read starts there, past the transaction markers and
        // aborted records (offsets with no row) at the log's tail.
        if (end_of_log_ >= 0) stats_.next_offset = std::max(stats_.next_offset, std::min(end_of_log_, end_));
        if (end_of_log_ >= end_ && !options_.follow) {
          done_ = true;
          continue;
        }
        inbox_.clear();
        inbox_pos_ = 0;
        Status read = reader_->Read(&inbox_, 10000, 100, &end_of_log_);
        if (!read.ok()) return read;
        known_end_ = std::max(known_end_, end_of_log_);
        if (!inbox_.empty() || end_of_log_ >= 0) last_progress = Clock::now();
        if (!inbox_.empty()) last_topic_check_ = last_progress;
        // librdkafka reports a deleted topic to the handle's error events,
        // not to the partition's queue, and waits for it to come back: a
        // reader with nothing to read asks the cluster now and then whether
        // its partition is still there.
        if (inbox_.empty() && Clock::now() - last_topic_check_ >= kTopicCheckInterval) {
          last_topic_check_ = Clock::now();
          HANGAR_RETURN_NOT_OK(CheckPartitionExists());
        }
        if (inbox_.empty() && end_of_log_ < 0 && !options_.follow &&
            Clock::now() - last_progress > std::chrono::milliseconds(options_.stall_timeout_ms)) {
          return Status::Unavailable("Kafka topic '" + topic_ + "' partition " + std::to_string(partition_) +
                                     ": no data for " + std::to_string(options_.stall_timeout_ms / 1000) +
                                     " s before offset " + std::to_string(end_));
        }
      }
      while (inbox_pos_ < inbox_.size()) {
        MessageHandle& m = inbox_[inbox_pos_++];
        if (m->offset >= end_) {
          done_ = true;
          break;
        }
        stats_.next_offset = m->offset + 1;
        if (!InTimeRange(*m)) continue;
        HANGAR_RETURN_NOT_OK(Append(std::move(m)));
        if (options_.max_records && stats_.records + rows_ >= *options_.max_records) {
          done_ = true;
          break;
        }
        if (rows_ >= options_.batch_rows || bytes_ >= options_.batch_bytes) return Flush();
      }
      if (options_.follow && rows_ > 0 && Clock::now() - first_row_ >= std::chrono::milliseconds(options_.linger_ms))
        return Flush();
    }
  }

 private:
  static constexpr auto kTopicCheckInterval = std::chrono::seconds(2);

  // NOT_FOUND when the topic (or this partition of it) is gone.
  Status CheckPartitionExists() {
    Result<int32_t> partitions = cluster_->PartitionCount(topic_);
    const std::string where = " while partition " + std::to_string(partition_) + " was being read (next offset " +
                              std::to_string(stats_.next_offset) + ")";
    if (!partitions.ok() && partitions.status().code() != StatusCode::kNotFound)
      return Status::OK();  // the cluster cannot say right now; the reader's own errors and stall timeout still apply
    if (partitions.ok() && partition_ < *partitions) return Status::OK();
    reader_->Abandon();
    if (!partitions.ok()) return Status::NotFound("Kafka topic '" + topic_ + "' was deleted" + where);
    return Status::NotFound("Kafka topic '" + topic_ + "' was deleted and made again with " +
                            std::to_string(*partitions) + " partitions" + where);
  }

  bool InTimeRange(const rd_kafka_message_t& m) const {
    if (!options_.start_timestamp && !options_.end_timestamp) return true;
    const int64_t ts = rd_kafka_message_timestamp(&m, nullptr);
    if (options_.start_timestamp && ts < *options_.start_timestamp) return false;
    if (options_.end_timestamp && ts >= *options_.end_timestamp) return false;
    return true;
  }

  Result<int> WriterFor(int32_t id) {
    if (id == last_id_) return last_writer_;
    auto it = writers_.find(id);
    if (it == writers_.end()) {
      auto schema = registry_->SchemaById(id);
      if (!schema.ok() && !IsDataError(schema.status()))
        return schema.status();  // the registry is down: no skipping that
      Result<int> writer = schema.ok() ? decoder_->AddWriter(*schema)
                                       : Result<int>(Status::NotFound("unknown schema id " + std::to_string(id)));
      if (!writer.ok()) writer = Result<int>(writer.status().WithContext("schema id " + std::to_string(id)));
      it = writers_.emplace(id, std::move(writer)).first;
    }
    if (it->second.ok()) {
      last_id_ = id;
      last_writer_ = *it->second;
    }
    return it->second;
  }

  // The value columns of one message; on an error they may hold part of it.
  Status DecodeValue(const rd_kafka_message_t& m) {
    const std::string_view payload(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
    if (!decoder_) {
      if (m.payload == nullptr)
        raw_.AppendNull();
      else
        raw_.Append(payload);
      return Status::OK();
    }
    if (m.payload == nullptr) return Status::Invalid("the message has no value (a tombstone)");
    int32_t id = 0;
    std::string_view datum;
    if (!ParseWireFormat(payload, &id, &datum))
      return Status::Invalid("the value is not in the Confluent wire format (a zero byte, a schema id, Avro)");
    HANGAR_ASSIGN_OR_RETURN(int writer, WriterFor(id));
    return decoder_->AppendDatum(writer, datum);
  }

  Status Append(MessageHandle m) {
    Status decoded = DecodeValue(*m);
    if (!decoded.ok()) {
      if (!IsDataError(decoded)) return decoded;
      TopicMetrics::Get().DecodeError(topic_);
      if (!options_.skip_errors)
        return Status::DataLoss("Kafka topic '" + topic_ + "' partition " + std::to_string(partition_) + " offset " +
                                std::to_string(m->offset) + ": " + decoded.message() +
                                " (the ticket option \"skip_errors\": true skips and counts such messages)");
      ++stats_.skipped;
      // The decoder may hold part of the bad record: decode the batch's
      // good records again, without it. Rare, and bounded by a batch.
      HANGAR_RETURN_NOT_OK(decoder_->Discard());
      for (const auto& kept : batch_messages_) HANGAR_RETURN_NOT_OK(DecodeValue(*kept));
      return Status::OK();
    }
    metadata_.Append(*m);
    if (rows_ == 0) first_row_ = Clock::now();
    ++rows_;
    bytes_ += static_cast<int64_t>(m->len + m->key_len);
    if (options_.skip_errors && decoder_) batch_messages_.push_back(std::move(m));
    return Status::OK();
  }

  Result<arrow::RecordBatchPtr> Flush() {
    std::vector<arrow::ArrayPtr> columns;
    if (decoder_) {
      HANGAR_ASSIGN_OR_RETURN(auto values, decoder_->Flush());
      columns = values->columns;
    } else {
      HANGAR_ASSIGN_OR_RETURN(auto values, raw_.Finish());
      columns.push_back(std::move(values));
    }
    HANGAR_RETURN_NOT_OK(metadata_.Finish(&columns));
    const int64_t n = rows_;
    stats_.records += n;
    TopicMetrics::Get().Read(topic_, partition_, n, std::max<int64_t>(0, known_end_ - stats_.next_offset));
    rows_ = 0;
    bytes_ = 0;
    batch_messages_.clear();
    return arrow::MakeRecordBatch(schema_.schema, n, std::move(columns));
  }

  std::shared_ptr<KafkaCluster> cluster_;
  std::shared_ptr<SchemaRegistry> registry_;
  const std::string topic_;
  const int32_t partition_;
  TopicReadOptions options_;
  std::function<bool()> cancelled_;

  TopicSchema schema_;
  std::unique_ptr<avro::Decoder> decoder_;            // none: raw values
  std::unordered_map<int32_t, Result<int>> writers_;  // schema id -> decoder writer (or why not)
  int32_t last_id_ = -1;
  int last_writer_ = 0;
  arrow::BinaryBuilder raw_{arrow::binary()};
  MetadataColumns metadata_;  // the metadata columns asked for, in order

  std::unique_ptr<PartitionReader> reader_;
  std::vector<MessageHandle> inbox_;  // read, not yet decoded
  size_t inbox_pos_ = 0;
  int64_t known_end_ = 0;    // the log's end as last seen (the high watermark at open, then the reads')
  int64_t end_of_log_ = -1;  // where the last read reached the end of the log (-1: it did not)
  std::vector<MessageHandle> batch_messages_;  // the current batch's records (skip_errors only)
  int64_t end_ = 0;
  bool done_ = false;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  Clock::time_point first_row_;
  Clock::time_point last_topic_check_;  // when the reader last saw data or asked whether its partition exists
  PartitionReadStats stats_;
};

PartitionSource::PartitionSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PartitionSource::~PartitionSource() = default;

Result<std::unique_ptr<PartitionSource>> PartitionSource::Open(std::shared_ptr<KafkaCluster> cluster,
                                                               std::shared_ptr<SchemaRegistry> registry,
                                                               const std::string& topic, int32_t partition,
                                                               TopicReadOptions options,
                                                               std::function<bool()> cancelled) {
  auto impl = std::make_unique<Impl>(std::move(cluster), std::move(registry), topic, partition, std::move(options),
                                     std::move(cancelled));
  HANGAR_RETURN_NOT_OK(impl->Open());
  return std::unique_ptr<PartitionSource>(new PartitionSource(std::move(impl)));
}

const arrow::SchemaPtr& PartitionSource::schema() const { return impl_->schema(); }
Result<arrow::RecordBatchPtr> PartitionSource::Next() { return impl_->Next(); }
const PartitionReadStats& PartitionSource::stats() const { return impl_->stats(); }

}  // namespace hangar::kafka
