// The stream limits of a server: how many streaming calls run at once, in
// all, per user and per client address.
//
// Streams hold memory, threads and often files or Kafka consumers for as
// long as the client keeps them open, so they are what a misbehaving client
// (or a crowd of good ones) exhausts first; short unary calls are not
// counted. The streams are DoGet, DoPut and DoExchange, and Handshake while
// it lasts (it runs before any credentials, so it is bounded like the
// others). A call over a limit is refused at once with RESOURCE_EXHAUSTED
// rather than queued: the client learns which limit it hit and can retry
// with backoff, and the server never holds work it cannot start.
//
// The limit per client address keeps a share of the slots for other
// clients when one client, with or without credentials, opens stream after
// stream: without authentication there is no user to count by.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "base/status.h"
#include "flight/types.h"

namespace hangar::flight {

struct ServerLimits;

class StreamSlots {
 public:
  explicit StreamSlots(const ServerLimits& limits);

  // Held by a call for its whole life; releases its slot when destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept
        : owner_(other.owner_), user_(std::move(other.user_)), address_(std::move(other.address_)) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class StreamSlots;
    Slot(StreamSlots* owner, std::string user, std::string address)
        : owner_(owner), user_(std::move(user)), address_(std::move(address)) {}
    StreamSlots* owner_ = nullptr;
    std::string user_;
    std::string address_;
  };

  // A slot for a streaming call (an empty one for other calls), or
  // RESOURCE_EXHAUSTED naming the limit. `user` is empty without
  // authentication; `address` is the client's (see client_address.h).
  Result<Slot> Acquire(FlightMethod method, const std::string& user, const std::string& address);
  int64_t active() const;

 private:
  void Release(const std::string& user, const std::string& address);

  const ServerLimits& limits_;
  mutable std::mutex mu_;
  int64_t active_ = 0;                         // guarded by mu_
  std::map<std::string, int64_t> by_user_;     // guarded by mu_; users with a stream open
  std::map<std::string, int64_t> by_address_;  // guarded by mu_; client addresses with a stream open
};

}  // namespace hangar::flight
