// Body compression codecs of the IPC format: LZ4 frame and ZSTD.
//
// The format compresses each body buffer on its own and prefixes it with its
// uncompressed length as a little-endian int64 (-1: stored uncompressed).
#pragma once

#include <cstdint>

#include "arrow/buffer.h"
#include "arrow/ipc/options.h"

namespace hangar::arrow::ipc {

// Compresses `input` into a new buffer laid out as [int64 length][codec bytes].
Result<BufferPtr> CompressBuffer(Compression codec, const Buffer& input, int zstd_level);

// Decodes a [int64 length][payload] body buffer. A zero-length input is an
// empty buffer; a -1 prefix returns the payload itself (zero-copy).
Result<BufferPtr> DecompressBuffer(Compression codec, const BufferPtr& input, int64_t max_size);

}  // namespace hangar::arrow::ipc
