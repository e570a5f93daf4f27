#include "flight/malloc_tuning.h"

#include <cstdlib>

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace hangar::flight {

void TuneMallocForLargeMessages() {
  // Both constants are glibc's (malloc.h); other C libraries leave them out.
  // Whoever tunes glibc through its environment keeps their settings.
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 16 << 20);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace hangar::flight
