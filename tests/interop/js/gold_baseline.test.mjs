// What apache-arrow itself makes of Arrow's gold corpus, with no Hangar
// involved. The interop tests compare Hangar's output with apache-arrow's
// reading of the Arrow C++ gold files, so that reading must first be shown to
// be right: here it is checked value by value against the gold JSON. The lists
// of what apache-arrow cannot do (lib/js_limits.mjs) are checked too, so that
// none of them excludes a case that would in fact work.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { registerCodecs } from './lib/codecs.mjs';
import { goldCases } from './lib/hangar.mjs';
import { ipcContent, readIpc, writeIpc } from './lib/arrow_io.mjs';
import { tableContent } from './lib/arrow_values.mjs';
import { canonicalMapNames, jsonContent, readIntegrationJson } from './lib/integration_json.mjs';
import { assertSame, firstDifference } from './lib/compare.mjs';
import { JS_CANNOT_READ, JS_CANNOT_REWRITE, tableMergesFields } from './lib/js_limits.mjs';

await registerCodecs(); // the 2.0.0-compression cases have LZ4 / ZSTD bodies

const cases = goldCases();

/** The gold JSON as apache-arrow is expected to see it. */
function expectedContent(c) {
  const want = jsonContent(readIntegrationJson(c.json));
  // apache-arrow names a map's children entries/key/value whatever the file says.
  want.schema = canonicalMapNames(want.schema);
  return want;
}

/** Reads and decodes every value; returns the first difference from the JSON, or the error. */
function jsReadingProblem(c, file) {
  try {
    return firstDifference(ipcContent(readFileSync(file), { withToString: false }), expectedContent(c));
  } catch (e) {
    return `throws: ${e.message}`;
  }
}

describe('apache-arrow on the gold corpus', () => {
  test('the corpus is there', () => {
    assert.ok(cases.length >= 69, `found ${cases.length} gold cases`);
    for (const name of [...JS_CANNOT_READ.keys(), ...JS_CANNOT_REWRITE.keys()]) {
      assert.ok(cases.some((c) => c.name === name), `${name} (listed in lib/js_limits.mjs) is in the corpus`);
    }
  });

  for (const c of cases) {
    if (JS_CANNOT_READ.has(c.name)) {
      test(`cannot read ${c.name} (listed: ${JS_CANNOT_READ.get(c.name)})`, () => {
        for (const file of [c.stream, c.file]) {
          assert.ok(jsReadingProblem(c, file), `apache-arrow now reads ${file} correctly: remove it from JS_CANNOT_READ`);
        }
      });
      continue;
    }

    test(`reads ${c.name} as its JSON says (stream and file)`, () => {
      const want = expectedContent(c);
      assertSame(ipcContent(readFileSync(c.stream), { withToString: false }), want, 'stream vs JSON');
      assertSame(ipcContent(readFileSync(c.file), { withToString: false }), want, 'file vs JSON');
      if (!tableMergesFields(c.name)) {
        // tableFromIPC (the everyday entry point) agrees with RecordBatchReader.
        const viaTable = tableContent(tableFromIPC(readFileSync(c.stream)), { withToString: false });
        assertSame(viaTable.columns, want.columns, 'tableFromIPC values vs JSON');
      }
    });

    test(`${JS_CANNOT_REWRITE.has(c.name) ? 'cannot write back' : 'writes back'} ${c.name}`, () => {
      // apache-arrow's own round trip: read the C++ stream, write it, read it again.
      const original = ipcContent(readFileSync(c.stream));
      const { schema, batches } = readIpc(readFileSync(c.stream));
      const attempts = {
        'RecordBatchStreamWriter': () => writeIpc(schema, batches, { format: 'stream' }),
        'RecordBatchFileWriter': () => writeIpc(schema, batches, { format: 'file' }),
        'tableToIPC(stream)': () => tableToIPC(tableFromIPC(readFileSync(c.stream)), 'stream'),
      };
      const problems = [];
      for (const [how, write] of Object.entries(attempts)) {
        try {
          const d = firstDifference(ipcContent(write()), original);
          if (d) problems.push(`${how}: ${d}`);
        } catch (e) {
          problems.push(`${how}: throws ${e.message}`);
        }
      }
      if (JS_CANNOT_REWRITE.has(c.name)) {
        assert.ok(problems.length > 0, `apache-arrow now writes ${c.name} back faithfully: remove it from JS_CANNOT_REWRITE`);
      } else {
        assert.deepEqual(problems, []);
      }
    });
  }
});
