// Where a cluster's work goes: the locations of a topic partition's
// endpoint, owner first (rendezvous hashing over the live members), the
// other members after it as fallbacks; and the ClusterStatus answer.
//
// Ownership only balances load: any node serves any partition, so a client
// whose first location fails retries the next one and still gets the same
// rows.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/membership.h"
#include "flight/types.h"

namespace hangar::server {

class TopicFlights;

class ClusterPlacement {
 public:
  // The membership arrives once the server listens (its advertised location
  // may name the port it chose); until then the node is out of the cluster.
  void Attach(std::shared_ptr<cluster::Membership> membership);

  // The key of a topic partition: "kafka.orders/3".
  static std::string PartitionKey(const std::string& topic, int32_t partition);
  // The members ranked for `key`, as locations; empty when this node is out
  // of the cluster (its endpoints then carry no location: "this server").
  std::vector<flight::Location> LocationsFor(const std::string& key) const;
  // Membership's view, or null before Attach.
  std::shared_ptr<cluster::Membership> membership() const;
  // JSON {"self", "registered", "members": [{"id", "location", "load",
  // "partitions": ["kafka.orders/0", ...]}]}: what `hangar cluster status`
  // prints. With `tables` (node id -> the tables it writes; a cluster
  // sharing its tables), each member also lists its "tables".
  Result<std::string> StatusJson(TopicFlights* topics,
                                 const std::map<std::string, std::vector<std::string>>* tables = nullptr) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<cluster::Membership> membership_;  // guarded by mu_
};

}  // namespace hangar::server
