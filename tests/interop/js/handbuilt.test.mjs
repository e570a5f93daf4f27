// Data beyond the gold corpus, built by apache-arrow (lib/handbuilt.mjs: every
// type both sides know, awkward values, four batches one of them empty, field
// and schema metadata). apache-arrow writes it as a stream and as a file;
// Hangar reads each (arrow-to-json) and the JSON it reports must hold exactly
// what apache-arrow holds; Hangar then writes the data back from that JSON
// (json-to-arrow, file-to-stream) and from apache-arrow's stream
// (stream-to-file), and apache-arrow must read back the original table.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Field, Int32, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { integration, runIntegration, scratchDir } from './lib/hangar.mjs';
import { ipcContent, writeIpc } from './lib/arrow_io.mjs';
import { batchesContent } from './lib/arrow_values.mjs';
import { BATCH_LENGTHS, handBuiltBatches } from './lib/handbuilt.mjs';
import { jsonContent, readIntegrationJson } from './lib/integration_json.mjs';
import { assertSame } from './lib/compare.mjs';

const { schema, batches } = handBuiltBatches();
const original = batchesContent(schema, batches);
const originalWithoutTypeStrings = batchesContent(schema, batches, { withToString: false });

describe('data built by apache-arrow', () => {
  test('the table is what it should be', () => {
    assert.deepEqual(original.batchLengths, BATCH_LENGTHS);
    assert.ok(original.columns.length >= 50, `${original.columns.length} columns`);
    const id = original.schema.fields.find((f) => f.name === 'id');
    assert.equal(id.nullable, false);
    assert.ok(id.metadata.length > 0 && original.schema.metadata.length > 0, 'field and schema metadata');
  });

  for (const format of ['stream', 'file']) {
    const bytes = writeIpc(schema, batches, { format });

    test(`apache-arrow reads its own ${format} back (baseline)`, () => {
      assertSame(ipcContent(bytes), original, `apache-arrow ${format} round trip`);
    });

    test(`Hangar reads apache-arrow's ${format}: its JSON holds the same schema and values`, () => {
      const dir = scratchDir();
      const input = path.join(dir, `js.${format}`);
      const json = path.join(dir, 'hangar.json');
      writeFileSync(input, bytes);
      integration(['--mode', 'arrow-to-json', '--arrow', input, '--json', json]);
      assertSame(jsonContent(readIntegrationJson(json)), originalWithoutTypeStrings, 'Hangar JSON vs apache-arrow');
      // And Hangar agrees with itself: the file it read matches the JSON it wrote.
      integration(['--mode', 'validate', '--json', json, '--arrow', input]);
    });

    test(`Hangar writes the ${format}'s data back: apache-arrow reads the original table`, () => {
      const dir = scratchDir();
      const input = path.join(dir, `js.${format}`);
      const json = path.join(dir, 'hangar.json');
      const file = path.join(dir, 'hangar.arrow_file');
      writeFileSync(input, bytes);
      integration(['--mode', 'arrow-to-json', '--arrow', input, '--json', json]);
      integration(['--mode', 'json-to-arrow', '--json', json, '--arrow', file]);
      assertSame(ipcContent(readFileSync(file)), original, 'json-to-arrow file');
      const stream = integration(['--mode', 'file-to-stream', '--arrow', file]);
      assertSame(ipcContent(stream), original, 'file-to-stream stream');
    });
  }

  test("Hangar's stream-to-file and file-to-stream pass apache-arrow's data through unchanged", () => {
    const dir = scratchDir();
    const file = path.join(dir, 'hangar.arrow_file');
    integration(['--mode', 'stream-to-file', '--arrow', file], { input: writeIpc(schema, batches, { format: 'stream' }) });
    assertSame(ipcContent(readFileSync(file)), original, 'stream-to-file');
    const jsFile = path.join(dir, 'js.arrow_file');
    writeFileSync(jsFile, writeIpc(schema, batches, { format: 'file' }));
    assertSame(ipcContent(integration(['--mode', 'file-to-stream', '--arrow', jsFile])), original, 'file-to-stream');
  });
});

// Dictionaries that change between batches of a stream: a delta (the new
// dictionary extends the old one) and a replacement (a different dictionary).
function dictionaryStream(dictionaries) {
  const type = new Dictionary(new Utf8(), new Int32(), 7);
  const field = new Field('color', type, true);
  const schema = new Schema([field]);
  const batches = dictionaries.map(([words, indices]) => new RecordBatch(schema, makeData({
    type: new Struct([field]), length: indices.length, nullCount: 0,
    children: [makeData({ type, length: indices.length, data: Int32Array.from(indices), dictionary: vectorFromArray(words, new Utf8()) })],
  })));
  return { schema, batches };
}

describe('dictionaries that change between batches', () => {
  test('a delta dictionary: Hangar reads the values and writes them back', () => {
    const { schema, batches } = dictionaryStream([
      [['red', 'green'], [0, 1, 1]],
      [['red', 'green', 'blue'], [2, 0]],
      [['red', 'green', 'blue', 'grün'], [3, 3, 0]],
    ]);
    const bytes = writeIpc(schema, batches);
    const want = batchesContent(schema, batches);
    assertSame(ipcContent(bytes), want, 'apache-arrow round trip');
    const dir = scratchDir();
    const input = path.join(dir, 'js.stream');
    writeFileSync(input, bytes);
    const json = path.join(dir, 'hangar.json');
    integration(['--mode', 'arrow-to-json', '--arrow', input, '--json', json]);
    assertSame(jsonContent(readIntegrationJson(json)), batchesContent(schema, batches, { withToString: false }), 'Hangar JSON');
    const file = path.join(dir, 'hangar.arrow_file');
    integration(['--mode', 'stream-to-file', '--arrow', file], { input: bytes });
    assertSame(ipcContent(readFileSync(file)), want, 'stream-to-file');
  });

  test('a replacement dictionary: Hangar keeps the values or refuses clearly', () => {
    // Neither the IPC file format nor integration JSON can hold a replaced
    // dictionary; converting to them may refuse, but must not change values.
    const { schema, batches } = dictionaryStream([
      [['red', 'green'], [0, 1]],
      [['x', 'y', 'z'], [2, 0, 1]],
    ]);
    const bytes = writeIpc(schema, batches);
    const want = batchesContent(schema, batches);
    assertSame(ipcContent(bytes), want, 'apache-arrow round trip');
    const dir = scratchDir();
    const input = path.join(dir, 'js.stream');
    writeFileSync(input, bytes);
    const json = path.join(dir, 'hangar.json');
    const toJson = runIntegration(['--mode', 'arrow-to-json', '--arrow', input, '--json', json]);
    if (toJson.status === 0) {
      assertSame(jsonContent(readIntegrationJson(json)), batchesContent(schema, batches, { withToString: false }), 'Hangar JSON');
    } else {
      assert.equal(toJson.signal, null);
      assert.match(toJson.stderr, /dictionar/i, `arrow-to-json says why: ${toJson.stderr}`);
    }
    const file = path.join(dir, 'hangar.arrow_file');
    const toFile = runIntegration(['--mode', 'stream-to-file', '--arrow', file], { input: bytes });
    if (toFile.status === 0) {
      assertSame(ipcContent(readFileSync(file)), want, 'stream-to-file');
    } else {
      assert.equal(toFile.signal, null);
      assert.match(toFile.stderr, /dictionar/i, `stream-to-file says why: ${toFile.stderr}`);
    }
  });
});
