#include "kafka/user_clusters.h"

#include <algorithm>
#include <vector>

namespace hangar::kafka {

UserClusters::UserClusters(KafkaOptions base, UserClusterLimits limits)
    : base_(std::move(base)),
      limits_(limits),
      sweeper_([this](std::stop_token stop) { SweepEvery(std::move(stop)); }) {}

UserClusters::~UserClusters() {
  sweeper_.request_stop();
  stopped_.notify_all();
  sweeper_.join();
  std::map<std::string, Entry> closing;
  std::lock_guard lock(mu_);
  closing.swap(by_user_);
}

Result<std::shared_ptr<KafkaCluster>> UserClusters::For(const std::string& user, const std::string& password,
                                                        std::chrono::system_clock::time_point expires_at) {
  if (expires_at <= std::chrono::system_clock::now())
    return Status::Unauthenticated("the credentials of user '" + user + "' have expired: log in again");
  {
    std::lock_guard lock(mu_);
    auto it = by_user_.find(user);
    if (it != by_user_.end() && it->second.cluster->options().sasl_password == password) {
      it->second.last_used = std::chrono::steady_clock::now();
      it->second.expires_at = std::max(it->second.expires_at, expires_at);
      return it->second.cluster;
    }
  }
  // Connecting logs in: seconds at worst, so not under the lock. Two calls
  // of one new user may both connect; the second connection is kept.
  KafkaOptions options = base_;
  options.sasl_username = user;
  options.sasl_password = password;
  HANGAR_ASSIGN_OR_RETURN(auto cluster, KafkaCluster::Connect(std::move(options)));
  std::vector<Entry> closing;  // closed after the lock is let go: closing waits on librdkafka's threads
  std::lock_guard lock(mu_);
  auto& entry = by_user_[user];
  if (entry.cluster) closing.push_back(std::move(entry));
  entry = Entry{cluster, expires_at, std::chrono::steady_clock::now()};
  while (by_user_.size() > limits_.max_users) {
    auto oldest = std::min_element(by_user_.begin(), by_user_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    closing.push_back(std::move(oldest->second));
    by_user_.erase(oldest);
  }
  return cluster;
}

size_t UserClusters::size() const {
  std::lock_guard lock(mu_);
  return by_user_.size();
}

void UserClusters::Sweep(std::chrono::steady_clock::time_point now, std::chrono::system_clock::time_point wall_now) {
  std::vector<Entry> closing;
  {
    std::lock_guard lock(mu_);
    for (auto it = by_user_.begin(); it != by_user_.end();) {
      if (it->second.expires_at <= wall_now || it->second.last_used + limits_.idle <= now) {
        closing.push_back(std::move(it->second));
        it = by_user_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void UserClusters::SweepEvery(std::stop_token stop) {
  // Often enough that a connection outlives its token by seconds at most.
  const auto period = std::clamp<std::chrono::steady_clock::duration>(limits_.idle / 2, std::chrono::seconds(1),
                                                                      std::chrono::seconds(5));
  std::mutex mu;
  std::unique_lock lock(mu);
  while (true) {
    stopped_.wait_for(lock, stop, period, [] { return false; });
    if (stop.stop_requested()) return;
    Sweep();
  }
}

}  // namespace hangar::kafka
