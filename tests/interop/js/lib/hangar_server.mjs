// `hangar serve` for the interop tests, and the Flight calls they share:
// put an apache-arrow table, get a ticket's stream as a table.
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tableToIPC, tableFromIPC, RecordBatchReader } from 'apache-arrow';
import { binDir, scratchDir } from './hangar.mjs';
import { FlightClient, encode, decode, flightDataFromStream, streamFromFlightData } from './flight_wire.mjs';

const hangar = path.join(binDir, 'hangar');
const servers = [];

/**
 * Starts `hangar serve` on a free port; resolves {address, dir, pid, kafka} (kafka: the bootstrap address of
 * the development cluster with --dev-kafka). Every server is stopped by stopServers().
 */
export function serve(args = []) {
  return new Promise((resolve, reject) => {
    const dir = scratchDir();
    const child = spawn(hangar, ['serve', '--listen', '127.0.0.1:0', '--data-dir', path.join(dir, 'data'), ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    servers.push(child);
    let log = '';
    child.stderr.on('data', (d) => {
      log += d;
      const m = /serving Flight on grpc:\/\/(\S+)/.exec(log);
      const kafka = /development Kafka cluster at (\S+)/.exec(log)?.[1];
      if (m) resolve({ address: m[1], dir, pid: child.pid, kafka });
    });
    child.on('exit', (code) => reject(new Error(`hangar serve exited with ${code}: ${log}`)));
  });
}

/** A users file with `[name, permission]` pairs (password: `<name>-pw`); resolves its path. */
export function addUsers(users) {
  const file = path.join(scratchDir(), 'users.json');
  for (const [name, permission] of users) {
    const r = spawnSync(hangar, ['user', 'add', '--users', file, '--name', name, '--password-stdin',
      '--permission', permission], { input: `${name}-pw\n` });
    assert.equal(r.status, 0, String(r.stderr));
  }
  return file;
}

/** A client carrying the Bearer token that a Basic Handshake as `user` earned. */
export async function bearer(address, user, password) {
  const anonymous = new FlightClient(address);
  const { headers } = await anonymous.bidi('Handshake', [],
    { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  anonymous.close();
  const c = new FlightClient(address);
  c.headers.authorization = headers.get('authorization')[0];
  return c;
}

export function stopServers() {
  for (const s of servers) s.kill('SIGTERM');
}

/** The schema in FlightInfo.schema / SchemaResult.schema, read by apache-arrow. */
export function schemaOf(bytes) {
  const reader = RecordBatchReader.from(Buffer.concat([Buffer.from(bytes), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]));
  reader.open();
  return reader.schema;
}

export function rowsOf(table) {
  return table.toArray().map((r) => ({ ...r.toJSON() }));
}

/** DoPut of a table (or of IPC stream bytes); resolves the PutResults' app_metadata as text. */
export async function put(client, descriptor, tableOrBytes) {
  const bytes = tableOrBytes instanceof Uint8Array ? tableOrBytes : tableToIPC(tableOrBytes, 'stream');
  const messages = flightDataFromStream(bytes, descriptor);
  const { responses } = await client.bidi('DoPut', messages);
  return responses.map((r) => new TextDecoder().decode(decode(r)[1]?.[0] ?? new Uint8Array()));
}

/** DoGet; resolves the FlightData messages as they came. */
export function getMessages(client, ticket) {
  return client.serverStream('DoGet', encode([[1, ticket]]));
}

export async function get(client, ticket) {
  return tableFromIPC(streamFromFlightData(await getMessages(client, ticket)).stream);
}

/** The gRPC status a call ends with: {code, details} (code 0 when it succeeds). */
export async function grpcCode(promise) {
  try { await promise; } catch (e) { return { code: e.code, details: e.details }; }
  return { code: 0, details: '' };
}
