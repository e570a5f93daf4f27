#include "kafka/topic_writer.h"

#include "arrow/array_access.h"
#include "avro/decoder.h"
#include "kafka/wire_format.h"

namespace hangar::kafka {

namespace {

bool IsDroppedColumn(const std::string& name) { return name == "_partition" || name == "_offset"; }

}  // namespace

Result<ValueLayout> LayoutOf(const arrow::Schema& schema, const std::string& key_column) {
  ValueLayout layout;
  std::vector<arrow::FieldPtr> fields;
  for (size_t i = 0; i < schema.fields().size(); ++i) {
    const auto& f = schema.field(i);
    const int index = static_cast<int>(i);
    const bool key = key_column.empty() ? f->name() == "_key" : f->name() == key_column;
    if (key) {
      const auto id = f->type()->id();
      if (id != arrow::TypeId::kBinary && id != arrow::TypeId::kUtf8 && id != arrow::TypeId::kLargeBinary &&
          id != arrow::TypeId::kLargeUtf8 && id != arrow::TypeId::kBinaryView && id != arrow::TypeId::kUtf8View)
        return Status::Invalid("key column '" + f->name() + "' must be binary or utf8, not " + f->type()->ToString());
      layout.key_column = index;
      if (key_column.empty()) continue;  // _key is not part of the value
    }
    if (f->name() == "_timestamp") {
      if (f->type()->id() != arrow::TypeId::kTimestamp)
        return Status::Invalid("column '_timestamp' must be a timestamp, not " + f->type()->ToString());
      layout.timestamp_column = index;
      continue;
    }
    if (IsDroppedColumn(f->name())) continue;
    layout.value_columns.push_back(index);
    fields.push_back(f);
  }
  if (!key_column.empty() && layout.key_column < 0)
    return Status::Invalid("no column '" + key_column + "' to take the message keys from");
  if (fields.empty()) return Status::Invalid("the stream has no value columns to write");
  layout.value_schema = arrow::schema(std::move(fields));
  return layout;
}

Result<ValueSchema> ChooseSchema(SchemaRegistry& registry, const std::string& topic, const arrow::SchemaPtr& values) {
  const std::string subject = ValueSubject(topic);
  HANGAR_ASSIGN_OR_RETURN(auto versions, registry.Versions(subject));
  Status fit;
  if (!versions.empty()) {
    auto encoder = avro::Encoder::Make(values, versions.back().schema);
    if (encoder.ok()) return ValueSchema{std::move(*encoder), versions.back().id};
    fit = encoder.status();
  }
  HANGAR_ASSIGN_OR_RETURN(auto derived, avro::AvroSchemaJsonOf(*values, topic));
  HANGAR_ASSIGN_OR_RETURN(auto parsed, avro::AvroSchema::Parse(derived));
  if (!versions.empty()) {
    Status compatible = avro::Decoder::Make(versions.back().schema, parsed).status();
    if (!compatible.ok())
      return Status::Invalid("the columns do not fit subject '" + subject + "' version " +
                             std::to_string(versions.back().version) + " (" + fit.message() +
                             "), and a schema made from them could not read its data (" + compatible.message() + ")");
  }
  HANGAR_ASSIGN_OR_RETURN(auto registered, registry.Register(subject, derived));
  HANGAR_ASSIGN_OR_RETURN(auto encoder, avro::Encoder::Make(values, registered.schema));
  return ValueSchema{std::move(encoder), registered.id};
}

Result<std::unique_ptr<TopicWriter>> TopicWriter::Open(KafkaCluster& cluster, SchemaRegistry& registry,
                                                       const std::string& topic, std::optional<int32_t> partition,
                                                       const std::string& key_column, const arrow::Schema& schema) {
  HANGAR_ASSIGN_OR_RETURN(int32_t partitions, cluster.PartitionCount(topic));
  if (partition && *partition >= partitions)
    return Status::NotFound("Kafka topic '" + topic + "' has no partition " + std::to_string(*partition));
  std::unique_ptr<TopicWriter> writer(new TopicWriter());
  writer->topic_ = topic;
  writer->partition_ = partition;
  HANGAR_ASSIGN_OR_RETURN(writer->layout_, LayoutOf(schema, key_column));
  HANGAR_ASSIGN_OR_RETURN(writer->schema_, ChooseSchema(registry, topic, writer->layout_.value_schema));
  HANGAR_ASSIGN_OR_RETURN(writer->producer_, Producer::Open(cluster.options()));
  return writer;
}

Result<std::map<int32_t, PartitionWrite>> TopicWriter::Write(const arrow::RecordBatch& batch) {
  std::vector<arrow::ArrayPtr> columns;
  for (int c : layout_.value_columns) columns.push_back(batch.column(c));
  const auto values = arrow::MakeRecordBatch(layout_.value_schema, batch.num_rows, std::move(columns));
  const arrow::Array* keys = layout_.key_column >= 0 ? batch.column(layout_.key_column).get() : nullptr;
  const arrow::Array* times = layout_.timestamp_column >= 0 ? batch.column(layout_.timestamp_column).get() : nullptr;
  const int64_t per_second = times ? arrow::UnitsPerSecond(times->type->unit()) : 1000;
  for (int64_t row = 0; row < batch.num_rows; ++row) {
    value_.clear();
    AppendWireHeader(schema_.id, &value_);
    Status encoded = schema_.encoder->EncodeRow(*values, row, &value_);
    if (!encoded.ok())
      return encoded.WithContext("batch " + std::to_string(batches_) + " row " + std::to_string(row) +
                                 " (the batches before it are written)");
    const bool has_key = keys && keys->IsValid(row);
    int64_t timestamp = 0;
    if (times && times->IsValid(row)) {
      const int64_t t = times->values<int64_t>()[row];
      timestamp = per_second >= 1000 ? t / (per_second / 1000) : t * (1000 / per_second);  // milliseconds
    }
    HANGAR_RETURN_NOT_OK(producer_->Produce(topic_, partition_.value_or(-1),
                                            has_key ? arrow::BinaryValue(*keys, row) : std::string_view(), value_,
                                            timestamp, !has_key));
  }
  ++batches_;
  return producer_->Flush();
}

}  // namespace hangar::kafka
