// What an apache-arrow table holds, as plain comparable data: a schema
// description and, per column, one canonical value per row.
//
// The values are read from apache-arrow's decoded buffers (its Data objects)
// rather than through Vector.get(), because several getters are lossy by
// design: timestamps come back as floating-point milliseconds (a nanosecond
// timestamp loses its last digits), decimals as an object whose printing depends
// on the scale, year-month intervals as [years, months]. Comparing those would
// let a writer that changed the low bits pass. Here every value is exact:
//
//   null                      a null slot (validity bit clear), and every Null-type slot
//   boolean                   bool
//   number                    8/16/32-bit ints, float16/32/64 (NaN and -0 kept), date32
//                             (days), time32, interval year-month (months)
//   bigint                    64-bit ints, date64 (ms), time64, timestamp and duration
//                             (raw count in the type's unit), decimal (the unscaled integer)
//   string                    utf8, large utf8, utf8 view; binary kinds as upper-case hex
//   array                     list, large list, fixed-size list, list view (child values)
//   {name: value, ...}        struct; a repeated child name gets `#index` appended
//   [[key, value], ...]       map entries, in order, duplicates kept
//   {typeId, value}           union: the slot's type id and the chosen child's value
//   {days, milliseconds}      interval day-time
//   {months, days, nanoseconds} interval month-day-nano (nanoseconds a bigint)
//   dictionary                the decoded dictionary value (the index itself is not data)
//
// lib/integration_json.mjs produces the same shapes from Arrow's integration JSON,
// so a table and a JSON file compare with lib/compare.mjs.
import {
  DateUnit, IntervalUnit, Precision, TimeUnit, Type, UnionMode, Vector,
} from 'apache-arrow';

/** Upper-case hex of bytes, as the integration JSON writes binary values. */
export function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Struct keys: field names, with `#index` added to a name that repeats. */
export function structKeys(names) {
  const count = new Map();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  return names.map((n, i) => (count.get(n) > 1 ? `${n}#${i}` : n));
}

/** A two's-complement little-endian integer spread over 32-bit words. */
function wordsToBigInt(words) {
  let v = 0n;
  for (let k = words.length - 1; k >= 0; --k) v = (v << 32n) | BigInt(words[k] >>> 0);
  return BigInt.asIntN(32 * words.length, v);
}

const timeUnit = (u) => TimeUnit[u];

/**
 * A type's own parameters as a string, e.g. `int32`, `timestamp(NANOSECOND,UTC)`,
 * `union(DENSE,[5,7])`, `dictionary(int8,ordered=false)<utf8>`. Child fields are
 * described separately (see fieldDescription), so `list` carries no child type.
 */
export function typeDescription(type) {
  switch (type.typeId) {
    case Type.Null: return 'null';
    case Type.Bool: return 'bool';
    case Type.Int: return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
    case Type.Float: return { [Precision.HALF]: 'float16', [Precision.SINGLE]: 'float32', [Precision.DOUBLE]: 'float64' }[type.precision];
    case Type.Decimal: return `decimal${type.bitWidth}(${type.precision},${type.scale})`;
    case Type.Date: return `date(${DateUnit[type.unit]})`;
    case Type.Time: return `time${type.bitWidth}(${timeUnit(type.unit)})`;
    case Type.Timestamp: return `timestamp(${timeUnit(type.unit)}${type.timezone ? `,${type.timezone}` : ''})`;
    case Type.Interval: return `interval(${IntervalUnit[type.unit]})`;
    case Type.Duration: return `duration(${timeUnit(type.unit)})`;
    case Type.Binary: return 'binary';
    case Type.LargeBinary: return 'largebinary';
    case Type.BinaryView: return 'binaryview';
    case Type.Utf8: return 'utf8';
    case Type.LargeUtf8: return 'largeutf8';
    case Type.Utf8View: return 'utf8view';
    case Type.FixedSizeBinary: return `fixedsizebinary(${type.byteWidth})`;
    case Type.List: return 'list';
    case Type.LargeList: return 'largelist';
    case Type.FixedSizeList: return `fixedsizelist(${type.listSize})`;
    case Type.Struct: return 'struct';
    case Type.Map: return `map(keysSorted=${Boolean(type.keysSorted)})`;
    case Type.Union: return `union(${type.mode === UnionMode.Dense ? 'DENSE' : 'SPARSE'},[${[...type.typeIds].join(',')}])`;
    case Type.Dictionary:
      return `dictionary(${typeDescription(type.indices)},ordered=${Boolean(type.isOrdered)})<${typeDescription(type.dictionary)}>`;
    default: return `unknown(${Type[type.typeId] ?? type.typeId})`;
  }
}

const sortedMetadata = (m) => [...(m ?? new Map())].map(([k, v]) => [k, v]).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

/**
 * A field as comparable data: name, nullability, type parameters, apache-arrow's
 * own toString() of the type (when `withToString`), metadata, children.
 */
export function fieldDescription(field, { withToString = true } = {}) {
  const d = {
    name: field.name,
    nullable: field.nullable,
    type: typeDescription(field.type),
  };
  if (withToString) d.typeString = String(field.type);
  d.metadata = sortedMetadata(field.metadata);
  d.children = (field.type.children ?? []).map((c) => fieldDescription(c, { withToString }));
  return d;
}

/** The schema as comparable data. */
export function schemaDescription(schema, options) {
  return {
    fields: schema.fields.map((f) => fieldDescription(f, options)),
    metadata: sortedMetadata(schema.metadata),
  };
}

// Decoded dictionaries are computed once per dictionary vector (apache-arrow
// gives every batch the dictionary in force for it, deltas included).
const dictionaryCache = new WeakMap();

function dictionaryValues(vector) {
  let values = dictionaryCache.get(vector);
  if (!values) {
    values = vectorValues(vector);
    dictionaryCache.set(vector, values);
  }
  return values;
}

const getterCache = new WeakMap();

/** apache-arrow's own getter, for the kinds where it is exact (strings, binary). */
function viaGetter(data, i) {
  let v = getterCache.get(data);
  if (!v) {
    v = new Vector([data]);
    getterCache.set(data, v);
  }
  return v.get(i);
}

/** The canonical value of slot `i` of one Data chunk. */
export function valueAt(data, i) {
  const { type } = data;
  switch (type.typeId) {
    case Type.Null: return null;
    case Type.Union: {
      const typeId = data.typeIds[i];
      const child = data.children[type.typeIdToChildIndex[typeId]];
      if (!child) throw new Error(`union slot ${i} has type id ${typeId}, which the type does not declare`);
      const at = type.mode === UnionMode.Dense ? data.valueOffsets[i] : i;
      return { typeId, value: valueAt(child, at) };
    }
    default: break;
  }
  if (!data.getValid(i)) return null;
  const { values } = data;
  switch (type.typeId) {
    case Type.Bool: {
      const bit = data.offset + i;
      return (values[bit >> 3] & (1 << (bit & 7))) !== 0;
    }
    case Type.Int: return type.bitWidth === 64 ? BigInt(values[i]) : values[i];
    case Type.Float: return type.precision === Precision.HALF ? viaGetter(data, i) : values[i];
    case Type.Decimal: {
      const stride = type.bitWidth / 32;
      return wordsToBigInt(values.subarray(i * stride, (i + 1) * stride));
    }
    case Type.Date: return type.unit === DateUnit.DAY ? values[i] : BigInt(values[i]);
    case Type.Time: return type.bitWidth === 64 ? BigInt(values[i]) : values[i];
    case Type.Timestamp:
    case Type.Duration:
      return BigInt(values[i]);
    case Type.Interval:
      switch (type.unit) {
        case IntervalUnit.YEAR_MONTH: return values[i];
        case IntervalUnit.DAY_TIME: return { days: values[2 * i], milliseconds: values[2 * i + 1] };
        default: return {
          months: values[4 * i],
          days: values[4 * i + 1],
          nanoseconds: wordsToBigInt(values.subarray(4 * i + 2, 4 * i + 4)),
        };
      }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return viaGetter(data, i);
    case Type.Binary:
    case Type.LargeBinary:
    case Type.BinaryView:
    case Type.FixedSizeBinary:
      return hex(viaGetter(data, i));
    case Type.List:
    case Type.LargeList: {
      const begin = Number(data.valueOffsets[i]);
      const end = Number(data.valueOffsets[i + 1]);
      const out = [];
      for (let j = begin; j < end; ++j) out.push(valueAt(data.children[0], j));
      return out;
    }
    case Type.FixedSizeList: {
      const n = type.listSize;
      const out = [];
      for (let j = i * n; j < (i + 1) * n; ++j) out.push(valueAt(data.children[0], j));
      return out;
    }
    case Type.Struct: {
      const keys = structKeys(type.children.map((f) => f.name));
      return Object.fromEntries(data.children.map((c, k) => [keys[k], valueAt(c, i)]));
    }
    case Type.Map: {
      const entries = data.children[0];
      const [keys, items] = entries.children;
      const out = [];
      for (let j = data.valueOffsets[i]; j < data.valueOffsets[i + 1]; ++j) {
        out.push([valueAt(keys, j), valueAt(items, j)]);
      }
      return out;
    }
    case Type.Dictionary: {
      const index = Number(values[i]);
      const dict = dictionaryValues(data.dictionary);
      if (index < 0 || index >= dict.length) throw new Error(`dictionary index ${index} out of range (${dict.length} values)`);
      return dict[index];
    }
    default:
      throw new Error(`no canonical form for values of type ${type}`);
  }
}

/** Every value of a Vector (all of its chunks). */
export function vectorValues(vector) {
  const out = [];
  for (const data of vector.data) for (let i = 0; i < data.length; ++i) out.push(valueAt(data, i));
  return out;
}

/**
 * The content of record batches as comparable data: schema description, row
 * count per batch, and per column (by position: names may repeat) its values
 * over all batches. Columns are taken from each batch's Data by position, and
 * the schema is the one passed in: apache-arrow's Table and RecordBatch rebuild
 * their schema by field name, which merges fields that share a name.
 */
export function batchesContent(schema, batches, options) {
  const columns = schema.fields.map((f) => ({ name: f.name, values: [] }));
  for (const batch of batches) {
    const children = batch.data.children;
    if (children.length !== columns.length) {
      throw new Error(`a record batch has ${children.length} columns, the schema ${columns.length}`);
    }
    children.forEach((data, k) => {
      for (let i = 0; i < batch.numRows; ++i) columns[k].values.push(valueAt(data, i));
    });
  }
  return {
    schema: schemaDescription(schema, options),
    batchLengths: batches.map((b) => b.numRows),
    columns,
  };
}

/** The content of an apache-arrow Table (see batchesContent). */
export function tableContent(table, options) {
  return batchesContent(table.schema, table.batches, options);
}
