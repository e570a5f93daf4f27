// Avro's int and long encoding: a zigzag varint of at most 10 bytes. Shared
// by the record decoder, the encoder and the container file's framing.
#pragma once

#include <cstdint>

namespace hangar::avro {

enum class VarintResult { kOk, kTruncated, kTooLong };

// Reads one zigzag varint from [*pos, end), advancing *pos past it.
inline VarintResult ReadLong(const uint8_t** pos, const uint8_t* end, int64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= end) return VarintResult::kTruncated;
    const uint8_t b = *(*pos)++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));  // zigzag
      return VarintResult::kOk;
    }
  }
  return VarintResult::kTooLong;
}

// Appends `v` as a zigzag varint.
template <typename Out>
inline void WriteLong(int64_t v, Out* out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

}  // namespace hangar::avro
