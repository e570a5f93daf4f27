#include "arrow/ipc/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hangar::arrow::ipc {

namespace {

Status ErrnoStatus(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

// Closes a descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Owns an mmap'ed region; the Buffer over it shares this.
class Mapping {
 public:
  Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { ::munmap(addr_, size_); }

 private:
  void* addr_;
  size_t size_;
};

}  // namespace

Result<BufferPtr> BufferInputStream::Read(int64_t n) {
  if (n < 0) return Status::Invalid("negative read size " + std::to_string(n));
  int64_t available = buffer_->size() - position_;
  int64_t take = n < available ? n : available;
  auto out = buffer_->Slice(position_, take);
  position_ += take;
  return out;
}

Result<BufferPtr> FdInputStream::Read(int64_t n) {
  if (n < 0) return Status::Invalid("negative read size " + std::to_string(n));
  // `n` usually comes from a length prefix the peer wrote: grow the buffer as
  // bytes actually arrive instead of trusting it, so a 12-byte message
  // claiming a 2 GiB body costs nothing.
  constexpr int64_t kFirstChunk = int64_t{1} << 20;
  MutableBuffer buf;
  int64_t got = 0;
  while (got < n) {
    if (got == buf.size()) buf.Resize(std::min(n, std::max(kFirstChunk, 2 * got)));
    ssize_t r = ::read(fd_, buf.data() + got, static_cast<size_t>(buf.size() - got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read");
    }
    if (r == 0) break;
    got += r;
  }
  buf.Resize(got);
  position_ += got;
  return buf.Finish();
}

Status FdOutputStream::Write(const void* data, int64_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, static_cast<size_t>(n));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write");
    }
    p += w;
    n -= w;
    position_ += w;
  }
  return Status::OK();
}

Result<BufferPtr> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open '" + path + "'");
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat '" + path + "'");
  if (!S_ISREG(st.st_mode)) return ReadAllFromFd(fd);
  if (st.st_size == 0) return Buffer::CopyOf("");
  void* addr = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) return ErrnoStatus("cannot map '" + path + "'");
  auto mapping = std::make_shared<const Mapping>(addr, static_cast<size_t>(st.st_size));
  return std::make_shared<const Buffer>(static_cast<const uint8_t*>(addr), st.st_size, mapping);
}

Result<BufferPtr> ReadAllFromFd(int fd) {
  MutableBuffer buf;
  int64_t size = 0;
  for (;;) {
    if (buf.capacity() - size < 65536) buf.Reserve(buf.capacity() * 2 + 65536);
    buf.Resize(buf.capacity());
    ssize_t r = ::read(fd, buf.data() + size, static_cast<size_t>(buf.capacity() - size));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read");
    }
    if (r == 0) break;
    size += r;
  }
  buf.Resize(size);
  return buf.Finish();
}

Status WriteWholeFile(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create '" + path + "'");
  FdCloser closer{fd};
  FdOutputStream out(fd);
  return out.Write(bytes.data(), static_cast<int64_t>(bytes.size()));
}

}  // namespace hangar::arrow::ipc
