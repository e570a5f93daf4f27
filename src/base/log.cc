#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace hangar::log {

namespace {

std::atomic<Format> g_format{Format::kText};
std::atomic<Level> g_threshold{Level::kInfo};

// RFC 3339 UTC with milliseconds: 2026-11-30T13:20:01.123Z.
std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// logfmt and text values: bare when they are one plain word, quoted otherwise.
void AppendValue(std::string* out, std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char c : s)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) plain = false;
  if (plain) {
    *out += s;
  } else {
    AppendJsonString(out, s);  // logfmt's quoting is JSON's
  }
}

// " key=value" for each field (text and logfmt).
void AppendPairs(std::string* out, const std::vector<Field>& fields) {
  for (const auto& f : fields) {
    *out += ' ';
    *out += f.key;
    *out += '=';
    AppendValue(out, f.text);
  }
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), number(std::isfinite(v)) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  text = buf;
}

Result<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return Status::Invalid("unknown log level '" + std::string(name) + "' (debug, info, warn or error)");
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "logfmt") return Format::kLogfmt;
  return Status::Invalid("unknown log format '" + std::string(name) + "' (text, json or logfmt)");
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void Configure(Format format, Level threshold) {
  g_format = format;
  g_threshold = threshold;
}

bool Enabled(Level level) { return level >= g_threshold.load(std::memory_order_relaxed); }

std::string FormatLine(Format format, Level level, std::string_view message, const std::vector<Field>& fields) {
  std::string line;
  switch (format) {
    case Format::kText:
      line = "hangar: ";
      if (level >= Level::kWarn) line += std::string(LevelName(level)) + ": ";
      line += message;
      AppendPairs(&line, fields);
      break;
    case Format::kLogfmt:
      line = "ts=" + Timestamp() + " level=" + std::string(LevelName(level)) + " msg=";
      AppendJsonString(&line, message);
      AppendPairs(&line, fields);
      break;
    case Format::kJson:
      line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + std::string(LevelName(level)) + "\",\"msg\":";
      AppendJsonString(&line, message);
      for (const auto& f : fields) {
        line += ',';
        AppendJsonString(&line, f.key);
        line += ':';
        if (f.number) {
          line += f.text;
        } else {
          AppendJsonString(&line, f.text);
        }
      }
      line += '}';
      break;
  }
  line += '\n';
  return line;
}

void Write(Level level, std::string_view message, const std::vector<Field>& fields) {
  if (!Enabled(level)) return;
  const std::string line = FormatLine(g_format.load(std::memory_order_relaxed), level, message, fields);
  static std::mutex mu;
  std::lock_guard lock(mu);
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: nothing better to do than go on
    written += static_cast<size_t>(n);
  }
}

}  // namespace hangar::log
