// Hangar's Arrow IPC against Apache Arrow's JavaScript implementation, in
// both directions, on Arrow's gold corpus and on data JS builds itself.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Bool, DateMillisecond, Dictionary, Field, Float64, Int32, Int64, Int8, List, Null, Struct, Table, TimeUnit,
  Timestamp, Uint64, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray,
} from 'apache-arrow';
import { registerCodecs } from './lib/codecs.mjs';
import { goldCases, integration, schemaOf, scratchDir, valuesOf } from './lib/hangar.mjs';

await registerCodecs();

// Gold cases Arrow JS 21 cannot read at all (its own limits, checked below so
// this list cannot go stale): list views, run-end encoding, and the pre-1.0
// union layout (with a validity bitmap) of the 0.17.1 files.
const JS_CANNOT_READ = new Set([
  '0.17.1/generated_union',
  'cpp-21.0.0/generated_list_view',
  'cpp-21.0.0/generated_run_end_encoded',
]);

function jsRead(bytes) {
  return tableFromIPC(bytes);
}

function tryJsRead(file) {
  try {
    const t = jsRead(readFileSync(file));
    valuesOf(t); // touch every value
    return t;
  } catch {
    return null;
  }
}

// Gold cases Arrow JS 21 reads but cannot write back faithfully (checked: the
// test expects Hangar's validate to FAIL on them, so a fixed JS shows up here):
// it resolves columns by name, so duplicate field names collapse (in the 1.0.0
// union file two columns are named "sparse" and two "dense": JS writes the
// schema of all four but the data of two, which Hangar rejects as malformed).
const JS_CANNOT_REWRITE = new Set([
  '1.0.0-littleendian/generated_union',
  '1.0.0-littleendian/generated_duplicate_fieldnames',
  'cpp-21.0.0/generated_duplicate_fieldnames',
]);

const cases = goldCases();

describe('gold corpus', () => {
  test('the corpus is there', () => assert.ok(cases.length >= 60, `found ${cases.length} gold cases`));

  test('JS cannot read exactly the cases listed as unsupported', () => {
    const unreadable = cases.filter((c) => tryJsRead(c.stream) === null).map((c) => c.name);
    assert.deepEqual(unreadable.sort(), [...JS_CANNOT_READ].filter((n) => cases.some((c) => c.name === n)).sort());
  });

  for (const c of cases) {
    if (JS_CANNOT_READ.has(c.name)) continue;

    test(`Hangar writes, JS reads: ${c.name}`, () => {
      const dir = scratchDir();
      const file = path.join(dir, 'hangar.arrow_file');
      integration(['--mode', 'json-to-arrow', '--json', c.json, '--arrow', file]);
      const stream = integration(['--mode', 'file-to-stream', '--arrow', file]);
      const reference = jsRead(readFileSync(c.stream)); // what Arrow C++ wrote
      for (const [what, bytes] of [['file', readFileSync(file)], ['stream', stream]]) {
        const mine = jsRead(bytes);
        assert.deepEqual(schemaOf(mine), schemaOf(reference), `${what}: schema`);
        assert.equal(mine.numRows, reference.numRows, `${what}: rows`);
        assert.deepEqual(valuesOf(mine), valuesOf(reference), `${what}: values`);
      }
    });

    test(`JS writes, Hangar reads: ${c.name}`, () => {
      const dir = scratchDir();
      const table = jsRead(readFileSync(c.stream));
      for (const format of ['file', 'stream']) {
        const out = path.join(dir, `js.${format}`);
        writeFileSync(out, tableToIPC(table, format));
        // validate exits non-zero, naming the difference, if anything differs.
        const run = () => integration(['--mode', 'validate', '--json', c.json, '--arrow', out]);
        if (JS_CANNOT_REWRITE.has(c.name)) assert.throws(run, /differ|fewer field nodes/);
        else run();
      }
    });
  }

  test('validate fails on data that differs from the JSON', () => {
    const c = cases.find((x) => x.name.endsWith('cpp-21.0.0/generated_primitive'));
    assert.ok(c, 'primitive gold case present');
    const table = jsRead(readFileSync(c.stream));
    const fewer = new Table(table.batches.slice(0, Math.max(0, table.batches.length - 1)));
    const dir = scratchDir();
    const out = path.join(dir, 'short.arrow_file');
    writeFileSync(out, tableToIPC(fewer.batches.length ? fewer : table.slice(0, 1), 'file'));
    assert.throws(() => integration(['--mode', 'validate', '--json', c.json, '--arrow', out]));
  });
});

describe('data built by JS', () => {
  function jsTable() {
    const n = 5;
    const ts = (unit, tz) => {
      const t = new Timestamp(unit, tz);
      return makeVector(makeData({ type: t, length: n, data: new BigInt64Array([0n, 1n, -1n, 1705314600123456n, 42n]) }));
    };
    const columns = {
      i8: vectorFromArray([1, -2, null, 127, -128], new Int8()),
      i64: vectorFromArray([1n, -(2n ** 63n), null, 2n ** 63n - 1n, 0n], new Int64()),
      u64: vectorFromArray([0n, 2n ** 64n - 1n, null, 7n, 8n], new Uint64()),
      f64: vectorFromArray([1.5, NaN, null, Infinity, -0], new Float64()),
      s: vectorFromArray(['', 'héllo wörld ✈', null, 'x'.repeat(100), 'end'], new Utf8()),
      b: vectorFromArray([true, false, null, true, true], new Bool()),
      d: vectorFromArray([new Date(0), new Date(86400000), null, new Date(1705276800000), new Date(-86400000)],
        new DateMillisecond()),
      ts_us_utc: ts(TimeUnit.MICROSECOND, 'UTC'),
      ts_ns: ts(TimeUnit.NANOSECOND, null),
      lst: vectorFromArray([[1, 2], [], null, [3], [4, null, 6]], new List(new Field('item', new Int32(), true))),
      st: vectorFromArray([{ a: 1, b: 'x' }, { a: null, b: 'y' }, null, { a: 4, b: null }, { a: 5, b: 'z' }],
        new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)])),
      dict: vectorFromArray(['red', 'green', null, 'red', 'blue'], new Dictionary(new Utf8(), new Int32())),
      nul: vectorFromArray([null, null, null, null, null], new Null()),
    };
    return new Table(columns);
  }

  test('JS stream → Hangar reads and rewrites → JS reads the same values', () => {
    const table = jsTable();
    const dir = scratchDir();
    const hangarFile = path.join(dir, 'hangar.arrow_file');
    // Two batches, so Hangar sees more than one record batch and dictionary state.
    const twice = new Table([...table.batches, ...table.batches]);
    integration(['--mode', 'stream-to-file', '--arrow', hangarFile], { input: tableToIPC(twice, 'stream') });
    const back = jsRead(readFileSync(hangarFile));
    assert.deepEqual(schemaOf(back), schemaOf(twice));
    assert.deepEqual(valuesOf(back), valuesOf(twice));
    const stream = integration(['--mode', 'file-to-stream', '--arrow', hangarFile]);
    assert.deepEqual(valuesOf(jsRead(stream)), valuesOf(twice));
  });

  test('JS file → Hangar JSON → Hangar file → JS reads the same values', () => {
    const table = jsTable();
    const dir = scratchDir();
    const jsFile = path.join(dir, 'js.arrow_file');
    const json = path.join(dir, 'hangar.json');
    const hangarFile = path.join(dir, 'hangar.arrow_file');
    writeFileSync(jsFile, tableToIPC(table, 'file'));
    integration(['--mode', 'arrow-to-json', '--arrow', jsFile, '--json', json]);
    integration(['--mode', 'validate', '--arrow', jsFile, '--json', json]);
    integration(['--mode', 'json-to-arrow', '--json', json, '--arrow', hangarFile]);
    const back = jsRead(readFileSync(hangarFile));
    assert.deepEqual(valuesOf(back), valuesOf(table));
  });

  for (const codec of ['lz4', 'zstd']) {
    test(`Hangar writes ${codec}-compressed bodies that JS reads`, () => {
      const c = goldCases().find((x) => x.name === 'cpp-21.0.0/generated_primitive');
      const dir = scratchDir();
      const out = path.join(dir, `${codec}.arrow_file`);
      integration(['--mode', 'json-to-arrow', '--json', c.json, '--arrow', out, '--compression', codec]);
      const mine = jsRead(readFileSync(out));
      assert.deepEqual(valuesOf(mine), valuesOf(jsRead(readFileSync(c.stream))));
    });
  }
});
