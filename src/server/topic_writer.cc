#include "server/topic_writer.h"

#include "arrow/array_access.h"
#include "avro/decoder.h"
#include "avro/encoder.h"
#include "kafka/producer.h"
#include "kafka/wire_format.h"

namespace hangar::server {

namespace {

bool IsDroppedColumn(const std::string& name) { return name == "_partition" || name == "_offset"; }

struct ValueLayout {
  arrow::SchemaPtr value_schema;
  std::vector<int> value_columns;
  int key_column = -1;
  int timestamp_column = -1;
};

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

// The encoder and registered schema id the stream's values are written with.
Result<std::pair<std::unique_ptr<avro::Encoder>, int32_t>> ChooseSchema(kafka::SchemaRegistry& registry,
                                                                        const std::string& topic,
                                                                        const arrow::SchemaPtr& values) {
  const std::string subject = kafka::ValueSubject(topic);
  HANGAR_ASSIGN_OR_RETURN(auto versions, registry.Versions(subject));
  Status fit;
  if (!versions.empty()) {
    auto encoder = avro::Encoder::Make(values, versions.back().schema);
    if (encoder.ok()) return std::make_pair(std::move(*encoder), versions.back().id);
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
  return std::make_pair(std::move(encoder), registered.id);
}

}  // namespace

Status WriteTopic(kafka::KafkaCluster& cluster, kafka::SchemaRegistry& registry, const TopicRequest& request,
                  flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(int32_t partitions, cluster.PartitionCount(request.topic));
  if (request.partition && *request.partition >= partitions)
    return Status::NotFound("Kafka topic '" + request.topic + "' has no partition " + std::to_string(*request.partition));
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  HANGAR_ASSIGN_OR_RETURN(auto layout, LayoutOf(*schema, request.key_column));
  HANGAR_ASSIGN_OR_RETURN(auto chosen, ChooseSchema(registry, request.topic, layout.value_schema));
  auto& [encoder, schema_id] = chosen;
  HANGAR_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Open(cluster.options()));

  std::string value;
  int64_t batches = 0;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto chunk, in->Next());
    if (chunk.end()) return Status::OK();
    if (chunk.data == nullptr) continue;
    const arrow::RecordBatch& batch = *chunk.data;
    std::vector<arrow::ArrayPtr> columns;
    for (int c : layout.value_columns) columns.push_back(batch.column(c));
    const auto values = arrow::MakeRecordBatch(layout.value_schema, batch.num_rows, std::move(columns));
    const arrow::Array* keys = layout.key_column >= 0 ? batch.column(layout.key_column).get() : nullptr;
    const arrow::Array* times = layout.timestamp_column >= 0 ? batch.column(layout.timestamp_column).get() : nullptr;
    const int64_t per_second = times ? arrow::UnitsPerSecond(times->type->unit()) : 1000;
    for (int64_t row = 0; row < batch.num_rows; ++row) {
      value.clear();
      kafka::AppendWireHeader(schema_id, &value);
      Status encoded = encoder->EncodeRow(*values, row, &value);
      if (!encoded.ok())
        return encoded.WithContext("batch " + std::to_string(batches) + " row " + std::to_string(row) +
                                   " (the batches before it are written)");
      const bool has_key = keys && keys->IsValid(row);
      int64_t timestamp = 0;
      if (times && times->IsValid(row)) {
        const int64_t t = times->values<int64_t>()[row];
        timestamp = per_second >= 1000 ? t / (per_second / 1000) : t * (1000 / per_second);  // milliseconds
      }
      HANGAR_RETURN_NOT_OK(producer->Produce(request.topic, request.partition.value_or(-1),
                                             has_key ? arrow::BinaryValue(*keys, row) : std::string_view(), value,
                                             timestamp, !has_key));
    }
    HANGAR_ASSIGN_OR_RETURN(auto written, producer->Flush());
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto& [partition, w] : written)
      partitions.push_back({{"partition", partition}, {"first_offset", w.first_offset}, {"last_offset", w.last_offset},
                            {"messages", w.messages}});
    HANGAR_RETURN_NOT_OK(out->Write(nlohmann::json{{"batch", batches}, {"rows", batch.num_rows}, {"schema_id", schema_id},
                                                   {"partitions", partitions}}
                                        .dump()));
    ++batches;
  }
}

}  // namespace hangar::server
