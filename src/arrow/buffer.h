// Buffers: contiguous bytes shared between arrays without copying.
//
// A Buffer is a (pointer, size) view plus an `owner` that keeps the memory
// alive. Slicing a buffer, or pointing an array into a received IPC message,
// shares the owner instead of copying bytes: this is what makes reading IPC
// zero-copy. Memory that Hangar allocates is 64-byte aligned and its size is
// padded to a multiple of 64 with zeros, as the Arrow format recommends.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hangar::arrow {

inline constexpr int64_t kBufferAlignment = 64;

// Rounds `n` up to a multiple of `to` (a power of two).
inline constexpr int64_t RoundUp(int64_t n, int64_t to) { return (n + to - 1) & ~(to - 1); }

class Buffer;
using BufferPtr = std::shared_ptr<const Buffer>;

class Buffer {
 public:
  // A view of `size` bytes at `data`, kept alive by `owner` (may be null for
  // static memory).
  Buffer(const uint8_t* data, int64_t size, std::shared_ptr<const void> owner)
      : data_(data), size_(size), owner_(std::move(owner)) {}

  const uint8_t* data() const { return data_; }
  int64_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), static_cast<size_t>(size_)}; }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // A view of [offset, offset + length) sharing this buffer's owner. The
  // caller guarantees the range is inside the buffer.
  BufferPtr Slice(int64_t offset, int64_t length) const;

  // Copies `bytes` into a new aligned, zero-padded buffer.
  static BufferPtr CopyOf(std::string_view bytes);
  // Wraps a string without copying its bytes.
  static BufferPtr FromString(std::string bytes);

  bool Equals(const Buffer& other) const {
    return size_ == other.size_ && (size_ == 0 || std::memcmp(data_, other.data_, size_) == 0);
  }

 private:
  const uint8_t* data_;
  int64_t size_;
  std::shared_ptr<const void> owner_;
};

// A growable, 64-byte aligned byte region; the unit builders write into.
// Finish() hands the bytes over as an immutable Buffer without copying.
class MutableBuffer {
 public:
  MutableBuffer() = default;
  explicit MutableBuffer(int64_t capacity) { Reserve(capacity); }
  MutableBuffer(const MutableBuffer&) = delete;
  MutableBuffer& operator=(const MutableBuffer&) = delete;
  MutableBuffer(MutableBuffer&&) noexcept;
  MutableBuffer& operator=(MutableBuffer&&) noexcept;
  ~MutableBuffer();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }

  // Ensures capacity for `n` bytes in total; new bytes are zeroed.
  void Reserve(int64_t n);
  // Sets the size, growing (zero-filled) or shrinking.
  void Resize(int64_t n);
  void Append(const void* bytes, int64_t n) {
    if (size_ + n > capacity_) Reserve(GrowTo(size_ + n));
    if (n > 0) std::memcpy(data_ + size_, bytes, static_cast<size_t>(n));
    size_ += n;
  }
  template <typename T>
  void AppendValue(const T& value) {
    Append(&value, sizeof(T));
  }
  void Clear() { size_ = 0; }

  // Moves the bytes into an immutable Buffer of size() bytes (the padding up
  // to a multiple of 64 stays zeroed). Leaves this empty.
  BufferPtr Finish();

 private:
  int64_t GrowTo(int64_t needed) const { return needed > 2 * capacity_ ? needed : 2 * capacity_; }

  uint8_t* data_ = nullptr;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

// Allocates `size` zeroed bytes, 64-byte aligned and padded.
BufferPtr AllocateBuffer(int64_t size, uint8_t** mutable_data);
// The same for a caller that writes all `size` bytes itself: only the padding
// is zeroed, which spares a pass over memory about to be overwritten.
BufferPtr AllocateBufferForOverwrite(int64_t size, uint8_t** mutable_data);

// Element i of a little-endian array of T at `p`, read without assuming the
// pointer is aligned for T (buffers from the wire or from C callers may not be).
template <typename T>
T LoadValue(const uint8_t* p, int64_t i) {
  T v;
  std::memcpy(&v, p + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

// --- Bitmaps (LSB numbering, as in the Arrow format) ---------------------------
namespace bit {
inline bool Get(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void Set(uint8_t* bits, int64_t i) { bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7)); }
inline void Clear(uint8_t* bits, int64_t i) { bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7))); }
inline void SetTo(uint8_t* bits, int64_t i, bool v) { v ? Set(bits, i) : Clear(bits, i); }
inline int64_t BytesFor(int64_t bits) { return (bits + 7) / 8; }
// Number of set bits in [offset, offset + length).
int64_t CountSet(const uint8_t* bits, int64_t offset, int64_t length);
// Copies `length` bits from src at src_offset to dst at dst_offset.
void Copy(const uint8_t* src, int64_t src_offset, int64_t length, uint8_t* dst, int64_t dst_offset);
}  // namespace bit

}  // namespace hangar::arrow
