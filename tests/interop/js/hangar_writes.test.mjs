// Hangar writes, apache-arrow reads. For every gold case apache-arrow can read,
// Hangar builds the data from the gold JSON and writes an IPC file
// (json-to-arrow), turns that file into a stream (file-to-stream), and turns
// Arrow C++'s gold stream into a file (stream-to-file). apache-arrow must read
// each of them exactly as it reads Arrow C++'s own gold stream: same schema
// (names, types — also by apache-arrow's toString —, nullability, metadata),
// same record batch lengths, same values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import { registerCodecs } from './lib/codecs.mjs';
import { goldCases, integration, scratchDir } from './lib/hangar.mjs';
import { ipcContent } from './lib/arrow_io.mjs';
import { batchesContent, tableContent } from './lib/arrow_values.mjs';
import { assertSame } from './lib/compare.mjs';
import { JS_CANNOT_READ, tableMergesFields } from './lib/js_limits.mjs';

await registerCodecs(); // the 2.0.0-compression gold streams are compressed

const cases = goldCases().filter((c) => !JS_CANNOT_READ.has(c.name));

describe('Hangar writes, apache-arrow reads', () => {
  test('covers every gold case apache-arrow reads', () => {
    assert.equal(cases.length + JS_CANNOT_READ.size, goldCases().length);
    assert.ok(cases.length >= 66, `${cases.length} cases`);
  });

  for (const c of cases) {
    test(c.name, () => {
      const dir = scratchDir();
      const reference = ipcContent(readFileSync(c.stream)); // Arrow C++'s bytes
      const file = path.join(dir, 'hangar.arrow_file');
      integration(['--mode', 'json-to-arrow', '--json', c.json, '--arrow', file]);
      const fileBytes = readFileSync(file);
      assertSame(ipcContent(fileBytes), reference, 'json-to-arrow file');

      const stream = integration(['--mode', 'file-to-stream', '--arrow', file]);
      assert.ok(RecordBatchReader.from(stream).isStream(), 'file-to-stream wrote the IPC stream format');
      assertSame(ipcContent(stream), reference, 'file-to-stream stream');

      const fromCpp = path.join(dir, 'from_cpp.arrow_file');
      integration(['--mode', 'stream-to-file', '--arrow', fromCpp], { input: readFileSync(c.stream) });
      assertSame(ipcContent(readFileSync(fromCpp)), reference, 'stream-to-file of the C++ stream');

      // The footer: random access to every record batch through the file reader.
      const reader = RecordBatchReader.from(fileBytes);
      reader.open();
      assert.ok(reader.isFile(), 'json-to-arrow wrote the IPC file format');
      assert.equal(reader.numRecordBatches, reference.batchLengths.length, 'record batches in the footer');
      const batches = [];
      for (let i = reader.numRecordBatches - 1; i >= 0; --i) batches.unshift(reader.readRecordBatch(i));
      assertSame(batchesContent(reader.schema, batches), reference, 'batches read through the footer, last first');

      if (!tableMergesFields(c.name)) {
        // tableFromIPC, what most JS users call.
        const mine = tableContent(tableFromIPC(fileBytes));
        const theirs = tableContent(tableFromIPC(readFileSync(c.stream)));
        assertSame(mine, theirs, 'tableFromIPC');
      }
    });
  }
});
