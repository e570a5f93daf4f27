#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/terminal.h"

namespace hangar::cli {

namespace {
// Redrawing more often than this costs more than anyone can read.
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

std::string FormatDuration(double seconds) {
  const long long s = static_cast<long long>(seconds + 0.5);
  char out[32];
  if (s >= 3600)
    std::snprintf(out, sizeof out, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(out, sizeof out, "%lld:%02lld", s / 60, s % 60);
  return out;
}

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)),
      enabled_(!quiet && IsTerminal(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (enabled_) Draw(true);
}

void Progress::Add(int64_t rows, int64_t bytes) {
  rows_ += rows;
  bytes_ += bytes;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Draw(bool final) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(bytes_) / seconds : 0;
  char counts[160];
  std::snprintf(counts, sizeof counts, "%lld rows  %s  %s/s", static_cast<long long>(rows_),
                FormatBytes(static_cast<double>(bytes_)).c_str(), FormatBytes(rate).c_str());
  std::string line = label_ + " ";
  if (total_rows_ > 0) {
    const double done = std::min(1.0, static_cast<double>(rows_) / static_cast<double>(total_rows_));
    const int columns = TerminalSizeOf(STDERR_FILENO).value_or(TerminalSize{}).columns;
    // The bar takes what the numbers leave of the line, between 10 and 40 cells.
    const int width = std::clamp(columns - static_cast<int>(label_.size() + std::string(counts).size()) - 30, 10, 40);
    const int filled = static_cast<int>(done * width);
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(done * 100));
    line += "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] " + percent + "  " + counts;
    if (final)
      line += "  in " + FormatDuration(seconds);
    else if (rows_ > 0 && done < 1)
      line += "  " + FormatDuration(seconds * (1 - done) / done) + " left";
  } else {
    line += counts;
    if (final) line += "  in " + FormatDuration(seconds);
  }
  // \r and clear to the end of the line: a shorter line leaves no leftovers.
  std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace hangar::cli
