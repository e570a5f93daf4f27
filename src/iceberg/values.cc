#include "iceberg/values.h"

#include <charconv>
#include <cstring>

#include "avro/varint.h"

namespace hangar::iceberg {
namespace {

std::string LittleEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int b = 0; b < bytes; ++b) out[static_cast<size_t>(b)] = static_cast<char>((v >> (8 * b)) & 0xff);
  return out;
}

void AppendAvroBytes(std::string_view bytes, std::string* out) {
  avro::WriteLong(static_cast<int64_t>(bytes.size()), out);
  out->append(bytes);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int v = 0;
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
      if (ec == std::errc() && end == text.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

bool IsIntegral(std::string_view type) {
  return type == "boolean" || type == "int" || type == "long" || type == "date" || type == "time" ||
         type == "timestamp" || type == "timestamptz";
}

std::string SingleValue(std::string_view type, const Value& value) {
  if (type == "boolean") return std::string(1, value.number ? '\x01' : '\x00');
  if (type == "int" || type == "date") return LittleEndian(static_cast<uint32_t>(value.number), 4);
  if (IsIntegral(type)) return LittleEndian(static_cast<uint64_t>(value.number), 8);
  if (type == "float") {
    const float f = static_cast<float>(value.real);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return LittleEndian(bits, 4);
  }
  if (type == "double") {
    uint64_t bits;
    std::memcpy(&bits, &value.real, 8);
    return LittleEndian(bits, 8);
  }
  return value.bytes;
}

int Compare(std::string_view type, const Value& a, const Value& b) {
  if (IsIntegral(type)) return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  if (type == "float" || type == "double") return a.real < b.real ? -1 : a.real > b.real ? 1 : 0;
  // Strings compare as UTF-8 bytes, binaries as unsigned bytes: both memcmp.
  const int c = std::memcmp(a.bytes.data(), b.bytes.data(), std::min(a.bytes.size(), b.bytes.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.bytes.size() < b.bytes.size() ? -1 : a.bytes.size() > b.bytes.size() ? 1 : 0;
}

std::string AvroUnionType(std::string_view type) {
  std::string t;
  if (type == "boolean")
    t = "\"boolean\"";
  else if (type == "int")
    t = "\"int\"";
  else if (type == "long")
    t = "\"long\"";
  else if (type == "float")
    t = "\"float\"";
  else if (type == "double")
    t = "\"double\"";
  else if (type == "date")
    t = R"({"type": "int", "logicalType": "date"})";
  else if (type == "time")
    t = R"({"type": "long", "logicalType": "time-micros"})";
  else if (type == "timestamp")
    t = R"({"type": "long", "logicalType": "timestamp-micros", "adjust-to-utc": false})";
  else if (type == "timestamptz")
    t = R"({"type": "long", "logicalType": "timestamp-micros", "adjust-to-utc": true})";
  else if (type == "string")
    t = "\"string\"";
  else
    t = "\"bytes\"";
  return "[\"null\", " + t + "]";
}

void AppendAvroOptional(std::string_view type, const Value& value, std::string* out) {
  avro::WriteLong(value.null ? 0 : 1, out);
  if (value.null) return;
  if (type == "boolean") {
    out->push_back(value.number ? '\x01' : '\x00');
  } else if (IsIntegral(type)) {
    avro::WriteLong(value.number, out);
  } else if (type == "float" || type == "double") {
    out->append(SingleValue(type, value));  // Avro's float and double are little-endian IEEE 754 too
  } else {
    AppendAvroBytes(value.bytes, out);
  }
}

std::string PartitionResultType(const store::PartitionField& field, std::string_view source_type) {
  using store::Transform;
  switch (field.transform) {
    case Transform::kIdentity:
    case Transform::kTruncate: return std::string(source_type);
    case Transform::kDay: return "date";
    case Transform::kYear:
    case Transform::kMonth:
    case Transform::kHour:
    case Transform::kBucket: return "int";
  }
  return "int";
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::optional<int64_t> ParseDate(std::string_view text) {
  // [-]YYYY-MM-DD
  const size_t first = text.find('-', 1);
  if (first == std::string_view::npos || text.size() != first + 6 || text[first + 3] != '-') return std::nullopt;
  auto year = ParseInt(text.substr(0, first));
  auto month = ParseInt(text.substr(first + 1, 2));
  auto day = ParseInt(text.substr(first + 4, 2));
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  return DaysFromCivil(*year, static_cast<int>(*month), static_cast<int>(*day));
}

std::optional<int64_t> ParseTimestampMicros(std::string_view text) {
  // DATE[ T]HH:MM:SS[.f{1,9}][+00[:00]|Z]
  size_t sep = text.find_first_of(" T", 5);
  if (sep == std::string_view::npos) return std::nullopt;
  auto days = ParseDate(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 1);
  if (!days || rest.size() < 8 || rest[2] != ':' || rest[5] != ':') return std::nullopt;
  auto h = ParseInt(rest.substr(0, 2)), m = ParseInt(rest.substr(3, 2)), s = ParseInt(rest.substr(6, 2));
  if (!h || !m || !s) return std::nullopt;
  rest.remove_prefix(8);
  int64_t micros = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    std::string digits(rest.substr(1, n - 1));
    if (digits.empty() || digits.size() > 6) return std::nullopt;  // finer than microseconds: not ours
    digits.resize(6, '0');
    micros = *ParseInt(digits);
    rest.remove_prefix(n);
  }
  if (!(rest.empty() || rest == "Z" || rest == "+00" || rest == "+00:00")) return std::nullopt;
  return ((*days * 24 + *h) * 60 + *m) * 60'000'000LL + *s * 1'000'000LL + micros;
}

Result<std::vector<Value>> PartitionValues(std::string_view path, const store::PartitionSpec& spec,
                                           const std::vector<std::string>& result_types) {
  std::vector<Value> values;
  size_t at = 0;
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    const auto& field = spec.fields[i];
    const std::string_view type = result_types[i];
    const size_t end = std::min(path.find('/', at), path.size());
    const std::string_view part = path.substr(at, end - at);
    const std::string prefix = field.name + "=";
    auto bad = [&] {
      return Status::Invalid("partition path '" + std::string(path) + "' does not fit the table's partition spec at '" +
                             field.name + "'");
    };
    if (part.substr(0, prefix.size()) != prefix) return bad();
    const std::string text = Unescape(part.substr(prefix.size()));
    at = end + 1;
    if (text == "__HIVE_DEFAULT_PARTITION__") {
      values.push_back(Value{});
      continue;
    }
    std::optional<int64_t> number;
    using store::Transform;
    switch (field.transform) {
      case Transform::kYear:
        if (auto y = ParseInt(text)) number = *y - 1970;
        break;
      case Transform::kMonth:
        if (text.size() >= 6 && text[text.size() - 3] == '-') {
          auto y = ParseInt(std::string_view(text).substr(0, text.size() - 3));
          auto m = ParseInt(std::string_view(text).substr(text.size() - 2));
          if (y && m) number = (*y - 1970) * 12 + (*m - 1);
        }
        break;
      case Transform::kDay: number = ParseDate(text); break;
      case Transform::kHour:
        if (text.size() >= 13 && text[text.size() - 3] == '-') {
          auto d = ParseDate(std::string_view(text).substr(0, text.size() - 3));
          auto h = ParseInt(std::string_view(text).substr(text.size() - 2));
          if (d && h) number = *d * 24 + *h;
        }
        break;
      case Transform::kBucket: number = ParseInt(text); break;
      case Transform::kIdentity:
      case Transform::kTruncate:
        if (type == "boolean") {
          if (text == "true" || text == "false") number = text == "true";
        } else if (type == "date") {
          number = ParseDate(text);
        } else if (type == "timestamp" || type == "timestamptz") {
          number = ParseTimestampMicros(text);
        } else if (IsIntegral(type)) {
          number = ParseInt(text);
        } else {
          values.push_back(Value::Bytes(text));
          continue;
        }
        break;
    }
    if (!number) return bad();
    values.push_back(Value::Number(*number));
  }
  if (at < path.size())
    return Status::Invalid("partition path '" + std::string(path) + "' has more fields than the spec");
  return values;
}

}  // namespace hangar::iceberg
