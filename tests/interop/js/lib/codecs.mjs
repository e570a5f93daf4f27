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

let ready = null;

/** Registers both codecs once; resolves when ZSTD's encoder is initialised. */
export function registerCodecs({ zstdLevel = 3 } = {}) {
  ready ??= (async () => {
    await zstdWasm.init();
    compressionRegistry.set(CompressionType.LZ4_FRAME, {
      encode: (data) => lz4.compress(data),
      decode: (data) => aligned(lz4.decompress(data)),
    });
    compressionRegistry.set(CompressionType.ZSTD, {
      encode: (data) => zstdWasm.compress(data, zstdLevel),
      decode: (data) => aligned(zstdDecompress(data)),
    });
  })();
  return ready;
}

export { CompressionType };
