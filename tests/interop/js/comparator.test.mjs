// The test helpers themselves: a comparator that let differences through, or a
// JSON reader that rounded, would make every interop test pass vacuously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firstDifference, assertSame } from './lib/compare.mjs';
import { parseExact, roundToFloat16, jsonContent, readIntegrationJson } from './lib/integration_json.mjs';
import { ipcContent } from './lib/arrow_io.mjs';
import { goldCases } from './lib/hangar.mjs';

test('firstDifference tells values apart that must differ', () => {
  const differ = [
    [1n, 1], [0, -0], [NaN, 0], [null, 0], [null, undefined], ['1', 1], [[1, 2], [1, 2, 3]], [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: [1, { b: 2n }] }, { a: [1, { b: 3n }] }], [new Date(1), new Date(2)], [Int32Array.of(1, 2), [1, 3]],
    [new Map([['a', 1]]), new Map([['a', 2]])], [[['k', 1], ['k', 2]], [['k', 2], ['k', 1]]], [true, 1], [2n ** 64n, 2n ** 64n + 1n],
  ];
  for (const [a, b] of differ) {
    assert.ok(firstDifference(a, b), `${String(a)} vs ${String(b)}`);
    assert.ok(firstDifference(b, a), `${String(b)} vs ${String(a)}`);
  }
});

test('firstDifference accepts equal values, NaN included', () => {
  const same = [
    [NaN, NaN], [-0, -0], [1n, 1n], [{ a: [1, null] }, { a: [1, null] }], [new Date(5), new Date(5)],
    [Int32Array.of(1, 2), [1, 2]], [BigInt64Array.of(1n), [1n]], [[], []],
  ];
  for (const [a, b] of same) assert.equal(firstDifference(a, b), null);
});

test('firstDifference names the path of the difference', () => {
  assert.match(firstDifference({ columns: [{ values: [1, [2, 3]] }] }, { columns: [{ values: [1, [2, 4]] }] }),
    /^\.columns\[0\]\.values\[1\]\[1\]: 3 != 4$/);
  assert.throws(() => assertSame([1], [2], 'things'), /things differ at \[0\]: 1 != 2/);
});

test('parseExact keeps long integers exact and leaves everything else alone', () => {
  const v = parseExact('{"a": 9223372036854775807, "b": -9223372036854775808, "c": 1.2345678901234567e+300, '
    + '"d": "12345678901234567890", "e": 0.12345678901234567, "f": [1234567890123456789], "g": 42}');
  assert.equal(v.a, '9223372036854775807');
  assert.equal(v.b, '-9223372036854775808');
  assert.equal(v.c, 1.2345678901234567e300);
  assert.equal(v.d, '12345678901234567890');
  assert.equal(v.e, 0.12345678901234567);
  assert.deepEqual(v.f, ['1234567890123456789']);
  assert.equal(v.g, 42);
});

test('roundToFloat16 rounds to the nearest float16, ties to even', () => {
  const cases = [[-0.000061035156, -6.103515625e-5], [0.1, 0.0999755859375], [65504, 65504], [65519, 65504],
    [65520, Infinity], [5.960464477539063e-8, 5.960464477539063e-8], [2.9802322387695312e-8, 0],
    [1.00048828125, 1], [1.00146484375, 1.001953125], [-2.5, -2.5], [NaN, NaN]];
  for (const [x, want] of cases) assert.ok(Object.is(roundToFloat16(x), want), `${x} → ${roundToFloat16(x)}, want ${want}`);
});

test('a gold file and its JSON agree, and one changed JSON value is caught', () => {
  const c = goldCases().find((x) => x.name === 'cpp-21.0.0/generated_interval_mdn');
  const json = readIntegrationJson(c.json);
  const fromArrow = ipcContent(readFileSync(c.stream), { withToString: false });
  assertSame(fromArrow, jsonContent(json), 'month-day-nano intervals');
  // The nanoseconds are beyond 2^53: a reader that parsed them as doubles would miss a change of 1.
  const column = json.batches[1].columns[0];
  const i = column.VALIDITY.indexOf(1);
  column.DATA[i].nanoseconds = String(BigInt(column.DATA[i].nanoseconds) + 1n);
  assert.match(firstDifference(fromArrow, jsonContent(json)) ?? '', /nanoseconds/);
});
