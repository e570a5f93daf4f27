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
  // replacement. (Files always send growth as deltas: they cannot replace.)
  bool emit_dictionary_deltas = false;
  // Alignment of buffers in the body: 8 (the format's minimum) or 64.
  int32_t alignment = 8;
  // Frames messages the pre-1.0 way (length prefix without the 0xFFFFFFFF
  // continuation marker), for readers older than Arrow 0.15. Metadata stays V5.
  bool write_legacy_format = false;
};

struct ReadOptions {
  // Full validation of every array read (offsets, indices, run ends, views):
  // costs one pass over offsets and indices, never over values. Sizes and
  // shapes are always checked; turn this off only for trusted input.
  bool validate = true;
  // With `validate`: the values of utf8, large_utf8 and utf8_view arrays are
  // UTF-8 (arrow/utf8.h; one pass over the string bytes, ASCII 8 at a time).
  bool validate_utf8 = true;
  // Largest metadata, body or decompressed buffer accepted for one message.
  int64_t max_message_size = int64_t{1} << 31;
  // Deepest type nesting accepted.
  int max_recursion_depth = 64;
};

}  // namespace hangar::arrow::ipc
