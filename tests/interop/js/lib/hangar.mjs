// Helpers shared by the interop tests: where the Hangar binaries and Arrow's
// gold files are, running hangar-integration, and a value-level comparison
// of two apache-arrow tables.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../../..');
export const binDir = process.env.HANGAR_BIN_DIR ?? path.join(repoRoot, 'build', 'bin');
export const testdataDir = process.env.HANGAR_TESTDATA_DIR ?? path.resolve(repoRoot, '../shared/testdata');
export const goldDir = path.join(testdataDir, 'arrow-ipc');
export const integrationTool = path.join(binDir, 'hangar-integration');

export function scratchDir() {
  return mkdtempSync(path.join(tmpdir(), 'hangar-interop-'));
}

/** Runs hangar-integration; throws (with its stderr) when it exits non-zero. */
export function integration(args, { input } = {}) {
  if (!existsSync(integrationTool)) throw new Error(`${integrationTool} is missing: build Hangar first (make build)`);
  return execFileSync(integrationTool, args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Every gold case: { name, dir, json, stream, file }. */
export function goldCases() {
  const out = [];
  for (const version of readdirSync(goldDir, { withFileTypes: true })) {
    if (!version.isDirectory()) continue;
    const dir = path.join(goldDir, version.name);
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json.gz')) continue;
      const stem = f.slice(0, -'.json.gz'.length);
      out.push({
        name: `${version.name}/${stem}`,
        json: path.join(dir, f),
        stream: path.join(dir, `${stem}.stream`),
        file: path.join(dir, `${stem}.arrow_file`),
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// A plain-JSON rendering of any value apache-arrow returns, so that two tables
// compare value by value: BigInt as text, typed arrays and vectors as arrays,
// rows (struct, map) as objects, NaN kept distinct from null.
export function plain(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (ArrayBuffer.isView(v)) return Array.from(v, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    // A Vector (e.g. one list value): iterate, which honours validity;
    // toArray() would expose whatever bytes lie under null slots.
    if (typeof v.toArray === 'function' && typeof v.length === 'number' && typeof v.get === 'function') {
      const out = [];
      for (let i = 0; i < v.length; ++i) out.push(plain(v.get(i)));
      return out;
    }
    if (typeof v[Symbol.iterator] === 'function' && typeof v.toJSON === 'function') {
      const json = v.toJSON();
      if (Array.isArray(json)) return json.map(plain);
      return Object.fromEntries(Object.entries(json).map(([k, x]) => [k, plain(x)]));
    }
    if (typeof v.toJSON === 'function') return plain(v.toJSON());
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Schema as comparable data: names, types, nullability and metadata. */
export function schemaOf(table) {
  const meta = (m) => Object.fromEntries([...(m ?? new Map())].sort());
  const field = (f) => ({
    name: f.name,
    type: String(f.type),
    nullable: f.nullable,
    metadata: meta(f.metadata),
    children: (f.type.children ?? []).map(field),
  });
  return { fields: table.schema.fields.map(field), metadata: meta(table.schema.metadata) };
}

/** Every column as an array of plain values. */
export function valuesOf(table) {
  const out = {};
  table.schema.fields.forEach((f, i) => {
    const column = table.getChildAt(i);
    const values = [];
    for (let r = 0; r < table.numRows; ++r) values.push(plain(column.get(r)));
    out[`${i}:${f.name}`] = values;
  });
  return out;
}
