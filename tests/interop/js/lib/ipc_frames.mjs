// A look at the framing of an IPC stream below what apache-arrow's reader
// shows: each message's metadata and where its body lies, and the 8-byte length
// prefix of every compressed body buffer.
//
// The format (Message.fbs, BodyCompressionMethod.BUFFER): a compressed buffer is
// an int64 little-endian *uncompressed* length, then the compressed bytes; the
// length -1 marks a buffer stored uncompressed. apache-arrow's reader ignores the
// prefix (it decodes whatever follows), so whether a writer gets it right has to
// be checked here.
import { Message } from 'apache-arrow/ipc/metadata/message';

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

const isFile = (bytes) => MAGIC.every((b, i) => bytes[i] === b);

/**
 * Each message of an IPC stream, or of the stream inside an IPC file (between
 * the leading magic and the footer): { message, header, bodyStart }, with
 * bodyStart an offset into `bytes`.
 */
export function* streamMessages(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let end = bytes.length;
  if (isFile(bytes)) {
    // magic (6) + padding (2) ... footer, int32 footer length, magic (6)
    pos = 8;
    end = bytes.length - 10 - view.getInt32(bytes.length - 10, true);
  }
  while (pos + 4 <= end) {
    let length = view.getInt32(pos, true);
    pos += 4;
    if (length === -1) { // continuation marker, then the length
      length = view.getInt32(pos, true);
      pos += 4;
    }
    if (length === 0) return; // end of stream
    const message = Message.decode(bytes.subarray(pos, pos + length));
    const bodyStart = pos + length;
    yield { message, header: message.header(), bodyStart };
    pos = bodyStart + message.bodyLength;
  }
}

/** The record batch metadata of a RecordBatch or DictionaryBatch header. */
const batchOf = (message, header) => (message.isDictionaryBatch() ? header.data : header);

/**
 * Every non-empty body buffer of every record and dictionary batch:
 * { kind, compression (a CompressionType or null), prefix (bigint, when
 * compressed), payload (the bytes after the prefix, or the whole buffer) }.
 */
export function* bodyBuffers(bytes) {
  for (const { message, header, bodyStart } of streamMessages(bytes)) {
    if (!message.isRecordBatch() && !message.isDictionaryBatch()) continue;
    const batch = batchOf(message, header);
    const compression = batch.compression ? batch.compression.type : null;
    for (const { offset, length } of batch.buffers) {
      if (length === 0) continue;
      const at = bodyStart + offset;
      const buffer = bytes.subarray(at, at + length);
      const kind = message.isDictionaryBatch() ? 'dictionary' : 'record batch';
      if (compression === null) {
        yield { kind, compression, payload: buffer, at };
      } else {
        const prefix = new DataView(buffer.buffer, buffer.byteOffset, 8).getBigInt64(0, true);
        yield { kind, compression, prefix, payload: buffer.subarray(8), at };
      }
    }
  }
}

/**
 * A copy of `bytes` (a stream or file) in which every compressed buffer's prefix is set
 * to the length `decode(payload)` has: what a writer should have put there.
 */
export function withTrueLengthPrefixes(bytes, decode) {
  const out = bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const b of bodyBuffers(bytes)) {
    if (b.compression === null || b.prefix === -1n) continue;
    view.setBigInt64(b.at, BigInt(decode(b.compression, b.payload).length), true);
  }
  return out;
}
