// Long results on a terminal go through a pager, as in psql: the output of
// one statement is held back until it outgrows the screen, then handed to
// $HANGAR_PAGER, else $PAGER, else `less -FRSX`; a short result is printed
// as it is. Quitting the pager early is not an error.
#pragma once

#include <cstdio>
#include <string>

namespace hangar::cli {

class PagedOutput {
 public:
  // `screen_rows`: the terminal's height; 0 turns paging off.
  explicit PagedOutput(int screen_rows);
  ~PagedOutput();  // prints or pages what is held, and waits for the pager
  PagedOutput(const PagedOutput&) = delete;
  PagedOutput& operator=(const PagedOutput&) = delete;

  FILE* file() const { return file_; }

 private:
  static ssize_t Write(void* cookie, const char* data, size_t size);
  void StartPager();

  int screen_rows_;
  int lines_ = 0;
  std::string held_;
  FILE* pager_ = nullptr;
  bool pager_gone_ = false;
  FILE* file_ = nullptr;
};

// The pager command: $HANGAR_PAGER, $PAGER, or less.
std::string PagerCommand();

}  // namespace hangar::cli
