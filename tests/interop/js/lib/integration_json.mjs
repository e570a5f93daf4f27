// Arrow's integration JSON (the format of the gold *.json.gz files and of
// `hangar-integration --mode arrow-to-json`) read into the same comparable shapes
// that lib/arrow_values.mjs makes of an apache-arrow table: a schema description
// and one canonical value per row and column (see that file for the shapes).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { structKeys } from './arrow_values.mjs';

// JSON.parse turns every number into a double, so an int64 written as a bare
// number (the nanoseconds of a month-day-nano interval are) would lose its low
// digits. Integer literals of 16 or more digits are quoted before parsing; the
// readers below turn them into BigInt. Strings are matched first so that digits
// inside them are left alone, and the look-arounds keep the digits of a
// fraction or an exponent out.
const LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** JSON.parse that keeps long integer literals exact (as digit strings). */
export function parseExact(text) {
  return JSON.parse(text.replace(LONG_INTEGER, (m) => (m[0] === '"' ? m : `"${m}"`)));
}

/** Reads an integration JSON file, plain or gzip-compressed. */
export function readIntegrationJson(file) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseExact(bytes.toString('utf8'));
}

const metadataPairs = (m) => {
  if (!m) return [];
  const pairs = Array.isArray(m) ? m.map((e) => [e.key, e.value]) : Object.entries(m);
  return pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
};

/** The type parameters in the notation of arrow_values.typeDescription. */
export function jsonTypeDescription(type) {
  switch (type.name) {
    case 'null': case 'bool': case 'binary': case 'largebinary': case 'binaryview':
    case 'utf8': case 'largeutf8': case 'utf8view': case 'list': case 'largelist':
    case 'listview': case 'largelistview': case 'struct': case 'runendencoded':
      return type.name;
    case 'int': return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
    case 'floatingpoint': return { HALF: 'float16', SINGLE: 'float32', DOUBLE: 'float64' }[type.precision];
    case 'decimal': return `decimal${type.bitWidth ?? 128}(${type.precision},${type.scale})`;
    case 'date': return `date(${type.unit})`;
    case 'time': return `time${type.bitWidth}(${type.unit})`;
    case 'timestamp': return `timestamp(${type.unit}${type.timezone ? `,${type.timezone}` : ''})`;
    case 'interval': return `interval(${type.unit})`;
    case 'duration': return `duration(${type.unit})`;
    case 'fixedsizebinary': return `fixedsizebinary(${type.byteWidth})`;
    case 'fixedsizelist': return `fixedsizelist(${type.listSize})`;
    case 'map': return `map(keysSorted=${Boolean(type.keysSorted)})`;
    case 'union': return `union(${type.mode},[${(type.typeIds ?? []).join(',')}])`;
    default: return `unknown(${type.name})`;
  }
}

/** A JSON field described as arrow_values.fieldDescription(…, {withToString: false}) does. */
export function jsonFieldDescription(field) {
  let type = jsonTypeDescription(field.type);
  if (field.dictionary) {
    type = `dictionary(${jsonTypeDescription(field.dictionary.indexType)},ordered=${Boolean(field.dictionary.isOrdered)})<${type}>`;
  }
  return {
    name: field.name,
    nullable: field.nullable,
    type,
    metadata: metadataPairs(field.metadata),
    children: (field.children ?? []).map(jsonFieldDescription),
  };
}

export function jsonSchemaDescription(json) {
  return { fields: json.schema.fields.map(jsonFieldDescription), metadata: metadataPairs(json.schema.metadata) };
}

/**
 * apache-arrow renames a map's entries struct and its children to `entries`,
 * `key`, `value` whatever the writer called them (its Map_ constructor does so on
 * purpose, ARROW-8716). To compare apache-arrow's schema with a JSON file, apply
 * this to the JSON side: it changes those three names and nothing else.
 */
export function canonicalMapNames(desc) {
  const fix = (f) => {
    const children = f.children.map(fix);
    if (f.type.startsWith('map(') || /<map\(/.test(f.type)) {
      const [entries] = children;
      if (entries) {
        entries.name = 'entries';
        if (entries.children[0]) entries.children[0].name = 'key';
        if (entries.children[1]) entries.children[1].name = 'value';
      }
    }
    return { ...f, children };
  };
  return { ...desc, fields: desc.fields.map(fix) };
}

const bigint = (x) => BigInt(x);
const number = (x) => (typeof x === 'string' ? Number(x) : x);

/** A JSON float: a number, or for non-finite values one of the spellings writers use. */
function float(x) {
  if (typeof x === 'number') return x;
  if (x === null) return NaN;
  const s = String(x).toLowerCase();
  if (s === 'nan' || s === '-nan') return NaN;
  if (s === 'inf' || s === 'infinity' || s === '+inf' || s === '+infinity') return Infinity;
  if (s === '-inf' || s === '-infinity') return -Infinity;
  return Number(x);
}

/**
 * The float16 nearest to `x` (ties to even), as a double: writers print a
 * float16 with only the digits that identify it among float16s.
 */
export function roundToFloat16(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) --e;
  if (2 ** (e + 1) <= a) ++e;
  e = Math.max(e, -14); // below 2^-14 float16 is subnormal: a fixed step of 2^-24
  const step = 2 ** (e - 10);
  const m = a / step;
  const f = Math.floor(m);
  const r = m - f > 0.5 || (m - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  const v = r * step;
  return sign * (v > 65504 ? Infinity : v);
}

function bytesFromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Decoder {
  constructor(json) {
    this.dictionaryFields = new Map();
    const walk = (f) => {
      if (f.dictionary) this.dictionaryFields.set(f.dictionary.id, f);
      (f.children ?? []).forEach(walk);
    };
    json.schema.fields.forEach(walk);
    this.dictionaryColumns = new Map((json.dictionaries ?? []).map((d) => [d.id, d.data.columns[0]]));
    this.decodedDictionaries = new Map();
  }

  dictionary(id) {
    let values = this.decodedDictionaries.get(id);
    if (!values) {
      const field = this.dictionaryFields.get(id);
      const column = this.dictionaryColumns.get(id);
      if (!field || !column) throw new Error(`JSON has no dictionary ${id}`);
      values = this.values({ ...field, dictionary: undefined }, column);
      this.decodedDictionaries.set(id, values);
    }
    return values;
  }

  /** One canonical value per slot of `column`, described by `field`. */
  values(field, column) {
    const n = column.count;
    const validity = column.VALIDITY;
    const valid = (i) => !validity || validity[i] === 1 || validity[i] === true;
    const out = new Array(n);
    const each = (fn) => {
      for (let i = 0; i < n; ++i) out[i] = valid(i) ? fn(i) : null;
      return out;
    };
    const { DATA: data, OFFSET: offsets } = column;
    const childValues = (k) => this.values(field.children[k], column.children[k]);

    if (field.dictionary) {
      const dict = this.dictionary(field.dictionary.id);
      return each((i) => {
        const index = Number(data[i]);
        if (!(index >= 0 && index < dict.length)) throw new Error(`dictionary index ${data[i]} out of range`);
        return dict[index];
      });
    }
    const { type } = field;
    switch (type.name) {
      case 'null': return out.fill(null);
      case 'bool': return each((i) => data[i] === true || data[i] === 1);
      case 'int': return each(type.bitWidth === 64 ? (i) => bigint(data[i]) : (i) => number(data[i]));
      case 'floatingpoint':
        // Writers print a float32 or float16 with only the digits that identify it.
        if (type.precision === 'HALF') return each((i) => roundToFloat16(float(data[i])));
        return each(type.precision === 'SINGLE' ? (i) => Math.fround(float(data[i])) : (i) => float(data[i]));
      case 'decimal': return each((i) => bigint(data[i]));
      case 'date': return each(type.unit === 'DAY' ? (i) => number(data[i]) : (i) => bigint(data[i]));
      case 'time': return each(type.bitWidth === 64 ? (i) => bigint(data[i]) : (i) => number(data[i]));
      case 'timestamp': case 'duration': return each((i) => bigint(data[i]));
      case 'interval':
        switch (type.unit) {
          case 'YEAR_MONTH': return each((i) => number(data[i]));
          case 'DAY_TIME': return each((i) => ({ days: number(data[i].days), milliseconds: number(data[i].milliseconds) }));
          default: return each((i) => ({
            months: number(data[i].months), days: number(data[i].days), nanoseconds: bigint(data[i].nanoseconds),
          }));
        }
      case 'utf8': case 'largeutf8': return each((i) => data[i]);
      case 'binary': case 'largebinary': case 'fixedsizebinary': return each((i) => String(data[i]).toUpperCase());
      case 'binaryview': case 'utf8view': {
        const buffers = (column.VARIADIC_DATA_BUFFERS ?? []).map(bytesFromHex);
        const text = type.name === 'utf8view';
        return each((i) => {
          const v = column.VIEWS[i];
          if (v.INLINED !== undefined) return text ? v.INLINED : String(v.INLINED).toUpperCase();
          const bytes = buffers[v.BUFFER_INDEX].subarray(v.OFFSET, v.OFFSET + v.SIZE);
          return text ? utf8.decode(bytes) : String(Buffer.from(bytes).toString('hex')).toUpperCase();
        });
      }
      case 'list': case 'largelist': {
        const child = childValues(0);
        return each((i) => child.slice(Number(offsets[i]), Number(offsets[i + 1])));
      }
      case 'listview': case 'largelistview': {
        const child = childValues(0);
        return each((i) => child.slice(Number(offsets[i]), Number(offsets[i]) + Number(column.SIZE[i])));
      }
      case 'fixedsizelist': {
        const child = childValues(0);
        const size = type.listSize;
        return each((i) => child.slice(i * size, (i + 1) * size));
      }
      case 'struct': {
        const keys = structKeys(field.children.map((f) => f.name));
        const children = field.children.map((_f, k) => childValues(k));
        return each((i) => Object.fromEntries(children.map((c, k) => [keys[k], c[i]])));
      }
      case 'map': {
        const entries = column.children[0];
        const entryField = field.children[0];
        const keys = this.values(entryField.children[0], entries.children[0]);
        const items = this.values(entryField.children[1], entries.children[1]);
        return each((i) => {
          const pairs = [];
          for (let j = Number(offsets[i]); j < Number(offsets[i + 1]); ++j) pairs.push([keys[j], items[j]]);
          return pairs;
        });
      }
      case 'union': {
        const children = field.children.map((_f, k) => childValues(k));
        const ids = type.typeIds ?? field.children.map((_f, k) => k);
        return each((i) => {
          const typeId = number(column.TYPE_ID[i]);
          const k = ids.indexOf(typeId);
          if (k < 0) throw new Error(`union type id ${typeId} not declared`);
          const at = type.mode === 'DENSE' ? Number(offsets[i]) : i;
          return { typeId, value: children[k][at] };
        });
      }
      case 'runendencoded': {
        const runEnds = childValues(0).map(Number);
        const values = childValues(1);
        let run = 0;
        for (let i = 0; i < n; ++i) {
          while (run < runEnds.length && runEnds[run] <= i) ++run;
          out[i] = values[run];
        }
        return out;
      }
      default: throw new Error(`no canonical form for JSON type ${JSON.stringify(type)}`);
    }
  }
}

/**
 * The JSON file's content in the shape of arrow_values.tableContent (without
 * apache-arrow's type strings).
 */
export function jsonContent(json) {
  const decoder = new Decoder(json);
  const columns = json.schema.fields.map((f) => ({ name: f.name, values: [] }));
  for (const batch of json.batches) {
    json.schema.fields.forEach((f, k) => {
      const values = decoder.values(f, batch.columns[k]);
      for (const v of values) columns[k].values.push(v);
    });
  }
  return {
    schema: jsonSchemaDescription(json),
    batchLengths: json.batches.map((b) => b.count),
    columns,
  };
}
