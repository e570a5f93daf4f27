// Flight SQL through Hangar, driven from JavaScript with Flight SQL's own
// messages (google.protobuf.Any-wrapped commands, written here from
// FlightSql.proto): statement queries over a table put by apache-arrow and
// the demo Kafka topic, every metadata command with its result schema
// checked field by field against the specification, prepared statements
// with parameters, errors, permissions and cancellation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable, vectorFromArray, tableToIPC, Utf8, Int64, Float64 } from 'apache-arrow';
import { FlightClient, encode, decode, decodeFlightInfo, pathDescriptor, flightDataFromStream } from './lib/flight_wire.mjs';
import { serve, stopServers, schemaOf, rowsOf, put, get, grpcCode, addUsers, bearer } from './lib/hangar_server.mjs';

const grpc = { CANCELLED: 1, INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7 };
const SQL = 'type.googleapis.com/arrow.flight.protocol.sql.';

/** A Flight SQL message wrapped in google.protobuf.Any. */
const any = (type, fields = []) => encode([[1, SQL + type], [2, encode(fields)]]);
const command = (type, fields) => encode([[1, 2], [2, any(type, fields)]]);  // a CMD descriptor
const text = (b) => new TextDecoder().decode(b);

let server, admin, analyst;

async function info(client, type, fields) {
  return decodeFlightInfo(await client.unary('GetFlightInfo', command(type, fields)));
}

/** GetFlightInfo then DoGet of its one endpoint: {info, table}. */
async function run(client, type, fields) {
  const i = await info(client, type, fields);
  assert.equal(i.endpoints.length, 1);
  return { info: i, table: await get(client, i.endpoints[0].ticket) };
}

const query = (client, sql) => run(client, 'CommandStatementQuery', [[1, sql]]);

async function action(client, type, body) {
  const results = await client.serverStream('DoAction', encode([[1, type], [2, body]]));
  return results.map((r) => decode(r)[1]?.[0] ?? new Uint8Array());
}

/** "name: Type [not null]" for each field, children included. */
function describe(schema) {
  const field = (f) => `${f.name}: ${f.type}${f.nullable ? '' : ' not null'}`;
  return schema.fields.map(field);
}

const people = makeTable({
  id: vectorFromArray([1n, 2n, 3n, 4n], new Int64()),
  name: vectorFromArray(['ada', 'bob', 'cy', 'dee'], new Utf8()),
  score: vectorFromArray([9.5, 7.25, null, 3], new Float64()),
});

before(async () => {
  const users = addUsers([['admin', 'admin:*'], ['analyst', 'read:default.people']]);
  server = await serve(['--dev-kafka', '--users', users]);
  admin = await bearer(server.address, 'admin', 'admin-pw');
  analyst = await bearer(server.address, 'analyst', 'analyst-pw');
  await put(admin, pathDescriptor('people'), people);
  await put(admin, pathDescriptor('secret'), makeTable({ x: vectorFromArray([42n], new Int64()) }));
});
after(() => {
  admin?.close();
  analyst?.close();
  stopServers();
});

test('a statement query reads a table put by apache-arrow, as `default.people` and as a bare name', async () => {
  const { info: i, table } = await query(admin, 'SELECT id, upper(name) AS name, score FROM default.people WHERE id > 1 ORDER BY id');
  assert.deepEqual(describe(schemaOf(i.schema)), ['id: Int64', 'name: Utf8', 'score: Float64']);
  assert.deepEqual(rowsOf(table), [
    { id: 2n, name: 'BOB', score: 7.25 }, { id: 3n, name: 'CY', score: null }, { id: 4n, name: 'DEE', score: 3 }]);
  const bare = await query(admin, 'SELECT count(*) AS n, sum(score) AS s FROM people');
  assert.deepEqual(rowsOf(bare.table), [{ n: 4n, s: 19.75 }]);
  // GetSchema gives the same schema without running.
  const schema = decode(await admin.unary('GetSchema', command('CommandStatementQuery', [[1, 'SELECT * FROM people']])))[1][0];
  assert.deepEqual(describe(schemaOf(schema)), ['id: Int64', 'name: Utf8', 'score: Float64']);
});

test('a query joins a table with a live topic, bounded by the high watermarks at its start', async () => {
  // The demo topic `orders`: 10,000 Avro records over 4 partitions.
  const topic = await query(admin, 'SELECT count(*) AS n, count(DISTINCT _partition) AS p, min(_offset) AS lo FROM kafka.orders');
  assert.deepEqual(rowsOf(topic.table), [{ n: 10000n, p: 4n, lo: 0n }]);
  const direct = await get(admin, 'orders/0');
  const joined = await query(admin, `
    SELECT p.name, count(*) AS orders FROM kafka.orders o JOIN people p ON p.id = o._partition
    GROUP BY p.name ORDER BY p.name`);
  const rows = rowsOf(joined.table);
  // Partitions 1..3 match people 1..3; partition 0 matches nobody.
  assert.deepEqual(rows.map((r) => r.name), ['ada', 'bob', 'cy']);
  const total = rows.reduce((s, r) => s + r.orders, 0n);
  assert.equal(total, 10000n - BigInt(direct.numRows));
});

test('errors: syntax, unknown tables, statements that are not queries, functions that read files', async () => {
  const cases = [
    ['SELEC 1', /syntax error/],
    ['SELECT * FROM default.nope', /nope/],
    ['SELECT * FROM nope', /no table named 'nope'/],
    ["SELECT * FROM read_csv('/etc/passwd')", /read_csv is not available/],
    ["SELECT * FROM '/etc/passwd'", /no table named/],
    ['DROP TABLE people', /only queries/],
    ['SELECT 1; SELECT 2', /exactly one SQL statement/],
  ];
  for (const [sql, message] of cases) {
    const r = await grpcCode(info(admin, 'CommandStatementQuery', [[1, sql]]));
    assert.equal(r.code, grpc.INVALID_ARGUMENT, `${sql}: ${r.details}`);
    assert.match(r.details, message, sql);
  }
  // Nothing was touched.
  assert.deepEqual(rowsOf((await query(admin, 'SELECT count(*) AS n FROM people')).table), [{ n: 4n }]);
});

/** DoPut of an update command (with parameter rows, if given); resolves DoPutUpdateResult.record_count. */
async function update(client, type, fields, params) {
  const descriptor = command(type, fields);
  const messages = params ? flightDataFromStream(tableToIPC(params, 'stream'), descriptor) : [encode([[1, descriptor]])];
  const { responses } = await client.bidi('DoPut', messages);
  assert.equal(responses.length, 1);
  return Number(decode(decode(responses[0])[1][0])[1]?.[0] ?? 0n);
}

test('INSERT INTO a table goes through the table write path, atomically', async () => {
  await put(admin, pathDescriptor('ledger'), makeTable({
    id: vectorFromArray([1n], new Int64()), who: vectorFromArray(['ada'], new Utf8()), amount: vectorFromArray([1.5], new Float64()) }));
  assert.equal(await update(admin, 'CommandStatementUpdate', [[1, "INSERT INTO ledger VALUES (2, 'bob', 2.5), (3, 'cy', NULL)"]]), 2);
  assert.equal(await update(admin, 'CommandStatementUpdate',
    [[1, 'INSERT INTO default.ledger (who, id) SELECT upper(name), id + 10 FROM people WHERE id <= 2']]), 2);
  const rows = rowsOf((await query(admin, 'SELECT * FROM ledger ORDER BY id')).table);
  assert.deepEqual(rows, [
    { id: 1n, who: 'ada', amount: 1.5 }, { id: 2n, who: 'bob', amount: 2.5 }, { id: 3n, who: 'cy', amount: null },
    { id: 11n, who: 'ADA', amount: null }, { id: 12n, who: 'BOB', amount: null }]);
  // The rows are in the table as DoGet serves it, with the table's own schema.
  const table = await get(admin, 'ledger');
  assert.equal(table.numRows, 5);
  assert.deepEqual(describe(table.schema), ['id: Int64', 'who: Utf8', 'amount: Float64']);

  // A prepared INSERT with parameter rows: all rows in one put.
  const [raw] = await action(admin, 'CreatePreparedStatement',
    any('ActionCreatePreparedStatementRequest', [[1, 'INSERT INTO ledger VALUES ($1, $2, $3)']]));
  const handle = decode(decode(raw)[2][0])[1][0];
  const params = makeTable({ a: vectorFromArray([20n, 21n], new Int64()), b: vectorFromArray(['x', 'y'], new Utf8()),
    c: vectorFromArray([0.5, 0.25], new Float64()) });
  assert.equal(await update(admin, 'CommandPreparedStatementUpdate', [[1, handle]], params), 2);
  assert.deepEqual(rowsOf((await query(admin, 'SELECT count(*) AS n, sum(amount) AS s FROM ledger')).table), [{ n: 7n, s: 4.75 }]);

  // Errors write nothing.
  const failures = [
    ["INSERT INTO ledger VALUES ('not a number', 'z', 1)", grpc.INVALID_ARGUMENT, /Conversion Error|could not convert/i],
    ['INSERT INTO ledger VALUES (1, 2)', grpc.INVALID_ARGUMENT, /names 3 columns but the query gives 2/],
    ['INSERT INTO ledger (nope) VALUES (1)', grpc.INVALID_ARGUMENT, /no column 'nope'/],
    ['INSERT INTO missing VALUES (1)', grpc.NOT_FOUND, /missing/],
    ['INSERT INTO kafka.orders VALUES (1)', grpc.INVALID_ARGUMENT, /topic/],
    ['DELETE FROM ledger', grpc.INVALID_ARGUMENT, /only update .* is INSERT INTO/],
  ];
  for (const [sql, code, message] of failures) {
    const r = await grpcCode(update(admin, 'CommandStatementUpdate', [[1, sql]]));
    assert.equal(r.code, code, `${sql}: ${r.details}`);
    assert.match(r.details, message, sql);
  }
  assert.deepEqual(rowsOf((await query(admin, 'SELECT count(*) AS n FROM ledger')).table), [{ n: 7n }]);
  // Writing needs write permission on the table, reading its source read permission.
  const denied = await grpcCode(update(analyst, 'CommandStatementUpdate', [[1, 'INSERT INTO ledger SELECT 9, name, 0 FROM people']]));
  assert.equal(denied.code, grpc.PERMISSION_DENIED);
  assert.match(denied.details, /write permission on 'default.ledger'/);
});

test('rows acknowledged at memory by streaming ingest (DoExchange) are visible to SQL at once; idempotency keys', async () => {
  const schemaOnly = makeTable({ id: vectorFromArray([], new Int64()), what: vectorFromArray([], new Utf8()) });
  await put(admin, pathDescriptor('stream'), schemaOnly);  // an empty table
  const rows = makeTable({ id: vectorFromArray([1n, 2n, 3n], new Int64()), what: vectorFromArray(['a', 'b', 'c'], new Utf8()) });
  const filed = makeTable({ id: vectorFromArray([0n], new Int64()), what: vectorFromArray(['in a file'], new Utf8()) });
  const messages = flightDataFromStream(tableToIPC(rows, 'stream'), pathDescriptor('stream'));
  // After the schema: the WriteRequest, as app_metadata alone.
  messages.splice(1, 0, encode([[3, JSON.stringify({ requested_durability: 'memory' })]]));
  const { responses } = await admin.bidi('DoExchange', messages);
  const acks = responses.map((r) => JSON.parse(text(decode(r)[3][0])));
  assert.deepEqual(acks.map((a) => [a.batch, a.durability_level, a.error]), [[0, 'memory', null]]);
  assert.ok(acks[0].lsn > 0);
  const { table } = await query(admin, 'SELECT id, what FROM stream ORDER BY id');
  assert.deepEqual(rowsOf(table), [{ id: 1n, what: 'a' }, { id: 2n, what: 'b' }, { id: 3n, what: 'c' }]);
  // A second stream asks for `disk`: two acks per batch, in order.
  const more = flightDataFromStream(tableToIPC(rows, 'stream'), pathDescriptor('stream'));
  more.splice(1, 0, encode([[3, JSON.stringify({ requested_durability: 'disk' })]]));
  const second = (await admin.bidi('DoExchange', more)).responses.map((r) => JSON.parse(text(decode(r)[3][0])));
  assert.deepEqual(second.map((a) => a.durability_level), ['memory', 'disk']);
  assert.ok(second[0].lsn > acks[0].lsn);
  assert.deepEqual(rowsOf((await query(admin, 'SELECT count(*) AS n FROM stream')).table), [{ n: 6n }]);
  // A stream with an idempotency key, sent twice: the second time nothing is
  // written and every ack carries the first time's LSN.
  const keyed = async () => {
    const m = flightDataFromStream(tableToIPC(rows, 'stream'), pathDescriptor('stream'));
    m.splice(1, 0, encode([[3, JSON.stringify({ requested_durability: 'disk', idempotency_key: 'js-load' })]]));
    return (await admin.bidi('DoExchange', m)).responses.map((r) => JSON.parse(text(decode(r)[3][0])));
  };
  const firstTry = await keyed();
  const retry = await keyed();
  assert.deepEqual(firstTry.map((a) => [a.durability_level, a.duplicate ?? false, a.error]),
    [['memory', false, null], ['disk', false, null]]);
  assert.deepEqual(retry.map((a) => [a.durability_level, a.lsn, a.duplicate, a.error]),
    [['memory', firstTry[0].lsn, true, null], ['disk', firstTry[0].lsn, true, null]]);
  assert.deepEqual(rowsOf((await query(admin, 'SELECT count(*) AS n FROM stream')).table), [{ n: 9n }]);
  // Rows in files and rows in memory together (a DoPut appends a file).
  await put(admin, pathDescriptor('stream'), filed);
  const both = rowsOf((await query(admin, "SELECT what, count(*) AS n FROM stream GROUP BY what ORDER BY what")).table);
  assert.deepEqual(both, [{ what: 'a', n: 3n }, { what: 'b', n: 3n }, { what: 'c', n: 3n }, { what: 'in a file', n: 1n }]);
  assert.equal((await get(admin, 'stream')).numRows, 10);
});

test('permissions: a user reads only the tables and topics granted', async () => {
  const ok = await query(analyst, 'SELECT count(*) AS n FROM people');
  assert.deepEqual(rowsOf(ok.table), [{ n: 4n }]);
  for (const sql of ['SELECT * FROM secret', 'SELECT * FROM people, default.secret',
    'SELECT * FROM people WHERE id IN (SELECT x FROM secret)', 'SELECT * FROM kafka.orders',
    'WITH people AS (SELECT 1) SELECT * FROM (SELECT * FROM secret)']) {
    const r = await grpcCode(info(analyst, 'CommandStatementQuery', [[1, sql]]));
    assert.equal(r.code, grpc.PERMISSION_DENIED, `${sql}: ${r.details}`);
    assert.match(r.details, /analyst.*read permission on '(default\.secret|kafka\.orders)'/);
  }
  // A ticket made for the admin does not read for the analyst either.
  const i = await info(admin, 'CommandStatementQuery', [[1, 'SELECT * FROM secret']]);
  assert.equal((await grpcCode(get(analyst, i.endpoints[0].ticket))).code, grpc.PERMISSION_DENIED);
  // Metadata is open to any authenticated user.
  const tables = await run(analyst, 'CommandGetTables', []);
  assert.ok(tables.table.numRows >= 3);
});

test('metadata commands answer with the schemas the Flight SQL specification prescribes', async () => {
  const expected = {
    CommandGetCatalogs: ['catalog_name: Utf8 not null'],
    CommandGetDbSchemas: ['catalog_name: Utf8', 'db_schema_name: Utf8 not null'],
    CommandGetTables: ['catalog_name: Utf8', 'db_schema_name: Utf8', 'table_name: Utf8 not null', 'table_type: Utf8 not null'],
    CommandGetTableTypes: ['table_type: Utf8 not null'],
    CommandGetPrimaryKeys: ['catalog_name: Utf8', 'db_schema_name: Utf8', 'table_name: Utf8 not null',
      'column_name: Utf8 not null', 'key_sequence: Int32 not null', 'key_name: Utf8'],
    CommandGetXdbcTypeInfo: ['type_name: Utf8 not null', 'data_type: Int32 not null', 'column_size: Int32',
      'literal_prefix: Utf8', 'literal_suffix: Utf8', 'create_params: List<Utf8>', 'nullable: Int32 not null',
      'case_sensitive: Bool not null', 'searchable: Int32 not null', 'unsigned_attribute: Bool',
      'fixed_prec_scale: Bool not null', 'auto_increment: Bool', 'local_type_name: Utf8', 'minimum_scale: Int32',
      'maximum_scale: Int32', 'sql_data_type: Int32 not null', 'datetime_subcode: Int32', 'num_prec_radix: Int32',
      'interval_precision: Int32'],
  };
  const keys = ['pk_catalog_name: Utf8', 'pk_db_schema_name: Utf8', 'pk_table_name: Utf8 not null',
    'pk_column_name: Utf8 not null', 'fk_catalog_name: Utf8', 'fk_db_schema_name: Utf8', 'fk_table_name: Utf8 not null',
    'fk_column_name: Utf8 not null', 'key_sequence: Int32 not null', 'fk_key_name: Utf8', 'pk_key_name: Utf8',
    'update_rule: Uint8 not null', 'delete_rule: Uint8 not null'];
  expected.CommandGetExportedKeys = keys;
  expected.CommandGetImportedKeys = keys;
  expected.CommandGetCrossReference = keys;
  const fields = { CommandGetPrimaryKeys: [[3, 'people']], CommandGetExportedKeys: [[3, 'people']],
    CommandGetImportedKeys: [[3, 'people']], CommandGetCrossReference: [[3, 'people'], [6, 'people']] };
  for (const [type, schema] of Object.entries(expected)) {
    const { info: i, table } = await run(admin, type, fields[type] ?? []);
    assert.deepEqual(describe(schemaOf(i.schema)), schema, `${type} FlightInfo schema`);
    assert.deepEqual(describe(table.schema), schema, `${type} stream schema`);
  }
  // Rows.
  assert.equal((await run(admin, 'CommandGetCatalogs', [])).table.numRows, 0);  // no catalogs
  assert.deepEqual(rowsOf((await run(admin, 'CommandGetTableTypes', [])).table).map((r) => r.table_type), ['TABLE', 'TOPIC']);
  const schemas = rowsOf((await run(admin, 'CommandGetDbSchemas', [])).table).map((r) => r.db_schema_name);
  assert.deepEqual(schemas, ['default', 'kafka']);
  const tables = rowsOf((await run(admin, 'CommandGetTables', [])).table).map((r) => `${r.db_schema_name}.${r.table_name}:${r.table_type}`);
  assert.ok(tables.includes('default.people:TABLE') && tables.includes('kafka.orders:TOPIC'), tables.join());
  const filtered = await run(admin, 'CommandGetTables', [[2, 'def%'], [3, 'p_op%'], [4, 'TABLE'], [5, 1]]);
  assert.deepEqual(describe(filtered.table.schema).at(-1), 'table_schema: Binary not null');
  assert.deepEqual(rowsOf(filtered.table).map((r) => r.table_name), ['people']);
  assert.deepEqual(describe(schemaOf(filtered.table.getChild('table_schema').get(0))),
    ['id: Int64', 'name: Utf8', 'score: Float64']);
  const types = rowsOf((await run(admin, 'CommandGetXdbcTypeInfo', [])).table);
  assert.ok(types.some((t) => t.type_name === 'BIGINT' && t.data_type === -5));
  const dataTypes = types.map((t) => t.data_type);
  assert.deepEqual(dataTypes, [...dataTypes].sort((a, b) => a - b), 'ordered by data_type');
  const varchar = rowsOf((await run(admin, 'CommandGetXdbcTypeInfo', [[1, 12]])).table);
  assert.deepEqual(varchar.map((t) => t.type_name), ['VARCHAR']);
});

test('GetSqlInfo: the union-typed schema of the specification and real values', async () => {
  const { info: i, table } = await run(admin, 'CommandGetSqlInfo', [[1, 0], [1, 4], [1, 504], [1, 508], [1, 9], [1, 100]]);
  const schema = schemaOf(i.schema);
  assert.deepEqual(schema.fields.map((f) => [f.name, f.nullable]), [['info_name', false], ['value', false]]);
  assert.equal(String(schema.fields[0].type), 'Uint32');
  const union = schema.fields[1].type;
  assert.equal(union.mode, 1 /* Dense */);
  assert.deepEqual(union.children.map((c) => c.name),
    ['string_value', 'bool_value', 'bigint_value', 'int32_bitmask', 'string_list', 'int32_to_int32_list_map']);
  assert.deepEqual([...union.typeIds], [0, 1, 2, 3, 4, 5]);
  assert.equal(String(union.children[4].type), 'List<Utf8>');
  assert.equal(union.children[4].type.children[0].name, 'item');
  assert.deepEqual(union.children.map((c) => c.nullable), [false, false, false, false, false, false]);
  const values = Object.fromEntries(rowsOf(table).map((r) => [r.info_name, r.value]));
  assert.equal(values[0], 'Hangar');
  assert.equal(values[4], true);
  assert.equal(values[504], '"');
  assert.equal(values[9], true);
  assert.equal(values[100], 3600000, 'prepared statements expire after an hour unused');
  assert.ok([...values[508]].map((k) => k.toUpperCase()).includes('SELECT'), 'SQL keywords come from DuckDB');
});

test('prepared statements: schemas, parameters bound by DoPut, several rows, close', async () => {
  const [raw] = await action(admin, 'CreatePreparedStatement',
    any('ActionCreatePreparedStatementRequest', [[1, 'SELECT name, score FROM people WHERE id >= $1 AND name <> $2 ORDER BY id']]));
  const wrapped = decode(raw);
  assert.equal(text(wrapped[1][0]), SQL + 'ActionCreatePreparedStatementResult');
  const result = decode(wrapped[2][0]);
  const handle = result[1][0];
  assert.deepEqual(describe(schemaOf(result[2][0])), ['name: Utf8', 'score: Float64']);
  assert.equal(schemaOf(result[3][0]).fields.length, 2);

  const params = makeTable({ a: vectorFromArray([2n, 4n], new Int64()), b: vectorFromArray(['cy', 'x'], new Utf8()) });
  const putResults = await admin.bidi('DoPut',
    flightDataFromStream(tableToIPC(params, 'stream'), command('CommandPreparedStatementQuery', [[1, handle]])));
  assert.equal(putResults.responses.length, 1);
  const { table } = await run(admin, 'CommandPreparedStatementQuery', [[1, handle]]);
  // One run per parameter row, one after the other.
  assert.deepEqual(rowsOf(table).map((r) => r.name), ['bob', 'dee', 'dee']);

  await action(admin, 'ClosePreparedStatement', any('ActionClosePreparedStatementRequest', [[1, handle]]));
  const closed = await grpcCode(info(admin, 'CommandPreparedStatementQuery', [[1, handle]]));
  assert.equal(closed.code, grpc.NOT_FOUND);
  // Another user cannot use someone else's handle.
  const [other] = await action(admin, 'CreatePreparedStatement',
    any('ActionCreatePreparedStatementRequest', [[1, 'SELECT 1 AS one']]));
  const otherHandle = decode(decode(other)[2][0])[1][0];
  assert.equal((await grpcCode(info(analyst, 'CommandPreparedStatementQuery', [[1, otherHandle]]))).code, grpc.NOT_FOUND);
  assert.deepEqual(rowsOf((await run(admin, 'CommandPreparedStatementQuery', [[1, otherHandle]])).table), [{ one: 1 }]);
});

test('CancelFlightInfo stops a running query; the client sees CANCELLED', async () => {
  const long = 'SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(200000) b';
  const rawInfo = await admin.unary('GetFlightInfo', command('CommandStatementQuery', [[1, long]]));
  const i = decodeFlightInfo(rawInfo);
  const started = Date.now();
  const running = grpcCode(get(admin, i.endpoints[0].ticket));
  await new Promise((r) => setTimeout(r, 500));
  const [answer] = await action(admin, 'CancelFlightInfo', encode([[1, rawInfo]]));
  assert.equal(Number(decode(answer)[1]?.[0] ?? 0n), 1 /* CANCEL_STATUS_CANCELLED */);
  const outcome = await running;
  assert.equal(outcome.code, grpc.CANCELLED, outcome.details);
  assert.match(outcome.details, /cancelled/);
  assert.ok(Date.now() - started < 20000);
  // Cancelling again: nothing runs any more.
  const [again] = await action(admin, 'CancelFlightInfo', encode([[1, rawInfo]]));
  assert.equal(Number(decode(again)[1]?.[0] ?? 0n), 3 /* CANCEL_STATUS_NOT_CANCELLABLE */);
});

test('--query-timeout interrupts a query that runs too long', async () => {
  const limited = await serve(['--query-timeout', '0.5']);
  const client = new FlightClient(limited.address);
  try {
    const r = await grpcCode(query(client, 'SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b'));
    assert.equal(r.code, grpc.CANCELLED, r.details);
    assert.match(r.details, /longer than the server's limit of 500 ms/);
    assert.deepEqual(rowsOf((await query(client, 'SELECT 41 + 1 AS answer')).table), [{ answer: 42 }]);
  } finally {
    client.close();
  }
});
