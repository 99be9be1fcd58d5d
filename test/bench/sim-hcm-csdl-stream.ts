/**
 * Benchmark: stream N students from the hcm-csdl simulator through the hcm-csdl client in pages of
 * 1000. N = BENCH_STUDENTS, else 300,000 × BENCH_SCALE in the suite; BENCH_STUDENTS=1700000 gives the
 * city-scale figure. Reports
 *   - the SIMULATOR's peak RSS while serving the stream (Linux VmHWM of its process; baseline: its
 *     RSS once listening, before streaming) — the population is computed per record, so this must
 *     not grow with N;
 *   - the client's peak RSS (this process; baseline: RSS just before streaming);
 *   - records/s (baseline: a bare `JSON.parse` loop over raw pages of the same feed, same run).
 * The simulator runs in a child process (this same file, started with `--import tsx`), so each RSS is
 * one side's alone; on a 2-core machine the two processes share the CPU. No PERFORMANCE.md goal
 * applies: the rows are informative (target null).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
// The lint rule bans '../../src/*' (meant for bare 'src/*'); from test/bench it is the only relative path.
import { createHcmCsdlAdapter } from '../../src/adapters/hcm-csdl/index.js';
import { startHcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { costRow, envNumber, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'sim-hcm-csdl-stream';

const CHILD_ENV = 'TRUC_BENCH_HCM_CSDL_SIM';
const CREDENTIALS = { clientId: 'bench', clientSecret: 'bench-secret' };
const PAGE = 1000;
const STUDENTS_PER_SCHOOL = 680;
const SUITE_STUDENTS = 300_000;

const mb = (bytes: number) => bytes / 2 ** 20;

/** Current and peak resident set size of a process (Linux /proc), in bytes. */
function procRss(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Child mode: start the simulator and print its URL as the first stdout line. */
async function serveChild(spec: string): Promise<void> {
  const { schools } = JSON.parse(spec) as { schools: number };
  const sim = await startHcmCsdlSimulator({
    seed: 'bench',
    schools,
    studentsPerSchool: STUDENTS_PER_SCHOOL,
    staffPerSchool: 1,
    tombstoneRate: 0,
    ...CREDENTIALS,
  });
  process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
  process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
}

/** Starts the simulator child process and waits for its URL. */
async function startChild(schools: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_ENV]: JSON.stringify({ schools }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    lines.close();
    return { child, url: (JSON.parse(line) as { url: string }).url };
  }
  throw new Error('simulator child exited before printing its URL');
}

/** Streams `total` students through the client; returns records/s and peak RSS. */
async function streamThroughClient(url: string, total: number) {
  const adapter = createHcmCsdlAdapter({ baseURL: url, ...CREDENTIALS, timeoutMs: 60_000 });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let count = 0;
  const started = performance.now();
  try {
    for await (const page of adapter.listChanges('students', { pageSize: PAGE })) {
      count += page.items.length;
      peak = Math.max(peak, process.memoryUsage().rss);
      if (count >= total) break;
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  return { count, recordsPerSecond: count / seconds, peakRss: peak };
}

/** Raw page bodies of the same feed (the first `pages` pages), fetched without the client. */
async function rawPages(url: string, pages: number): Promise<string[]> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CREDENTIALS.clientId,
    client_secret: CREDENTIALS.clientSecret,
  });
  const token = (
    (await (await fetch(`${url}/oauth/token`, { method: 'POST', body: form })).json()) as {
      access_token: string;
    }
  ).access_token;
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const query = cursor ? `cursor=${encodeURIComponent(cursor)}&limit=${PAGE}` : `limit=${PAGE}`;
    const text = await (
      await fetch(`${url}/v1/students?${query}`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    out.push(text);
    cursor = (JSON.parse(text) as { nextCursor?: string }).nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** Records/s of a bare JSON.parse loop over the pages (repeated until `records` are parsed, ≥ 1 s). */
function jsonParseRate(pages: readonly string[], records: number): number {
  let parsed = 0;
  const started = performance.now();
  for (let round = 0; round < 1_000 && (parsed < records || performance.now() - started < 1000); round++) {
    for (const text of pages) parsed += (JSON.parse(text) as { data: unknown[] }).data.length;
  }
  return parsed / ((performance.now() - started) / 1000);
}

/** Runs the benchmark (see the file comment). */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const total = Math.round(envNumber('BENCH_STUDENTS', scaled(SUITE_STUDENTS, opts.scale, 1000)));
  const { child, url } = await startChild(Math.ceil(total / STUDENTS_PER_SCHOOL));
  try {
    const simBefore = procRss(child.pid!).rss;
    const baselineRss = process.memoryUsage().rss;
    const streamed = await streamThroughClient(url, total);
    const simPeak = procRss(child.pid!).peak;
    const parseRate = jsonParseRate(await rawPages(url, 50), Math.min(total, 200_000));
    const n = streamed.count;
    return [
      costRow(`hcm-csdl simulator peak RSS serving ${n} students`, 'MB', mb(simPeak), mb(simBefore), null),
      costRow(
        `hcm-csdl client peak RSS streaming ${n} students`,
        'MB',
        mb(streamed.peakRss),
        mb(baselineRss),
        null,
      ),
      rateRow(
        `hcm-csdl stream ${n} students: client vs bare JSON.parse`,
        'records/s',
        streamed.recordsPerSecond,
        parseRate,
        null,
      ),
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

const spec = process.env[CHILD_ENV];
if (spec !== undefined) void serveChild(spec);
