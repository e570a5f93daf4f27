#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace hangar::cli {

namespace {
constexpr auto kFirstDraw = std::chrono::milliseconds(500);
constexpr auto kRedraw = std::chrono::milliseconds(100);
}  // namespace

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char out[32];
  std::snprintf(out, sizeof out, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return out;
}

Progress::Progress(std::string label)
    : label_(std::move(label)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (drawn_) Draw(true);
}

void Progress::Add(int64_t rows, int64_t bytes) {
  rows_ += rows;
  bytes_ += bytes;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < kFirstDraw || now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Draw(bool final) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r%s: %lld rows, %s, %s/s%s", label_.c_str(), static_cast<long long>(rows_),
               FormatBytes(static_cast<double>(bytes_)).c_str(),
               FormatBytes(seconds > 0 ? static_cast<double>(bytes_) / seconds : 0).c_str(), final ? "\n" : "   ");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace hangar::cli
