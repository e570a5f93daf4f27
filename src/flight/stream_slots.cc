#include "flight/stream_slots.h"

#include "flight/rpc_metrics.h"
#include "flight/server.h"

namespace hangar::flight {

StreamSlots::StreamSlots(const ServerLimits& limits) : limits_(limits) {}

StreamSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release(user_);
}

Result<StreamSlots::Slot> StreamSlots::Acquire(FlightMethod method, const std::string& user) {
  if (method != FlightMethod::kDoGet && method != FlightMethod::kDoPut && method != FlightMethod::kDoExchange)
    return Slot();
  std::lock_guard lock(mu_);
  if (active_ >= limits_.max_streams) {
    RpcMetrics::Get().Limited("max_streams");
    return Status::ResourceExhausted("the server is serving " + std::to_string(active_) +
                                     " streams, its limit (--max-streams); retry later");
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
  ++active_;
  RpcMetrics::Get().SetActiveStreams(active_);
  return Slot(this, user);
}

void StreamSlots::Release(const std::string& user) {
  std::lock_guard lock(mu_);
  --active_;
  RpcMetrics::Get().SetActiveStreams(active_);
  if (user.empty()) return;
  auto it = by_user_.find(user);
  if (it != by_user_.end() && --it->second == 0) by_user_.erase(it);
}

int64_t StreamSlots::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace hangar::flight
