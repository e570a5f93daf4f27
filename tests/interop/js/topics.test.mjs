// Kafka topics through Hangar, driven the way the Redpanda Flight prototype's
// clients drive it: a schema registered in `_schemas` and Avro messages
// produced by independent clients (kafkajs, and avsc for Avro), then
// ListFlights and DoGet `flight_test/0` with Basic auth. And the other way:
// an apache-arrow table put into a topic through Hangar, consumed by kafkajs
// and decoded by avsc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { makeTable, Table, vectorFromArray, Utf8, Int32, Float64 } from 'apache-arrow';
import { FlightClient, encode, decode, pathDescriptor, decodeFlightInfo, streamFromFlightData } from './lib/flight_wire.mjs';
import { serve, stopServers, schemaOf, rowsOf, put, get, getMessages, grpcCode, addUsers, bearer } from './lib/hangar_server.mjs';

const grpc_INVALID_ARGUMENT = 3;
const grpc_NOT_FOUND = 5;
const grpc_PERMISSION_DENIED = 7;

// The Redpanda Flight prototype's test schema.
const flightTestSchema = {
  type: 'record', name: 'flight_test', fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int', default: -1 },
    { name: 'score', type: ['null', 'float'], default: null },
  ],
};
const people = [
  { name: 'alice', age: 31, score: 9.5 },
  { name: 'bob', age: -1, score: null },
  { name: 'carol', age: 45, score: 7.25 },
];

let server;
let kafka;
let producer;
let analyst;  // Bearer-authenticated client with read on kafka.flight_test only
let writer;   // read and write on kafka.*

/** The Confluent wire format: magic 0, big-endian schema id, Avro. */
function framed(id, type, record) {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, type.toBuffer(record)]);
}

before(async () => {
  const users = addUsers([['analyst', 'read:kafka.flight_test'], ['writer', 'write:kafka.*']]);
  server = await serve(['--dev-kafka', '--users', users]);
  assert.ok(server.kafka, 'the server names its development Kafka cluster');
  kafka = new Kafka({ clientId: 'hangar-js-test', brokers: [server.kafka], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  analyst = await bearer(server.address, 'analyst', 'analyst-pw');
  writer = await bearer(server.address, 'writer', 'writer-pw');
});
after(async () => {
  await producer?.disconnect();
  analyst?.close();
  writer?.close();
  stopServers();
});

test('a topic filled by independent clients reads back through DoGet flight_test/0', async () => {
  const subject = 'flight_test-value';
  const id = 100;
  await producer.send({
    topic: '_schemas',
    messages: [{
      key: JSON.stringify({ keytype: 'SCHEMA', subject, version: 1, magic: 1 }),
      value: JSON.stringify({ subject, version: 1, id, schema: JSON.stringify(flightTestSchema), deleted: false }),
    }],
  });
  const type = avro.Type.forSchema(flightTestSchema);
  await producer.send({
    topic: 'flight_test',
    messages: people.map((p, i) => ({ key: `k${i}`, value: framed(id, type, p), partition: 0, timestamp: String(1700000000000 + i) })),
  });

  // ListFlights shows the topic.
  const listed = (await writer.serverStream('ListFlights', encode([]))).map(decodeFlightInfo);
  const flight = listed.find((f) => f.descriptor.path.join('/') === 'kafka/flight_test');
  assert.ok(flight, `flight_test is listed among ${listed.map((f) => f.descriptor.path.join('/'))}`);
  assert.equal(flight.totalRecords, 3);
  assert.deepEqual(schemaOf(flight.schema).fields.map((f) => f.name),
    ['name', 'age', 'score', '_partition', '_offset', '_timestamp', '_key']);

  // The hand-written ticket, as the prototype's clients send it.
  const table = await get(analyst, 'flight_test/0');
  assert.equal(table.numRows, 3);
  const rows = rowsOf(table);
  assert.deepEqual(rows.map((r) => ({ name: r.name, age: r.age, score: r.score })), people);
  assert.deepEqual(rows.map((r) => Number(r._offset)), [0, 1, 2]);
  assert.deepEqual(rows.map((r) => r._partition), [0, 0, 0]);
  assert.deepEqual(rows.map((r) => Number(r._timestamp)), [1700000000000, 1700000000001, 1700000000002]);
  assert.deepEqual(rows.map((r) => Buffer.from(r._key).toString()), ['k0', 'k1', 'k2']);

  // The trailer says where to continue.
  const { appMetadata } = streamFromFlightData(await getMessages(analyst, 'flight_test/0'));
  assert.deepEqual(JSON.parse(appMetadata.at(-1)), { topic: 'flight_test', partition: 0, records: 3, skipped: 0, next_offset: 3 });

  // FlightInfo endpoints carry JSON tickets with the descriptor's options.
  const info = decodeFlightInfo((await analyst.unary('GetFlightInfo',
    encode([[1, 2], [2, JSON.stringify({ topic: 'flight_test', start_offset: 1, metadata: ['_offset'] })]]))));
  assert.equal(info.totalRecords, 2);
  const ranged = await get(analyst, info.endpoints[0].ticket);
  assert.deepEqual(rowsOf(ranged).map((r) => [r.name, Number(r._offset)]), [['bob', 1], ['carol', 2]]);
  assert.deepEqual(ranged.schema.fields.map((f) => f.name), ['name', 'age', 'score', '_offset']);
});

test('topic errors: permissions, unknown topics and partitions, bad tickets', async () => {
  const denied = await grpcCode(get(analyst, 'orders/0'));
  assert.equal(denied.code, grpc_PERMISSION_DENIED);
  const missing = await grpcCode(get(writer, 'no_such_topic/0'));
  assert.equal(missing.code, grpc_NOT_FOUND);
  assert.match(missing.details, /no_such_topic/);
  const partition = await grpcCode(get(writer, 'orders/99'));
  assert.equal(partition.code, grpc_NOT_FOUND);
  assert.match(partition.details, /no partition 99/);
  const option = await grpcCode(get(writer, JSON.stringify({ topic: 'orders', partition: 0, start_ofset: 3 })));
  assert.equal(option.code, grpc_INVALID_ARGUMENT);
  assert.match(option.details, /start_ofset/);
});

test('an apache-arrow table put into a topic is consumed by kafkajs and decoded by avsc', async () => {
  // The development cluster creates a topic when a client first asks about it.
  const admin = kafka.admin();
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: ['js_people'] });
  await admin.disconnect();
  const partitions = decodeFlightInfo(await writer.unary('GetFlightInfo', pathDescriptor('kafka', 'js_people'))).endpoints;
  assert.ok(partitions.length >= 1);
  const rows = 20;
  const table = makeTable({ age: Int32Array.from({ length: rows }, (_, i) => i * 3) }).assign(new Table({
    name: vectorFromArray(Array.from({ length: rows }, (_, i) => `person${i}`), new Utf8()),
    score: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? null : i / 2)), new Float64()),
    _key: vectorFromArray(Array.from({ length: rows }, (_, i) => `key${i % 5}`), new Utf8()),
  }));
  const results = (await put(writer, pathDescriptor('kafka', 'js_people'), table)).map((r) => JSON.parse(r));
  assert.equal(results.length, 1);
  assert.equal(results[0].rows, rows);
  assert.equal(results[0].partitions.reduce((n, p) => n + p.messages, 0), rows);

  // Read back through Hangar: both partitions together hold every row.
  const back = [];
  for (const e of partitions) back.push(...rowsOf(await get(writer, e.ticket)));
  back.sort((a, b) => a.age - b.age);
  assert.deepEqual(back.map((r) => [r.age, r.name, r.score]),
    Array.from({ length: rows }, (_, i) => [i * 3, `person${i}`, i % 4 === 0 ? null : i / 2]));
  // A key always lands in the same partition.
  const partitionOf = new Map();
  for (const r of back) {
    const key = Buffer.from(r._key).toString();
    if (partitionOf.has(key)) assert.equal(partitionOf.get(key), r._partition);
    partitionOf.set(key, r._partition);
  }

  // Independent readers: kafkajs fetches the messages, avsc decodes them with the registered schema.
  const consumer = kafka.consumer({ groupId: 'hangar-js-check' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'js_people', fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${rows} messages consumed`)), 20000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
        if (seen.length === rows) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  const schemaId = results[0].schema_id;
  const registered = (await get(writer, JSON.stringify({ topic: '_schemas', partition: 0 })));
  const entry = rowsOf(registered).map((r) => JSON.parse(Buffer.from(r._value).toString()))
    .find((v) => v.id === schemaId);
  assert.ok(entry, `schema ${schemaId} is in _schemas`);
  assert.equal(entry.subject, 'js_people-value');
  const type = avro.Type.forSchema(JSON.parse(entry.schema));
  const decoded = seen.map((m) => {
    assert.equal(m.value[0], 0);
    assert.equal(m.value.readInt32BE(1), schemaId);
    return type.fromBuffer(m.value.subarray(5));
  }).sort((a, b) => a.age - b.age);
  assert.deepEqual(decoded.map((r) => [r.age, r.name, r.score]),
    Array.from({ length: rows }, (_, i) => [i * 3, `person${i}`, i % 4 === 0 ? null : i / 2]));
});
