// The standard gRPC health service on the Flight port (grpc.health.v1.Health,
// as Kubernetes probes and load balancers call it), driven with
// @grpc/grpc-js's raw calls: SERVING without credentials even when
// authentication is on, NOT_SERVING while the data directory takes no
// writes and back, and NOT_SERVING from SIGTERM on during --shutdown-drain.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import { encode, decode } from './lib/flight_wire.mjs';
import { serve, stopServers, addUsers } from './lib/hangar_server.mjs';

const SERVING = 1, NOT_SERVING = 2;
const identity = (x) => x;

/** Health/Check for `service` ('' = the server): resolves the status number. */
function check(address, service = '') {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const request = service ? encode([[1, service]]) : Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/grpc.health.v1.Health/Check', identity, identity, request, new grpc.Metadata(),
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(Number(decode(res)[1]?.[0] ?? 0));  // field 1, the status (absent: 0, UNKNOWN)
      });
  });
}

async function until(predicate, what, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

after(stopServers);

test('SERVING without credentials, for the server and the Flight service; unknown services are NOT_FOUND', async () => {
  const server = await serve(['--users', addUsers([['admin', 'admin:*']])]);
  assert.equal(await check(server.address), SERVING);
  assert.equal(await check(server.address, 'arrow.flight.protocol.FlightService'), SERVING);
  await assert.rejects(check(server.address, 'no.such.Service'), (e) => e.code === grpc.status.NOT_FOUND);
});

test('NOT_SERVING while the data directory takes no writes, SERVING again after', async () => {
  const server = await serve();
  assert.equal(await check(server.address), SERVING);
  // A folder where the probe writes its file: every probe fails (even as root).
  const blocker = path.join(server.dir, 'data', '.write-probe');
  // The probe's own file may be there for a moment: try again until the folder takes its place.
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(path.join(blocker, 'x'), { recursive: true });
      break;
    } catch (e) {
      if (attempt >= 100 || (e.code !== 'ENOTDIR' && e.code !== 'EEXIST')) throw e;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await until(async () => (await check(server.address)) === NOT_SERVING, 'NOT_SERVING');
  rmdirSync(path.join(blocker, 'x'));
  rmdirSync(blocker);
  await until(async () => (await check(server.address)) === SERVING, 'SERVING again');
});

test('from SIGTERM on, NOT_SERVING during --shutdown-drain; then the server exits', async () => {
  const server = await serve(['--shutdown-drain', '3']);
  assert.equal(await check(server.address), SERVING);
  process.kill(server.pid, 'SIGTERM');
  await until(async () => (await check(server.address)) === NOT_SERVING, 'NOT_SERVING after SIGTERM', 2500);
  const alive = () => { try { process.kill(server.pid, 0); return true; } catch { return false; } };
  await until(async () => !alive(), 'the server to exit');
});
