// Registers LZ4_FRAME and ZSTD body-compression codecs with apache-arrow.
//
// apache-arrow ships no codec: it reads or writes a compressed IPC body only after
// `compressionRegistry.set(CompressionType.X, { encode, decode })`, where both
// functions are synchronous Uint8Array -> Uint8Array.
//
//   LZ4_FRAME: lz4js (pure JavaScript) both ways.
//   ZSTD:      fzstd (pure JavaScript) decodes; @bokuweb/zstd-wasm (zstd's C code
//              compiled to WebAssembly, shipped inside the package) encodes.
//
// Decoded buffers are returned 8-byte aligned: apache-arrow builds typed arrays
// (BigInt64Array, Float64Array) straight on them and rejects unaligned offsets.

import { compressionRegistry, CompressionType } from 'apache-arrow';
import lz4 from 'lz4js';
import { decompress as zstdDecompress } from 'fzstd';
import zstdWasm from '@bokuweb/zstd-wasm';

const aligned = (bytes) => (bytes.byteOffset % 8 === 0 ? bytes : bytes.slice());

/**
 * An upper bound of an LZ4 frame's decoded size, from its block headers.
 * lz4js.decompress() without a size allocates the frame's maximum block size
 * (up to 4 MiB) per block, which made every small Arrow buffer cost megabytes;
 * an LZ4 block expands at most 255-fold, so the bound here is tight for small
 * buffers.
 */
function lz4FrameBound(src) {
  const u32 = (i) => (src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24)) >>> 0;
  if (src.length < 7 || u32(0) !== 0x184d2204) throw new Error('not an LZ4 frame (bad magic)');
  const flags = src[4];
  const maxBlock = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20][(src[5] >> 4) & 7];
  if (!maxBlock) throw new Error('LZ4 frame: invalid block size id');
  let i = 6 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0) + 1; // content size, dictionary id, header checksum
  let bound = 0;
  for (;;) {
    if (i + 4 > src.length) throw new Error('LZ4 frame: truncated');
    const word = u32(i);
    i += 4;
    if (word === 0) return bound;
    const size = word & 0x7fffffff;
    bound += word & 0x80000000 ? size : Math.min(maxBlock, size * 255 + 64);
    i += size + (flags & 0x10 ? 4 : 0); // block checksum
  }
}

function lz4Decode(src) {
  const dst = new Uint8Array(lz4FrameBound(src));
  return dst.subarray(0, lz4.decompressFrame(src, dst));
}

let ready = null;

/** Registers both codecs once; resolves when ZSTD's encoder is initialised. */
export function registerCodecs({ zstdLevel = 3 } = {}) {
  ready ??= (async () => {
    await zstdWasm.init();
    compressionRegistry.set(CompressionType.LZ4_FRAME, {
      encode: (data) => lz4.compress(data),
      decode: (data) => lz4Decode(data), // starts at offset 0 of its own buffer: aligned
    });
    compressionRegistry.set(CompressionType.ZSTD, {
      encode: (data) => zstdWasm.compress(data, zstdLevel),
      decode: (data) => aligned(zstdDecompress(data)),
    });
  })();
  return ready;
}

export { CompressionType };
