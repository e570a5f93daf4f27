// Kafka topics as flights: ListFlights entries, FlightInfo with one endpoint
// per partition, DoGet of a partition, DoPut into a topic (kafka/topic_writer.h).
#pragma once

#include <functional>
#include <memory>

#include "flight/server.h"
#include "kafka/cluster.h"
#include "kafka/schema_registry.h"
#include "kafka/user_clusters.h"
#include "server/topic_ticket.h"

namespace hangar::server {

// Every call reads and writes through the server's own Kafka connection,
// or, with `users` (credential pass-through), through a connection logged in
// as the caller with the credentials the caller logged in with: the
// brokers' ACLs then decide for each user. Schemas are read with the
// server's own connection either way.
class TopicFlights {
 public:
  TopicFlights(std::shared_ptr<kafka::KafkaCluster> cluster, std::shared_ptr<kafka::SchemaRegistry> registry,
               std::shared_ptr<kafka::UserClusters> users = nullptr);

  Result<std::vector<flight::FlightInfo>> List(const flight::ServerCallContext& context);
  // `descriptor` is echoed in the answer.
  Result<flight::FlightInfo> Info(const flight::ServerCallContext& context, const TopicRequest& request,
                                  const flight::FlightDescriptor& descriptor);
  Result<arrow::SchemaPtr> Schema(const flight::ServerCallContext& context, const TopicRequest& request);
  // Streams the ticket's partition, then one app_metadata message, JSON
  // {"topic", "partition", "records", "skipped", "next_offset"}: where a
  // follow-up read would start.
  Status Get(const flight::ServerCallContext& context, const TopicRequest& request, flight::FlightStreamWriter* out);
  // Writes the stream into the topic (see kafka/topic_writer.h).
  Status Put(const flight::ServerCallContext& context, const TopicRequest& request, flight::FlightStreamReader* in,
             flight::PutResultWriter* out);

  // In a cluster: each partition endpoint's locations, owner first (see
  // cluster_placement.h). Unset: endpoints name no location (this server).
  void set_placement(
      std::function<std::vector<flight::Location>(const std::string& topic, int32_t partition)> placement) {
    placement_ = std::move(placement);
  }

  const std::shared_ptr<kafka::KafkaCluster>& cluster() const { return cluster_; }
  const std::shared_ptr<kafka::SchemaRegistry>& registry() const { return registry_; }

 private:
  // The connection a call uses (see above).
  Result<std::shared_ptr<kafka::KafkaCluster>> ClusterFor(const flight::ServerCallContext& context) const;
  Result<flight::FlightInfo> InfoFor(const TopicRequest& request, const kafka::TopicInfo& topic,
                                     const flight::FlightDescriptor& descriptor);

  std::shared_ptr<kafka::KafkaCluster> cluster_;
  std::shared_ptr<kafka::SchemaRegistry> registry_;
  std::shared_ptr<kafka::UserClusters> users_;
  std::function<std::vector<flight::Location>(const std::string& topic, int32_t partition)> placement_;
};

}  // namespace hangar::server
