#include "store/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hangar::store {

Result<std::unique_ptr<DirectoryLock>> DirectoryLock::Acquire(const std::filesystem::path& dir) {
  const std::string path = (dir / "LOCK").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::IOError("cannot open the data directory's lock file: " + std::string(std::strerror(errno)));
  std::unique_ptr<DirectoryLock> lock(new DirectoryLock(fd));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK)
      return Status::IOError("cannot lock the data directory: " + std::string(std::strerror(err)));
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::FailedPrecondition("the data directory is in use by another hangar serve" +
                                      (holder.empty() ? std::string() : " (PID " + holder + ")"));
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size()))
    return Status::IOError("cannot write the data directory's lock file: " + std::string(std::strerror(errno)));
  return lock;
}

DirectoryLock::~DirectoryLock() { ::close(fd_); }  // closing releases the lock

}  // namespace hangar::store
