/**
 * Are both cores busy during an end-to-end run, and by whom (issue 7, perf31c; bench tools, not npm test)? A worker
 * thread reads every `OCCUPANCY_MS` (default 20) the CPU nanoseconds (/proc/<tid>/schedstat) of this process's main
 * thread and of its other threads (GC, the compiler, libuv), of the PostgreSQL backends of the run's database (found by
 * their process title), of the server's other PostgreSQL processes (WAL writer, checkpointer, other databases'
 * backends), of the local `redis-server`, of this process's child processes (the load generator), and the machine's
 * busy and idle time (/proc/stat, 10 ms ticks). What is left of the machine's busy time is `others` (other sessions).
 * The sampler's own thread is left out of truc's threads (its CPU still counts in the machine's busy time and in
 * `process.cpuUsage`). The summary gives the mean cores each used over the run, the wall split by whether truc's main thread was busy
 * (> 0.9 of a tick), and one line a second: where the two cores sat idle, and who held them.
 */
import { Worker } from 'node:worker_threads';

const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');
const { main, db, ms } = workerData;
const self = Number(readlinkSync('/proc/thread-self').split('/').pop());
const ns = (path) => { try { return Number(readFileSync(path, 'utf8').split(' ')[0]); } catch { return NaN; } };
const read = (p) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
const tasksOf = (pid) => { try { return readdirSync('/proc/' + pid + '/task').map(Number); } catch { return []; } };
const machine = () => { const f = read('/proc/stat').split('\\n')[0].trim().split(/\\s+/).slice(1).map(Number);
  const idle = f[3] + f[4]; const all = f.slice(0, 8).reduce((a, b) => a + b, 0); return { idle: idle * 1e7, busy: (all - idle) * 1e7 }; };
let groups = { own: [], pg: [], pgOther: [], redis: [], child: [] };
const scan = () => {
  const g = { own: tasksOf(main).filter((t) => t !== main && t !== self), pg: [], pgOther: [], redis: [], child: [] };
  for (const d of readdirSync('/proc')) {
    if (!/^\\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === main) continue;
    const comm = read('/proc/' + d + '/comm').trim();
    if (comm === 'postgres') { (read('/proc/' + d + '/cmdline').includes(db) ? g.pg : g.pgOther).push(pid); continue; }
    if (comm === 'redis-server') { g.redis.push(...tasksOf(pid).map((t) => pid + '/task/' + t)); continue; }
    const stat = read('/proc/' + d + '/stat');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === main) g.child.push(...tasksOf(pid).map((t) => pid + '/task/' + t));
  }
  g.own = g.own.map((t) => main + '/task/' + t);
  groups = g;
};
scan();
const KEYS = ['own', 'pg', 'pgOther', 'redis', 'child'];
// schedstat: [0] ns on a CPU, [1] ns waiting on a run queue (runnable, no CPU free): run + wait is what it wanted.
const stat2 = (path) => { try { const f = readFileSync(path, 'utf8').split(' '); return [Number(f[0]), Number(f[1])]; } catch { return [NaN, NaN]; } };
const runnable = (path) => { const s = read(path.replace(/schedstat$/, 'stat')); return s.charAt(s.lastIndexOf(')') + 2) === 'R' ? 1 : 0; };
const sample = () => {
  const mainPath = '/proc/' + main + '/task/' + main + '/schedstat';
  const s = { t: performance.timeOrigin + performance.now(), main: stat2(mainPath), m: machine(), r: runnable(mainPath) };
  for (const k of KEYS) { const v = new Map(); for (const p of groups[k]) { const path = '/proc/' + p + '/schedstat'; v.set(p, stat2(path)); if (k !== 'own' && k !== 'pgOther') s.r += runnable(path); } s[k] = v; }
  return s;
};
const ticks = [];
let prev = sample();
let n = 0;
const timer = setInterval(() => {
  if (++n % 25 === 0) scan();
  const cur = sample();
  const dt = (cur.t - prev.t) * 1e6;
  const tick = { t: cur.t, ms: dt / 1e6, main: (cur.main[0] - prev.main[0]) / dt, mainWant: (cur.main[0] + cur.main[1] - prev.main[0] - prev.main[1]) / dt,
    idle: (cur.m.idle - prev.m.idle) / dt, busy: (cur.m.busy - prev.m.busy) / dt, runnable: cur.r };
  for (const k of KEYS) {
    let sum = 0, want = 0;
    for (const [p, v] of cur[k]) { const b = prev[k].get(p); if (b !== undefined && !Number.isNaN(v[0]) && !Number.isNaN(b[0])) { sum += v[0] - b[0]; want += v[0] + v[1] - b[0] - b[1]; } }
    tick[k] = sum / dt;
    tick[k + 'Want'] = want / dt;
  }
  ticks.push(tick);
  prev = cur;
}, ms);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(ticks); });
`;

interface Tick {
  t: number;
  ms: number;
  main: number;
  own: number;
  pg: number;
  pgOther: number;
  redis: number;
  child: number;
  idle: number;
  busy: number;
  mainWant: number;
  ownWant: number;
  pgWant: number;
  pgOtherWant: number;
  redisWant: number;
  childWant: number;
  /** Threads runnable at the tick's end: truc's main thread, the run's backends, Redis, the generator. */
  runnable: number;
}

const PARTS = [
  'main',
  'own',
  'pg',
  'pgOther',
  'redis',
  'child',
  'idle',
  'busy',
  'mainWant',
  'ownWant',
  'pgWant',
  'pgOtherWant',
  'redisWant',
  'childWant',
] as const;
type Part = (typeof PARTS)[number];

/** Mean cores of each part over `ticks` (time-weighted), with `others` = the machine's busy time left over. */
function means(ticks: readonly Tick[]): Record<Part | 'others', number> & { ms: number } {
  const out = { ms: 0, others: 0 } as Record<Part | 'others', number> & { ms: number };
  for (const p of PARTS) out[p] = 0;
  for (const k of ticks) {
    out.ms += k.ms;
    for (const p of PARTS) out[p] += k[p] * k.ms;
  }
  for (const p of PARTS) out[p] /= Math.max(1, out.ms);
  out.others = Math.max(0, out.busy - out.main - out.own - out.pg - out.pgOther - out.redis - out.child);
  return out;
}

const f2 = (x: number): string => x.toFixed(2);

/** Cores each part ran on, then (after `want`) what it wanted: ran + waited on a run queue. */
const line = (m: ReturnType<typeof means>): string =>
  `main ${f2(m.main)} threads ${f2(m.own)} pg ${f2(m.pg)} pg-other ${f2(m.pgOther)} redis ${f2(m.redis)} ` +
  `generator ${f2(m.child)} others ${f2(m.others)} | busy ${f2(m.busy)} idle ${f2(m.idle)} | want main ` +
  `${f2(m.mainWant)} threads ${f2(m.ownWant)} pg ${f2(m.pgWant)} pg-other ${f2(m.pgOtherWant)} redis ${f2(m.redisWant)} ` +
  `generator ${f2(m.childWant)} = ${f2(m.mainWant + m.ownWant + m.pgWant + m.pgOtherWant + m.redisWant + m.childWant)}`;

/** Share of the wall (ms-weighted) by how many of the run's threads were runnable at a tick's end: 0, 1, 2, 3+. */
function runnableShares(ticks: readonly Tick[]): string {
  const by = [0, 0, 0, 0];
  let wall = 0;
  for (const k of ticks) {
    by[Math.min(3, k.runnable)]! += k.ms;
    wall += k.ms;
  }
  return by.map((x, i) => `${i === 3 ? '3+' : i} ${((x / Math.max(1, wall)) * 100).toFixed(0)} %`).join(', ');
}

export interface Occupancy {
  /** Stops sampling; the summary (see the file comment) of the ticks from `fromMs` (epoch ms) on, `label` first. */
  stop(label: string, fromMs?: number): Promise<string>;
}

/** Starts sampling (see the file comment); `db`: the run's database name (its backends' process title holds it). */
export function startOccupancy(db: string): Occupancy {
  const ms = Number(process.env.OCCUPANCY_MS ?? 20);
  const worker = new Worker(SAMPLER, { eval: true, workerData: { main: process.pid, db, ms } });
  return {
    async stop(label, fromMs = 0) {
      const sampled = await new Promise<Tick[]>((done) => {
        worker.once('message', done);
        worker.postMessage('stop');
      });
      const ticks = sampled.filter((k) => k.t - k.ms >= fromMs);
      await worker.terminate();
      const all = means(ticks);
      const saturated = ticks.filter((k) => k.main > 0.9);
      const out = [
        `${label} occupancy over ${(all.ms / 1000).toFixed(1)} s (mean cores): ${line(all)}`,
        `  truc's main thread busy (> 0.9) ${((saturated.reduce((s, k) => s + k.ms, 0) / Math.max(1, all.ms)) * 100).toFixed(0)} % of the wall; ` +
          `runnable threads (main, backends, Redis, generator) at a tick: ${runnableShares(ticks)}`,
      ];
      const t0 = ticks[0]?.t ?? 0;
      for (let s = 0; ; s++) {
        const part = ticks.filter((k) => k.t - t0 >= s * 1000 && k.t - t0 < (s + 1) * 1000);
        if (part.length === 0) break;
        out.push(`  ${String(s).padStart(3)} s: ${line(means(part))}`);
      }
      return out.join('\n');
    },
  };
}

/** {@link startOccupancy} on the database of `databaseUrl` when `on` (and it is a PostgreSQL one); else undefined. */
export const occupancyIf = (on: boolean, databaseUrl: string | undefined): Occupancy | undefined =>
  on && databaseUrl ? startOccupancy(new URL(databaseUrl).pathname.slice(1)) : undefined;
