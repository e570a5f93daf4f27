// Options of the IPC reader and writer.
#pragma once

#include <cstdint>

namespace hangar::arrow::ipc {

enum class Compression { kNone, kLz4Frame, kZstd };

struct WriteOptions {
  // Body compression (each buffer compressed on its own, as the format says).
  Compression compression = Compression::kNone;
  int zstd_level = 1;
  // In streams, a dictionary that only grew is sent as a delta instead of a
  // replacement.
  bool emit_dictionary_deltas = false;
  // Alignment of buffers in the body: 8 (the format's minimum) or 64.
  int32_t alignment = 8;
};

struct ReadOptions {
  // Full validation of every array read (offsets, indices, run ends, views):
  // costs one pass over offsets, never over values. Turn off only for trusted input.
  bool validate = true;
  // Largest metadata or body accepted for one message.
  int64_t max_message_size = int64_t{1} << 34;
  // Deepest type nesting accepted.
  int max_recursion_depth = 64;
};

}  // namespace hangar::arrow::ipc
