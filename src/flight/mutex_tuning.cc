#include "flight/mutex_tuning.h"

#include <absl/synchronization/mutex.h>

namespace hangar::flight {

void DisableMutexDeadlockDetection() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace hangar::flight
