#include "arrow/pretty_print.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "arrow/array_access.h"
#include "arrow/float16.h"

namespace hangar::arrow {

namespace {

// Elision window of nested lists and maps in FormatValue.
constexpr int64_t kValueWindow = 10;
// Most text one value (FormatValue) and one array (PrettyPrint) may produce:
// nesting multiplies what one slot prints (a list of a billion nulls needs no
// data at all), so output stops at a budget instead of growing without bound.
constexpr size_t kValueLimit = 64 * 1024;
constexpr size_t kArrayLimit = 4 * 1024 * 1024;

template <typename T>
T Load(const Array& a, int64_t i) {
  return LoadValue<T>(a.buffers[1]->data(), a.offset + i);
}

template <typename F>
void AppendFloat(std::string& out, F v) {
  if (std::isnan(v)) {
    out += "nan";
  } else if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
  } else {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    out.append(buf, res.ptr);
  }
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendHex(std::string& out, std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
}

// --- Dates and times ---------------------------------------------------------------

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
// a mod b in [0, b), without forming a - FloorDiv(a, b) * b (which can overflow).
int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

int FractionDigits(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond: return 0;
    case TimeUnit::kMilli: return 3;
    case TimeUnit::kMicro: return 6;
    case TimeUnit::kNano: return 9;
  }
  return 0;
}

// Proleptic Gregorian civil date of a day count since 1970-01-01 (the
// well-known era-based algorithm; exact for every int64 day count we can reach).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

void AppendDate(std::string& out, int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  out += buf;
}

// "HH:MM:SS[.fraction]" of a non-negative count of `unit` since midnight
// (hours go past 23 for values past a day, which only malformed times have).
void AppendTimeOfDay(std::string& out, uint64_t value, TimeUnit unit) {
  const auto per_second = static_cast<uint64_t>(UnitsPerSecond(unit));
  const uint64_t seconds = value / per_second;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(seconds / 3600),
                static_cast<unsigned long long>(seconds / 60 % 60), static_cast<unsigned long long>(seconds % 60));
  out += buf;
  if (unit != TimeUnit::kSecond) {
    std::snprintf(buf, sizeof buf, ".%0*llu", FractionDigits(unit),
                  static_cast<unsigned long long>(value % per_second));
    out += buf;
  }
}

void AppendTime(std::string& out, int64_t value, TimeUnit unit) {
  if (value < 0) {
    out += '-';
    AppendTimeOfDay(out, 0 - static_cast<uint64_t>(value), unit);
  } else {
    AppendTimeOfDay(out, static_cast<uint64_t>(value), unit);
  }
}

// A timestamp is an instant counted from the UTC epoch whatever its zone, so
// it prints as UTC wall time; "Z" marks that the type has a zone (the same
// instant) and its absence a zone-less local date-time.
void AppendTimestamp(std::string& out, int64_t value, TimeUnit unit, const std::string& tz) {
  const int64_t per_day = UnitsPerSecond(unit) * 86400;
  AppendDate(out, FloorDiv(value, per_day));
  out += ' ';
  AppendTimeOfDay(out, static_cast<uint64_t>(FloorMod(value, per_day)), unit);
  if (!tz.empty()) out += 'Z';
}

// --- Values ------------------------------------------------------------------------

class Printer {
 public:
  Printer(std::string& out, size_t limit, int64_t window) : out_(out), limit_(limit), window_(window) {}

  bool full() const { return out_.size() >= limit_; }

  // "[v0, v1, ...]" of slots [begin, end) of `a`, the middle elided.
  void List(const Array& a, int64_t begin, int64_t end) {
    out_ += '[';
    Range(begin, end, [&](int64_t k) { Value(a, k); });
    out_ += ']';
  }

  void Value(const Array& a, int64_t i) {
    if (full()) return;
    const DataType& t = *a.type;
    switch (t.id()) {
      case TypeId::kSparseUnion:
      case TypeId::kDenseUnion: {
        int child;
        int64_t row;
        UnionSlot(a, i, &child, &row);
        return Value(*a.children[static_cast<size_t>(child)], row);
      }
      case TypeId::kRunEndEncoded: return Value(*a.children[1], RunEndValueIndex(a, i));
      default: break;
    }
    if (!a.IsValid(i)) {
      out_ += "null";
      return;
    }
    switch (t.id()) {
      case TypeId::kBool: out_ += bit::Get(a.buffers[1]->data(), a.offset + i) ? "true" : "false"; return;
      case TypeId::kInt8:
      case TypeId::kInt16:
      case TypeId::kInt32:
      case TypeId::kInt64:
      case TypeId::kUInt8:
      case TypeId::kUInt16:
      case TypeId::kUInt32: out_ += std::to_string(LoadInteger(a, a.offset + i)); return;
      case TypeId::kUInt64: out_ += std::to_string(Load<uint64_t>(a, i)); return;
      case TypeId::kFloat16: AppendFloat(out_, HalfToFloat(Load<uint16_t>(a, i))); return;
      case TypeId::kFloat32: AppendFloat(out_, Load<float>(a, i)); return;
      case TypeId::kFloat64: AppendFloat(out_, Load<double>(a, i)); return;
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kUtf8View: AppendQuoted(out_, Clip(BinaryValue(a, i))); return;
      case TypeId::kBinary:
      case TypeId::kLargeBinary:
      case TypeId::kBinaryView:
      case TypeId::kFixedSizeBinary: AppendHex(out_, Clip(BinaryValue(a, i))); return;
      case TypeId::kDecimal32:
      case TypeId::kDecimal64:
      case TypeId::kDecimal128:
      case TypeId::kDecimal256: {
        const int bytes = t.bit_width() / 8;
        out_ += FormatDecimal(a.buffers[1]->data() + (a.offset + i) * bytes, bytes, t.scale());
        return;
      }
      case TypeId::kDate32: AppendDate(out_, Load<int32_t>(a, i)); return;
      case TypeId::kDate64: AppendDate(out_, FloorDiv(Load<int64_t>(a, i), 86400000)); return;
      case TypeId::kTime32: AppendTime(out_, Load<int32_t>(a, i), t.unit()); return;
      case TypeId::kTime64: AppendTime(out_, Load<int64_t>(a, i), t.unit()); return;
      case TypeId::kTimestamp: AppendTimestamp(out_, Load<int64_t>(a, i), t.unit(), t.timezone()); return;
      case TypeId::kDuration:
        out_ += std::to_string(Load<int64_t>(a, i));
        out_ += TimeUnitName(t.unit());
        return;
      case TypeId::kIntervalYearMonth: out_ += std::to_string(Load<int32_t>(a, i)) + "M"; return;
      case TypeId::kIntervalDayTime: {
        const uint8_t* p = a.buffers[1]->data() + (a.offset + i) * 8;
        out_ += std::to_string(LoadValue<int32_t>(p, 0)) + "d" + std::to_string(LoadValue<int32_t>(p, 1)) + "ms";
        return;
      }
      case TypeId::kIntervalMonthDayNano: {
        const uint8_t* p = a.buffers[1]->data() + (a.offset + i) * 16;
        out_ += std::to_string(LoadValue<int32_t>(p, 0)) + "M" + std::to_string(LoadValue<int32_t>(p, 1)) + "d" +
                std::to_string(LoadValue<int64_t>(p + 8, 0)) + "ns";
        return;
      }
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kListView:
      case TypeId::kLargeListView:
      case TypeId::kFixedSizeList: {
        int64_t begin, end;
        ListRange(a, i, &begin, &end);
        return List(*a.children[0], begin, end);
      }
      case TypeId::kMap: {
        int64_t begin, end;
        ListRange(a, i, &begin, &end);
        const Array& entries = *a.children[0];
        out_ += '{';
        Range(begin, end, [&](int64_t k) {
          Value(*entries.children[0], entries.offset + k);
          out_ += ": ";
          Value(*entries.children[1], entries.offset + k);
        });
        out_ += '}';
        return;
      }
      case TypeId::kStruct: {
        out_ += '{';
        for (size_t c = 0; c < a.children.size() && !full(); ++c) {
          if (c > 0) out_ += ", ";
          out_ += t.child(c)->name();
          out_ += ": ";
          Value(*a.children[c], a.offset + i);
        }
        out_ += '}';
        return;
      }
      case TypeId::kDictionary: return Value(*a.dictionary, DictionaryIndex(a, i));
      default: out_ += "?"; return;
    }
  }

 private:
  // Calls print(k) for k in [begin, end), comma-separated, eliding the middle
  // beyond 2 * window, and stopping with "..." when the budget is spent.
  template <typename F>
  void Range(int64_t begin, int64_t end, F print) {
    const int64_t n = end - begin;
    for (int64_t k = begin; k < end; ++k) {
      if (k > begin) out_ += ", ";
      if (window_ > 0 && n > 2 * window_ && k == begin + window_) {
        out_ += "...";
        k = end - window_ - 1;
        continue;
      }
      if (full()) {
        out_ += "...";
        return;
      }
      print(k);
    }
  }

  // A value longer than the budget prints its start only.
  std::string_view Clip(std::string_view s) const {
    const size_t room = limit_ > out_.size() ? limit_ - out_.size() : 0;
    return s.size() > room ? s.substr(0, room) : s;
  }

  std::string& out_;
  size_t limit_;
  int64_t window_;
};

}  // namespace

std::string FormatDecimal(const uint8_t* value, int bytes, int32_t scale) {
  if (bytes <= 0 || bytes > 32 || bytes % 4 != 0) return "<decimal of " + std::to_string(bytes) + " bytes>";
  // Magnitude as little-endian 32-bit words, then repeated division by 10.
  const int words = bytes / 4;
  uint32_t w[8];
  std::memcpy(w, value, static_cast<size_t>(bytes));
  const bool negative = (w[words - 1] >> 31) & 1;
  if (negative) {  // two's complement negation
    uint64_t carry = 1;
    for (int k = 0; k < words; ++k) {
      const uint64_t v = static_cast<uint64_t>(~w[k]) + carry;
      w[k] = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
  }
  std::string digits;  // least significant first
  for (;;) {
    bool zero = true;
    uint64_t rem = 0;
    for (int k = words - 1; k >= 0; --k) {
      const uint64_t cur = (rem << 32) | w[k];
      w[k] = static_cast<uint32_t>(cur / 10);
      rem = cur % 10;
      if (w[k] != 0) zero = false;
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

std::string FormatValue(const Array& array, int64_t i) {
  std::string out;
  Printer(out, kValueLimit, kValueWindow).Value(array, i);
  return out;
}

std::string PrettyPrint(const Array& array, const PrettyPrintOptions& options) {
  std::string out;
  Printer(out, kArrayLimit, options.window).List(array, 0, array.length);
  return out;
}

std::string PrettyPrint(const RecordBatch& batch, const PrettyPrintOptions& options) {
  std::string out;
  for (int c = 0; c < batch.num_columns(); ++c) {
    out += batch.schema->field(static_cast<size_t>(c))->name();
    out += ": ";
    out += PrettyPrint(*batch.column(c), options);
    out += '\n';
  }
  return out;
}

}  // namespace hangar::arrow
