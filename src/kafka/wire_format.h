// The Confluent wire format of a message value: a zero magic byte, the
// schema's registry id as a 4-byte big-endian integer, then the Avro datum.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hangar::kafka {

constexpr size_t kWireHeaderSize = 5;

// Splits `payload` into schema id and datum; false if it is not framed so
// (too short, or another magic byte).
inline bool ParseWireFormat(std::string_view payload, int32_t* schema_id, std::string_view* datum) {
  if (payload.size() < kWireHeaderSize || payload[0] != 0) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(payload.data());
  *schema_id = static_cast<int32_t>((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4]);
  *datum = payload.substr(kWireHeaderSize);
  return true;
}

inline void AppendWireHeader(int32_t schema_id, std::string* out) {
  const auto id = static_cast<uint32_t>(schema_id);
  const char header[kWireHeaderSize] = {0, static_cast<char>(id >> 24), static_cast<char>(id >> 16),
                                        static_cast<char>(id >> 8), static_cast<char>(id)};
  out->append(header, kWireHeaderSize);
}

}  // namespace hangar::kafka
