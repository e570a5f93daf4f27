// Connections to a Kafka cluster as its users, for a server that passes its
// clients' credentials on (docs/topics.md#credential-pass-through): each
// user's reads and writes go through a KafkaCluster logged in with that
// user's SASL name and password, so the brokers' ACLs decide for each user.
//
// A connection costs librdkafka threads, sockets and a SASL login, so one
// per user is kept and shared by that user's calls. They are bounded: at
// most `max_users` are kept (the one idle longest goes first), one unused
// for `idle` is closed, and one is closed when the credentials it was made
// with expire (the client's token), so a password outlives its token in no
// connection. A call holding a connection keeps it open until it ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kafka/cluster.h"

namespace hangar::kafka {

struct UserClusterLimits {
  size_t max_users = 64;
  std::chrono::seconds idle{300};
};

class UserClusters {
 public:
  // `base`: the brokers, TLS and SASL mechanism of every connection; the
  // user name and password are each user's.
  UserClusters(KafkaOptions base, UserClusterLimits limits);
  ~UserClusters();
  UserClusters(const UserClusters&) = delete;
  UserClusters& operator=(const UserClusters&) = delete;

  // `user`'s connection, made (logging in) if there is none for this
  // password; usable until `expires_at`. UNAUTHENTICATED if the brokers
  // refuse the login.
  Result<std::shared_ptr<KafkaCluster>> For(const std::string& user, const std::string& password,
                                            std::chrono::system_clock::time_point expires_at);
  size_t size() const;
  // Closes the connections idle since before `now - idle` or expired at
  // `wall_now` (a thread calls it every few seconds).
  void Sweep(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now(),
             std::chrono::system_clock::time_point wall_now = std::chrono::system_clock::now());

 private:
  struct Entry {
    std::shared_ptr<KafkaCluster> cluster;
    std::chrono::system_clock::time_point expires_at;
    std::chrono::steady_clock::time_point last_used;
  };
  void SweepEvery(std::stop_token stop);

  const KafkaOptions base_;
  const UserClusterLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> by_user_;  // guarded by mu_
  std::condition_variable_any stopped_;
  std::jthread sweeper_;
};

}  // namespace hangar::kafka
