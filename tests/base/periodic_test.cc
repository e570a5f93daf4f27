// Periodic: work every interval, at once when asked, and a prompt stop.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/periodic.h"

namespace hangar {
namespace {

using namespace std::chrono_literals;

TEST(Periodic, RunsEveryIntervalUntilStopped) {
  std::atomic<int> runs = 0;
  Periodic periodic(10ms, [&] { ++runs; });
  while (runs < 3) std::this_thread::sleep_for(1ms);
  periodic.Stop();
  const int after_stop = runs;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs, after_stop);
  periodic.Stop();  // idempotent
}

TEST(Periodic, RunsAtStartWhenAskedAndStopsWithoutWaitingOutTheInterval) {
  std::atomic<int> runs = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    Periodic periodic(
        1h, [&] { ++runs; }, true);
    while (runs < 1) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(runs, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Periodic, LongWorkSeesTheStop) {
  std::atomic<bool> saw_stop = false;
  std::atomic<bool> started = false;
  std::atomic<Periodic*> self = nullptr;
  Periodic periodic(1ms, [&] {
    while (self.load() == nullptr) std::this_thread::sleep_for(1ms);
    started = true;
    while (!self.load()->stopping()) std::this_thread::sleep_for(1ms);
    saw_stop = true;
  });
  self = &periodic;
  while (!started) std::this_thread::sleep_for(1ms);
  periodic.Stop();
  EXPECT_TRUE(saw_stop);
}

}  // namespace
}  // namespace hangar
