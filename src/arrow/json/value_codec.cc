#include "arrow/json/value_codec.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace hangar::arrow::json {

namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A little-endian array of 32-bit limbs: the working form of a wide integer.
// Decimal256 needs 8 limbs; narrower decimals use a prefix.
constexpr int kMaxLimbs = 8;
using Limbs = std::array<uint32_t, kMaxLimbs>;

void LoadLimbs(const uint8_t* bytes, int n, Limbs* limbs) {
  for (int i = 0; i < n; ++i) {
    const uint8_t* p = bytes + 4 * i;
    (*limbs)[i] = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                  (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  }
}

void StoreLimbs(const Limbs& limbs, int n, uint8_t* bytes) {
  for (int i = 0; i < n; ++i) {
    uint8_t* p = bytes + 4 * i;
    p[0] = static_cast<uint8_t>(limbs[i]);
    p[1] = static_cast<uint8_t>(limbs[i] >> 8);
    p[2] = static_cast<uint8_t>(limbs[i] >> 16);
    p[3] = static_cast<uint8_t>(limbs[i] >> 24);
  }
}

// Two's complement negation in place.
void Negate(Limbs* limbs, int n) {
  uint64_t carry = 1;
  for (int i = 0; i < n; ++i) {
    uint64_t v = static_cast<uint64_t>(static_cast<uint32_t>(~(*limbs)[i])) + carry;
    (*limbs)[i] = static_cast<uint32_t>(v);
    carry = v >> 32;
  }
}

bool IsZero(const Limbs& limbs, int n) {
  for (int i = 0; i < n; ++i) {
    if (limbs[i] != 0) return false;
  }
  return true;
}

// Divides by `divisor` in place and returns the remainder.
uint32_t DivMod(Limbs* limbs, int n, uint32_t divisor) {
  uint64_t rem = 0;
  for (int i = n - 1; i >= 0; --i) {
    uint64_t cur = (rem << 32) | (*limbs)[i];
    (*limbs)[i] = static_cast<uint32_t>(cur / divisor);
    rem = cur % divisor;
  }
  return static_cast<uint32_t>(rem);
}

}  // namespace

std::string HexEncode(const uint8_t* data, int64_t size) {
  std::string out(static_cast<size_t>(size) * 2, '0');
  for (int64_t i = 0; i < size; ++i) {
    out[2 * i] = kHexDigits[data[i] >> 4];
    out[2 * i + 1] = kHexDigits[data[i] & 0xF];
  }
  return out;
}

std::string HexEncode(std::string_view bytes) {
  return HexEncode(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int64_t>(bytes.size()));
}

Status HexDecode(std::string_view hex, uint8_t* out) {
  if (hex.size() % 2 != 0) return Status::Invalid("hex string has odd length " + std::to_string(hex.size()));
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::Invalid("invalid hex character at position " + std::to_string(hi < 0 ? i : i + 1));
    }
    out[i / 2] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return Status::OK();
}

Status DecimalFromString(std::string_view text, int width, uint8_t* out) {
  if (width != 4 && width != 8 && width != 16 && width != 32) {
    return Status::Invalid("unsupported decimal width " + std::to_string(width));
  }
  const int n = width / 4;
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return Status::Invalid("'" + std::string(text) + "' is not an integer");
  Limbs limbs{};
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::Invalid("'" + std::string(text) + "' is not an integer");
    uint64_t carry = static_cast<uint64_t>(c - '0');
    for (int i = 0; i < n; ++i) {
      uint64_t v = static_cast<uint64_t>(limbs[i]) * 10 + carry;
      limbs[i] = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0) {
      return Status::Invalid("'" + std::string(text) + "' does not fit in " + std::to_string(8 * width) + " bits");
    }
  }
  // The magnitude must fit the signed range: below 2^(bits-1), or equal to it
  // for the most negative value.
  const bool top_bit = (limbs[n - 1] >> 31) != 0;
  if (top_bit) {
    bool is_min = limbs[n - 1] == 0x80000000u;
    for (int i = 0; i < n - 1 && is_min; ++i) is_min = limbs[i] == 0;
    if (!(negative && is_min)) {
      return Status::Invalid("'" + std::string(text) + "' does not fit in " + std::to_string(8 * width) + " bits");
    }
  }
  if (negative) Negate(&limbs, n);
  StoreLimbs(limbs, n, out);
  return Status::OK();
}

std::string DecimalToString(const uint8_t* bytes, int width) {
  const int n = width / 4;
  Limbs limbs{};
  LoadLimbs(bytes, n, &limbs);
  const bool negative = (limbs[n - 1] >> 31) != 0;
  // For the most negative value the negation is itself, which read as
  // unsigned is exactly the magnitude we want.
  if (negative) Negate(&limbs, n);
  std::string reversed;
  do {
    uint32_t chunk = DivMod(&limbs, n, 1000000000u);
    for (int d = 0; d < 9; ++d) {
      reversed.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
      if (chunk == 0 && IsZero(limbs, n)) break;
    }
  } while (!IsZero(limbs, n));
  if (negative) reversed.push_back('-');
  return std::string(reversed.rbegin(), reversed.rend());
}

Result<int64_t> ParseInt64(std::string_view text) {
  int64_t value = 0;
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
    return Status::Invalid("'" + std::string(text) + "' is not a 64-bit signed integer");
  }
  return value;
}

Result<uint64_t> ParseUInt64(std::string_view text) {
  uint64_t value = 0;
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
    return Status::Invalid("'" + std::string(text) + "' is not a 64-bit unsigned integer");
  }
  return value;
}

float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1F;
  const uint32_t mantissa = half & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // infinity or NaN (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);  // 112 = 127 - 15
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: value = mantissa * 2^-24, exactly representable as float.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(bits);
}

uint16_t FloatToHalf(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs_bits = bits & 0x7FFFFFFFu;
  if (abs_bits >= 0x7F800000u) {  // infinity or NaN
    if (abs_bits == 0x7F800000u) return sign | 0x7C00u;
    uint16_t payload = static_cast<uint16_t>((abs_bits >> 13) & 0x3FF);
    return sign | 0x7C00u | (payload != 0 ? payload : 0x200u);  // stay a NaN
  }
  if (abs_bits >= 0x477FF000u) return sign | 0x7C00u;  // rounds to beyond 65504
  if (abs_bits < 0x38800000u) {
    // Result is subnormal (or zero) in half precision: scale to units of
    // 2^-24 and round to nearest even; nearbyint uses the default rounding
    // mode, which is to-nearest-even.
    float magnitude = std::bit_cast<float>(abs_bits);
    float units = std::nearbyint(std::ldexp(magnitude, 24));
    return sign | static_cast<uint16_t>(units);  // 1024 rolls into the smallest normal
  }
  // Normal: rebias the exponent and round the 13 dropped mantissa bits.
  uint32_t half_bits = ((abs_bits >> 13) - (112u << 10));
  const uint32_t dropped = abs_bits & 0x1FFFu;
  if (dropped > 0x1000u || (dropped == 0x1000u && (half_bits & 1u))) ++half_bits;
  return sign | static_cast<uint16_t>(half_bits);
}

double FloatForPrinting(float value) {
  if (!std::isfinite(value)) return static_cast<double>(value);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) return static_cast<double>(value);
  double out = 0;
  auto parsed = std::from_chars(buf, end, out);
  if (parsed.ec != std::errc()) return static_cast<double>(value);
  return out;
}

bool IsValidUtf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace hangar::arrow::json
