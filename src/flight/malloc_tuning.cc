#include "flight/malloc_tuning.h"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace hangar::flight {

void TuneMallocForLargeMessages() {
  // Both constants are glibc's (malloc.h); other C libraries leave them out.
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace hangar::flight
