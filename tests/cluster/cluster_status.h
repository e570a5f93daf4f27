// What the cluster tests ask a node about its cluster: the ClusterStatus
// action's answer, and waiting until a node counts the members expected.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <thread>

#include "flight/client.h"

namespace hangar::testing {

// The ClusterStatus answer through `client` (null JSON if the call failed).
inline nlohmann::json ClusterStatusOf(flight::FlightClient& client) {
  auto results = client.DoAction(flight::Action{"ClusterStatus", ""});
  if (!results.ok() || results->empty()) return nlohmann::json();
  return nlohmann::json::parse((*results)[0].body);
}

// Whether `status()` shows a registered node counting `count` members within `timeout`.
inline bool WaitForMembers(const std::function<nlohmann::json()>& status, size_t count, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto answer = status();
    if (answer.is_object() && answer["registered"] == true && answer["members"].size() == count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace hangar::testing
