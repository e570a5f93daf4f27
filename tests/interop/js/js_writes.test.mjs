// apache-arrow writes, Hangar reads. apache-arrow reads each gold stream and
// writes it back — with tableToIPC (stream and file) and with
// RecordBatchStreamWriter / RecordBatchFileWriter one batch per message — and
// `hangar-integration --mode validate` must find exactly the gold JSON's data
// in each. Then the reverse check: tables that differ from the JSON in one
// small way each must fail validate, so a pass above means something.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Field, Int32, RecordBatch, Schema, Struct, Uint8, makeData, tableFromIPC, tableToIPC,
} from 'apache-arrow';
import { registerCodecs } from './lib/codecs.mjs';
import { goldCases, integration, runIntegration, scratchDir } from './lib/hangar.mjs';
import { ipcContent, readIpc, writeIpc } from './lib/arrow_io.mjs';
import { firstDifference } from './lib/compare.mjs';
import { JS_CANNOT_READ, JS_CANNOT_REWRITE } from './lib/js_limits.mjs';

await registerCodecs(); // to read the 2.0.0-compression gold streams

const all = goldCases();
const cases = all.filter((c) => !JS_CANNOT_READ.has(c.name) && !JS_CANNOT_REWRITE.has(c.name));

function validate(json, bytes, name) {
  const file = path.join(scratchDir(), name);
  writeFileSync(file, bytes);
  return runIntegration(['--mode', 'validate', '--json', json, '--arrow', file]);
}

function assertValid(json, bytes, name) {
  const r = validate(json, bytes, name);
  assert.equal(r.status, 0, `validate of ${name} exited ${r.status ?? r.signal}: ${r.stderr}`);
}

describe('apache-arrow writes, Hangar reads', () => {
  test('covers every gold case apache-arrow reads and writes back', () => {
    assert.equal(cases.length + JS_CANNOT_READ.size + JS_CANNOT_REWRITE.size, all.length);
  });

  for (const c of cases) {
    test(c.name, () => {
      const bytes = readFileSync(c.stream);
      const table = tableFromIPC(bytes);
      const { schema, batches } = readIpc(bytes);
      assertValid(c.json, tableToIPC(table, 'stream'), 'tableToIPC.stream');
      assertValid(c.json, tableToIPC(table, 'file'), 'tableToIPC.arrow_file');
      assertValid(c.json, writeIpc(schema, batches, { format: 'stream' }), 'writer.stream');
      assertValid(c.json, writeIpc(schema, batches, { format: 'file' }), 'writer.arrow_file');
      // Hangar's stream-to-file on apache-arrow's stream keeps the data too.
      const file = path.join(scratchDir(), 'hangar.arrow_file');
      integration(['--mode', 'stream-to-file', '--arrow', file], { input: writeIpc(schema, batches) });
      integration(['--mode', 'validate', '--json', c.json, '--arrow', file]);
    });
  }

  // What apache-arrow writes for these differs from the gold data
  // (lib/js_limits.mjs): Hangar must notice, not accept it nor crash.
  for (const [name, why] of JS_CANNOT_REWRITE) {
    test(`${name}: apache-arrow's unfaithful rewrite is rejected (${why.split(':')[0]})`, () => {
      const c = all.find((x) => x.name === name);
      const bytes = readFileSync(c.stream);
      let written = 0;
      for (const [how, write] of Object.entries({
        'tableToIPC.stream': () => tableToIPC(tableFromIPC(bytes), 'stream'),
        'tableToIPC.arrow_file': () => tableToIPC(tableFromIPC(bytes), 'file'),
      })) {
        let out;
        try {
          out = write();
        } catch {
          continue; // apache-arrow could not write it at all
        }
        ++written;
        const r = validate(c.json, out, how);
        assert.equal(r.signal, null, `${how}: no crash`);
        assert.equal(r.status, 1, `${how}: validate must reject it: ${r.stderr}`);
      }
      assert.ok(written > 0, 'apache-arrow wrote something to check');
    });
  }
});

// ---------------------------------------------------------------------------
// Negative checks on cpp-21.0.0/generated_primitive: 22 columns (bool, ints,
// floats, nullable and not), two batches of 17 and 20 rows.

function primitive() {
  const c = all.find((x) => x.name === 'cpp-21.0.0/generated_primitive');
  assert.ok(c, 'cpp-21.0.0/generated_primitive is in the corpus');
  return { c, ...readIpc(readFileSync(c.stream)) };
}

const column = (schema, name) => {
  const k = schema.fields.findIndex((f) => f.name === name);
  assert.ok(k >= 0, `column ${name}`);
  return k;
};

/** `batch` with column k replaced by `data` (and the schema optionally replaced). */
function withColumn(batch, k, data, schema = batch.schema) {
  const children = batch.data.children.slice();
  children[k] = data;
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/** A copy of fixed-width Data with its values and validity changed by `edit(values, bitmap)`. */
function editedData(data, edit, type = data.type) {
  const values = data.values.slice();
  const bitmap = data.nullBitmap && data.nullBitmap.length
    ? data.nullBitmap.slice()
    : new Uint8Array(Math.ceil(data.length / 8)).fill(255);
  edit(values, bitmap);
  let nulls = 0;
  for (let i = 0; i < data.length; ++i) if (!(bitmap[i >> 3] & (1 << (i & 7)))) ++nulls;
  return makeData({ type, length: data.length, nullCount: nulls, nullBitmap: bitmap, data: values });
}

const firstRow = (data, valid) => {
  for (let i = 0; i < data.length; ++i) if (data.getValid(i) === valid) return i;
  throw new Error(`no ${valid ? 'valid' : 'null'} row`);
};

const editColumn = (name, batchIndex, makeEdit) => ({ schema, batches }) => {
  const k = column(schema, name);
  return batches.map((b, i) => (i === batchIndex ? withColumn(b, k, editedData(b.data.children[k], makeEdit(b.data.children[k]))) : b));
};

const withFields = (makeFields, metadata) => ({ schema, batches }) => {
  const fields = makeFields(schema);
  const s = new Schema(fields, metadata ?? schema.metadata);
  return batches.map((b) => new RecordBatch(s, makeData({ type: new Struct(fields), length: b.numRows, nullCount: 0, children: b.data.children })));
};

const retyped = (name, type, makeData2) => ({ schema, batches }) => {
  const k = column(schema, name);
  const fields = schema.fields.map((f, i) => (i === k ? new Field(f.name, type, f.nullable) : f));
  const s = new Schema(fields, schema.metadata);
  return batches.map((b) => withColumn(b, k, makeData2(b.data.children[k]), s));
};

// Each mutation, and where apache-arrow itself sees the change when it reads
// the mutated bytes back (proving that the bytes hold the intended change and
// nothing else), as a pattern on the first difference lib/compare.mjs reports.
const mutations = {
  'one int32 value changed by one': {
    mutate: editColumn('int32_nonnullable', 1, () => (v) => { v[5] += 1; }),
    seen: /^\.columns\[7\]\.values\[22\]: /,
  },
  'one float64 value changed in its last bit': {
    mutate: editColumn('float64_nonnullable', 0, () => (v) => { new BigInt64Array(v.buffer, v.byteOffset, v.length)[3] ^= 1n; }),
    seen: /^\.columns\[21\]\.values\[3\]: /,
  },
  'one bool flipped': {
    mutate: editColumn('bool_nonnullable', 0, () => (v) => { v[0] ^= 1; }),
    seen: /^\.columns\[1\]\.values\[0\]: /,
  },
  'a valid value made null': {
    mutate: editColumn('int64_nullable', 0, (d) => {
      const row = firstRow(d, true);
      return (_v, m) => { m[row >> 3] &= ~(1 << (row & 7)); };
    }),
    seen: /^\.columns\[8\]\.values\[\d+\]: null \(object\) != "-?\d+n" \(bigint\)$/,
  },
  'a null made valid': {
    mutate: editColumn('uint16_nullable', 1, (d) => {
      const row = firstRow(d, false);
      return (_v, m) => { m[row >> 3] |= 1 << (row & 7); };
    }),
    seen: /^\.columns\[12\]\.values\[\d+\]: \d+ \(number\) != null \(object\)$/,
  },
  'the last batch dropped': {
    mutate: ({ batches }) => batches.slice(0, 1),
    seen: /^\.batchLengths: length 1 != 2/,
  },
  'the last row dropped': {
    mutate: ({ batches }) => [batches[0], batches[1].slice(0, batches[1].numRows - 1)],
    seen: /^\.batchLengths\[1\]: 19 != 20/,
  },
  'the same rows in three batches instead of two': {
    mutate: ({ batches }) => [batches[0], batches[1].slice(0, 10), batches[1].slice(10)],
    seen: /^\.batchLengths: length 3 != 2/,
  },
  'a field renamed': {
    mutate: withFields((s) => s.fields.map((f, i) => (i === 4 ? new Field(`${f.name}_x`, f.type, f.nullable) : f))),
    seen: /^\.schema\.fields\[4\]\.name: /,
  },
  'a non-nullable field made nullable': {
    mutate: withFields((s) => s.fields.map((f) => (f.name === 'int8_nonnullable' ? new Field(f.name, f.type, true) : f))),
    seen: /^\.schema\.fields\[3\]\.nullable: true != false/,
  },
  'an int8 column retyped uint8 (same bytes)': {
    mutate: retyped('int8_nonnullable', new Uint8(), (d) => editedData(d, () => {}, new Uint8())),
    seen: /^\.schema\.fields\[3\]\.type: "uint8" != "int8"/,
  },
  'a float64 column replaced by an int32 column of the same name': {
    mutate: retyped('float64_nonnullable', new Int32(),
      (d) => makeData({ type: new Int32(), length: d.length, data: new Int32Array(d.length) })),
    seen: /^\.schema\.fields\[21\]\.type: "int32" != "float64"/,
  },
  'schema metadata added': {
    mutate: withFields((s) => s.fields, new Map([['extra', 'yes']])),
    seen: /^\.schema\.metadata: length 1 != 0/,
  },
  'field metadata added': {
    mutate: withFields((s) => s.fields.map((f, i) => (i === 0 ? new Field(f.name, f.type, f.nullable, new Map([['k', 'v']])) : f))),
    seen: /^\.schema\.fields\[0\]\.metadata: length 1 != 0/,
  },
  'a column added': {
    mutate: ({ schema, batches }) => {
      const fields = [...schema.fields, new Field('extra', new Int32(), true)];
      const s = new Schema(fields, schema.metadata);
      return batches.map((b) => new RecordBatch(s, makeData({
        type: new Struct(fields), length: b.numRows, nullCount: 0,
        children: [...b.data.children, makeData({ type: new Int32(), length: b.numRows, data: new Int32Array(b.numRows) })],
      })));
    },
    seen: /^\.schema\.fields: length 23 != 22/,
  },
};

describe('validate rejects what differs from the JSON', () => {
  test('the unmodified batches pass (the mutations below start from valid data)', () => {
    const { c, schema, batches } = primitive();
    assertValid(c.json, writeIpc(schema, batches, { format: 'file' }), 'unmodified.arrow_file');
  });

  for (const [what, { mutate, seen }] of Object.entries(mutations)) {
    test(what, () => {
      const p = primitive();
      const original = ipcContent(readFileSync(p.c.stream));
      const batches = mutate(p);
      const schema = batches[0].schema;
      for (const format of ['stream', 'file']) {
        const bytes = writeIpc(schema, batches, { format });
        assert.match(firstDifference(ipcContent(bytes), original) ?? 'no change', seen,
          `apache-arrow sees the intended change in the ${format}`);
        const r = validate(p.c.json, bytes, `mutated.${format}`);
        assert.equal(r.status, 1, `validate must fail (exit 1) on the ${format}; exit ${r.status ?? r.signal}, stderr: ${r.stderr}`);
        assert.match(r.stderr, /differ/, 'validate names the difference');
      }
    });
  }

  test('the gold stream of another case fails', () => {
    const { c } = primitive();
    const other = all.find((x) => x.name === 'cpp-21.0.0/generated_datetime');
    const r = validate(c.json, readFileSync(other.stream), 'datetime.stream');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /differ/);
  });

  test('validate names the column and batch of a changed value', () => {
    const p = primitive();
    const r = validate(p.c.json, writeIpc(p.schema, mutations['one int32 value changed by one'].mutate(p), { format: 'file' }), 'named.arrow_file');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /int32_nonnullable/, `stderr names the column: ${r.stderr}`);
    assert.match(r.stderr, /batch 1/, `stderr names the batch: ${r.stderr}`);
  });
});
