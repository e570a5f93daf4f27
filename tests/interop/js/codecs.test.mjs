// The codecs lib/codecs.mjs registers with apache-arrow, on their own (no
// Hangar): they read Arrow C++'s compressed gold files to exactly what the gold
// JSON holds, and they round-trip what apache-arrow compresses itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Utf8, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { registerCodecs, CompressionType } from './lib/codecs.mjs';
import { goldCases } from './lib/hangar.mjs';
import { ipcContent, writeIpc } from './lib/arrow_io.mjs';
import { tableContent } from './lib/arrow_values.mjs';
import { bodyBuffers } from './lib/ipc_frames.mjs';
import { jsonContent, readIntegrationJson } from './lib/integration_json.mjs';
import { assertSame } from './lib/compare.mjs';

await registerCodecs();

const compressedGold = goldCases().filter((c) => c.name.startsWith('2.0.0-compression/'));

test('the compressed gold cases are there', () => assert.equal(compressedGold.length, 4));

for (const c of compressedGold) {
  test(`reads gold ${c.name} (stream and file) as its JSON says`, () => {
    const want = jsonContent(readIntegrationJson(c.json));
    const codec = /lz4/.test(c.name) ? CompressionType.LZ4_FRAME : CompressionType.ZSTD;
    for (const file of [c.stream, c.file]) {
      const bytes = readFileSync(file);
      assert.ok([...bodyBuffers(bytes)].every((b) => b.compression === codec), `${file} is compressed`);
      assertSame(ipcContent(bytes, { withToString: false }), want, file);
    }
  });
}

for (const name of ['LZ4_FRAME', 'ZSTD']) {
  test(`round-trips a ${name}-compressed stream`, () => {
    const n = 10000;
    const table = tableFromArrays({
      i: Int32Array.from({ length: n }, (_, k) => k % 17),
      l: BigInt64Array.from({ length: n }, (_, k) => BigInt(k) * 1000n),
      d: Float64Array.from({ length: n }, (_, k) => k / 3),
      s: vectorFromArray(Array.from({ length: n }, (_, k) => `text ${k % 100}`), new Utf8()),
    });
    const bytes = writeIpc(table.schema, table.batches, { compressionType: CompressionType[name] });
    assert.ok(bytes.length < tableToIPC(table).length / 2, 'the compressed stream is much smaller');
    assertSame(ipcContent(bytes), tableContent(table), 'values');
  });
}
