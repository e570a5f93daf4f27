#include "base/background_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hangar {

void RunInBackground() {
  // setpriority with PRIO_PROCESS and a thread id sets that one thread's
  // nice value on Linux (the man page's NOTES); raising it needs no privilege.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, kBackgroundNice);
}

}  // namespace hangar
