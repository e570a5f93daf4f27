// A background thread that does one piece of work every interval until it
// is stopped: the shape of the readiness probe, the compactor and the like.
// Stopping wakes the thread at once (no waiting out the interval) and waits
// for a run under way; long work checks stopping() between its steps.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hangar {

class Periodic {
 public:
  // The first run comes one interval after the start, or at once with
  // `run_at_start`.
  Periodic(std::chrono::milliseconds interval, std::function<void()> work, bool run_at_start = false);
  ~Periodic();  // Stop()
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Ends the thread after the run under way, if any. Idempotent; not from `work`.
  void Stop();
  bool stopping() const { return stopping_.load(); }

 private:
  const std::chrono::milliseconds interval_;
  const std::function<void()> work_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

}  // namespace hangar
