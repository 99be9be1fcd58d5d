/**
 * Are both cores busy during an end-to-end run, and by whom (issue 7, perf31c; bench tools, not npm test)? A worker
 * thread reads every `OCCUPANCY_MS` (default 20) the CPU nanoseconds (/proc/<tid>/schedstat) of the main thread and
 * of the other threads (GC, the compiler, libuv) of each process truc runs in (this one, `truc`; or `api` and
 * `worker`, child processes: ./truc-procs.ts), of the PostgreSQL backends of the run's database (found by their
 * process title), of the server's other PostgreSQL processes (WAL writer, checkpointer, other databases' backends), of
 * the local `redis-server`, of this process's other child processes (the load generator), of this process when truc
 * does not run in it (`bench`: its polling of the batches, its reading of the children's logs), and the machine's busy
 * and idle time (/proc/stat, 10 ms ticks). What is left of the machine's busy time is `others` (other sessions). The
 * sampler's own thread is left out (its CPU still counts in the machine's busy time and in `process.cpuUsage`). The
 * summary gives the mean cores each used over the run, the share of the wall each of truc's main threads was busy
 * (> 0.9 of a tick), and one line a second: where the two cores sat idle, and who held them.
 */
import { Worker } from 'node:worker_threads';

const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');
const { procs, bench, db, ms } = workerData;
const self = Number(readlinkSync('/proc/thread-self').split('/').pop());
const read = (p) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
const tasksOf = (pid) => { try { return readdirSync('/proc/' + pid + '/task').map(Number); } catch { return []; } };
const machine = () => { const f = read('/proc/stat').split('\\n')[0].trim().split(/\\s+/).slice(1).map(Number);
  const idle = f[3] + f[4]; const all = f.slice(0, 8).reduce((a, b) => a + b, 0); return { idle: idle * 1e7, busy: (all - idle) * 1e7 }; };
const trucPids = new Set(procs.map((p) => p.pid));
const taskPaths = (pid, keep) => tasksOf(pid).filter((t) => t !== self && keep(t)).map((t) => pid + '/task/' + t);
// Groups of threads: each truc process's main thread (runnable counted) and its others; the rest as perf31c read them.
const RUNNABLE = new Set(['pg', 'redis', 'child', ...procs.map((p) => p.name)]);
let groups = {};
const scan = () => {
  const g = {};
  for (const p of procs) { g[p.name] = [p.pid + '/task/' + p.pid]; g[p.name + 'Threads'] = taskPaths(p.pid, (t) => t !== p.pid); }
  Object.assign(g, { pg: [], pgOther: [], redis: [], child: [] });
  if (!trucPids.has(bench)) g.bench = taskPaths(bench, () => true);
  for (const d of readdirSync('/proc')) {
    if (!/^\\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === bench || trucPids.has(pid)) continue;
    const comm = read('/proc/' + d + '/comm').trim();
    if (comm === 'postgres') { (read('/proc/' + d + '/cmdline').includes(db) ? g.pg : g.pgOther).push(pid); continue; }
    if (comm === 'redis-server') { g.redis.push(...taskPaths(pid, () => true)); continue; }
    const stat = read('/proc/' + d + '/stat');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === bench) g.child.push(...taskPaths(pid, () => true));
  }
  groups = g;
};
scan();
const KEYS = Object.keys(groups);
// schedstat: [0] ns on a CPU, [1] ns waiting on a run queue (runnable, no CPU free): run + wait is what it wanted.
const stat2 = (path) => { try { const f = readFileSync(path, 'utf8').split(' '); return [Number(f[0]), Number(f[1])]; } catch { return [NaN, NaN]; } };
const runnable = (path) => { const s = read(path.replace(/schedstat$/, 'stat')); return s.charAt(s.lastIndexOf(')') + 2) === 'R' ? 1 : 0; };
const sample = () => {
  const s = { t: performance.timeOrigin + performance.now(), m: machine(), r: 0 };
  for (const k of KEYS) { const v = new Map(); for (const p of groups[k]) { const path = '/proc/' + p + '/schedstat'; v.set(p, stat2(path)); if (RUNNABLE.has(k)) s.r += runnable(path); } s[k] = v; }
  return s;
};
const ticks = [];
let prev = sample();
let n = 0;
const timer = setInterval(() => {
  if (++n % 25 === 0) scan();
  const cur = sample();
  const dt = (cur.t - prev.t) * 1e6;
  const tick = { t: cur.t, ms: dt / 1e6, idle: (cur.m.idle - prev.m.idle) / dt, busy: (cur.m.busy - prev.m.busy) / dt, runnable: cur.r, run: {}, want: {} };
  for (const k of KEYS) {
    let sum = 0, want = 0;
    for (const [p, v] of cur[k]) { const b = prev[k].get(p); if (b !== undefined && !Number.isNaN(v[0]) && !Number.isNaN(b[0])) { sum += v[0] - b[0]; want += v[0] + v[1] - b[0] - b[1]; } }
    tick.run[k] = sum / dt;
    tick.want[k] = want / dt;
  }
  ticks.push(tick);
  prev = cur;
}, ms);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage({ keys: KEYS, ticks }); });
`;

interface Tick {
  t: number;
  ms: number;
  idle: number;
  busy: number;
  /** Threads runnable at the tick's end: truc's main threads, the run's backends, Redis, the generator. */
  runnable: number;
  /** Cores each group ran on over the tick, and what it wanted (ran + waited on a run queue). */
  run: Record<string, number>;
  want: Record<string, number>;
}

/** Mean cores over `ticks` (time-weighted): each group's run and want, the machine's idle and busy, `others` the rest. */
interface Means {
  ms: number;
  idle: number;
  busy: number;
  others: number;
  run: Record<string, number>;
  want: Record<string, number>;
}

function means(keys: readonly string[], ticks: readonly Tick[]): Means {
  const out: Means = { ms: 0, idle: 0, busy: 0, others: 0, run: {}, want: {} };
  for (const k of keys) out.run[k] = out.want[k] = 0;
  for (const t of ticks) {
    out.ms += t.ms;
    out.idle += t.idle * t.ms;
    out.busy += t.busy * t.ms;
    for (const k of keys) {
      out.run[k]! += t.run[k]! * t.ms;
      out.want[k]! += t.want[k]! * t.ms;
    }
  }
  const w = Math.max(1, out.ms);
  out.idle /= w;
  out.busy /= w;
  for (const k of keys) {
    out.run[k]! /= w;
    out.want[k]! /= w;
  }
  const ran = keys.reduce((a, k) => a + out.run[k]!, 0);
  out.others = Math.max(0, out.busy - ran);
  return out;
}

const f2 = (x: number): string => x.toFixed(2);

/** The printed name of a group: truc's `<name>` main thread, `<name>Threads` its others; `child` the generator. */
const shown = (k: string): string =>
  k.endsWith('Threads')
    ? `${k.slice(0, -7)} threads`
    : k === 'child'
      ? 'generator'
      : k === 'pgOther'
        ? 'pg-other'
        : ['pg', 'redis', 'bench'].includes(k)
          ? k
          : `${k} main`;

/** Cores each group ran on, then (after `want`) what it wanted: ran + waited on a run queue. */
function line(keys: readonly string[], m: Means): string {
  const ran = keys.map((k) => `${shown(k)} ${f2(m.run[k]!)}`).join(' ');
  const wanted = keys.map((k) => `${shown(k)} ${f2(m.want[k]!)}`).join(' ');
  const sum = keys.reduce((a, k) => a + m.want[k]!, 0);
  return `${ran} others ${f2(m.others)} | busy ${f2(m.busy)} idle ${f2(m.idle)} | want ${wanted} = ${f2(sum)}`;
}

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

/** A process truc runs in, by the name its groups are printed under. */
export interface TrucProcess {
  name: string;
  pid: number;
}

/** The share of the wall (%) each of truc's main threads was busy (> 0.9 of a tick). */
function busyShares(procs: readonly TrucProcess[], ticks: readonly Tick[], ms: number): string {
  return procs
    .map(({ name }) => {
      const busy = ticks.filter((k) => k.run[name]! > 0.9).reduce((s, k) => s + k.ms, 0);
      return `${name} ${((busy / Math.max(1, ms)) * 100).toFixed(0)} %`;
    })
    .join(', ');
}

/**
 * Starts sampling (see the file comment); `db`: the run's database name (its backends' process title holds it);
 * `procs`: the processes truc runs in (default this one, `truc`).
 */
export function startOccupancy(
  db: string,
  procs: readonly TrucProcess[] = [{ name: 'truc', pid: process.pid }],
): Occupancy {
  const ms = Number(process.env.OCCUPANCY_MS ?? 20);
  const workerData = { procs, bench: process.pid, db, ms };
  const worker = new Worker(SAMPLER, { eval: true, workerData });
  return {
    async stop(label, fromMs = 0) {
      const sampled = await new Promise<{ keys: string[]; ticks: Tick[] }>((done) => {
        worker.once('message', done);
        worker.postMessage('stop');
      });
      const { keys } = sampled;
      const ticks = sampled.ticks.filter((k) => k.t - k.ms >= fromMs);
      await worker.terminate();
      const all = means(keys, ticks);
      const out = [
        `${label} occupancy over ${(all.ms / 1000).toFixed(1)} s (mean cores): ${line(keys, all)}`,
        `  main thread busy (> 0.9) ${busyShares(procs, ticks, all.ms)} of the wall; runnable threads (truc's main ` +
          `threads, backends, Redis, generator) at a tick: ${runnableShares(ticks)}`,
      ];
      const t0 = ticks[0]?.t ?? 0;
      for (let s = 0; ; s++) {
        const part = ticks.filter((k) => k.t - t0 >= s * 1000 && k.t - t0 < (s + 1) * 1000);
        if (part.length === 0) break;
        out.push(`  ${String(s).padStart(3)} s: ${line(keys, means(keys, part))}`);
      }
      return out.join('\n');
    },
  };
}

/** {@link startOccupancy} on the database of `databaseUrl` when `on` (and it is a PostgreSQL one); else undefined. */
export const occupancyIf = (
  on: boolean,
  databaseUrl: string | undefined,
  procs?: readonly TrucProcess[],
): Occupancy | undefined =>
  on && databaseUrl ? startOccupancy(new URL(databaseUrl).pathname.slice(1), procs) : undefined;
