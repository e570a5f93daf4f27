// What the benchmarks share: failing loudly, timing, and the set-up of those
// that take a row count.
#pragma once

#include <errno.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/status.h"

namespace hangar::bench {

using Clock = std::chrono::steady_clock;

// Exits with a message naming the benchmark and `what` unless `st` is OK.
inline void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, st.ToString().c_str());
    std::exit(1);
  }
}

inline double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// What the benchmarks that start a server share: the row count (`--rows N`,
// or `--quick` for a short run), the directory of the executables, and a
// scratch directory of their own.
struct RowsBenchSetup {
  int64_t rows;
  std::string bin_dir;
  std::filesystem::path dir;
};

inline RowsBenchSetup SetUpRowsBench(int argc, char** argv, int64_t rows, int64_t quick_rows, const char* bench) {
  RowsBenchSetup setup{rows, std::filesystem::path(argv[0]).parent_path().string(), {}};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0)
      setup.rows = quick_rows;
    else if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
      setup.rows = std::atoll(argv[++i]);
  }
  setup.dir = std::filesystem::temp_directory_path() / (std::string(bench) + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(setup.dir);
  return setup;
}

}  // namespace hangar::bench
