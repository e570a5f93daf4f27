#include "flight/stream_slots.h"

#include "flight/rpc_metrics.h"
#include "flight/server.h"

namespace hangar::flight {

StreamSlots::StreamSlots(const ServerLimits& limits) : limits_(limits) {}

StreamSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release(user_, address_);
}

Result<StreamSlots::Slot> StreamSlots::Acquire(FlightMethod method, const std::string& user,
                                               const std::string& address) {
  if (method != FlightMethod::kDoGet && method != FlightMethod::kDoPut && method != FlightMethod::kDoExchange &&
      method != FlightMethod::kHandshake)
    return Slot();
  std::lock_guard lock(mu_);
  if (active_ >= limits_.max_streams) {
    RpcMetrics::Get().Limited("max_streams");
    return Status::ResourceExhausted("the server is serving " + std::to_string(active_) +
                                     " streams, its limit (--max-streams); retry later");
  }
  // Checked before the user's count changes: a refusal leaves no trace.
  if (auto it = by_address_.find(address);
      !address.empty() && it != by_address_.end() && it->second >= limits_.max_streams_per_peer) {
    RpcMetrics::Get().Limited("max_streams_per_peer");
    return Status::ResourceExhausted("client address " + address + " has " + std::to_string(it->second) +
                                     " streams open, the limit per client address (--max-streams-per-peer)");
  }
  if (!user.empty()) {
    int64_t& mine = by_user_[user];
    if (mine >= limits_.max_streams_per_user) {
      RpcMetrics::Get().Limited("max_streams_per_user");
      return Status::ResourceExhausted("user '" + user + "' has " + std::to_string(mine) +
                                       " streams open, the limit per user (--max-streams-per-user)");
    }
    ++mine;
  }
  if (!address.empty()) ++by_address_[address];
  ++active_;
  RpcMetrics::Get().SetActiveStreams(active_);
  return Slot(this, user, address);
}

void StreamSlots::Release(const std::string& user, const std::string& address) {
  std::lock_guard lock(mu_);
  --active_;
  RpcMetrics::Get().SetActiveStreams(active_);
  auto release = [](std::map<std::string, int64_t>& counts, const std::string& key) {
    if (key.empty()) return;
    auto it = counts.find(key);
    if (it != counts.end() && --it->second == 0) counts.erase(it);
  };
  release(by_user_, user);
  release(by_address_, address);
}

int64_t StreamSlots::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace hangar::flight
