// A one-line progress display on standard error: a bar, the percentage and
// the time left when the total is known (a Parquet file's metadata, an IPC
// file, FlightInfo's total_records), else rows, bytes and the rate. Shown
// only when standard error is a terminal and the command was not told
// --quiet; piped or redirected output never carries it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hangar::cli {

class Progress {
 public:
  // `quiet`: never draw.
  Progress(std::string label, bool quiet);
  ~Progress();  // draws the final state and ends the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The rows expected in all (negative: unknown).
  void SetTotalRows(int64_t rows) { total_rows_ = rows; }
  void Add(int64_t rows, int64_t bytes);
  bool enabled() const { return enabled_; }

 private:
  void Draw(bool final);

  std::string label_;
  bool enabled_;
  int64_t total_rows_ = -1;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

std::string FormatBytes(double bytes);
// "0:42", "1:02:03".
std::string FormatDuration(double seconds);

}  // namespace hangar::cli
