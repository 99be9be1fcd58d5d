/**
 * Benchmark: stream N students (env BENCH_STUDENTS, default 1,700,000 = city scale) from the hcm-csdl
 * simulator through the hcm-csdl client in pages of 1000, and report
 *   - peak RSS of this process while streaming (baseline: RSS just before streaming), and
 *   - records/s (baseline: a bare `JSON.parse` loop over raw pages of the same feed, same run).
 * The simulator runs in a child process (this same file, started with `--import tsx`), so the RSS
 * measured here is the client's alone; on a 2-core machine the two processes share the CPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
// The lint rule bans '../../src/*' (meant for bare 'src/*'); from test/bench it is the only relative path.
import { createHcmCsdlAdapter } from '../../src/adapters/hcm-csdl/index.js';
import { startHcmCsdlSimulator } from '../../src/adapters/hcm-csdl/simulator.js';

/** One benchmark result row (see DESIGN §10). */
export interface BenchRow {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  ratio: number;
  target: number;
}

const CHILD_ENV = 'TRUC_BENCH_HCM_CSDL_SIM';
const CREDENTIALS = { clientId: 'bench', clientSecret: 'bench-secret' };
const PAGE = 1000;
const STUDENTS_PER_SCHOOL = 680;
/** Extra memory the client may use while streaming, whatever N is (it holds one page at a time). */
const RSS_HEADROOM_MB = 256;
/** 1.7 M students in under 3 minutes. */
const TARGET_RECORDS_PER_SECOND = 10_000;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

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
export async function run(): Promise<BenchRow[]> {
  const total = Number(process.env.BENCH_STUDENTS ?? 1_700_000);
  if (!Number.isInteger(total) || total < 1) throw new Error('BENCH_STUDENTS must be a positive integer');
  const { child, url } = await startChild(Math.ceil(total / STUDENTS_PER_SCHOOL));
  try {
    const baselineRss = process.memoryUsage().rss;
    const streamed = await streamThroughClient(url, total);
    const parseRate = jsonParseRate(await rawPages(url, 50), Math.min(total, 200_000));
    return [
      {
        name: `hcm-csdl stream ${streamed.count} students: peak RSS`,
        unit: 'MB',
        value: mb(streamed.peakRss),
        baseline: mb(baselineRss),
        ratio: Math.round((streamed.peakRss / baselineRss) * 100) / 100,
        target: mb(baselineRss) + RSS_HEADROOM_MB,
      },
      {
        name: `hcm-csdl stream ${streamed.count} students: throughput`,
        unit: 'records/s',
        value: Math.round(streamed.recordsPerSecond),
        baseline: Math.round(parseRate),
        ratio: Math.round((streamed.recordsPerSecond / parseRate) * 1000) / 1000,
        target: TARGET_RECORDS_PER_SECOND,
      },
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

const spec = process.env[CHILD_ENV];
if (spec !== undefined) void serveChild(spec);
