#include "server/topic_flights.h"

#include <algorithm>

#include "base/json_text.h"
#include "kafka/topic_writer.h"

namespace hangar::server {

TopicFlights::TopicFlights(std::shared_ptr<kafka::KafkaCluster> cluster,
                           std::shared_ptr<kafka::SchemaRegistry> registry, std::shared_ptr<kafka::UserClusters> users)
    : cluster_(std::move(cluster)), registry_(std::move(registry)), users_(std::move(users)) {}

Result<std::shared_ptr<kafka::KafkaCluster>> TopicFlights::ClusterFor(const flight::ServerCallContext& context) const {
  if (!users_) return cluster_;
  auto credentials = context.credentials();
  if (!credentials)
    return Status::Unauthenticated(
        "this server reads Kafka topics with each user's own credentials and has none for this bearer token (it was "
        "issued by another node or before a restart): log in again with Basic credentials");
  return users_->For(credentials->user(), credentials->password(), credentials->expires_at());
}

Result<std::vector<flight::FlightInfo>> TopicFlights::List(const flight::ServerCallContext& context) {
  HANGAR_ASSIGN_OR_RETURN(auto cluster, ClusterFor(context));
  HANGAR_ASSIGN_OR_RETURN(auto topics, cluster->DescribeTopics());
  std::vector<flight::FlightInfo> out;
  for (const auto& topic : topics) {
    TopicRequest request;
    request.topic = topic.name;
    HANGAR_ASSIGN_OR_RETURN(auto info, InfoFor(request, topic, flight::FlightDescriptor::Path({"kafka", topic.name})));
    out.push_back(std::move(info));
  }
  return out;
}

Result<flight::FlightInfo> TopicFlights::Info(const flight::ServerCallContext& context, const TopicRequest& request,
                                              const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto cluster, ClusterFor(context));
  HANGAR_ASSIGN_OR_RETURN(auto topic, cluster->DescribeTopic(request.topic));
  return InfoFor(request, topic, descriptor);
}

Result<flight::FlightInfo> TopicFlights::InfoFor(const TopicRequest& request, const kafka::TopicInfo& topic,
                                                 const flight::FlightDescriptor& descriptor) {
  HANGAR_ASSIGN_OR_RETURN(auto schema, kafka::ResolveTopicSchema(*registry_, request.topic, request.options));
  flight::FlightInfo info;
  info.schema = schema.schema;
  info.descriptor = descriptor;
  const auto& o = request.options;
  int64_t records = 0;
  for (const auto& p : topic.partitions) {
    info.endpoints.push_back({flight::Ticket{TopicTicketFor(request, p.id)},
                              placement_ ? placement_(topic.name, p.id) : std::vector<flight::Location>{}, std::nullopt,
                              ""});
    // The offsets the endpoint covers now (timestamps and errors may make it fewer).
    const int64_t start = std::max(o.start_offset.value_or(p.low), p.low);
    const int64_t end = std::min(o.end_offset.value_or(p.high), p.high);
    records += std::min(std::max<int64_t>(end - start, 0), o.max_records.value_or(INT64_MAX));
  }
  info.total_records = o.follow ? -1 : records;
  return info;
}

Result<arrow::SchemaPtr> TopicFlights::Schema(const flight::ServerCallContext& context, const TopicRequest& request) {
  HANGAR_ASSIGN_OR_RETURN(auto cluster, ClusterFor(context));
  HANGAR_RETURN_NOT_OK(cluster->PartitionCount(request.topic).status());
  HANGAR_ASSIGN_OR_RETURN(auto schema, kafka::ResolveTopicSchema(*registry_, request.topic, request.options));
  return schema.schema;
}

Status TopicFlights::Get(const flight::ServerCallContext& context, const TopicRequest& request,
                         flight::FlightStreamWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto cluster, ClusterFor(context));
  HANGAR_ASSIGN_OR_RETURN(
      auto source, kafka::PartitionSource::Open(cluster, registry_, request.topic, *request.partition, request.options,
                                                [&context] { return context.is_cancelled(); }));
  HANGAR_RETURN_NOT_OK(out->Begin(source->schema()));
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto batch, source->Next());
    if (batch == nullptr) break;
    HANGAR_RETURN_NOT_OK(out->WriteRecordBatch(*batch));
  }
  const auto& stats = source->stats();
  const std::string summary = JsonText(nlohmann::json{{"topic", request.topic},
                                                      {"partition", *request.partition},
                                                      {"records", stats.records},
                                                      {"skipped", stats.skipped},
                                                      {"next_offset", stats.next_offset}});
  return out->WriteMetadata(arrow::Buffer::FromString(summary));
}

// After each batch, a PutResult says where its messages went: JSON
// {"batch": n, "rows": r, "schema_id": id, "partitions": [{"partition",
// "first_offset", "last_offset", "messages"}]}.
Status TopicFlights::Put(const flight::ServerCallContext& context, const TopicRequest& request,
                         flight::FlightStreamReader* in, flight::PutResultWriter* out) {
  HANGAR_ASSIGN_OR_RETURN(auto cluster, ClusterFor(context));
  HANGAR_ASSIGN_OR_RETURN(auto schema, in->GetSchema());
  HANGAR_ASSIGN_OR_RETURN(auto writer, kafka::TopicWriter::Open(*cluster, *registry_, request.topic, request.partition,
                                                                request.key_column, *schema));
  int64_t batches = 0;
  while (true) {
    HANGAR_ASSIGN_OR_RETURN(auto chunk, in->Next());
    if (chunk.end()) return Status::OK();
    if (chunk.data == nullptr) continue;
    HANGAR_ASSIGN_OR_RETURN(auto written, writer->Write(*chunk.data));
    nlohmann::json partitions = nlohmann::json::array();
    for (const auto& [partition, w] : written)
      partitions.push_back({{"partition", partition},
                            {"first_offset", w.first_offset},
                            {"last_offset", w.last_offset},
                            {"messages", w.messages}});
    HANGAR_RETURN_NOT_OK(out->Write(JsonText(nlohmann::json{{"batch", batches++},
                                                            {"rows", chunk.data->num_rows},
                                                            {"schema_id", writer->schema_id()},
                                                            {"partitions", partitions}})));
  }
}

}  // namespace hangar::server
