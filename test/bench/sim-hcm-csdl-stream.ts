/**
 * Benchmark: stream N students from the hcm-csdl simulator through the hcm-csdl client in pages of
 * 1000. N = BENCH_STUDENTS, else 300,000 × BENCH_SCALE in the suite; BENCH_STUDENTS=1700000 gives the
 * city-scale figure. Reports
 *   - the SIMULATOR's peak RSS while serving the stream (Linux VmHWM of its process; baseline: its
 *     RSS once listening, before streaming) — the population is computed per record, so this must
 *     not grow with N;
 *   - the client's peak RSS (this process; baseline: RSS just before streaming);
 *   - records/s (baseline: a bare `JSON.parse` loop over raw pages of the same feed, same run).
 * The simulator runs in a child process (lib/hcm-csdl-sim.ts, started with `--import tsx`), so each RSS is
 * one side's alone; on a 2-core machine the two processes share the CPU. No PERFORMANCE.md goal
 * applies: the rows are informative (target null).
 */
// The lint rule bans '../../src/*' (meant for bare 'src/*'); from test/bench it is the only relative path.
import { createHcmCsdlAdapter } from '../../src/adapters/hcm-csdl/index.js';
import {
  SIM_CREDENTIALS,
  SIM_PAGE,
  SIM_STUDENTS_PER_SCHOOL,
  simToken,
  startSimChild,
  studentPages,
} from './lib/hcm-csdl-sim.js';
import { procRss } from './lib/procs.js';
import { costRow, envNumber, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'sim-hcm-csdl-stream';

const SUITE_STUDENTS = 300_000;

const mb = (bytes: number) => bytes / 2 ** 20;

/** Streams `total` students through the client; returns records/s and peak RSS. */
async function streamThroughClient(url: string, total: number) {
  const adapter = createHcmCsdlAdapter({ baseURL: url, ...SIM_CREDENTIALS, timeoutMs: 60_000 });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let count = 0;
  const started = performance.now();
  try {
    for await (const page of adapter.listChanges('students', { pageSize: SIM_PAGE })) {
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
  const out: string[] = [];
  for await (const page of studentPages(url, await simToken(url), pages)) out.push(page.text);
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
  const { sim, url } = await startSimChild({
    seed: 'bench',
    schools: Math.ceil(total / SIM_STUDENTS_PER_SCHOOL),
  });
  try {
    const simBefore = procRss(sim.child.pid!).rss;
    const baselineRss = process.memoryUsage().rss;
    const streamed = await streamThroughClient(url, total);
    const simPeak = procRss(sim.child.pid!).peak;
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
    await sim.stop();
  }
}
