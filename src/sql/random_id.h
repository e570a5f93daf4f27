// Handles nobody can guess: prepared statements, query runs, sessions.
#pragma once

#include <openssl/rand.h>

#include <string>

namespace hangar::sql {

// 128 random bits in hex.
inline std::string RandomId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

}  // namespace hangar::sql
