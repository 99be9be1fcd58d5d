/**
 * A batch's fixed cost by function (issue 7, perf7f; bench tools, not npm test): the .cpuprofiles of two runs of
 * ./repush-cpu.ts (`REPUSH_PROF`) over the same records in batches of two sizes (e.g. 160 × 1000 and 320 × 500,
 * `REPUSH_BATCH_SIZE`), each summed per batch (sampled ms a batch, every profile of its folder), and per key the part
 * that does not scale with the records: `fixed = (large × a small batch − small × a large one) ÷ (large − small)`,
 * 2 × small − large for 1000 and 500. Keys: `self` (the sampled function), `src` (its nearest frame under `src/`),
 * `pkg` (its nearest `src/` file or `node_modules` package), or `parts` (the groups of {@link PARTS}, inclusive: a
 * sample counts once in each group that has a frame on its stack). The profiler samples the wall of a thread that
 * runs (or waits, preempted, in a system call): on a loaded machine a socket write's share is mostly the wait for a
 * core after it woke PostgreSQL, so read the shares, and truc's CPU a batch from repush-cpu's own lines.
 *
 *   npx tsx test/bench/lib/profile-diff.ts <large dir> <batches> <small dir> <batches> [self|src|pkg|parts] [top=40]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuProfile, Frame } from './cpu-profile.js';

type Mode = 'self' | 'src' | 'pkg' | 'parts';

/** The parts of a batch's path the brief of perf7f named, as patterns on a frame's `function url`. */
const PARTS: Record<string, RegExp> = {
  'HTTP (fastify, node:http)': /node_modules\/(fastify|find-my-way)\/|node:_http/,
  'rate limit (Redis)': /@fastify\/rate-limit/,
  'pino (redaction, sonic-boom)': /node_modules\/(pino|@pinojs|sonic-boom)\//,
  'hand-over, outbox relay': /src\/jobs\/(hand-over|outbox-relay)\.ts/,
  'BullMQ, ioredis': /node_modules\/(bullmq|ioredis)\//,
  'job wrapper (runQueueJob, defineJob)': /^runQueueJob |src\/jobs\/define\.ts/,
  'ingest slot': /^takeIngestSlot /,
  'school lock': /^lockSchoolOfBatchOrPass /,
  'batch read, records decoded and parsed': /^lockForProcessing /,
  guard: /^guardBatch /,
  finish: /src\/jobs\/ingest-finish\.ts/,
  'audit chain': /src\/audit\//,
  'metrics (prom-client)': /node_modules\/prom-client\//,
  'socket writes (system calls)': /^(writev|writeBuffer|writeUtf8String|writeString|writeLatin1String) /,
  'pg rows parsed': /^(parseDataRowMessage|_handleDataRow|parseRow) /,
  'garbage collector': /^\(garbage collector\) /,
};

const short = (url: string): string =>
  url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|dist\/|src\/)/, '$1');
const frameKey = (f: Frame): string =>
  `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;
/** A `node_modules/<package>` (scoped: two parts) or `src/<file>` of a short url. */
const pkgOf = (u: string): string =>
  u.startsWith('node_modules/@')
    ? u.split('/').slice(0, 3).join('/')
    : u.startsWith('node_modules/')
      ? u.split('/').slice(0, 2).join('/')
      : u;

/** The keys one sample counts for, innermost frame first. */
function keysOf(frames: Frame[], mode: Mode): string[] {
  const self = frames[0]!;
  if (mode === 'self') return [frameKey(self)];
  if (mode === 'parts') {
    const named = frames.map((f) => `${f.functionName} ${f.url.replace(/^file:\/\//, '')}`);
    return Object.keys(PARTS).filter((k) => named.some((f) => PARTS[k]!.test(f)));
  }
  for (const f of frames) {
    const u = short(f.url);
    if (u.startsWith('src/')) return [mode === 'src' ? frameKey(f) : u];
    if (mode === 'pkg' && u.startsWith('node_modules/')) return [pkgOf(u)];
  }
  return [`(no src) ${frameKey(self)}`];
}

/** Sampled ms a batch per key, over every .cpuprofile in `dir` (`batches` a profile). */
function perBatch(dir: string, batches: number, mode: Mode): Map<string, number> {
  const out = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    p.samples.forEach((id, i) => {
      const frames: Frame[] = [];
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n))
        frames.push(byId.get(n)!.callFrame);
      if (frames[0]!.functionName === '(idle)') return;
      const ms = (p.timeDeltas[i] ?? 0) / 1000 / (files.length * batches);
      for (const k of keysOf(frames, mode)) out.set(k, (out.get(k) ?? 0) + ms);
    });
  }
  return out;
}

const [largeDir, largeN, smallDir, smallN, modeArg, topArg] = process.argv.slice(2);
if (!largeDir || !largeN || !smallDir || !smallN) {
  console.error(
    'usage: profile-diff.ts <large dir> <batches> <small dir> <batches> [self|src|pkg|parts] [top=40]',
  );
  process.exit(2);
}
const mode = (modeArg ?? 'parts') as Mode;
const large = perBatch(largeDir, Number(largeN), mode);
const small = perBatch(smallDir, Number(smallN), mode);
// Records a batch are inversely proportional to batches a run (the same records in both).
const ratio = Number(smallN) / Number(largeN);
const fixedOf = (l: number, s: number): number => (ratio * s - l) / (ratio - 1);
const rows = [...new Set([...large.keys(), ...small.keys()])].map((k) => {
  const l = large.get(k) ?? 0;
  const s = small.get(k) ?? 0;
  return { k, l, s, fixed: fixedOf(l, s) };
});
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
// The parts overlap: the totals are the samples' own.
const total = (dir: string, n: string, m: Map<string, number>): number =>
  sum([...(mode === 'parts' ? perBatch(dir, Number(n), 'self') : m).values()]);
const [tl, ts] = [total(largeDir, largeN, large), total(smallDir, smallN, small)];
console.log(
  `sampled ms a batch (not idle): large ${tl.toFixed(1)}, small ${ts.toFixed(1)}, fixed ${fixedOf(tl, ts).toFixed(1)}`,
);
const order = mode === 'parts' ? (a: (typeof rows)[0]) => -a.l : (a: (typeof rows)[0]) => -a.fixed;
for (const r of rows.sort((a, b) => order(a) - order(b)).slice(0, Number(topArg ?? 40)))
  console.log(
    `${r.fixed.toFixed(2).padStart(7)} fixed | ${r.l.toFixed(2).padStart(6)} large ${r.s.toFixed(2).padStart(6)} small  ${r.k}`,
  );
