// One process per data directory.
//
// Two servers writing one data directory would each replay and truncate the
// other's write-ahead log and overwrite each other's manifests. `hangar serve`
// therefore holds an exclusive advisory lock (flock) on DIR/LOCK for as long
// as it runs; the kernel releases it when the process ends, however it ends,
// so a crash never leaves a stale lock behind. The file holds the holder's
// PID, which a refused second server names.
#pragma once

#include <filesystem>
#include <memory>

#include "base/status.h"

namespace hangar::store {

class DirectoryLock {
 public:
  // Takes the lock on `dir` (which must exist), or fails with
  // FailedPrecondition naming the PID that holds it.
  static Result<std::unique_ptr<DirectoryLock>> Acquire(const std::filesystem::path& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hangar::store
