// A Flight client for the interop tests, written against the spec only:
// @grpc/grpc-js for HTTP/2 and gRPC framing, a small protobuf wire-format
// codec for the Flight messages, and apache-arrow's own IPC writer and reader
// for the data. Nothing here comes from Hangar, so it checks Hangar's wire
// format independently.
import grpc from '@grpc/grpc-js';
import { Message } from 'apache-arrow/ipc/metadata/message';

const SERVICE = '/arrow.flight.protocol.FlightService/';
const MAX = 64 << 20;

// --- protobuf wire format ----------------------------------------------------

function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}

/** Encodes [fieldNumber, value] pairs: strings/Uint8Arrays as bytes, numbers as varints. */
export function encode(fields) {
  const parts = [];
  for (const [number, value] of fields) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' || typeof value === 'bigint') {
      parts.push(Uint8Array.from([...varint(number << 3), ...varint(value)]));
    } else {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      parts.push(Uint8Array.from([...varint((number << 3) | 2), ...varint(bytes.length)]), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** Decodes a message into {fieldNumber: [values]} (bytes as Uint8Array, varints as BigInt). */
export function decode(bytes) {
  const out = {};
  let pos = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const tag = Number(readVarint());
    const number = tag >> 3, type = tag & 7;
    let value;
    if (type === 0) value = readVarint();
    else if (type === 2) { const n = Number(readVarint()); value = bytes.subarray(pos, pos + n); pos += n; }
    else if (type === 1) { value = bytes.subarray(pos, pos + 8); pos += 8; }
    else if (type === 5) { value = bytes.subarray(pos, pos + 4); pos += 4; }
    else throw new Error(`wire type ${type}`);
    (out[number] ??= []).push(value);
  }
  return out;
}

const text = (b) => (b ? new TextDecoder().decode(b) : '');
const first = (m, n) => (m[n] ? m[n][0] : undefined);

export const pathDescriptor = (...path) => encode([[1, 1], ...path.map((p) => [3, p])]);

export function decodeFlightInfo(bytes) {
  const m = decode(bytes);
  const d = decode(first(m, 2) ?? new Uint8Array());
  return {
    schema: first(m, 1),
    descriptor: { type: Number(first(d, 1) ?? 0n), path: (d[3] ?? []).map(text) },
    endpoints: (m[3] ?? []).map((e) => {
      const em = decode(e);
      return { ticket: first(decode(first(em, 1) ?? new Uint8Array()), 1) ?? new Uint8Array(),
               locations: (em[2] ?? []).map((l) => text(first(decode(l), 1))) };
    }),
    totalRecords: Number(BigInt.asIntN(64, first(m, 4) ?? 0n)),
    totalBytes: Number(BigInt.asIntN(64, first(m, 5) ?? 0n)),
  };
}

// --- IPC stream <-> FlightData -----------------------------------------------

/** FlightData messages for an IPC stream written by apache-arrow (descriptor on the first). */
export function flightDataFromStream(bytes, descriptor) {
  const out = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    let length = view.getInt32(pos, true);
    pos += 4;
    if (length === -1) { length = view.getInt32(pos, true); pos += 4; }
    if (length === 0) break;
    const metadata = bytes.subarray(pos, pos + length);
    const bodyLength = Number(Message.decode(metadata).bodyLength);
    const body = bytes.subarray(pos + length, pos + length + bodyLength);
    out.push(encode([[1, out.length === 0 ? descriptor : undefined], [2, metadata], [1000, bodyLength ? body : undefined]]));
    pos += length + bodyLength;
  }
  return out;
}

/** An IPC stream (for apache-arrow's reader) from received FlightData; app_metadata collected on the side. */
export function streamFromFlightData(messages) {
  const parts = [];
  const appMetadata = [];
  for (const raw of messages) {
    const m = decode(raw);
    if (m[3]) appMetadata.push(text(first(m, 3)));
    const header = first(m, 2);
    if (!header || header.length === 0) continue;
    const body = first(m, 1000) ?? new Uint8Array();
    const padded = (header.length + 7) & ~7;
    const prefix = Buffer.alloc(8 + padded);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(padded, 4);
    Buffer.from(header).copy(prefix, 8);
    parts.push(prefix, body);
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return { stream: Buffer.concat(parts), appMetadata };
}

// --- calls -------------------------------------------------------------------

const identity = (x) => x;

export class FlightClient {
  constructor(address) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX, 'grpc.max_send_message_length': MAX,
    });
    this.headers = {};
  }
  close() { this.client.close(); }
  metadata() {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(this.headers)) md.set(k, v);
    return md;
  }
  unary(method, request) {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(SERVICE + method, identity, identity, request, this.metadata(),
        (err, res) => (err ? reject(err) : resolve(res)));
    });
  }
  serverStream(method, request) {
    return new Promise((resolve, reject) => {
      const call = this.client.makeServerStreamRequest(SERVICE + method, identity, identity, request, this.metadata());
      const out = [];
      call.on('data', (d) => out.push(d));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }
  /** Sends `requests`, half-closes, collects responses; resolves {responses, headers}. */
  bidi(method, requests, extraHeaders = {}) {
    return new Promise((resolve, reject) => {
      const md = this.metadata();
      for (const [k, v] of Object.entries(extraHeaders)) md.set(k, v);
      const call = this.client.makeBidiStreamRequest(SERVICE + method, identity, identity, md);
      const responses = [];
      let headers = null;
      call.on('metadata', (m) => { headers = m; });
      call.on('data', (d) => responses.push(d));
      call.on('error', reject);
      call.on('end', () => resolve({ responses, headers }));
      for (const r of requests) call.write(r);
      call.end();
    });
  }
}
