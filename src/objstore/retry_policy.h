// How often and how long a request to a bucket is tried again.
//
// A bucket is a remote service: a request may meet a restarting server, a
// full connection backlog or a "slow down" answer, and the next attempt a
// moment later usually succeeds. Attempts are spaced by exponential backoff
// with full jitter (each wait drawn uniformly from zero to the current cap),
// so that many writers refused at once do not come back at once. Both the
// number of attempts and the time they may take are bounded: a caller learns
// of an outage within `max_elapsed` (plus one request's own timeout), never
// later.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace hangar::objstore {

struct RetryPolicy {
  int max_attempts = 6;                            // the first one included
  std::chrono::milliseconds initial_backoff{100};  // the cap of the first wait
  std::chrono::milliseconds max_backoff{2000};     // the cap never grows past this
  std::chrono::milliseconds max_elapsed{15000};    // no attempt starts after this
};

// The waits of one request's attempts.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);

  // The wait before the next attempt, or a negative duration when the policy
  // allows none: attempts or time are used up (the wait itself would end
  // past `max_elapsed`).
  std::chrono::milliseconds Next();
  int attempts() const { return attempts_; }

 private:
  RetryPolicy policy_;
  std::chrono::steady_clock::time_point start_;
  int attempts_ = 1;
  std::minstd_rand random_;
};

}  // namespace hangar::objstore
