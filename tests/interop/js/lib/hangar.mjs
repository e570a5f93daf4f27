// Where the Hangar binaries and Arrow's gold files are, and running
// hangar-integration (Arrow's integration-tool contract: validate,
// json-to-arrow, arrow-to-json, stream-to-file, file-to-stream).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../../..');
export const binDir = process.env.HANGAR_BIN_DIR || path.join(repoRoot, 'build', 'bin');
export const testdataDir = process.env.HANGAR_TESTDATA_DIR || path.resolve(repoRoot, '../shared/testdata');
export const goldDir = path.join(testdataDir, 'arrow-ipc');
export const integrationTool = path.join(binDir, 'hangar-integration');

const scratchDirs = [];
process.on('exit', () => {
  if (process.env.HANGAR_KEEP_TMP) return;
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits (unless HANGAR_KEEP_TMP is set). */
export function scratchDir() {
  const d = mkdtempSync(path.join(tmpdir(), 'hangar-interop-'));
  scratchDirs.push(d);
  return d;
}

function requireTool() {
  // A missing tool is a failure, never a skip: a suite that passes because the
  // thing under test was not built proves nothing.
  if (!existsSync(integrationTool)) {
    throw new Error(`${integrationTool} is missing: build Hangar first (make build), or set HANGAR_BIN_DIR`);
  }
}

/** Runs hangar-integration and returns its standard output; throws, with its stderr, when it exits non-zero. */
export function integration(args, { input } = {}) {
  requireTool();
  try {
    return execFileSync(integrationTool, args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = e.stderr ? e.stderr.toString().trim() : '';
    const err = new Error(`hangar-integration ${args.join(' ')} failed (exit ${e.status}): ${stderr || e.message}`);
    err.status = e.status;
    err.stderr = stderr;
    throw err;
  }
}

/** Runs hangar-integration without throwing: { status, stdout, stderr }. */
export function runIntegration(args, { input } = {}) {
  requireTool();
  const r = spawnSync(integrationTool, args, { input, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Every gold case: { name: '<version>/generated_X', json, stream, file }, sorted by name. */
export function goldCases() {
  if (!existsSync(goldDir)) throw new Error(`gold files not found at ${goldDir} (set HANGAR_TESTDATA_DIR)`);
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
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
