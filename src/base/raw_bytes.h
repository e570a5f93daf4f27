// Fixed-width values in byte strings, in the machine's order (little-endian
// on every platform Hangar builds for): the record headers of Hangar's own
// files (the write-ahead log, the idempotency key files).
#pragma once

#include <cstring>
#include <string>
#include <type_traits>

namespace hangar {

template <typename T>
requires std::is_trivially_copyable_v<T>
void PutRaw(std::string& out, T value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }

template <typename T>
requires std::is_trivially_copyable_v<T> T GetRaw(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

}  // namespace hangar
