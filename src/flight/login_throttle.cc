#include "flight/login_throttle.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "flight/rpc_metrics.h"
#include "flight/server.h"

namespace hangar::flight {

namespace {

// Keys beyond this many go untracked rather than grow memory without bound
// (user names are whatever clients send).
constexpr size_t kMaxTracked = size_t{1} << 16;
constexpr size_t kMaxKeyBytes = 128;
// How long an attempt waits for a password-check permit before it is refused.
constexpr auto kPermitWait = std::chrono::seconds(2);

std::string Key(const std::string& text) { return text.substr(0, kMaxKeyBytes); }

}  // namespace

LoginThrottle::LoginThrottle(const LoginLimits& limits)
    : window_(limits.window),
      concurrent_checks_(limits.concurrent_checks > 0
                             ? limits.concurrent_checks
                             : std::max(1, static_cast<int>(std::thread::hardware_concurrency() / 2))) {
  users_.capacity = static_cast<double>(std::max<int64_t>(1, limits.failures_per_user));
  addresses_.capacity = static_cast<double>(std::max<int64_t>(1, limits.failures_per_peer));
}

LoginThrottle::Bucket* LoginThrottle::Buckets::Get(const std::string& key, Clock::time_point now,
                                                   std::chrono::nanoseconds window) {
  const double per_ns = capacity / static_cast<double>(std::max<int64_t>(1, window.count()));
  auto refill = [&](Bucket& b) {
    b.tokens = std::min(capacity, b.tokens + static_cast<double>((now - b.updated).count()) * per_ns);
    b.updated = now;
  };
  if (auto it = map.find(key); it != map.end()) {
    refill(it->second);
    return &it->second;
  }
  if (map.size() >= prune_at) {
    for (auto it = map.begin(); it != map.end();) {
      refill(it->second);
      it = it->second.tokens >= capacity ? map.erase(it) : std::next(it);
    }
    prune_at = std::max<size_t>(1024, 2 * map.size());
  }
  if (map.size() >= kMaxTracked) return nullptr;
  return &map.emplace(key, Bucket{capacity, now}).first->second;
}

Result<LoginThrottle::Attempt> LoginThrottle::Begin(const std::string& user, const std::string& address) {
  const std::string user_key = Key(user), address_key = Key(address);
  std::unique_lock lock(mu_);
  const auto now = Clock::now();
  Bucket* by_user = users_.Get(user_key, now, window_);
  Bucket* by_address = addresses_.Get(address_key, now, window_);
  auto retry_in = [&](const Bucket& b, double capacity) {
    const double ns = (1 - b.tokens) * static_cast<double>(window_.count()) / capacity;
    return std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(ns / 1e9)))) + " s";
  };
  if (by_user != nullptr && by_user->tokens < 1) {
    RpcMetrics::Get().Limited("login_failures_per_user");
    return Status::ResourceExhausted("too many failed logins for user '" + user.substr(0, 64) + "': retry in " +
                                     retry_in(*by_user, users_.capacity) + " (--login-failures-per-user)");
  }
  if (by_address != nullptr && by_address->tokens < 1) {
    RpcMetrics::Get().Limited("login_failures_per_peer");
    return Status::ResourceExhausted("too many failed logins from " + address + ": retry in " +
                                     retry_in(*by_address, addresses_.capacity) + " (--login-failures-per-peer)");
  }
  if (by_user != nullptr) by_user->tokens -= 1;
  if (by_address != nullptr) by_address->tokens -= 1;
  if (!permit_freed_.wait_for(lock, kPermitWait, [&] { return checking_ < concurrent_checks_; })) {
    GiveBack(user_key, address_key);  // not a failure
    RpcMetrics::Get().Limited("max_concurrent_logins");
    return Status::ResourceExhausted("the server is checking " + std::to_string(concurrent_checks_) +
                                     " passwords at once, its limit (--max-concurrent-logins); retry shortly");
  }
  ++checking_;
  return Attempt(this, user_key, address_key);
}

void LoginThrottle::GiveBack(const std::string& user, const std::string& address) {
  const auto now = Clock::now();
  if (Bucket* b = users_.Get(user, now, window_)) b->tokens = std::min(users_.capacity, b->tokens + 1);
  if (Bucket* b = addresses_.Get(address, now, window_)) b->tokens = std::min(addresses_.capacity, b->tokens + 1);
}

LoginThrottle::Attempt::~Attempt() {
  if (owner_ == nullptr) return;
  {
    std::lock_guard lock(owner_->mu_);
    if (succeeded_) owner_->GiveBack(user_, address_);
    --owner_->checking_;
  }
  owner_->permit_freed_.notify_one();
}

void LoginThrottle::Attempt::Succeeded() { succeeded_ = true; }

}  // namespace hangar::flight
