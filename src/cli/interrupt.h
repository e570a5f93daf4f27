// Ctrl-C for commands that must stop something cleanly rather than die:
// while an InterruptWatch lives, SIGINT (and SIGTERM if asked) no longer
// end the process; each one runs the watch's callback on a thread of its own, where
// it may make calls (CancelFlightInfo) and cancel streams that the main
// thread is blocked on. One watch at a time.
#pragma once

#include <functional>
#include <thread>

namespace hangar::cli {

class InterruptWatch {
 public:
  InterruptWatch(std::function<void()> on_interrupt, bool sigterm_too);
  ~InterruptWatch();  // the previous handlers come back
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  std::function<void()> on_interrupt_;
  bool sigterm_too_;
  std::thread thread_;
};

}  // namespace hangar::cli
