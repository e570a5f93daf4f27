#include "objstore/retry_policy.h"

#include <algorithm>

namespace hangar::objstore {

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), start_(std::chrono::steady_clock::now()), random_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::Next() {
  using std::chrono::milliseconds;
  if (attempts_ >= policy_.max_attempts) return milliseconds(-1);
  // The cap doubles with each attempt: 100 ms, 200 ms, 400 ms ... up to max_backoff.
  const int doublings = std::min(attempts_ - 1, 20);
  const int64_t cap = std::min<int64_t>(policy_.initial_backoff.count() << doublings, policy_.max_backoff.count());
  std::uniform_int_distribution<int64_t> draw(0, std::max<int64_t>(cap, 0));
  const milliseconds wait(draw(random_));
  const auto elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start_);
  if (elapsed + wait >= policy_.max_elapsed) return milliseconds(-1);
  ++attempts_;
  return wait;
}

}  // namespace hangar::objstore
