#include "server/cluster_placement.h"

#include <map>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "cluster/rendezvous.h"
#include "server/topic_flights.h"

namespace hangar::server {

std::string ClusterPlacement::PartitionKey(const std::string& topic, int32_t partition) {
  return "kafka." + topic + "/" + std::to_string(partition);
}

void ClusterPlacement::Attach(std::shared_ptr<cluster::Membership> membership) {
  std::lock_guard lock(mu_);
  membership_ = std::move(membership);
}

std::shared_ptr<cluster::Membership> ClusterPlacement::membership() const {
  std::lock_guard lock(mu_);
  return membership_;
}

std::vector<flight::Location> ClusterPlacement::LocationsFor(const std::string& key) const {
  auto membership = this->membership();
  if (membership == nullptr || !membership->registered()) return {};
  std::map<std::string, std::string> location_of;
  std::vector<std::string> ids;
  for (const auto& m : membership->members()) {
    location_of[m.id] = m.location;
    ids.push_back(m.id);
  }
  std::vector<flight::Location> out;
  for (const auto& id : cluster::RankMembers(key, ids)) out.push_back(flight::Location{location_of[id]});
  return out;
}

Result<std::string> ClusterPlacement::StatusJson(TopicFlights* topics,
                                                 const std::map<std::string, std::vector<std::string>>* tables) const {
  auto membership = this->membership();
  if (membership == nullptr) return Status::Unavailable("this node has not joined its cluster yet");
  const auto members = membership->members();
  std::vector<std::string> ids;
  for (const auto& m : members) ids.push_back(m.id);
  std::map<std::string, nlohmann::json> owned;
  for (const auto& id : ids) owned[id] = nlohmann::json::array();
  if (topics != nullptr && !ids.empty()) {
    HANGAR_ASSIGN_OR_RETURN(auto described, topics->cluster()->DescribeTopics());
    for (const auto& topic : described)
      for (const auto& p : topic.partitions) {
        const std::string key = PartitionKey(topic.name, p.id);
        owned[cluster::RankMembers(key, ids).front()].push_back(key);
      }
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : members) {
    list.push_back({{"id", m.id}, {"location", m.location}, {"load", m.load}, {"partitions", owned[m.id]}});
    if (tables != nullptr) {
      auto it = tables->find(m.id);
      list.back()["tables"] = it == tables->end() ? std::vector<std::string>{} : it->second;
    }
  }
  return JsonText(nlohmann::json{
      {"self", membership->self_id()}, {"registered", membership->registered()}, {"members", std::move(list)}});
}

}  // namespace hangar::server
