// The server's log: one line per event on stderr, as readable text, JSON
// lines or logfmt, with a level threshold.
//
// Messages are sentences a person can act on; the fields after them carry
// the same facts in a form machines parse (`table=default.users rows=10`).
// Secrets never reach this module: callers log user names, never passwords
// or tokens. Writing is one write(2) per line under a mutex, so lines from
// concurrent threads never interleave.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hangar::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format {
  kText,    // hangar: message key=value ...   (the default: for people)
  kJson,    // {"ts":"...","level":"info","msg":"...","key":"value"}
  kLogfmt,  // ts=... level=info msg="..." key=value
};

Result<Level> ParseLevel(std::string_view name);    // debug, info, warn, error
Result<Format> ParseFormat(std::string_view name);  // text, json, logfmt
std::string_view LevelName(Level level);

// Process-wide; set once at start-up (the defaults: text, info).
void Configure(Format format, Level threshold);
bool Enabled(Level level);

// A key and its value; numbers stay numbers in JSON.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), text(v) {}
  Field(std::string_view k, const std::string& v) : key(k), text(v) {}
  Field(std::string_view k, const char* v) : key(k), text(v) {}
  Field(std::string_view k, int64_t v) : key(k), text(std::to_string(v)), number(true) {}
  Field(std::string_view k, int v) : Field(k, static_cast<int64_t>(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), text(std::to_string(v)), number(true) {}
  Field(std::string_view k, double v);
  std::string_view key;
  std::string text;
  bool number = false;
};

// The line Write would print, without printing it (for tests).
std::string FormatLine(Format format, Level level, std::string_view message, const std::vector<Field>& fields);

void Write(Level level, std::string_view message, const std::vector<Field>& fields = {});
inline void Debug(std::string_view m, const std::vector<Field>& f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, const std::vector<Field>& f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, const std::vector<Field>& f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, const std::vector<Field>& f = {}) { Write(Level::kError, m, f); }

}  // namespace hangar::log
