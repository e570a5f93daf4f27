// Byte streams for IPC: where messages come from and go to.
//
// Reading from memory is the fast path: BufferInputStream hands out slices of
// one buffer, so arrays decoded from it point into that buffer (zero-copy).
// File descriptors (stdin, sockets, files) are read into fresh buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "arrow/buffer.h"
#include "base/status.h"

namespace hangar::arrow::ipc {

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to `n` bytes; returns fewer only at end of stream.
  virtual Result<BufferPtr> Read(int64_t n) = 0;
  // Bytes consumed so far.
  virtual int64_t position() const = 0;
};

class BufferInputStream : public InputStream {
 public:
  explicit BufferInputStream(BufferPtr buffer) : buffer_(std::move(buffer)) {}
  Result<BufferPtr> Read(int64_t n) override;
  int64_t position() const override { return position_; }

 private:
  BufferPtr buffer_;
  int64_t position_ = 0;
};

// Does not own the descriptor.
class FdInputStream : public InputStream {
 public:
  explicit FdInputStream(int fd) : fd_(fd) {}
  Result<BufferPtr> Read(int64_t n) override;
  int64_t position() const override { return position_; }

 private:
  int fd_;
  int64_t position_ = 0;
};

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  virtual Status Write(const void* data, int64_t n) = 0;
  // Writes a buffer; streams that can keep a reference instead of copying may
  // override this.
  virtual Status Write(const BufferPtr& buffer) { return Write(buffer->data(), buffer->size()); }
  virtual int64_t position() const = 0;
  virtual Status Flush() { return Status::OK(); }
};

class StringOutputStream : public OutputStream {
 public:
  Status Write(const void* data, int64_t n) override {
    str_.append(static_cast<const char*>(data), static_cast<size_t>(n));
    return Status::OK();
  }
  using OutputStream::Write;
  int64_t position() const override { return static_cast<int64_t>(str_.size()); }
  std::string& str() { return str_; }
  // Moves the bytes out as a Buffer.
  BufferPtr Finish() { return Buffer::FromString(std::move(str_)); }

 private:
  std::string str_;
};

// Does not own the descriptor. Retries short writes and EINTR.
class FdOutputStream : public OutputStream {
 public:
  explicit FdOutputStream(int fd) : fd_(fd) {}
  Status Write(const void* data, int64_t n) override;
  using OutputStream::Write;
  int64_t position() const override { return position_; }

 private:
  int fd_;
  int64_t position_ = 0;
};

// Maps (or reads) a whole file into memory; the Buffer keeps the mapping alive.
Result<BufferPtr> ReadWholeFile(const std::string& path);
// Reads everything from a descriptor until end of file.
Result<BufferPtr> ReadAllFromFd(int fd);
Status WriteWholeFile(const std::string& path, std::string_view bytes);

}  // namespace hangar::arrow::ipc
