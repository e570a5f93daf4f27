#include "arrow/buffer.h"

#include <bit>
#include <cstdlib>
#include <new>

namespace hangar::arrow {

namespace {

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};

// Zeroes [zero_from, padded size).
uint8_t* AllocateAligned(int64_t size, int64_t zero_from = 0) {
  int64_t padded = RoundUp(size > 0 ? size : 1, kBufferAlignment);
  void* p = std::aligned_alloc(kBufferAlignment, static_cast<size_t>(padded));
  if (p == nullptr) throw std::bad_alloc();  // out of memory is fatal, as in the STL
  std::memset(static_cast<uint8_t*>(p) + zero_from, 0, static_cast<size_t>(padded - zero_from));
  return static_cast<uint8_t*>(p);
}

}  // namespace

BufferPtr Buffer::Slice(int64_t offset, int64_t length) const {
  return std::make_shared<const Buffer>(data_ + offset, length, owner_);
}

BufferPtr Buffer::CopyOf(std::string_view bytes) {
  uint8_t* data = nullptr;
  auto buf = AllocateBuffer(static_cast<int64_t>(bytes.size()), &data);
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return buf;
}

BufferPtr Buffer::FromString(std::string bytes) {
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  return std::make_shared<const Buffer>(reinterpret_cast<const uint8_t*>(owner->data()),
                                        static_cast<int64_t>(owner->size()), owner);
}

namespace {

BufferPtr Allocate(int64_t size, int64_t zero_from, uint8_t** mutable_data) {
  uint8_t* p = AllocateAligned(size, zero_from);
  std::shared_ptr<uint8_t> owner(p, AlignedFree());
  *mutable_data = p;
  return std::make_shared<const Buffer>(p, size, std::move(owner));
}

}  // namespace

BufferPtr AllocateBuffer(int64_t size, uint8_t** mutable_data) { return Allocate(size, 0, mutable_data); }

BufferPtr AllocateBufferForOverwrite(int64_t size, uint8_t** mutable_data) {
  return Allocate(size, size, mutable_data);
}

MutableBuffer::MutableBuffer(MutableBuffer&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
}

MutableBuffer& MutableBuffer::operator=(MutableBuffer&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  return *this;
}

MutableBuffer::~MutableBuffer() { std::free(data_); }

void MutableBuffer::Reserve(int64_t n) {
  if (n <= capacity_) return;
  int64_t padded = RoundUp(n, kBufferAlignment);
  uint8_t* p = AllocateAligned(padded);
  if (size_ > 0) std::memcpy(p, data_, static_cast<size_t>(size_));
  std::free(data_);
  data_ = p;
  capacity_ = padded;
}

void MutableBuffer::Resize(int64_t n) {
  if (n > capacity_) Reserve(GrowTo(n));
  if (n < size_) std::memset(data_ + n, 0, static_cast<size_t>(size_ - n));
  size_ = n;
}

BufferPtr MutableBuffer::Finish() {
  if (data_ == nullptr) Reserve(kBufferAlignment);
  // Zero the tail so the padding written to IPC is deterministic.
  if (capacity_ > size_) std::memset(data_ + size_, 0, static_cast<size_t>(capacity_ - size_));
  std::shared_ptr<uint8_t> owner(data_, AlignedFree());
  auto buf = std::make_shared<const Buffer>(data_, size_, std::move(owner));
  data_ = nullptr;
  size_ = capacity_ = 0;
  return buf;
}

namespace bit {

// With the popcnt instruction where the CPU has it: the generic std::popcount
// is several times slower, and null counts are checked on every read.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
int64_t
CountSet(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t i = offset;
  const int64_t end = offset + length;
  for (; i < end && (i & 63) != 0; ++i) count += Get(bits, i);
  for (; i + 64 <= end; i += 64) {
    uint64_t word;
    std::memcpy(&word, bits + (i >> 3), 8);
    count += std::popcount(word);
  }
  for (; i < end; ++i) count += Get(bits, i);
  return count;
}

void Copy(const uint8_t* src, int64_t src_offset, int64_t length, uint8_t* dst, int64_t dst_offset) {
  if ((src_offset & 7) == 0 && (dst_offset & 7) == 0) {
    int64_t whole = length / 8;
    std::memcpy(dst + dst_offset / 8, src + src_offset / 8, static_cast<size_t>(whole));
    for (int64_t i = whole * 8; i < length; ++i) SetTo(dst, dst_offset + i, Get(src, src_offset + i));
    return;
  }
  for (int64_t i = 0; i < length; ++i) SetTo(dst, dst_offset + i, Get(src, src_offset + i));
}

}  // namespace bit

}  // namespace hangar::arrow
