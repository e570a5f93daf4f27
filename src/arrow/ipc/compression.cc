#include "arrow/ipc/compression.h"

#include <lz4frame.h>
#include <zstd.h>
#include <cstring>
#include <string>

namespace hangar::arrow::ipc {

namespace {

struct Lz4DecompressionContext {
  LZ4F_dctx* ctx = nullptr;
  ~Lz4DecompressionContext() {
    if (ctx) LZ4F_freeDecompressionContext(ctx);
  }
};

Result<BufferPtr> Lz4Decompress(const uint8_t* src, int64_t src_size, int64_t out_size) {
  Lz4DecompressionContext dctx;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx.ctx, LZ4F_VERSION)))
    return Status::Internal("cannot create an LZ4 decompression context");
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(out_size, &out);
  size_t in_pos = 0;
  size_t out_pos = 0;
  // A body buffer may hold several concatenated frames: decode until the
  // input is used up or no progress is made (output full, or input cut).
  size_t hint = 1;  // LZ4F_decompress returns 0 exactly when a frame is complete
  while (in_pos < static_cast<size_t>(src_size)) {
    size_t dst_len = static_cast<size_t>(out_size) - out_pos;
    size_t src_len = static_cast<size_t>(src_size) - in_pos;
    hint = LZ4F_decompress(dctx.ctx, out + out_pos, &dst_len, src + in_pos, &src_len, nullptr);
    if (LZ4F_isError(hint))
      return Status::Invalid(std::string("corrupt LZ4 frame in IPC body: ") + LZ4F_getErrorName(hint));
    in_pos += src_len;
    out_pos += dst_len;
    if (src_len == 0 && dst_len == 0) break;
  }
  if (in_pos < static_cast<size_t>(src_size))
    return Status::Invalid("LZ4 body buffer holds more than the " + std::to_string(out_size) + " bytes claimed");
  if (hint != 0) return Status::Invalid("LZ4 frame in IPC body is truncated");
  if (out_pos != static_cast<size_t>(out_size))
    return Status::Invalid("LZ4 body buffer decompressed to " + std::to_string(out_pos) + " bytes, expected " +
                           std::to_string(out_size));
  return buf;
}

Result<BufferPtr> ZstdDecompress(const uint8_t* src, int64_t src_size, int64_t out_size) {
  uint8_t* out = nullptr;
  auto buf = AllocateBuffer(out_size, &out);
  size_t ret = ZSTD_decompress(out, static_cast<size_t>(out_size), src, static_cast<size_t>(src_size));
  if (ZSTD_isError(ret))
    return Status::Invalid(std::string("corrupt ZSTD data in IPC body: ") + ZSTD_getErrorName(ret));
  if (ret != static_cast<size_t>(out_size))
    return Status::Invalid("ZSTD body buffer decompressed to " + std::to_string(ret) + " bytes, expected " +
                           std::to_string(out_size));
  return buf;
}

}  // namespace

Result<BufferPtr> CompressBuffer(Compression codec, const Buffer& input, int zstd_level) {
  const int64_t n = input.size();
  size_t bound = codec == Compression::kLz4Frame ? LZ4F_compressFrameBound(static_cast<size_t>(n), nullptr)
                                                 : ZSTD_compressBound(static_cast<size_t>(n));
  MutableBuffer out;
  out.Resize(8 + static_cast<int64_t>(bound));
  std::memcpy(out.data(), &n, 8);
  size_t written;
  if (codec == Compression::kLz4Frame) {
    LZ4F_preferences_t prefs;
    std::memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentSize = static_cast<unsigned long long>(n);
    written = LZ4F_compressFrame(out.data() + 8, bound, input.data(), static_cast<size_t>(n), &prefs);
    if (LZ4F_isError(written))
      return Status::Internal(std::string("LZ4 compression failed: ") + LZ4F_getErrorName(written));
  } else {
    written = ZSTD_compress(out.data() + 8, bound, input.data(), static_cast<size_t>(n), zstd_level);
    if (ZSTD_isError(written))
      return Status::Internal(std::string("ZSTD compression failed: ") + ZSTD_getErrorName(written));
  }
  out.Resize(8 + static_cast<int64_t>(written));
  return out.Finish();
}

Result<BufferPtr> DecompressBuffer(Compression codec, const BufferPtr& input, int64_t max_size) {
  if (input->size() == 0) return input;
  if (input->size() < 8)
    return Status::Invalid("compressed IPC body buffer of " + std::to_string(input->size()) +
                           " bytes is too short for its length prefix");
  int64_t uncompressed;
  std::memcpy(&uncompressed, input->data(), 8);
  if (uncompressed == -1) return input->Slice(8, input->size() - 8);
  if (uncompressed < 0 || uncompressed > max_size)
    return Status::Invalid("compressed IPC body buffer claims an uncompressed size of " + std::to_string(uncompressed) +
                           " bytes");
  if (uncompressed == 0) return Buffer::CopyOf("");
  const uint8_t* src = input->data() + 8;
  int64_t src_size = input->size() - 8;
  // A hostile prefix must not make us allocate gigabytes for a few bytes of
  // input: no LZ4 frame expands more than 255:1, and a ZSTD frame either
  // declares its size (which must match) or expands at most ~43690:1 (one
  // 3-byte RLE block per 128 KiB).
  const int64_t max_ratio = codec == Compression::kLz4Frame ? 256 : 65536;
  if (uncompressed / max_ratio > src_size + 65536)
    return Status::Invalid("compressed IPC body buffer of " + std::to_string(src_size) +
                           " bytes cannot hold the claimed " + std::to_string(uncompressed) + " bytes");
  if (codec == Compression::kZstd) {
    unsigned long long declared = ZSTD_getFrameContentSize(src, static_cast<size_t>(src_size));
    if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::Invalid("corrupt ZSTD frame header in IPC body");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != static_cast<unsigned long long>(uncompressed))
      return Status::Invalid("ZSTD frame holds " + std::to_string(declared) + " bytes, IPC body claims " +
                             std::to_string(uncompressed));
  }
  return codec == Compression::kLz4Frame ? Lz4Decompress(src, src_size, uncompressed)
                                         : ZstdDecompress(src, src_size, uncompressed);
}

}  // namespace hangar::arrow::ipc
