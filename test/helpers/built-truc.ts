/**
 * truc's sources compiled to JavaScript once per test run (vitest's globalSetup, test/global-setup.ts), for the `truc`
 * processes the tests start (proc.ts trucArgs): `node --import tsx src/main.ts` spent ~1 CPU-s of each
 * start in tsx's loader (resolving and reading its cache for every one of ~500 modules; ci10: importing the worker
 * 1.9 CPU-s through tsx, 0.9 from JavaScript), ~60 processes a run. The same esbuild transform tsx applies, file by
 * file (no bundle), into a temporary folder laid out as the repository is, so what the program finds beside its code
 * (`PROJECT_ROOT`: package.json, config/, dashboard/; the migrations, the admin-unit lists) is the repository's own,
 * through links, and its packages resolve from the repository's node_modules.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './proc.js';

/** What the compiled program reads beside its code, linked from the repository. */
const LINKS = [
  'package.json',
  'config',
  'dashboard',
  'node_modules',
  'src/store/migrations',
  'src/canonical/data',
];

/** Compiles src/ into a new temporary folder; returns the folder and the entry's path. */
export async function buildTruc(): Promise<{ dir: string; main: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'truc-js-'));
  try {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => join(ROOT, 'src', f));
    await build({
      entryPoints: sources,
      outdir: join(dir, 'src'),
      outbase: join(ROOT, 'src'),
      absWorkingDir: ROOT,
      tsconfig: join(ROOT, 'tsconfig.json'),
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    for (const link of LINKS) symlinkSync(join(ROOT, link), join(dir, link));
    return { dir, main: join(dir, 'src', 'main.js') };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
