// Hangar's Flight server against a Flight client built from @grpc/grpc-js and
// Arrow's own JavaScript implementation (lib/flight_wire.mjs): put, list,
// describe, get (by ticket and by bare name), schema, actions, errors, and
// Basic -> Bearer authentication with permissions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  tableFromArrays, tableToIPC, tableFromIPC, vectorFromArray, Utf8, Int32, Float64, Dictionary,
  makeTable, Table, RecordBatchReader,
} from 'apache-arrow';
import {
  FlightClient, encode, decode, pathDescriptor, decodeFlightInfo, flightDataFromStream, streamFromFlightData,
} from './lib/flight_wire.mjs';
import { serve, stopServers, schemaOf, rowsOf, put, get, grpcCode, addUsers } from './lib/hangar_server.mjs';

after(() => stopServers());

function sampleTable(offset, rows) {
  const ids = Int32Array.from({ length: rows }, (_, i) => offset + i);
  return makeTable({
    id: ids,
    price: Float64Array.from({ length: rows }, (_, i) => (offset + i) * 1.5),
  }).assign(new Table({
    name: vectorFromArray(Array.from({ length: rows }, (_, i) => ((offset + i) % 5 === 0 ? null : `n${offset + i}`)), new Utf8()),
    color: vectorFromArray(Array.from({ length: rows }, (_, i) => ['red', 'green', 'blue'][(offset + i) % 3]),
      new Dictionary(new Utf8(), new Int32())),
  }));
}

let client;
before(async () => {
  const { address } = await serve();
  client = new FlightClient(address);
});
after(() => client?.close());

test('DoPut of an apache-arrow table, then ListFlights, GetFlightInfo, GetSchema and DoGet', async () => {
  const table = sampleTable(0, 1000).concat(sampleTable(1000, 500));
  const results = await put(client, pathDescriptor('trips'), table);
  assert.equal(results.length, 1);
  const answer = JSON.parse(results[0]);
  assert.equal(answer.table, 'default.trips');
  assert.equal(answer.rows, 1500);
  assert.equal(answer.created, true);
  assert.ok(answer.bytes > 0, 'the put reports the Parquet bytes it wrote');

  const listed = (await client.serverStream('ListFlights', encode([]))).map(decodeFlightInfo);
  const trips = listed.find((i) => i.descriptor.path.join('/') === 'trips');
  assert.ok(trips, 'ListFlights lists the table');
  assert.equal(trips.totalRecords, 1500);

  const info = decodeFlightInfo(await client.unary('GetFlightInfo', pathDescriptor('default', 'trips')));
  assert.deepEqual(info.descriptor.path, ['default', 'trips'], 'the descriptor is echoed as asked');
  assert.equal(info.totalRecords, 1500);
  assert.equal(info.totalBytes, answer.bytes, 'total_bytes is the bytes on disk');
  const schema = schemaOf(info.schema);
  assert.deepEqual(schema.fields.map((f) => [f.name, String(f.type)]), table.schema.fields.map((f) => [f.name, String(f.type)]));

  const viaTicket = await get(client, info.endpoints[0].ticket);
  assert.equal(viaTicket.numRows, 1500);
  assert.deepEqual(rowsOf(viaTicket), rowsOf(table));
  const viaName = await get(client, 'trips');
  assert.deepEqual(rowsOf(viaName), rowsOf(table));

  const schemaResult = decode(await client.unary('GetSchema', pathDescriptor('trips')));
  const sameSchema = schemaOf(schemaResult[1][0]);
  assert.deepEqual(sameSchema.fields.map((f) => [f.name, String(f.type), f.nullable]),
    table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]));
});

test('a large DoGet arrives whole', async () => {
  const rows = 600000; // ~12 MiB over several batches
  const batches = [0, 1, 2].map((k) => sampleTable(k * rows / 3, rows / 3));
  await put(client, pathDescriptor('big'), batches[0].concat(batches[1], batches[2]));
  const back = await get(client, 'big');
  assert.equal(back.numRows, rows);
  let sum = 0;
  for (const v of back.getChild('id')) sum += v;
  assert.equal(sum, (rows - 1) * rows / 2);
});

test('errors: unknown table, schema mismatch, bad names, malformed data, DoExchange', async () => {
  const missing = await grpcCode(get(client, 'nowhere'));
  assert.equal(missing.code, grpc_NOT_FOUND);
  assert.match(missing.details, /nowhere/);

  await put(client, pathDescriptor('fixed'), sampleTable(0, 10));
  const other = tableFromArrays({ id: Int32Array.from([1]), extra: Float64Array.from([2]) });
  const mismatch = await grpcCode(put(client, pathDescriptor('fixed'), other));
  assert.equal(mismatch.code, grpc_INVALID_ARGUMENT);
  assert.match(mismatch.details, /price|extra/);
  assert.equal((await get(client, 'fixed')).numRows, 10, 'nothing of the refused stream was written');

  const badName = await grpcCode(put(client, pathDescriptor('..', 'etc'), sampleTable(0, 1)));
  assert.equal(badName.code, grpc_INVALID_ARGUMENT);

  const schemaOnly = flightDataFromStream(tableToIPC(sampleTable(0, 3), 'stream'), pathDescriptor('torn'))[0];
  const garbage = encode([[2, new TextEncoder().encode('not a flatbuffer at all')], [1000, new Uint8Array(16)]]);
  const malformed = await grpcCode(client.bidi('DoPut', [schemaOnly, garbage]));
  assert.equal(malformed.code, grpc_INVALID_ARGUMENT);
  assert.equal((await grpcCode(get(client, 'torn'))).code, grpc_NOT_FOUND, 'a torn upload leaves no table');

  // DoExchange is streaming ingest: into a table that exists (docs/durability.md).
  const exchange = await grpcCode(client.bidi('DoExchange', [encode([[1, pathDescriptor('no_such_table')]])]));
  assert.equal(exchange.code, grpc_NOT_FOUND);
  assert.match(exchange.details, /no_such_table/);
  const badRequest = await grpcCode(client.bidi('DoExchange',
    [encode([[1, pathDescriptor('fixed')], [3, JSON.stringify({ requested_durability: 'someday' })]])]));
  assert.equal(badRequest.code, grpc_INVALID_ARGUMENT);
  assert.match(badRequest.details, /someday/);
});

test('actions: ListActions, ListTables, DropTable, drop_dataset', async () => {
  const actions = (await client.serverStream('ListActions', encode([]))).map((a) => new TextDecoder().decode(decode(a)[1][0]));
  for (const name of ['ListTables', 'DropTable', 'drop_dataset']) assert.ok(actions.includes(name), name);
  await put(client, pathDescriptor('drop-me'), sampleTable(0, 3));
  await put(client, pathDescriptor('drop-me-too'), sampleTable(0, 3));
  const list = async () => JSON.parse(new TextDecoder().decode(
    decode((await client.serverStream('DoAction', encode([[1, 'ListTables']])))[0])[1][0]));
  assert.ok((await list()).includes('default.drop-me'));
  await client.serverStream('DoAction', encode([[1, 'drop_dataset'], [2, 'drop-me']]));
  await client.serverStream('DoAction', encode([[1, 'DropTable'], [2, JSON.stringify({ name: 'drop-me-too' })]]));
  const left = await list();
  assert.ok(!left.includes('default.drop-me') && !left.includes('default.drop-me-too'));
  const unknown = await grpcCode(client.serverStream('DoAction', encode([[1, 'NoSuchAction']])));
  assert.equal(unknown.code, grpc_UNIMPLEMENTED);
  assert.match(unknown.details, /NoSuchAction/);
});

test('Basic -> Bearer authentication and permissions', async () => {
  const users = addUsers([['writer', 'write:default.*'], ['reader', 'read:default.*']]);
  const { address } = await serve(['--users', users]);
  const anonymous = new FlightClient(address);
  const refused = await grpcCode(anonymous.serverStream('ListFlights', encode([])));
  assert.equal(refused.code, grpc_UNAUTHENTICATED);

  // Header Basic on Handshake -> Bearer in the response headers.
  const basic = `Basic ${Buffer.from('writer:writer-pw').toString('base64')}`;
  const { headers } = await anonymous.bidi('Handshake', [], { authorization: basic });
  const bearer = headers.get('authorization')[0];
  assert.match(bearer, /^Bearer hgr1\./);
  const writer = new FlightClient(address);
  writer.headers.authorization = bearer;
  await put(writer, pathDescriptor('secured'), sampleTable(0, 5));
  assert.equal((await get(writer, 'secured')).numRows, 5);

  const wrong = await grpcCode(anonymous.bidi('Handshake', [],
    { authorization: `Basic ${Buffer.from('writer:nope').toString('base64')}` }));
  assert.equal(wrong.code, grpc_UNAUTHENTICATED);

  // BasicAuth payload: the token comes back in the response payload.
  const payload = encode([[2, 'reader'], [3, 'reader-pw']]);
  const { responses } = await anonymous.bidi('Handshake', [encode([[2, payload]])]);
  const token = new TextDecoder().decode(decode(responses[0])[2][0]);
  const reader = new FlightClient(address);
  reader.headers.authorization = `Bearer ${token}`;
  assert.equal((await get(reader, 'secured')).numRows, 5);
  const denied = await grpcCode(put(reader, pathDescriptor('secured'), sampleTable(0, 1)));
  assert.equal(denied.code, grpc_PERMISSION_DENIED);
  assert.match(denied.details, /reader/);
  for (const c of [anonymous, writer, reader]) c.close();
});

const grpc_INVALID_ARGUMENT = 3;
const grpc_NOT_FOUND = 5;
const grpc_PERMISSION_DENIED = 7;
const grpc_UNIMPLEMENTED = 12;
const grpc_UNAUTHENTICATED = 16;
