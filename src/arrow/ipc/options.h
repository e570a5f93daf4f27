// Options of the IPC reader and writer.
#pragma once

#include <cstdint>
#include <string>

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
  // Most rows one record batch may have. An array's length is backed by its
  // buffers for most types, but not for the null type, nor for structs,
  // fixed-size lists and run-end encoded arrays (whose own buffers may be
  // absent): a message of a few hundred bytes could claim billions of rows,
  // and every consumer that walks them (DuckDB, Parquet) would pay. So a
  // batch above this is refused from its metadata, before anything is
  // loaded; and so is any array of it (a list's child included) claiming
  // more elements than this, unless the message body is large enough to
  // hold one bit for each (which buffer-backed children always are).
  int64_t max_batch_rows = INT64_MAX;
  // Largest a dictionary may grow through deltas, in bytes of its buffers.
  // Each delta copies the dictionary so far, and every batch using it keeps
  // its version alive.
  int64_t max_dictionary_bytes = INT64_MAX;
  // Appended to the refusals of the two limits above, saying where they are
  // set (a server names its flags: " (the server's --max-batch-rows)").
  std::string max_batch_rows_origin;
  std::string max_dictionary_bytes_origin;
};

}  // namespace hangar::arrow::ipc
