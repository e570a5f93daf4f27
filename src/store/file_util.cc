#include "store/file_util.h"

#include "store/crash_point.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace hangar::store {

Status IoError(std::string_view what, const fs::path& path, int err) {
  // A full disk is the client's business too (it can wait or free space);
  // the path stays in the server's log only.
  if (err == ENOSPC || err == EDQUOT)
    return Status::ResourceExhausted("the server's data directory is full (no space left on device)");
  return Status::IOError(std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

std::string UniqueId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

namespace {

// An fd closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close(2) can report a deferred write error: callers that wrote check it.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status FsyncPath(const fs::path& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open", path, errno);
  if (::fsync(fd.get()) != 0) return IoError("cannot fsync", path, errno);
  return Status::OK();
}

}  // namespace

Status FsyncFile(const fs::path& path) { return FsyncPath(path, O_RDONLY); }
Status FsyncDirectory(const fs::path& dir) { return FsyncPath(dir, O_RDONLY | O_DIRECTORY); }

Status SyncFilePaced(int fd, const fs::path& path, int64_t step) {
  // A background writer (the memtable flush, compaction, a read copy) leaves
  // tens of MB dirty in the page cache; one fsync hands all of it to the
  // disk at once, and the log's fdatasync of a few KB, issued meanwhile,
  // waits behind that queue (20-40 ms measured, against ~0.3 ms alone).
  // Written back one step at a time, each step finished before the next is
  // started, the disk holds at most one step of the file ahead of the log,
  // and the closing fsync finds little more than the metadata left. The
  // step trades the log's wait against the writer's speed: 128 KiB to 1 MiB
  // measured alike for the log (bench_ingest), smaller steps write slower.
  // (sync_file_range makes nothing durable by itself: no metadata, no
  // flush of the disk's cache; the fsync does.)
  struct stat st;
  if (::fstat(fd, &st) != 0) return IoError("cannot stat", path, errno);
  constexpr unsigned kFlags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  step = std::max<int64_t>(step, 4096);
  for (off_t offset = 0; offset < st.st_size; offset += step) {
    if (::sync_file_range(fd, offset, step, kFlags) == 0) continue;
    // Some file systems (and some kernels) have no sync_file_range: the
    // fsync below then writes everything, as it did before.
    if (errno == ENOSYS || errno == EINVAL || errno == ESPIPE) break;
    return IoError("cannot write back", path, errno);
  }
  if (::fsync(fd) != 0) return IoError("cannot fsync", path, errno);
  return Status::OK();
}

Status SyncFilePaced(const fs::path& path, int64_t step) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open", path, errno);
  return SyncFilePaced(fd.get(), path, step);
}

Status WriteAll(int fd, std::string_view bytes, std::string_view failure, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(failure, path, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status AppendToFile(const fs::path& path, std::string_view bytes, bool sync, std::string_view what) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) return IoError("cannot open " + std::string(what), path, errno);
  const bool created = ::lseek(fd.get(), 0, SEEK_END) == 0;
  HANGAR_RETURN_NOT_OK(WriteAll(fd.get(), bytes, "cannot write " + std::string(what), path));
  if (!sync) return Status::OK();
  if (::fsync(fd.get()) != 0) return IoError("cannot sync " + std::string(what), path, errno);
  return created ? FsyncDirectory(path.parent_path()) : Status::OK();
}

Status CheckWritable(const fs::path& dir) {
  // (A probe left by a crash is appended to, then removed all the same.)
  const fs::path probe = dir / ".write-probe";
  HANGAR_RETURN_NOT_OK(AppendToFile(probe, "probe", true, "the write probe"));
  return RemoveAll(probe);
}

uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  uLong value = crc;
  // zlib takes lengths as uInt: big inputs go in pieces.
  while (!bytes.empty()) {
    const size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    value = crc32(value, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(value);
}

uint32_t Crc32Combine(uint32_t first, uint32_t second, int64_t second_length) {
  return static_cast<uint32_t>(crc32_combine(first, second, static_cast<z_off_t>(second_length)));
}

Status WriteFileAtomic(const fs::path& path, std::string_view contents) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return IoError("cannot create", tmp, errno);
    if (Status st = WriteAll(fd.get(), contents, "cannot write", tmp); !st.ok()) {
      ::unlink(tmp.c_str());
      return st;
    }
    if (::fsync(fd.get()) != 0 || fd.Close() != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return IoError("cannot fsync", tmp, err);
    }
  }
  CrashPoint("manifest-written");
  return DurableRename(tmp, path);
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open", path, errno);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status DurableRename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return IoError("cannot rename " + from.string() + " to", to, errno);
  HANGAR_RETURN_NOT_OK(FsyncDirectory(to.parent_path()));
  if (from.parent_path() != to.parent_path()) HANGAR_RETURN_NOT_OK(FsyncDirectory(from.parent_path()));
  return Status::OK();
}

Status CreateDirectories(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create directory", dir, ec.value());
  return Status::OK();
}

Status RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return IoError("cannot remove", path, ec.value());
  return Status::OK();
}

}  // namespace hangar::store
