#include "arrow/memo_table.h"

#include <cstring>

namespace hangar::arrow {

namespace {

constexpr size_t kInitialSlots = 64;

// The 64-bit finalizer of MurmurHash3: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

}  // namespace

BytesMemoTable::BytesMemoTable() : slots_(kInitialSlots) {}

uint64_t BytesMemoTable::Hash(std::string_view value) {
  // Eight bytes at a time; dictionary values are mostly short.
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (static_cast<uint64_t>(value.size()) * 0x100000001b3ull);
  const char* p = value.data();
  size_t n = value.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ Mix(word)) * 0x9e3779b97f4a7c15ull;
  }
  if (n > 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = (h ^ Mix(word)) * 0x9e3779b97f4a7c15ull;
  }
  return Mix(h);
}

size_t BytesMemoTable::Probe(std::string_view value, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.index < 0) return i;
    if (s.hash == hash && this->value(s.index) == value) return i;
  }
}

void BytesMemoTable::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.index < 0) continue;
    size_t i = static_cast<size_t>(s.hash) & mask;
    while (slots_[i].index >= 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

int64_t BytesMemoTable::GetOrInsert(std::string_view value, int64_t limit, bool* inserted) {
  const uint64_t hash = Hash(value);
  size_t i = Probe(value, hash);
  if (slots_[i].index >= 0) {
    *inserted = false;
    return slots_[i].index;
  }
  *inserted = false;
  if (size() >= limit) return -1;
  if (static_cast<size_t>(size() + 1) * 2 > slots_.size()) {
    Grow();
    i = Probe(value, hash);
  }
  const int64_t index = size();
  data_.append(value.data(), value.size());
  ends_.push_back(static_cast<int64_t>(data_.size()));
  slots_[i] = Slot{hash, index};
  *inserted = true;
  return index;
}

int64_t BytesMemoTable::Find(std::string_view value) const {
  const Slot& s = slots_[Probe(value, Hash(value))];
  return s.index;
}

void BytesMemoTable::Clear() {
  slots_.assign(kInitialSlots, Slot{});
  data_.clear();
  ends_.clear();
}

}  // namespace hangar::arrow
