// Throttles password guessing, and bounds the work password checks take.
//
// Every failed login costs a token from two buckets: its user name's and
// its client address's. While either is empty, logins for that name or from
// that address are refused with RESOURCE_EXHAUSTED, saying when to retry,
// before any password is checked: once throttled, guessing costs the server
// next to nothing. Buckets refill continuously (a full one holds
// `failures_per_*` tokens and refills in `window`), so a throttled user can
// log in again after a short wait, and a guesser gets a handful of tries per
// window instead of dozens per second.
//
// Only failures count: an attempt takes its tokens when its check starts
// (so concurrent guesses cannot overdraw a bucket) and gives them back when
// the password was right. The per-address bucket is larger than the per-user
// one, so that a flood against one user from an address leaves that
// address's other users able to log in. Unknown user names are throttled
// exactly like known ones, so the answers reveal nothing about who exists.
//
// A password check (PBKDF2, slow on purpose) runs only with one of
// `concurrent_checks` permits; an attempt waits a moment for one, then is
// refused, so that a flood of logins from many addresses cannot take every
// core and gRPC thread from the calls of users who already hold tokens.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/status.h"

namespace hangar::flight {

struct LoginLimits;

class LoginThrottle {
 public:
  explicit LoginThrottle(const LoginLimits& limits);

  // One login attempt between Begin and its end: it holds a check permit
  // and the tokens it took, which count as a failure unless Succeeded().
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept
        : owner_(other.owner_),
          user_(std::move(other.user_)),
          address_(std::move(other.address_)),
          succeeded_(other.succeeded_) {
      other.owner_ = nullptr;
    }
    Attempt& operator=(Attempt&&) = delete;
    ~Attempt();
    void Succeeded();

   private:
    friend class LoginThrottle;
    Attempt(LoginThrottle* owner, std::string user, std::string address)
        : owner_(owner), user_(std::move(user)), address_(std::move(address)) {}
    LoginThrottle* owner_;
    std::string user_, address_;
    bool succeeded_ = false;
  };

  // May `user`, from `address`, have a password checked now? An attempt to
  // make, or RESOURCE_EXHAUSTED naming the limit and when to retry.
  Result<Attempt> Begin(const std::string& user, const std::string& address);

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  // Buckets by key; full ones are dropped now and then (a full bucket is
  // the same as none), and past kMaxTracked keys new ones go untracked.
  struct Buckets {
    double capacity;
    std::unordered_map<std::string, Bucket> map;
    size_t prune_at = 1024;
    // The key's bucket brought up to date (nullptr: untracked, as if full).
    Bucket* Get(const std::string& key, Clock::time_point now, std::chrono::nanoseconds window);
  };

  // Returns an attempt's tokens (it succeeded, or never ran). Needs mu_.
  void GiveBack(const std::string& user, const std::string& address);

  const std::chrono::nanoseconds window_;
  const int concurrent_checks_;
  std::mutex mu_;
  std::condition_variable permit_freed_;
  Buckets users_;      // guarded by mu_
  Buckets addresses_;  // guarded by mu_
  int checking_ = 0;   // guarded by mu_
};

}  // namespace hangar::flight
