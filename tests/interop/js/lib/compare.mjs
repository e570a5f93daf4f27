// A deep comparison of values as JavaScript holds them, that says *where* two
// values first differ instead of only *that* they differ.
//
// node:assert's deepStrictEqual is not enough here: it prints whole tables on a
// mismatch (unreadable for thousands of rows), and it treats NaN and -0 the way
// Object.is does only for top-level values. This comparator:
//   - keeps BigInt and Number apart (1n is not 1): 64-bit integers must stay exact;
//   - treats NaN as equal to NaN (any payload), but -0 as different from +0, since
//     IPC moves bits and a writer that turns -0 into 0 has changed the data;
//   - compares typed arrays and plain arrays element by element (an Int32Array
//     equals a plain array of the same numbers: the container is not the data);
//   - compares Dates by their time, Maps by their entries in order, plain objects
//     by their own keys (the key sets must be equal).

import { AssertionError } from 'node:assert';

/** Renders a value for an error message: BigInt gets its `n`, long things are cut. */
export function show(v, limit = 200) {
  let text;
  try {
    text = JSON.stringify(v, (_k, x) => {
      if (typeof x === 'bigint') return `${x}n`;
      if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
      if (Object.is(x, -0)) return '-0';
      if (ArrayBuffer.isView(x)) return Array.from(x, (e) => (typeof e === 'bigint' ? `${e}n` : e));
      if (x instanceof Map) return Object.fromEntries(x);
      return x;
    });
  } catch {
    text = String(v);
  }
  if (text === undefined) text = String(v);
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

const isIndexed = (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/**
 * Returns null when `a` and `b` hold the same data, else a description of the
 * first difference, with its path (e.g. `[3].items[1].key`).
 */
export function firstDifference(a, b, path = '') {
  const here = path || '(top)';
  if (typeof a === 'number' && typeof b === 'number') {
    // Before the === shortcut below, which holds for 0 and -0.
    if (Number.isNaN(a) && Number.isNaN(b)) return null;
    if (Object.is(a, b)) return null;
    return `${here}: ${show(a)} != ${show(b)}`;
  }
  if (a === b) return null;
  if (typeof a !== typeof b) return `${here}: ${show(a)} (${typeof a}) != ${show(b)} (${typeof b})`;
  if (a === null || b === null || typeof a !== 'object') return `${here}: ${show(a)} != ${show(b)}`;
  if (a instanceof Date || b instanceof Date) {
    if (!(a instanceof Date && b instanceof Date)) return `${here}: a Date and a non-Date`;
    return firstDifference(a.getTime(), b.getTime(), path);
  }
  if (isIndexed(a) || isIndexed(b)) {
    if (!(isIndexed(a) && isIndexed(b))) return `${here}: ${show(a)} != ${show(b)} (one is not a list)`;
    if (a.length !== b.length) return `${here}: length ${a.length} != ${b.length}: ${show(a)} != ${show(b)}`;
    for (let i = 0; i < a.length; ++i) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map)) return `${here}: a Map and a non-Map`;
    return firstDifference([...a], [...b], path);
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const missing = ka.filter((k) => !Object.hasOwn(b, k)).concat(kb.filter((k) => !Object.hasOwn(a, k)));
  if (missing.length) return `${here}: keys differ (${show(ka)} vs ${show(kb)})`;
  for (const k of ka) {
    const d = firstDifference(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/** Throws an AssertionError naming the first difference. */
export function assertSame(actual, expected, what = 'values') {
  const d = firstDifference(actual, expected);
  if (d) throw new AssertionError({ message: `${what} differ at ${d}` });
}
