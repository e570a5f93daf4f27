#include "store/crash_point.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace hangar::store {

void CrashPoint(const char* name) {
  static const char* const target = std::getenv("HANGAR_CRASH_POINT");
  static const char* const skip_text = std::getenv("HANGAR_CRASH_POINT_SKIP");
  static const long skip = skip_text != nullptr ? std::atol(skip_text) : 0;
  static std::atomic<long> passed{0};
  if (target == nullptr || std::strcmp(target, name) != 0) return;
  if (passed.fetch_add(1) >= skip) _exit(137);  // 128 + SIGKILL, as a kill -9 reports
}

}  // namespace hangar::store
