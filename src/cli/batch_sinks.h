// Where the client commands write record batches: Arrow IPC (file or
// stream), CSV, JSON lines, or text for people (a pretty-printed dump, or an
// aligned table).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "arrow/array.h"

namespace hangar::cli {

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  virtual Status Begin(const arrow::SchemaPtr& schema) = 0;
  virtual Status Write(const arrow::RecordBatch& batch) = 0;
  virtual Status End() = 0;
};

// How the table format lays rows out for a terminal.
struct TableLayout {
  // The widest a line may be (0: no limit); wider columns are cut, the cut
  // values ending in "…".
  size_t max_width = 0;
  // One "name | value" line per column under a "-[ RECORD n ]-" header
  // instead of a row per line (psql's \x).
  bool expanded = false;
};

// `format`: arrow (IPC file), arrows (IPC stream), csv, json (one object
// per row), pretty (schema and columns as the pretty-printer writes them)
// or table (aligned rows). IPC goes to `fd`, text to `out` (the same file).
Result<std::unique_ptr<BatchSink>> MakeSink(const std::string& format, int fd, FILE* out,
                                            const TableLayout& layout = {});

// Where a command's output goes: the file -o names (created or truncated),
// or stdout. Closed (flushed) with the object.
class Output {
 public:
  static Result<Output> Open(const std::string& path);
  Output(Output&& other) noexcept : fd_(other.fd_), file_(other.file_) { other.file_ = nullptr; }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();
  int fd() const { return fd_; }
  FILE* file() const { return file_; }

 private:
  Output(int fd, FILE* file) : fd_(fd), file_(file) {}
  int fd_;
  FILE* file_;
};

// The format a file name asks for: .arrow, .arrows, .csv, .json, or `fallback`.
std::string FormatForPath(const std::string& path, const std::string& fallback);

}  // namespace hangar::cli
