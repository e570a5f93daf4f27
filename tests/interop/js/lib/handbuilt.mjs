// A table built by apache-arrow itself, beyond what the gold corpus covers: every
// column type Hangar and apache-arrow both know, with the awkward values each
// type has (extremes, NaN, -0, empty strings, multi-byte text, empty and null
// lists, null struct children, negative timestamps, ...), spread over several
// record batches including an empty one.
//
// Columns whose apache-arrow builders take lossy inputs (timestamps and
// durations take milliseconds as numbers, decimals and 64-bit intervals have no
// exact builder input) are assembled with makeData from exact typed arrays.
// Each batch is built on its own rather than sliced from one long batch:
// apache-arrow 21 writes a sliced view column (utf8_view, binary_view) with the
// views of the unsliced one. Dictionary columns share one dictionary vector, so
// the writer sends each dictionary once.
import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, DenseUnion, Dictionary, DurationMicrosecond,
  DurationMillisecond, DurationNanosecond, DurationSecond, Field, FixedSizeBinary, FixedSizeList, Float16,
  Float32, Float64, Int16, Int32, Int64, Int8, IntervalDayTime, IntervalMonthDayNano, IntervalYearMonth,
  LargeBinary, LargeList, LargeUtf8, List, Map_, Null, RecordBatch, Schema, SparseUnion, Struct,
  TimeMicrosecond, TimeMillisecond, TimeNanosecond, TimeSecond, Timestamp, TimeUnit, Uint16, Uint32,
  Uint64, Uint8, Utf8, Utf8View, BinaryView, makeData, makeVector, vectorFromArray,
} from 'apache-arrow';

/** Rows per record batch; the empty batch is deliberate. */
export const BATCH_LENGTHS = [8, 0, 9, 4];
const N = BATCH_LENGTHS.reduce((a, b) => a + b, 0);

// The rows [lo, hi) of the batch being built; row numbers are global.
let lo = 0;
let hi = N;

/** Row i's value is `specials[i]` if there is one, else `gen(i)`; for rows lo..hi-1. */
function rows(specials, gen) {
  const out = [];
  for (let i = lo; i < hi; ++i) out.push(i < specials.length ? specials[i] : gen(i));
  return out;
}

function validityOf(values) {
  const bitmap = new Uint8Array(Math.ceil(values.length / 64) * 8 || 8);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) ++nulls;
    else bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap: bitmap, nullCount: nulls };
}

/** A fixed-width column from values (null = null slot) through `fill(typedArray, i, v)`. */
function fixedWidth(type, values, ArrayType, width, fill, extra = {}) {
  const data = new ArrayType(values.length * width);
  values.forEach((v, i) => {
    if (v !== null) fill(data, i, v);
  });
  return makeVector(makeData({ type, length: values.length, data, ...validityOf(values), ...extra }));
}

const int64Column = (type, values) => fixedWidth(type, values, BigInt64Array, 1, (d, i, v) => { d[i] = v; });
const int32Column = (type, values) => fixedWidth(type, values, Int32Array, 1, (d, i, v) => { d[i] = v; });

function decimalColumn(type, values) {
  const words = type.bitWidth / 32;
  return fixedWidth(type, values, Uint32Array, words, (d, i, v) => {
    let x = BigInt.asUintN(type.bitWidth, v);
    for (let k = 0; k < words; ++k) {
      d[i * words + k] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
}

function monthDayNanoColumn(values) {
  return fixedWidth(new IntervalMonthDayNano(), values, Int32Array, 4, (d, i, v) => {
    d[4 * i] = v.months;
    d[4 * i + 1] = v.days;
    const ns = BigInt.asUintN(64, v.nanoseconds);
    d[4 * i + 2] = Number(ns & 0xffffffffn) | 0;
    d[4 * i + 3] = Number(ns >> 32n) | 0;
  });
}

const field = (name, type, nullable = true, metadata) => new Field(name, type, nullable, metadata);

function mapColumn(values) {
  // Built by hand so that duplicate keys and the order of entries are exactly as given.
  const keys = [];
  const items = [];
  const offsets = [0];
  for (const v of values) {
    for (const [k, x] of v ?? []) {
      keys.push(k);
      items.push(x);
    }
    offsets.push(keys.length);
  }
  const entriesType = new Struct([field('key', new Utf8(), false), field('value', new Int32(), true)]);
  const type = new Map_(field('entries', entriesType, false), false);
  const child = makeData({
    type: entriesType,
    length: keys.length,
    nullCount: 0,
    children: [vectorFromArray(keys, new Utf8()).data[0], vectorFromArray(items, new Int32()).data[0]],
  });
  return makeVector(makeData({ type, length: values.length, valueOffsets: Int32Array.from(offsets), child, ...validityOf(values) }));
}

function denseUnionColumn() {
  // Type ids 5 and 10 (not 0 and 1): writers must keep the declared ids.
  const type = new DenseUnion([5, 10], [field('i', new Int32()), field('s', new Utf8())]);
  const n = hi - lo;
  const typeIds = new Int8Array(n);
  const offsets = new Int32Array(n);
  const ints = [];
  const strs = [];
  for (let k = 0; k < n; ++k) {
    const r = lo + k;
    if (r % 3 === 1) {
      typeIds[k] = 10;
      offsets[k] = strs.length;
      strs.push(r % 4 === 0 ? null : `u${r}é`);
    } else {
      typeIds[k] = 5;
      offsets[k] = ints.length;
      ints.push(r % 5 === 0 ? null : r * 1000 - 7);
    }
  }
  return makeVector(makeData({
    type, length: n, typeIds, valueOffsets: offsets,
    children: [vectorFromArray(ints, new Int32()).data[0], vectorFromArray(strs, new Utf8()).data[0]],
  }));
}

function sparseUnionColumn() {
  const type = new SparseUnion([0, 1, 2], [field('f', new Float64()), field('b', new Bool()), field('n', new Null())]);
  const n = hi - lo;
  const typeIds = Int8Array.from(rows([], (r) => r % 3));
  const floats = rows([], (r) => (r % 3 === 0 ? (r === 6 ? NaN : r / 8) : 0));
  const bools = rows([], (r) => (r % 3 === 1 ? r % 2 === 0 : false));
  return makeVector(makeData({
    type, length: n, typeIds,
    children: [
      vectorFromArray(floats, new Float64()).data[0],
      vectorFromArray(bools, new Bool()).data[0],
      makeData({ type: new Null(), length: n }),
    ],
  }));
}

// Dictionaries shared by every batch (one vector each, so one id each).
const DICT_COLORS = vectorFromArray(['red', 'green', 'blue', '', 'grün'], new Utf8());
const DICT_GREEK = vectorFromArray(['α', 'β', 'γ'], new Utf8());

function dictionaryColumn(type, dictionary, values) {
  const words = [...dictionary];
  const indices = values.map((v) => (v === null ? null : words.indexOf(v)));
  if (indices.includes(-1)) throw new Error('a dictionary value is missing from its dictionary');
  return fixedWidth(type, indices, type.indices.ArrayType, 1, (d, i, v) => { d[i] = v; }, { dictionary });
}

function buildColumns() {
  const ts = (unit, tz, specials) => int64Column(new Timestamp(unit, tz), rows(specials, (i) => (i % 6 === 5 ? null : BigInt(i) * 1234567891n - 9876543210n)));
  const texts = ['', 'héllo wörld', '✈ flight', '😀 four-byte', '日本語のテキスト', null,
    'quote " backslash \\ tab \t newline \n', '\u0000 NUL inside', 'x'.repeat(40)];
  const bytes = [new Uint8Array(0), Uint8Array.of(0, 255, 1, 254), null, Uint8Array.of(0x7b, 0x22), new Uint8Array(300).fill(0xab)];

  return {
    i8: vectorFromArray(rows([-128, 127, null, 0, -1], (i) => (i * 37) % 256 - 128), new Int8()),
    i16: vectorFromArray(rows([-32768, 32767, null, 0], (i) => i * 1111 - 9000), new Int16()),
    i32: vectorFromArray(rows([-2147483648, 2147483647, null, 0], (i) => i * 99991 - 7), new Int32()),
    i64: int64Column(new Int64(), rows([-(2n ** 63n), 2n ** 63n - 1n, null, 0n, 2n ** 53n + 1n], (i) => BigInt(i) * -987654321987n)),
    u8: vectorFromArray(rows([0, 255, null], (i) => (i * 13) % 256), new Uint8()),
    u16: vectorFromArray(rows([0, 65535, null], (i) => i * 2000), new Uint16()),
    u32: vectorFromArray(rows([0, 4294967295, null, 2147483648], (i) => i * 100000007 % 4294967296), new Uint32()),
    u64: fixedWidth(new Uint64(), rows([0n, 2n ** 64n - 1n, null, 2n ** 63n], (i) => BigInt(i) * 1000000000000007n),
      BigUint64Array, 1, (d, i, v) => { d[i] = v; }),
    // Only values a float16 holds exactly: apache-arrow 21 rounds some others wrongly
    // (0.000061035156 becomes -Infinity).
    f16: vectorFromArray(rows([0.5, -0, Infinity, null, 65504, -6.103515625e-5, 0.0999755859375], (i) => i / 4 - 2), new Float16()),
    f32: vectorFromArray(rows([1.5, NaN, -0, Infinity, -Infinity, null, 3.4028234663852886e38, 1.401298464324817e-45],
      (i) => Math.fround(i * 0.1)), new Float32()),
    f64: vectorFromArray(rows([NaN, -0, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 0.1, null, -1e-300],
      (i) => i / 3), new Float64()),
    utf8: vectorFromArray(rows(texts, (i) => `row ${i} ünïcode`), new Utf8()),
    large_utf8: vectorFromArray(rows([...texts].reverse(), (i) => (i % 4 === 0 ? null : `L${i}`)), new LargeUtf8()),
    utf8_view: vectorFromArray(rows(['short', 'exactly12byt', 'thirteen char', 'a much longer string than twelve bytes ✈', null, ''],
      (i) => `view value number ${i}`), new Utf8View()),
    binary: vectorFromArray(rows(bytes, (i) => Uint8Array.from({ length: i % 5 }, (_, k) => (i + k) & 0xff)), new Binary()),
    large_binary: vectorFromArray(rows([...bytes].reverse(), (i) => Uint8Array.of(i)), new LargeBinary()),
    binary_view: vectorFromArray(rows([new Uint8Array(20).fill(7), Uint8Array.of(1, 2), null],
      (i) => Uint8Array.from({ length: i }, (_, k) => k)), new BinaryView()),
    bool: vectorFromArray(rows([true, false, null], (i) => i % 3 === 0), new Bool()),
    date32: int32Column(new DateDay(), rows([0, -1, 2932896, -719162, null], (i) => i * 400 - 3000)),
    date64: int64Column(new DateMillisecond(), rows([0n, -86400000n, 253402214400000n, -62135596800000n, null], (i) => BigInt(i) * 86400000n)),
    time32_s: int32Column(new TimeSecond(), rows([0, 86399, null], (i) => i * 3600 % 86400)),
    time32_ms: int32Column(new TimeMillisecond(), rows([0, 86399999, null], (i) => i * 3600001 % 86400000)),
    time64_us: int64Column(new TimeMicrosecond(), rows([0n, 86399999999n, null], (i) => BigInt(i) * 3600000001n)),
    time64_ns: int64Column(new TimeNanosecond(), rows([0n, 86399999999999n, null], (i) => BigInt(i) * 3600000000001n)),
    ts_s: ts(TimeUnit.SECOND, null, [0n, -1n, 253402300799n, -62135596800n, null]),
    ts_ms: ts(TimeUnit.MILLISECOND, null, [0n, -1n, 1705314600123n, null]),
    ts_us: ts(TimeUnit.MICROSECOND, null, [0n, -1n, 1705314600123456n, null]),
    ts_ns: ts(TimeUnit.NANOSECOND, null, [0n, -1n, 1705314600123456789n, -(2n ** 63n), 2n ** 63n - 1n, null]),
    ts_s_utc: ts(TimeUnit.SECOND, 'UTC', [0n, 1705314600n, null]),
    ts_ms_ny: ts(TimeUnit.MILLISECOND, 'America/New_York', [0n, 1705314600123n, null]),
    ts_us_offset: ts(TimeUnit.MICROSECOND, '+05:30', [0n, 1705314600123456n, null]),
    ts_ns_utc: ts(TimeUnit.NANOSECOND, 'UTC', [0n, 1705314600123456789n, null]),
    dec32: decimalColumn(new Decimal(2, 9, 32), rows([0n, 999999999n, -999999999n, null, 1n], (i) => BigInt(i * 12345 - 99999))),
    dec64: decimalColumn(new Decimal(4, 18, 64), rows([0n, 10n ** 18n - 1n, -(10n ** 18n - 1n), null], (i) => BigInt(i) * -123456789012n)),
    dec128: decimalColumn(new Decimal(10, 38, 128), rows([0n, 10n ** 38n - 1n, -(10n ** 38n - 1n), null, -1n], (i) => BigInt(i) * 12345678901234567890123n)),
    dec256: decimalColumn(new Decimal(20, 76, 256), rows([0n, 10n ** 76n - 1n, -(10n ** 76n - 1n), null], (i) => BigInt(i) ** 40n * (i % 2 ? -1n : 1n))),
    fixed_binary: vectorFromArray(rows([new Uint8Array(5), Uint8Array.of(255, 0, 255, 0, 255), null],
      (i) => Uint8Array.from({ length: 5 }, (_, k) => i * 5 + k)), new FixedSizeBinary(5)),
    list_i32: vectorFromArray(rows([[1, 2, 3], [], null, [null], [null, -5, null], [2147483647, -2147483648]],
      (i) => (i % 7 === 3 ? null : Array.from({ length: i % 4 }, (_, k) => (k === 1 ? null : i * 10 + k)))),
    new List(field('item', new Int32(), true))),
    large_list_utf8: vectorFromArray(rows([['a', '', null], [], null, ['✈✈✈']], (i) => (i % 3 ? [`x${i}`, `y${i}`] : []))
      , new LargeList(field('item', new Utf8(), true))),
    fixed_list_f64: vectorFromArray(rows([[1, 2, 3], null, [NaN, null, -0]], (i) => [i, i + 0.5, -i]),
      new FixedSizeList(3, field('item', new Float64(), true))),
    struct: vectorFromArray(rows([
      { a: 1, b: 'x', c: { d: true } },
      { a: null, b: 'y', c: { d: false } },
      null,
      { a: 4, b: null, c: null },
      { a: -5, b: '', c: { d: true } },
    ], (i) => (i % 5 === 0 ? null : { a: i, b: `s${i}`, c: i % 2 ? null : { d: i % 4 === 0 } })),
    new Struct([field('a', new Int32()), field('b', new Utf8()), field('c', new Struct([field('d', new Bool(), false)]))])),
    dict_utf8: dictionaryColumn(new Dictionary(new Utf8(), new Int32()), DICT_COLORS,
      rows(['red', 'green', null, 'red', 'blue', '', 'grün'], (i) => ['red', 'green', 'blue', null][i % 4])),
    dict_i8_utf8: dictionaryColumn(new Dictionary(new Utf8(), new Int8()), DICT_GREEK,
      rows(['α', 'β', 'α', null], (i) => (i % 2 ? 'β' : 'γ'))),
    map: mapColumn(rows([
      [['a', 1], ['b', null]],
      [],
      null,
      [['dup', 1], ['dup', 2]],
      [['ünï', -7]],
    ], (i) => (i % 4 === 2 ? null : Array.from({ length: i % 3 }, (_, k) => [`k${i}.${k}`, i * k])))),
    dense_union: denseUnionColumn(),
    sparse_union: sparseUnionColumn(),
    nulls: makeVector(makeData({ type: new Null(), length: hi - lo })),
    interval_ym: int32Column(new IntervalYearMonth(), rows([0, -1, 2147483647, -2147483648, null], (i) => i * 13 - 100)),
    interval_dt: fixedWidth(new IntervalDayTime(), rows([{ days: 0, milliseconds: 0 }, { days: -1, milliseconds: 86399999 }, null,
      { days: 2147483647, milliseconds: -2147483648 }], (i) => ({ days: i - 10, milliseconds: i * 1000 })),
    Int32Array, 2, (d, i, v) => { d[2 * i] = v.days; d[2 * i + 1] = v.milliseconds; }),
    interval_mdn: monthDayNanoColumn(rows([
      { months: 0, days: 0, nanoseconds: 0n },
      { months: -1, days: -1, nanoseconds: -1n },
      null,
      { months: 2147483647, days: -2147483648, nanoseconds: 2n ** 63n - 1n },
      { months: 1, days: 2, nanoseconds: -(2n ** 63n) },
    ], (i) => ({ months: i, days: -i, nanoseconds: BigInt(i) * 86400000000001n }))),
    duration_s: int64Column(new DurationSecond(), rows([0n, -1n, 2n ** 63n - 1n, null], (i) => BigInt(i) * 60n)),
    duration_ms: int64Column(new DurationMillisecond(), rows([0n, -(2n ** 63n), null], (i) => BigInt(i) * 60000n)),
    duration_us: int64Column(new DurationMicrosecond(), rows([0n, 1n, null], (i) => BigInt(i) * -60000000n)),
    duration_ns: int64Column(new DurationNanosecond(), rows([0n, 999999999999n, null], (i) => BigInt(i) * 60000000000n)),
    // Not nullable, and carrying field metadata.
    id: vectorFromArray(rows([], (i) => i), new Int32()),
  };
}

/**
 * The hand-built data: { schema, batches } with BATCH_LENGTHS rows per batch, a
 * non-nullable `id` column with field metadata, and schema metadata.
 */
export function handBuiltBatches() {
  let schema = null;
  let fields = null;
  const batches = [];
  let start = 0;
  for (const len of BATCH_LENGTHS) {
    [lo, hi] = [start, start + len];
    start += len;
    const columns = buildColumns();
    const names = Object.keys(columns);
    for (const name of names) {
      const { length, data } = columns[name];
      if (length !== len || data.length !== 1) throw new Error(`hand-built column ${name}: ${length} rows in ${data.length} chunks`);
    }
    if (!schema) {
      fields = names.map((name) => {
        const { type } = columns[name];
        if (name === 'id') return field(name, type, false, new Map([['comment', 'row number ✈'], ['unit', '']]));
        return field(name, type, true);
      });
      schema = new Schema(fields, new Map([['origin', 'apache-arrow JS'], ['empty', ''], ['ünïcode key', 'välue']]));
    }
    batches.push(new RecordBatch(schema, makeData({
      type: new Struct(fields),
      length: len,
      nullCount: 0,
      children: names.map((n) => columns[n].data[0]),
    })));
  }
  return { schema, batches };
}
