// The Arrow cookbook's "Parquet storage service" flows against hangar serve,
// from a client built of @grpc/grpc-js and Arrow's own JavaScript
// implementation: upload, list, describe, download, drop; and a streaming
// upload and download of 1024 batches with the server's memory watched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tableFromArrays, RecordBatch, makeData, Int64, Field, Schema, Struct, RecordBatchStreamWriter, RecordBatchReader } from 'apache-arrow';
import { FlightClient, encode, decode, pathDescriptor, decodeFlightInfo, streamFromFlightData } from './lib/flight_wire.mjs';
import { serve, stopServers, schemaOf, rowsOf, put, get, getMessages } from './lib/hangar_server.mjs';

let client;
let server;
before(async () => {
  server = await serve();
  client = new FlightClient(server.address);
});
after(() => { client?.close(); stopServers(); });

const listFlights = async () => (await client.serverStream('ListFlights', encode([]))).map(decodeFlightInfo);
const action = (type, body) => client.serverStream('DoAction', encode([[1, type], [2, Buffer.from(body)]]));

test('cookbook: upload uploaded.parquet, list it, download it, drop it', async () => {
  const table = tableFromArrays({ a: Int32Array.from([1, 2, 3]), b: ['x', 'y', 'z'] });
  await put(client, pathDescriptor('uploaded.parquet'), table);

  const listed = await listFlights();
  const entry = listed.find((i) => i.descriptor.path.join('/') === 'uploaded.parquet');
  assert.ok(entry, 'ListFlights lists the upload under its path');
  assert.equal(entry.totalRecords, 3);
  assert.ok(entry.totalBytes > 0, 'the size on disk is reported');
  // apache-arrow makes the strings a dictionary column: it comes back as one.
  assert.deepEqual(schemaOf(entry.schema).fields.map((f) => [f.name, String(f.type)]),
    [['a', 'Int32'], ['b', 'Dictionary<Int32, Utf8>']]);

  const info = decodeFlightInfo(await client.unary('GetFlightInfo', pathDescriptor('uploaded.parquet')));
  assert.deepEqual(info.descriptor.path, ['uploaded.parquet']);
  assert.equal(info.totalRecords, 3);
  assert.equal(info.endpoints.length, 1);
  const back = await get(client, info.endpoints[0].ticket);
  assert.deepEqual(rowsOf(back), [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }]);

  const described = JSON.parse(new TextDecoder().decode(decode((await action('DescribeTable', '{"name": "uploaded.parquet"}'))[0])[1][0]));
  assert.equal(described.name, 'default.uploaded.parquet');
  assert.equal(described.rows, 3);
  assert.equal(described.bytes, info.totalBytes);

  await action('drop_dataset', 'uploaded.parquet');
  assert.equal((await listFlights()).find((i) => i.descriptor.path.join('/') === 'uploaded.parquet'), undefined,
    'ListFlights no longer lists it');
  await assert.rejects(client.unary('GetFlightInfo', pathDescriptor('uploaded.parquet')), (e) => e.code === 5);
});

/** The server's peak resident memory in bytes (VmHWM). */
function peakMemory() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

/** IPC stream bytes of `batches` batches of 4096 int64 rows that do not compress, numbered from `first`. */
function int64Stream(first, batches, rows = 4096) {
  const field = new Field('value', new Int64(), false);
  const schema = new Schema([field]);
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (let k = first; k < first + batches; ++k) {
    const values = BigInt64Array.from({ length: rows }, (_, i) => BigInt(k * rows + i) * 0x9e3779b97f4a7c15n % (1n << 62n));
    writer.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0,
      children: [makeData({ type: field.type, length: rows, nullCount: 0, data: values })] })));
  }
  writer.finish();
  return writer.toUint8Array(true);
}

/** Reads every endpoint of `name` batch by batch; resolves {rows, batches, sum}. */
async function readBack(name) {
  const info = decodeFlightInfo(await client.unary('GetFlightInfo', pathDescriptor(name)));
  let rows = 0, batches = 0, sum = 0n;
  for (const endpoint of info.endpoints) {
    const reader = RecordBatchReader.from(streamFromFlightData(await getMessages(client, endpoint.ticket)).stream);
    for (const b of reader) {
      const column = b.getChildAt(0);
      for (let i = 0; i < b.numRows; ++i) sum += column.get(i);
      rows += b.numRows;
      batches += 1;
    }
  }
  return { rows, batches, sum, info };
}

test('cookbook streaming: 1024 batches of 4096 int64 rows up and back, batch by batch, memory bounded', async () => {
  const rows = 4096;
  const start = peakMemory();
  const results = await put(client, pathDescriptor('stream'), int64Stream(0, 1024));
  assert.equal(JSON.parse(results[0]).rows, 1024 * rows);
  const back = await readBack('stream');
  assert.equal(back.info.totalRecords, 1024 * rows);
  assert.equal(back.rows, 1024 * rows);
  assert.ok(back.batches > 1, 'the table streams in several batches');
  let expected = 0n;
  for (let k = 0; k < 1024 * rows; ++k) expected += BigInt(k) * 0x9e3779b97f4a7c15n % (1n << 62n);
  assert.equal(back.sum, expected, 'every value came back');
  const first = peakMemory();

  // Three times as much data again: a server that holds a put or a table
  // whole (or leaks) needs at least that much more memory at its peak; a
  // streaming one stays near the peak of the first round.
  await put(client, pathDescriptor('stream3'), int64Stream(1024, 3072));
  assert.equal((await readBack('stream3')).rows, 3072 * rows);
  const second = peakMemory();
  const mib = (n) => (n / 2 ** 20).toFixed(1);
  console.log(`server peak memory: +${mib(first - start)} MiB after 32 MiB up and back, +${mib(second - first)} MiB more after 96 MiB`);
  assert.ok(second - first < 64 * 2 ** 20,
    `the server's peak memory grew by ${mib(second - first)} MiB for 96 MiB more data`);
});

test('several clients put and get the same and different tables at once', async () => {
  const clients = Array.from({ length: 4 }, () => new FlightClient(server.address));
  const rowsPerPut = 2000, putsPerClient = 5;
  const tableFor = (c, k) => tableFromArrays({
    client: Int32Array.from({ length: rowsPerPut }, () => c),
    k: Int32Array.from({ length: rowsPerPut }, () => k),
    i: Float64Array.from({ length: rowsPerPut }, (_, i) => i),
  });
  try {
    await Promise.all(clients.map(async (cl, c) => {
      for (let k = 0; k < putsPerClient; ++k) {
        await put(cl, pathDescriptor('busy'), tableFor(c, k));               // everyone: the same table
        await put(cl, pathDescriptor(`mine_${c}`), tableFor(c, k));         // and one of its own
        const seen = await get(cl, 'busy');                                 // reads see whole puts only
        assert.equal(seen.numRows % rowsPerPut, 0, 'a read saw part of a put');
      }
    }));
    const busy = await get(client, 'busy');
    assert.equal(busy.numRows, clients.length * putsPerClient * rowsPerPut);
    const perPut = new Map();
    for (const row of busy.toArray()) perPut.set(`${row.client}/${row.k}`, (perPut.get(`${row.client}/${row.k}`) ?? 0) + 1);
    assert.equal(perPut.size, clients.length * putsPerClient);
    for (const n of perPut.values()) assert.equal(n, rowsPerPut);
    for (let c = 0; c < clients.length; ++c) assert.equal((await get(client, `mine_${c}`)).numRows, putsPerClient * rowsPerPut);
  } finally {
    for (const cl of clients) cl.close();
  }
});
