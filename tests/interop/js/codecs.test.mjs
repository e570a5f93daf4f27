// Checks the JS side of the interop suite on its own: the codecs registered with
// apache-arrow read Arrow's gold compressed files and round-trip what JS writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { RecordBatchStreamWriter, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { registerCodecs, CompressionType } from './lib/codecs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const goldDir = process.env.HANGAR_TESTDATA_DIR
  ? path.join(process.env.HANGAR_TESTDATA_DIR, 'arrow-ipc', '2.0.0-compression')
  : path.resolve(here, '../../../../shared/testdata/arrow-ipc/2.0.0-compression');

await registerCodecs();

for (const codec of ['lz4', 'zstd']) {
  for (const kind of ['stream', 'arrow_file']) {
    const file = path.join(goldDir, `generated_${codec}.${kind}`);
    test(`reads gold generated_${codec}.${kind}`, { skip: !existsSync(file) && 'gold files not found' }, () => {
      const table = tableFromIPC(readFileSync(file));
      assert.ok(table.numRows > 0);
      assert.ok(table.numCols > 0);
      // Touch every value so every buffer is decompressed and decoded.
      for (const row of table) assert.ok(row !== undefined);
    });
  }
}

for (const name of ['LZ4_FRAME', 'ZSTD']) {
  test(`round-trips a ${name}-compressed stream`, () => {
    const n = 10000;
    const table = tableFromArrays({
      i: Int32Array.from({ length: n }, (_, k) => k % 17),
      l: BigInt64Array.from({ length: n }, (_, k) => BigInt(k) * 1000n),
      d: Float64Array.from({ length: n }, (_, k) => k / 3),
    });
    const bytes = RecordBatchStreamWriter.writeAll(table, { compressionType: CompressionType[name] }).toUint8Array(true);
    assert.ok(bytes.length < tableToIPC(table).length, 'compressed stream is smaller');
    const back = tableFromIPC(bytes);
    assert.equal(back.numRows, n);
    assert.equal(back.getChild('i').get(n - 1), (n - 1) % 17);
    assert.equal(back.getChild('l').get(n - 1), BigInt(n - 1) * 1000n);
    assert.equal(back.getChild('d').get(3), 1);
  });
}
