/**
 * `npm run bench [-- [--list|--help] [<name> ...]]` (./lib/runner-args.ts): discovers the bench modules in test/bench (each `*.ts` here that
 * exports `name` and `run(opts)`), runs all or the named ones, each BENCH_REPEATS times (default 3)
 * in a fresh child process, and reports per row the repetition with the MEDIAN ratio (its value,
 * baseline and ratio together, so the three stay consistent). Prints a table with MET / NOT MET per
 * row (MET = ratio ≥ target; ratios are oriented so higher is better), writes `bench-results.json`
 * (array of `{ name, unit, value, baseline, ratio, target }`) at the repository root, and exits 0:
 * benchmarks never fail the build (a command line it cannot read, or an unknown name, exits 2 and runs nothing). Sizes scale with BENCH_SCALE (default 1).
 */
import { fork } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';
import type { BenchModule, BenchOptions, BenchRow } from './lib/types.js';
import { envNumber } from './lib/types.js';
import { readRunnerArgs, unknownNames, USAGE } from './lib/runner-args.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CHILD_ENV = 'TRUC_BENCH_MODULE';
/** Hard limit per repetition of one module; a stuck module is killed and reported, never waited on. */
const MODULE_TIMEOUT_MS = envNumber('BENCH_TIMEOUT_S', 300) * 1000;

interface Found {
  file: string;
  name: string;
  /** A module's own limit per repetition (`export const timeoutSeconds`), else BENCH_TIMEOUT_S. */
  timeoutMs: number;
}

function isBenchModule(m: unknown): m is BenchModule {
  const x = m as Partial<BenchModule>;
  return typeof x.name === 'string' && typeof x.run === 'function';
}

/** Bench modules of this folder (not run.ts, not lib/). */
async function discover(): Promise<Found[]> {
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .sort();
  const found: Found[] = [];
  for (const f of files) {
    const file = join(HERE, f);
    const m: unknown = await import(pathToFileURL(file).href);
    if (isBenchModule(m)) {
      const own = (m as { timeoutSeconds?: unknown }).timeoutSeconds;
      const timeoutMs =
        typeof own === 'number' && own > 0 && !process.env.BENCH_TIMEOUT_S ? own * 1000 : MODULE_TIMEOUT_MS;
      found.push({ file, name: m.name, timeoutMs });
    }
  }
  return found;
}

/** Runs one repetition of a module in a child process; its rows, or an error message. */
function runInChild(file: string, opts: BenchOptions, timeoutMs: number): Promise<BenchRow[] | string> {
  return new Promise((done) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify({ file, opts }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: BenchRow[] | string = 'exited without a result';
    const timer = setTimeout(() => {
      result = `killed after ${timeoutMs / 1000} s (BENCH_TIMEOUT_S)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m: { rows?: BenchRow[]; error?: string }) => {
      result = m.rows ?? m.error ?? 'bad message';
    });
    child.on('close', () => {
      clearTimeout(timer);
      done(result);
    });
  });
}

/** Child side: import the module, run it, send the rows (or the error) back. */
async function childMain(spec: string): Promise<void> {
  const { file, opts } = JSON.parse(spec) as { file: string; opts: BenchOptions };
  let message: { rows?: BenchRow[]; error?: string };
  try {
    const m: unknown = await import(pathToFileURL(file).href);
    if (!isBenchModule(m)) throw new Error(`${file} is not a bench module`);
    message = { rows: await m.run(opts) };
  } catch (err) {
    message = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  process.send!(message, () => process.exit(0));
}

interface Aggregated {
  row: BenchRow;
  ratios: number[];
}

/** Per row name, the repetition whose ratio is the median (lower middle when even). */
function aggregate(runs: BenchRow[][]): Aggregated[] {
  const byName = new Map<string, BenchRow[]>();
  for (const rows of runs) for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return [...byName.values()].map((rows) => {
    const sorted = [...rows].sort((a, b) => a.ratio - b.ratio);
    return { row: sorted[Math.floor((sorted.length - 1) / 2)]!, ratios: sorted.map((r) => r.ratio) };
  });
}

const verdict = (r: BenchRow): string =>
  r.target === null ? 'info' : r.ratio >= r.target ? 'MET' : 'NOT MET';

function printTable(results: Aggregated[]): void {
  console.table(
    results.map(({ row, ratios }) => ({
      name: row.name,
      unit: row.unit,
      value: row.value,
      baseline: row.baseline,
      'baseline range': row.baselineSpread ? `${row.baselineSpread.min}–${row.baselineSpread.max}` : '',
      ratio: row.ratio,
      target: row.target ?? '—',
      verdict: verdict(row),
      'ratios (n)': `${ratios.join(' / ')} (${ratios.length})`,
    })),
  );
}

/** The benches to run, or the exit code when the command line asks for none (help, list, a mistake). */
async function selectBenches(): Promise<Found[] | number> {
  const ask = readRunnerArgs(process.argv.slice(2));
  if (ask.kind === 'help') return (console.log(USAGE), 0);
  if (ask.kind === 'error') return (console.error(`${ask.message}\n${USAGE}`), 2);
  const all = await discover();
  const known = all.map((m) => m.name);
  if (ask.kind === 'list') return (console.log(known.join('\n')), 0);
  const unknown = unknownNames(ask.names, known);
  if (unknown.length > 0) {
    console.error(`unknown bench(es): ${unknown.join(', ')}; known: ${known.join(', ')} (nothing run)`);
    return 2;
  }
  return ask.names.length > 0 ? all.filter((m) => ask.names.includes(m.name)) : all;
}

async function main(): Promise<number> {
  const selected = await selectBenches();
  if (typeof selected === 'number') return selected;
  const repeats = Math.round(envNumber('BENCH_REPEATS', 3));
  const scale = envNumber('BENCH_SCALE', 1);
  console.log(
    `truc bench: ${selected.map((m) => m.name).join(', ')} × ${repeats}, BENCH_SCALE=${scale}; ` +
      `machine: ${cpus().length} CPU(s), ${cpus()[0]?.model ?? 'unknown'} (shared/noisy: compare ratios, not values)`,
  );
  const started = performance.now();
  const results: Aggregated[] = [];
  for (const m of selected) {
    const runs: BenchRow[][] = [];
    for (let repetition = 0; repetition < repeats; repetition++) {
      const t = performance.now();
      const out = await runInChild(m.file, { repetition, repeats, scale }, m.timeoutMs * Math.max(1, scale));
      const took = ((performance.now() - t) / 1000).toFixed(1);
      if (typeof out === 'string') console.error(`✗ ${m.name} #${repetition + 1} failed (${took} s): ${out}`);
      else {
        console.log(`✓ ${m.name} #${repetition + 1} (${took} s)`);
        runs.push(out);
      }
    }
    results.push(...aggregate(runs));
  }
  printTable(results);
  const file = join(ROOT, 'bench-results.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      results.map((r) => r.row),
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

const childSpec = process.env[CHILD_ENV];
if (childSpec !== undefined && process.send) void childMain(childSpec);
else
  void main()
    .catch((err: unknown) => (console.error('bench runner failed:', err), 0))
    .then((code) => process.exit(code));
