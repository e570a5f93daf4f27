// A one-line progress display (rows, bytes, rate) on standard error, shown
// only when standard error is a terminal and the transfer lasts long enough
// to be worth watching.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hangar::cli {

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();  // ends the line if one was drawn
  void Add(int64_t rows, int64_t bytes);

 private:
  void Draw(bool final);

  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

std::string FormatBytes(double bytes);

}  // namespace hangar::cli
