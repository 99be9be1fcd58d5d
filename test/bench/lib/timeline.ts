/**
 * Who is on a CPU, moment by moment, during a measured pull (issue 7, first sync: "0.3–0.37 of a core
 * idle throughout"; bench tools, not npm test). A worker thread reads every `AB_TIMELINE_MS` (default 5)
 * the CPU nanoseconds (/proc/<tid>/schedstat) of this process's main thread, the PostgreSQL backends of
 * the run's database (found by their process title; the harness's own polling backend left out) and the
 * simulator, and the machine's idle time (/proc/stat). Per tick: the share of it each was on a CPU. The
 * summary splits the wall time by whether truc's main thread and PostgreSQL were busy (> half the tick),
 * with the cores each used in each part: where truc waits on PostgreSQL, PostgreSQL on truc, or both on
 * the source. Every statement a pg client of this process sends can be logged too (its kind, when it was
 * sent and answered), to read a page's timeline beside the ticks (`AB_TIMELINE_DUMP=<prefix>`: `<prefix>.<n>.json`, one a run).
 */
import { writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { statementKind } from './statement-spy.js';

const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync, readdirSync } = require('node:fs');
const { main, sim, db, skip, ms } = workerData;
const ns = (path) => { try { return Number(readFileSync(path, 'utf8').split(' ')[0]); } catch { return NaN; } };
const idle = () => { const f = readFileSync('/proc/stat', 'utf8').split('\\n')[0].trim().split(/\\s+/); return (Number(f[4]) + Number(f[5])) * 10; };
let backends = [];
const findBackends = () => {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\\d+$/.test(d) || skip.includes(Number(d))) continue;
    try { if (readFileSync('/proc/' + d + '/cmdline', 'utf8').includes(db)) out.push(Number(d)); } catch {}
  }
  backends = out;
};
findBackends();
const ticks = [];
let prev;
let n = 0;
const read = () => ({ t: performance.timeOrigin + performance.now(), main: ns('/proc/' + main + '/task/' + main + '/schedstat'),
  pg: new Map(backends.map((p) => [p, ns('/proc/' + p + '/schedstat')])), sim: ns('/proc/' + sim + '/schedstat'), idle: idle() });
const timer = setInterval(() => {
  if (++n % 40 === 0) findBackends();
  const cur = read();
  if (prev) {
    let pgNs = 0;
    for (const [p, v] of cur.pg) { const b = prev.pg.get(p); if (b !== undefined && !Number.isNaN(v) && !Number.isNaN(b)) pgNs += v - b; }
    const dt = (cur.t - prev.t) * 1e6;
    ticks.push([cur.t, dt / 1e6, (cur.main - prev.main) / dt, pgNs / dt, (cur.sim - prev.sim) / dt, (cur.idle - prev.idle) * 1e6 / dt]);
  }
  prev = cur;
}, ms);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(ticks); });
`;

/** One tick: its end (epoch ms), length (ms), and the cores used by truc's main thread, PostgreSQL, the simulator; the machine's idle cores (10 ms resolution). */
export type Tick = [t: number, ms: number, main: number, pg: number, sim: number, idle: number];

/** A statement a pg client sent: its kind, when it was sent and answered (epoch ms), its client's number. */
export interface Logged {
  kind: string;
  sent: number;
  answered: number;
  client: number;
}

let log: Logged[] | undefined;
let clientIds = new WeakMap<object, number>();
let nextClient = 0;

/** Logs every statement a pg client of this process sends (kind, sent, answered; epoch ms) while a timeline runs. */
function patchPg(): void {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown; __tl?: boolean };
  if (proto.__tl) return;
  proto.__tl = true;
  const orig = proto.query;
  proto.query = function (this: object, ...args: unknown[]) {
    const out = orig.apply(this, args);
    if (!log || !(out instanceof Promise)) return out;
    const cfg = args[0] as string | { text?: string };
    const text = typeof cfg === 'string' ? cfg : (cfg?.text ?? '');
    let id = clientIds.get(this);
    if (id === undefined) clientIds.set(this, (id = nextClient++));
    const entry: Logged = { kind: statementKind(text), sent: now(), answered: NaN, client: id };
    const l = log;
    l.push(entry);
    out.then(
      () => (entry.answered = now()),
      () => (entry.answered = now()),
    );
    return out;
  };
}

const now = () => performance.timeOrigin + performance.now();
let dumps = 0;

export interface Timeline {
  stop(): Promise<string>;
}

/**
 * Starts sampling (see the file comment). `db`: the run's database name (its backends' process title
 * holds it); `skip`: backend pids to leave out (the harness's polling connection).
 */
export function startTimeline(opts: { db: string; sim: number | undefined; skip: number[] }): Timeline {
  const ms = Number(process.env.AB_TIMELINE_MS ?? 5);
  patchPg();
  log = [];
  clientIds = new WeakMap();
  const worker = new Worker(SAMPLER, {
    eval: true,
    workerData: { main: process.pid, sim: opts.sim ?? 0, db: opts.db, skip: opts.skip, ms },
  });
  return {
    async stop() {
      const ticks = await new Promise<Tick[]>((done) => {
        worker.once('message', done);
        worker.postMessage('stop');
      });
      await worker.terminate();
      const statements = log ?? [];
      log = undefined;
      const dump = process.env.AB_TIMELINE_DUMP;
      // One file a run: <dump>.<n>.json, in the order of the runs.
      if (dump) writeFileSync(`${dump}.${++dumps}.json`, JSON.stringify({ ticks, statements }));
      return summary(ticks);
    },
  };
}

/** Wall split by truc main busy × PostgreSQL busy, with the mean cores each used in each part. */
function summary(ticks: readonly Tick[]): string {
  const parts = new Map<string, { ms: number; main: number; pg: number; sim: number; idle: number }>();
  let wall = 0;
  for (const [, ms, main, pgc, sim, idle] of ticks) {
    const key = `${main > 0.5 ? 'truc' : '----'}+${pgc > 0.5 ? 'pg' : '--'}`;
    const p = parts.get(key) ?? { ms: 0, main: 0, pg: 0, sim: 0, idle: 0 };
    p.ms += ms;
    p.main += main * ms;
    p.pg += pgc * ms;
    p.sim += sim * ms;
    p.idle += idle * ms;
    parts.set(key, p);
    wall += ms;
  }
  const lines = [...parts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([k, p]) =>
        `  ${k}: ${((p.ms / wall) * 100).toFixed(1).padStart(5)} % of wall; cores main ${(p.main / p.ms).toFixed(2)} pg ${(p.pg / p.ms).toFixed(2)} sim ${(p.sim / p.ms).toFixed(2)} idle ${(p.idle / p.ms).toFixed(2)}`,
    );
  const tot = [...parts.values()].reduce(
    (a, p) => ({ main: a.main + p.main, pg: a.pg + p.pg, sim: a.sim + p.sim, idle: a.idle + p.idle }),
    { main: 0, pg: 0, sim: 0, idle: 0 },
  );
  return (
    `timeline ${ticks.length} ticks, ${(wall / 1000).toFixed(1)} s; mean cores main ${(tot.main / wall).toFixed(2)} pg ${(tot.pg / wall).toFixed(2)} sim ${(tot.sim / wall).toFixed(2)} machine idle ${(tot.idle / wall).toFixed(2)}\n` +
    lines.join('\n')
  );
}
