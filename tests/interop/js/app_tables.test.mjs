// An application's tables from JavaScript: a `users` table with a primary
// key and an `events` table partitioned by day. CreateTable for both,
// upserts streamed through DoExchange at `disk` with acks per batch in LSN
// order, an upsert by DoPut, and every reader — DoGet, GetFlightInfo's row
// count, Flight SQL and GetPrimaryKeys — seeing the latest row per key;
// events written to their day's partition, GetFlightInfo with an endpoint
// per day, a descriptor choosing days; then ListTables, CompactTable and
// DropTable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable, makeData, makeVector, vectorFromArray, tableToIPC, Int32, Int64, Utf8, TimestampMicrosecond } from 'apache-arrow';
import { encode, decode, decodeFlightInfo, pathDescriptor, flightDataFromStream } from './lib/flight_wire.mjs';
import { serve, stopServers, rowsOf, put, get, grpcCode, bearer, addUsers } from './lib/hangar_server.mjs';

const grpc = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, UNIMPLEMENTED: 12 };
const SQL = 'type.googleapis.com/arrow.flight.protocol.sql.';
const any = (type, fields = []) => encode([[1, SQL + type], [2, encode(fields)]]);
const text = (b) => new TextDecoder().decode(b);

let server, client;

async function action(type, body) {
  const results = await client.serverStream('DoAction', encode([[1, type], [2, JSON.stringify(body)]]));
  return results.map((r) => JSON.parse(text(decode(r)[1]?.[0] ?? new Uint8Array())));
}

async function sql(statement) {
  const info = decodeFlightInfo(await client.unary('GetFlightInfo', encode([[1, 2], [2, any('CommandStatementQuery', [[1, statement]])]])));
  return rowsOf(await get(client, info.endpoints[0].ticket));
}

const users = (rows) => makeTable({
  id: vectorFromArray(rows.map((r) => BigInt(r[0])), new Int64()),
  name: vectorFromArray(rows.map((r) => r[1]), new Utf8()),
  visits: vectorFromArray(rows.map((r) => r[2]), new Int32()),
});

/** Streams `tables` (one record batch each) into a table at `disk`; resolves the acks. */
async function exchange(tables, name = 'users', durability = 'disk') {
  let all = tables[0];
  for (const t of tables.slice(1)) all = all.concat(t);
  assert.equal(all.batches.length, tables.length);
  const messages = flightDataFromStream(tableToIPC(all, 'stream'), pathDescriptor(name));
  messages.splice(1, 0, encode([[3, JSON.stringify({ table_name: name, requested_durability: durability })]]));
  const { responses } = await client.bidi('DoExchange', messages);
  return responses.map((r) => JSON.parse(text(decode(r)[3][0])));
}

/** DoGet of the whole table as [id, name, visits] rows. */
async function read() {
  return rowsOf(await get(client, 'users')).map((r) => [Number(r.id), r.name, r.visits]);
}

before(async () => {
  server = await serve(['--users', addUsers([['app', 'admin:*']])]);
  client = await bearer(server.address, 'app', 'app-pw');
});
after(() => { client?.close(); stopServers(); });

test('CreateTable users with a primary key; refusals name what is wrong', async () => {
  const schema_json = JSON.stringify({ fields: [
    { name: 'id', type: 'int64', nullable: false }, { name: 'name', type: 'utf8' }, { name: 'visits', type: 'int32' }] });
  const [created] = await action('CreateTable', { name: 'users', schema_json, primary_key: ['id'], table_type: 'primary_key' });
  assert.equal(created.table_type, 'primary_key');
  assert.deepEqual(created.primary_key, ['id']);
  assert.equal(created.rows, 0);

  const noColumn = await grpcCode(action('CreateTable', { name: 'bad', schema_json, primary_key: ['email'] }));
  assert.equal(noColumn.code, grpc.INVALID_ARGUMENT);
  assert.match(noColumn.details, /primary key column 'email' is not a field/);
  const noKey = await grpcCode(action('CreateTable', { name: 'bad', schema_json, table_type: 'primary_key' }));
  assert.equal(noKey.code, grpc.INVALID_ARGUMENT);
  assert.match(noKey.details, /needs "primary_key"/);
  const badSpec = await grpcCode(action('CreateTable', { name: 'bad', schema_json,
    partition_spec: { spec_id: 0, fields: [{ source_name: 'name', transform: 'day' }] } }));
  assert.equal(badSpec.code, grpc.INVALID_ARGUMENT);
  assert.match(badSpec.details, /transform day does not take column 'name' of type utf8/);
  const notKey = await grpcCode(action('CreateTable', { name: 'bad', schema_json, primary_key: 'id',
    partition_spec: { fields: [{ source_name: 'visits', transform: 'bucket[4]' }] } }));
  assert.equal(notKey.code, grpc.INVALID_ARGUMENT);
  assert.match(notKey.details, /'visits' is not a primary key column/);
});

test('upserts through DoExchange at disk: acks per batch in LSN order, every reader sees the latest row per key', async () => {
  const acks = await exchange([
    users([[1, 'ada', 1], [2, 'bob', 1], [3, 'cy', 1]]),
    users([[2, 'bob', 2], [4, 'dee', 1]]),
    users([[1, 'ada', 2], [1, 'ada', 3]]),  // twice in one batch: the last row wins
  ]);
  assert.ok(acks.every((a) => a.error === null), JSON.stringify(acks));
  // Each level in batch order, and each batch's memory ack before its disk ack.
  for (const level of ['memory', 'disk'])
    assert.deepEqual(acks.filter((a) => a.durability_level === level).map((a) => a.batch), [0, 1, 2], level);
  for (const batch of [0, 1, 2])
    assert.deepEqual(acks.filter((a) => a.batch === batch).map((a) => a.durability_level), ['memory', 'disk']);
  const lsns = acks.filter((a) => a.durability_level === 'disk').map((a) => a.lsn);
  assert.ok(lsns[0] < lsns[1] && lsns[1] < lsns[2], `increasing LSNs: ${lsns}`);

  const want = [[1, 'ada', 3], [2, 'bob', 2], [3, 'cy', 1], [4, 'dee', 1]];
  assert.deepEqual(await read(), want);
  const info = decodeFlightInfo(await client.unary('GetFlightInfo', pathDescriptor('users')));
  assert.equal(Number(info.totalRecords), 4);
  assert.deepEqual(await sql('SELECT count(*) AS n, sum(visits)::BIGINT AS v FROM users'), [{ n: 4n, v: 7n }]);
  assert.deepEqual(await sql('SELECT name, visits FROM default.users WHERE id = 1'), [{ name: 'ada', visits: 3 }]);
  const keys = decodeFlightInfo(await client.unary('GetFlightInfo', encode([[1, 2], [2, any('CommandGetPrimaryKeys', [[3, 'users']])]])));
  const keyRows = rowsOf(await get(client, keys.endpoints[0].ticket));
  assert.deepEqual(keyRows.map((r) => [r.db_schema_name, r.table_name, r.column_name, r.key_sequence]),
    [['default', 'users', 'id', 1]]);

  // A DoPut is an upsert too, newer than every row before it.
  await put(client, pathDescriptor('users'), users([[3, 'cy', 9], [5, 'eve', 1]]));
  want[2] = [3, 'cy', 9];
  want.push([5, 'eve', 1]);
  assert.deepEqual(await read(), want);
  // And a row without a key is refused, acked with its error; the stream goes on.
  const withNull = makeTable({ id: vectorFromArray([null], new Int64()), name: vectorFromArray(['nobody'], new Utf8()),
    visits: vectorFromArray([0], new Int32()) });
  const refused = await grpcCode(put(client, pathDescriptor('users'), withNull));
  assert.equal(refused.code, grpc.INVALID_ARGUMENT);
  assert.match(refused.details, /'id' is declared not null|primary key column 'id' has nulls/);
  assert.deepEqual(await read(), want);
});

const day = (d) => BigInt(Date.UTC(2024, 0, d)) * 1000n;  // microseconds
const events = (rows) => makeTable({
  // Raw microseconds (apache-arrow's builder would take milliseconds as numbers).
  at: makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: rows.length,
    data: BigInt64Array.from(rows.map((r) => r[0])) })),
  user: vectorFromArray(rows.map((r) => BigInt(r[1])), new Int64()),
  what: vectorFromArray(rows.map((r) => r[2]), new Utf8()),
});

test('events partitioned by day: a folder per day, an endpoint per day, a descriptor choosing days', async () => {
  const schema_json = JSON.stringify({ fields: [{ name: 'at', type: 'timestamp[us, UTC]', nullable: false },
    { name: 'user', type: 'int64' }, { name: 'what', type: 'utf8' }] });
  const [created] = await action('CreateTable', { name: 'events', schema_json, table_type: 'append_only',
    partition_spec: { spec_id: 0, fields: [{ source_name: 'at', field_id: 1000, name: 'at_day', transform: 'Day' }] } });
  assert.equal(created.table_type, 'append_only');
  assert.deepEqual(created.partition_spec.fields, [{ source_name: 'at', field_id: 1000, name: 'at_day', transform: 'day' }]);
  const acks = await exchange([
    events([[day(1), 1, 'login'], [day(2), 1, 'click'], [day(2) + 5n, 2, 'login']]),
    events([[day(3), 3, 'login'], [day(1) + 7n, 2, 'logout']]),
  ], 'events');
  assert.ok(acks.every((a) => a.error === null), JSON.stringify(acks));
  assert.deepEqual(acks.filter((a) => a.durability_level === 'disk').map((a) => a.batch), [0, 1]);
  // Rows in memory: one endpoint; a descriptor choosing a day reads that day only.
  const choose = (partitions) => encode([[1, 2], [2, JSON.stringify({ table: 'events', partitions })]]);
  const jan2 = decodeFlightInfo(await client.unary('GetFlightInfo', choose(['at_day=2024-01-02'])));
  assert.equal(jan2.totalRecords, 2);
  assert.deepEqual(rowsOf(await get(client, jan2.endpoints[0].ticket)).map((r) => r.what).sort(), ['click', 'login']);
  // A batch asking for `committed` has the memtable flushed into Parquet,
  // each row into its day's folder, and a DoPut appends more: an endpoint per day.
  const committed = await exchange([events([[day(2) + 9n, 5, 'click']])], 'events', 'committed');
  assert.deepEqual(committed.map((a) => a.durability_level), ['memory', 'disk', 'committed']);
  await put(client, pathDescriptor('events'), events([[day(3) + 1n, 4, 'click']]));
  const [described] = await action('DescribeTable', { name: 'events' });
  assert.equal(described.rows, 7);
  assert.equal(described.memtable_rows, 0);
  assert.deepEqual([...new Set(described.files.map((f) => f.partition))].sort(),
    ['at_day=2024-01-01', 'at_day=2024-01-02', 'at_day=2024-01-03']);
  const all = decodeFlightInfo(await client.unary('GetFlightInfo', pathDescriptor('events')));
  assert.equal(all.totalRecords, 7);
  const perDay = [];
  // apache-arrow reads timestamps as milliseconds.
  const dayOf = (at) => new Date(typeof at === 'bigint' ? Number(at / 1000n) : at).getUTCDate();
  for (const e of all.endpoints) perDay.push(rowsOf(await get(client, e.ticket)).map((r) => dayOf(r.at)));
  for (const days of perDay) assert.equal(new Set(days).size, 1, `one day per endpoint: ${days}`);
  assert.deepEqual(perDay.flat().sort(), [1, 1, 2, 2, 2, 3, 3]);
  assert.equal(all.endpoints.length, 3);
  const two = decodeFlightInfo(await client.unary('GetFlightInfo', choose(['at_day=2024-01-01', 'at_day=2024-01-03'])));
  assert.equal(two.totalRecords, 4);
  assert.equal(two.endpoints.length, 2);
  assert.deepEqual(await sql(`SELECT count(*) AS n FROM events WHERE "at" >= TIMESTAMPTZ '2024-01-02 00:00:00+00'`), [{ n: 5n }]);
  const bad = await grpcCode(client.unary('GetFlightInfo', choose(['../x'])));
  assert.equal(bad.code, grpc.INVALID_ARGUMENT);
});

test('ListTables, CompactTable merging versions, DropTable', async () => {
  const [names] = await action('ListTables', {});
  assert.ok(names.includes('default.users') && names.includes('default.events'), names.join());
  const [before] = await action('DescribeTable', { name: 'users' });
  assert.ok(before.stored_rows > before.rows, 'older versions are stored until compaction');
  const [compacted] = await action('CompactTable', { name: 'users' });
  assert.equal(compacted.files_after, 1);
  assert.equal(compacted.rows_after, 5);
  assert.deepEqual(await read(), [[1, 'ada', 3], [2, 'bob', 2], [3, 'cy', 9], [4, 'dee', 1], [5, 'eve', 1]]);
  const [dropped] = await action('DropTable', { name: 'users' });
  assert.equal(dropped.dropped, 'default.users');
  assert.equal((await grpcCode(get(client, 'users'))).code, grpc.NOT_FOUND);
  await action('DropTable', { name: 'events' });
  const [after] = await action('ListTables', {});
  assert.ok(!after.includes('default.users') && !after.includes('default.events'), after.join());
});
