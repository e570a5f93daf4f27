#include "arrow/pretty_print.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "arrow/array_access.h"

namespace hangar::arrow {

namespace {

// Nested lists and maps longer than twice this print their ends around "...".
constexpr int64_t kNestedWindow = 10;
// Most text one value may produce (FormatValue) and one array (PrettyPrint).
constexpr size_t kValueLimit = 64 * 1024;
constexpr size_t kArrayLimit = 4 * 1024 * 1024;

template <typename T>
T Load(const Array& a, int64_t i) {
  T v;
  std::memcpy(&v, a.buffers[1]->data() + (a.offset + i) * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

template <typename F>
std::string ShortestFloat(F v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

float HalfToFloat(uint16_t h) {
  const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(frac), -24);
  else if (exp == 31) v = frac ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(frac | 0x400), exp - 25);
  return sign ? -v : v;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Hex(std::string_view s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Proleptic Gregorian civil date of a day count since 1970-01-01.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t UnitsPerSecond(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return 1;
    case TimeUnit::kMilli: return 1000;
    case TimeUnit::kMicro: return 1000000;
    default: return 1000000000;
  }
}

int UnitDigits(TimeUnit u) { return u == TimeUnit::kSecond ? 0 : u == TimeUnit::kMilli ? 3 : u == TimeUnit::kMicro ? 6 : 9; }

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

// "HH:MM:SS[.fraction]" of `value` units since midnight (or since a day start).
std::string FormatTimeOfDay(int64_t value, TimeUnit unit) {
  const int64_t per_second = UnitsPerSecond(unit);
  int64_t seconds = FloorDiv(value, per_second);
  int64_t fraction = value % per_second;
  if (fraction < 0) fraction += per_second;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  std::string out = buf;
  if (unit != TimeUnit::kSecond) {
    std::snprintf(buf, sizeof buf, ".%0*lld", UnitDigits(unit), static_cast<long long>(fraction));
    out += buf;
  }
  return out;
}

std::string FormatTimestamp(int64_t value, TimeUnit unit, const std::string& tz) {
  const int64_t per_day = UnitsPerSecond(unit) * 86400;
  // value % per_day, not value - days * per_day: the product overflows near INT64_MIN.
  int64_t time_of_day = value % per_day;
  if (time_of_day < 0) time_of_day += per_day;
  std::string out = FormatDate(FloorDiv(value, per_day)) + " " + FormatTimeOfDay(time_of_day, unit);
  if (!tz.empty()) out += (tz == "UTC" || tz == "Etc/UTC" || tz == "+00:00" || tz == "Z") ? "Z" : " " + tz;
  return out;
}

}  // namespace

std::string FormatDecimal(const uint8_t* value, int bytes, int32_t scale) {
  // Magnitude as little-endian 32-bit words, then repeated division by 10.
  const int words = bytes / 4;
  uint32_t w[8];
  std::memcpy(w, value, static_cast<size_t>(bytes));
  const bool negative = (w[words - 1] >> 31) & 1;
  if (negative) {  // two's complement negate
    uint64_t carry = 1;
    for (int k = 0; k < words; ++k) {
      uint64_t v = static_cast<uint64_t>(~w[k]) + carry;
      w[k] = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
  }
  std::string digits;
  for (;;) {
    bool zero = true;
    uint64_t rem = 0;
    for (int k = words - 1; k >= 0; --k) {
      uint64_t cur = (rem << 32) | w[k];
      w[k] = static_cast<uint32_t>(cur / 10);
      rem = cur % 10;
      if (w[k]) zero = false;
    }
    digits += static_cast<char>('0' + rem);
    if (zero) break;
  }
  if (scale > 100 || scale < -100) {
    // An absurd scale (from hostile metadata) would pad gigabytes of zeros:
    // print the unscaled value with an exponent instead.
    std::string out = negative ? "-" : "";
    out.append(digits.rbegin(), digits.rend());
    return out + "e" + std::to_string(-static_cast<int64_t>(scale));
  }
  if (scale > 0) {
    while (static_cast<int32_t>(digits.size()) <= scale) digits += '0';
    digits.insert(static_cast<size_t>(scale), ".");
  } else if (scale < 0) {
    digits.insert(0, static_cast<size_t>(-scale), '0');
  }
  if (negative) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

namespace {

// Appends slot i of `a` to `out`, stopping once `out` reaches `limit` bytes:
// nesting multiplies what one slot can print, so the budget bounds it.
void AppendValue(std::string& out, const Array& a, int64_t i, size_t limit) {
  if (out.size() >= limit) return;
  const DataType& t = *a.type;
  switch (t.id()) {
    case TypeId::kSparseUnion: case TypeId::kDenseUnion: {
      int child;
      int64_t row;
      UnionSlot(a, i, &child, &row);
      return AppendValue(out, *a.children[child], row, limit);
    }
    case TypeId::kRunEndEncoded:
      return AppendValue(out, *a.children[1], RunEndValueIndex(a, i), limit);
    default: break;
  }
  if (!a.IsValid(i)) {
    out += "null";
    return;
  }
  switch (t.id()) {
    case TypeId::kBool: out += bit::Get(a.buffers[1]->data(), a.offset + i) ? "true" : "false"; return;
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64:
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32:
      out += std::to_string(LoadInteger(a, a.offset + i));
      return;
    case TypeId::kUInt64: out += std::to_string(Load<uint64_t>(a, i)); return;
    case TypeId::kFloat16: out += ShortestFloat(HalfToFloat(Load<uint16_t>(a, i))); return;
    case TypeId::kFloat32: out += ShortestFloat(Load<float>(a, i)); return;
    case TypeId::kFloat64: out += ShortestFloat(Load<double>(a, i)); return;
    case TypeId::kUtf8: case TypeId::kLargeUtf8: case TypeId::kUtf8View: out += Quote(BinaryValue(a, i)); return;
    case TypeId::kBinary: case TypeId::kLargeBinary: case TypeId::kBinaryView: case TypeId::kFixedSizeBinary:
      out += Hex(BinaryValue(a, i));
      return;
    case TypeId::kDecimal32: case TypeId::kDecimal64: case TypeId::kDecimal128: case TypeId::kDecimal256: {
      const int bytes = t.bit_width() / 8;
      out += FormatDecimal(a.buffers[1]->data() + (a.offset + i) * bytes, bytes, t.scale());
      return;
    }
    case TypeId::kDate32: out += FormatDate(Load<int32_t>(a, i)); return;
    case TypeId::kDate64: out += FormatDate(FloorDiv(Load<int64_t>(a, i), 86400000)); return;
    case TypeId::kTime32: out += FormatTimeOfDay(Load<int32_t>(a, i), t.unit()); return;
    case TypeId::kTime64: out += FormatTimeOfDay(Load<int64_t>(a, i), t.unit()); return;
    case TypeId::kTimestamp: out += FormatTimestamp(Load<int64_t>(a, i), t.unit(), t.timezone()); return;
    case TypeId::kDuration: out += std::to_string(Load<int64_t>(a, i)) + std::string(TimeUnitName(t.unit())); return;
    case TypeId::kIntervalYearMonth: out += std::to_string(Load<int32_t>(a, i)) + "M"; return;
    case TypeId::kIntervalDayTime: {
      int32_t v[2];
      std::memcpy(v, a.buffers[1]->data() + (a.offset + i) * 8, 8);
      out += std::to_string(v[0]) + "d" + std::to_string(v[1]) + "ms";
      return;
    }
    case TypeId::kIntervalMonthDayNano: {
      const uint8_t* p = a.buffers[1]->data() + (a.offset + i) * 16;
      int32_t months, days;
      int64_t nanos;
      std::memcpy(&months, p, 4);
      std::memcpy(&days, p + 4, 4);
      std::memcpy(&nanos, p + 8, 8);
      out += std::to_string(months) + "M" + std::to_string(days) + "d" + std::to_string(nanos) + "ns";
      return;
    }
    case TypeId::kList: case TypeId::kLargeList: case TypeId::kListView: case TypeId::kLargeListView:
    case TypeId::kFixedSizeList: {
      int64_t begin, end;
      ListRange(a, i, &begin, &end);
      out += "[";
      for (int64_t k = begin; k < end && out.size() < limit; ++k) {
        // Long nested lists are elided like top-level arrays: a list of nulls
        // can be billions long without a byte of data behind it.
        if (end - begin > 2 * kNestedWindow && k == begin + kNestedWindow) {
          out += ", ...";
          k = end - kNestedWindow - 1;
          continue;
        }
        if (k > begin) out += ", ";
        AppendValue(out, *a.children[0], k, limit);
      }
      out += "]";
      return;
    }
    case TypeId::kMap: {
      int64_t begin, end;
      ListRange(a, i, &begin, &end);
      const Array& entries = *a.children[0];
      out += "{";
      for (int64_t k = begin; k < end && out.size() < limit; ++k) {
        if (end - begin > 2 * kNestedWindow && k == begin + kNestedWindow) {
          out += ", ...";
          k = end - kNestedWindow - 1;
          continue;
        }
        if (k > begin) out += ", ";
        AppendValue(out, *entries.children[0], entries.offset + k, limit);
        out += ": ";
        AppendValue(out, *entries.children[1], entries.offset + k, limit);
      }
      out += "}";
      return;
    }
    case TypeId::kStruct: {
      out += "{";
      for (size_t c = 0; c < a.children.size() && out.size() < limit; ++c) {
        if (c) out += ", ";
        out += t.child(c)->name() + ": ";
        AppendValue(out, *a.children[c], a.offset + i, limit);
      }
      out += "}";
      return;
    }
    case TypeId::kDictionary:
      return AppendValue(out, *a.dictionary, DictionaryIndex(a, i), limit);
    default: out += "?"; return;
  }
}

}  // namespace

std::string FormatValue(const Array& a, int64_t i) {
  std::string out;
  AppendValue(out, a, i, kValueLimit);
  return out;
}


std::string PrettyPrint(const Array& a, const PrettyPrintOptions& options) {
  std::string out = "[";
  const int64_t w = options.window;
  for (int64_t i = 0; i < a.length; ++i) {
    if (w > 0 && a.length > 2 * w && i == w) {
      out += ", ...";
      i = a.length - w - 1;
      continue;
    }
    if (i > 0) out += ", ";
    if (out.size() >= kArrayLimit) {
      out += "...";
      break;
    }
    AppendValue(out, a, i, out.size() + kValueLimit);
  }
  return out + "]";
}

std::string PrettyPrint(const RecordBatch& batch, const PrettyPrintOptions& options) {
  std::string out;
  for (int c = 0; c < batch.num_columns(); ++c) {
    out += batch.schema->field(c)->name() + ": " + PrettyPrint(*batch.column(c), options) + "\n";
  }
  return out;
}

}  // namespace hangar::arrow
