/**
 * `npm run bench -- snapshot` (bigsnap25, issue 7 item 2): a large school's whole snapshot in one batch against
 * the same number of records sent as 1,000-record delta batches, in one run, for each size of
 * BENCH_SNAPSHOT_SIZES (default 1000, 3000, 5000, 10000 × BENCH_SCALE).
 *
 * truc runs as production splits it: `truc api` and `truc worker`, two processes (through tsx, with production's
 * node options), on a fresh database `truc_bench_<random>` and a Redis prefix of their own; both are restarted
 * before each stage, so each stage's peak RSS (VmHWM) is its own. Each size is two stages on two schools of the
 * same size (the synthetic population, valid students of the current year, new to truc):
 *   - baseline "deltas": the school's N students POSTed as ceil(N/1000) delta batches one after another (as a
 *     vendor sends them), timed from the first POST until every batch is done;
 *   - "snapshot": the other school's N students POSTed as one `"mode": "snapshot"` batch, timed the same way.
 * Each stage reads the CPU seconds of the api and worker processes and of the database's PostgreSQL backends, and
 * the peak RSS of the api and the worker. While a stage runs, another vendor's 20-record delta batch of a third
 * school is POSTed every 300 ms, and its time from POST to done is the latency another school sees while the
 * stage's batches are applied (the worker takes TRUC_WORKER_CONCURRENCY jobs at once; a school's own batches
 * wait for its lock). After it, the stage's bodies are sent again with `dryRun=true` (judged in the api process,
 * nothing stored), one after another: their time and the api's CPU. Rows: the snapshot's value against the deltas' (same run, same machine load) as ratios;
 * informative (no target).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schoolYearOf, vietnamDateOf } from '../../src/canonical/school-year.js';
import type { Student } from '../../src/canonical/student.js';
import { addClient } from '../../src/ops.js';
import { createPopulation } from '../../src/simulators/population/index.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { cpuOf, pgCpu, pgCpuSince } from './lib/cpu.js';
import { productionNodeArgs, spawnTs, type Child } from './lib/procs.js';
import {
  adminQuery,
  benchClientName,
  clientToken,
  deleteKeysUnder,
  PG_ADMIN_URL,
  REDIS_URL,
} from './lib/truc-env.js';
import { costRow, percentile, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';
import {
  fmtSplit,
  jobTimes,
  loopLagMaxMs,
  printTimes,
  probeSplit,
  type ProbeSplit,
  type ProbeTimes,
} from './lib/snapshot-probes.js';

export const name = 'snapshot';
/** Per repetition: 8 stages, each with two process starts, under load. */
export const timeoutSeconds = 1800;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE_RECORDS = 20;
/** The pause between one probe batch done and the next POSTed (BENCH_SNAPSHOT_PROBE_MS; more probes, more samples). */
const PROBE_EVERY_MS = Number(process.env.BENCH_SNAPSHOT_PROBE_MS ?? 300);

const sizes = (scale: number): number[] =>
  (process.env.BENCH_SNAPSHOT_SIZES ?? '1000,3000,5000,10000')
    .split(',')
    .map((s) => scaled(Number(s), process.env.BENCH_SNAPSHOT_SIZES ? 1 : scale, 100));

interface Procs {
  api: Child;
  worker: Child;
  url: string;
  /** The worker's metrics endpoint (its event loop's longest delay). */
  workerMetrics: string;
  /** Their queues' Redis key prefix. */
  prefix: string;
}

/** Starts `truc api` and `truc worker` on the bench's database and prefix (snapshots up to `most` records). */
async function startTruc(databaseUrl: string, prefix: string, jwt: string, most: number): Promise<Procs> {
  const env = {
    TRUC_PROFILE: 'default',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    TRUC_QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    TRUC_WORKER_METRICS_PORT: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    TRUC_JWT_KEYS: jwt,
    MAX_SNAPSHOT_RECORDS: String(Math.max(5000, most)),
  };
  const entry = join(ROOT, 'src/main.ts');
  const api = spawnTs(entry, ['api'], env, productionNodeArgs());
  // BENCH_SNAPSHOT_WORKER_ARGS: node options of the worker only (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const workerArgs = (process.env.BENCH_SNAPSHOT_WORKER_ARGS ?? '').split(' ').filter((a) => a !== '');
  const worker = spawnTs(entry, ['worker'], env, [...productionNodeArgs(), ...workerArgs]);
  const [line, wline] = await Promise.all([
    api.line(/listening on http/, 180_000),
    worker.line(/metrics on http/, 180_000),
  ]);
  return {
    api,
    worker,
    url: /listening on (http:\/\/[^\s]+)/.exec(line)![1]!,
    workerMetrics: /metrics on (http:\/\/[^\s,;)]+\/metrics)/.exec(wline)![1]!,
    prefix,
  };
}

async function post(url: string, token: string, school: string, body: unknown): Promise<string> {
  const res = await fetch(`${url}/v1/schools/${school}/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 202)
    throw new Error(`snapshot bench: POST answered ${res.status}: ${text.slice(0, 500)}`);
  return (JSON.parse(text) as { batchId: string }).batchId;
}

/** A dry run of `body` (200: judged, nothing stored). */
async function dryRun(url: string, token: string, school: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/v1/schools/${school}/batches?dryRun=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`snapshot bench: dry run answered ${res.status}: ${text.slice(0, 500)}`);
}

/** Waits until every batch of `ids` is done (held or failed: an error); seconds since `t0`. */
async function doneAll(db: Db, ids: string[], t0: number, timeoutMs = 600_000): Promise<number> {
  for (;;) {
    const r = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM truc.batches WHERE id = ANY($1::uuid[]) GROUP BY status',
      [ids],
    );
    const by = new Map(r.rows.map((x) => [x.status, x.n]));
    if ((by.get('failed') ?? 0) + (by.get('held') ?? 0) > 0)
      throw new Error(`snapshot bench: a batch ended ${[...by.keys()].join(', ')}`);
    if ((by.get('done') ?? 0) === ids.length) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > timeoutMs) throw new Error('snapshot bench: batches not done in time');
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Epoch milliseconds, the clock BullMQ stamps its jobs with (performance.timeOrigin drifts from it). */
const nowMs = (): number => Date.now();

interface Stage {
  seconds: number;
  /** Where the probes beside the stage's batches waited. */
  split: ProbeSplit;
  cpu: { api: number; worker: number; pg: number };
  peakMb: { api: number; worker: number };
  /** POST-to-done latencies (ms) of the other school's small batches during the stage. */
  probesMs: number[];
  /** The stage's bodies sent again with `dryRun=true` after it, one after another: seconds, api CPU seconds. */
  dryRun: { seconds: number; apiCpu: number };
}

/** A stage: `bodies` POSTed one after another to `school`, the probe vendor's small batches meanwhile. */
async function stage(
  db: Db,
  procs: Procs,
  token: string,
  school: string,
  bodies: unknown[],
  probe: { school: string; next: () => Student[] },
): Promise<Stage> {
  const pg0 = await pgCpu(db);
  const c0 = { api: cpuOf(procs.api.child.pid), worker: cpuOf(procs.worker.child.pid) };
  // Read (and so reset) both processes' longest event-loop delay.
  await Promise.all([loopLagMaxMs(procs.workerMetrics), loopLagMaxMs(`${procs.url}/metrics`)]);
  const t0 = performance.now();
  let running = true;
  const probesMs: number[] = [];
  const probes: ProbeTimes[] = [];
  const probing = (async () => {
    while (running) {
      const p0 = performance.now();
      const posted = nowMs();
      const id = await post(procs.url, token, probe.school, { entity: 'students', records: probe.next() });
      const answered = nowMs();
      await doneAll(db, [id], p0);
      probesMs.push(performance.now() - p0);
      probes.push({ id, posted, answered, seen: nowMs() });
      await new Promise((res) => setTimeout(res, PROBE_EVERY_MS));
    }
  })();
  const ids: string[] = [];
  for (const body of bodies) ids.push(await post(procs.url, token, school, body));
  const sampler = setInterval(() => {
    procs.api.peakMb();
    procs.worker.peakMb();
  }, 100);
  const seconds = await doneAll(db, ids, t0).finally(() => clearInterval(sampler));
  const [workerLag, apiLag] = await Promise.all([
    loopLagMaxMs(procs.workerMetrics),
    loopLagMaxMs(`${procs.url}/metrics`),
  ]);
  const cpu = {
    api: cpuOf(procs.api.child.pid) - c0.api,
    worker: cpuOf(procs.worker.child.pid) - c0.worker,
    pg: pgCpuSince(pg0, await pgCpu(db)),
  };
  running = false;
  await probing;
  const jobs = await jobTimes(db, procs.prefix, [...ids, ...probes.map((p) => p.id)]);
  const split = probeSplit(probes, jobs, ids, { worker: workerLag, api: apiLag });
  if (process.env.BENCH_SNAPSHOT_DEBUG === '1') printTimes(ids, probes, jobs);
  const a0 = cpuOf(procs.api.child.pid);
  const d0 = performance.now();
  for (const body of bodies) await dryRun(procs.url, token, school, body);
  const dry = { seconds: (performance.now() - d0) / 1000, apiCpu: cpuOf(procs.api.child.pid) - a0 };
  const peakMb = { api: procs.api.peakMb(), worker: procs.worker.peakMb() };
  return { seconds, split, cpu, peakMb, probesMs, dryRun: dry };
}

const total = (s: Stage): number => s.cpu.api + s.cpu.worker + s.cpu.pg;
const fmt = (s: Stage): string =>
  `${s.seconds.toFixed(2)} s; CPU s api ${s.cpu.api.toFixed(2)} worker ${s.cpu.worker.toFixed(2)} ` +
  `PostgreSQL ${s.cpu.pg.toFixed(2)}; peak RSS api ${s.peakMb.api.toFixed(0)} MB worker ${s.peakMb.worker.toFixed(0)} MB; ` +
  `other school's ${PROBE_RECORDS}-record batch p50 ${percentile(s.probesMs, 50).toFixed(0)} ms ` +
  `max ${Math.max(...s.probesMs).toFixed(0)} ms (${s.probesMs.length}); its dry run after ${s.dryRun.seconds.toFixed(2)} s ` +
  `(api CPU ${s.dryRun.apiCpu.toFixed(2)} s); ${fmtSplit(s.split)}`;

/** The rows of one size from its two stages. */
function rowsOf(n: number, deltas: number, delta: Stage, snap: Stage): BenchRow[] {
  const load = loadavg()[0]!.toFixed(1);
  console.log(`snapshot bench ${n}: ${deltas} deltas: ${fmt(delta)}; load ${load}`);
  console.log(`snapshot bench ${n}: one snapshot: ${fmt(snap)}; load ${load}`);
  const label = `snapshot of ${n} vs ${deltas} deltas of 1000`;
  return [
    rateRow(`${label}: end to end`, 'records/s', n / snap.seconds, n / delta.seconds, null),
    costRow(`${label}: CPU truc + PostgreSQL`, 's', total(snap), total(delta), null),
    costRow(`${label}: api peak RSS`, 'MB', snap.peakMb.api, delta.peakMb.api, null),
    costRow(`${label}: worker peak RSS`, 'MB', snap.peakMb.worker, delta.peakMb.worker, null),
    costRow(
      `${label}: another school's ${PROBE_RECORDS}-record batch, p50 POST to done`,
      'ms',
      percentile(snap.probesMs, 50),
      percentile(delta.probesMs, 50),
      null,
    ),
    costRow(`${label}: dry run (dryRun=true), time`, 's', snap.dryRun.seconds, delta.dryRun.seconds, null),
  ];
}

interface Bench {
  db: Db;
  databaseUrl: string;
  prefix: string;
  jwt: string;
  most: number;
  client: { clientId: string; clientSecret: string };
  pop: ReturnType<typeof createPopulation>;
  procs?: Procs | undefined;
}

async function stopTruc(b: Bench): Promise<void> {
  await Promise.all([b.procs?.api.stop(), b.procs?.worker.stop()]);
  b.procs = undefined;
}

/** Size `n` (the k-th): its two stages on fresh processes, alternated in order from one size to the next. */
async function runSize(b: Bench, k: number, n: number): Promise<BenchRow[]> {
  const [deltaSchool, snapSchool, probeSchool] = [3 * k, 3 * k + 1, 3 * k + 2];
  const probePool = [...b.pop.studentsOfSchool(probeSchool)];
  let probeAt = 0;
  const probe = {
    school: b.pop.school(probeSchool).schoolCode,
    next: () => probePool.slice(probeAt, (probeAt += PROBE_RECORDS)),
  };
  const records = (s: number) => [...b.pop.studentsOfSchool(s)].slice(0, n);
  const run1 = async (school: number, bodies: unknown[]): Promise<Stage> => {
    const procs = (b.procs = await startTruc(b.databaseUrl, b.prefix, b.jwt, b.most));
    try {
      const token = await clientToken(procs.url, b.client);
      // Warm-up: three of the probe's batches, before the stage.
      for (let i = 0; i < 3; i++) {
        const p0 = performance.now();
        const id = await post(procs.url, token, probe.school, { entity: 'students', records: probe.next() });
        await doneAll(b.db, [id], p0);
      }
      return await stage(b.db, procs, token, b.pop.school(school).schoolCode, bodies, probe);
    } finally {
      await stopTruc(b);
    }
  };
  const deltaRecords = records(deltaSchool);
  const deltaBodies = Array.from({ length: Math.ceil(n / 1000) }, (_, i) => ({
    entity: 'students',
    records: deltaRecords.slice(i * 1000, (i + 1) * 1000),
  }));
  const snapBody = [{ entity: 'students', mode: 'snapshot', records: records(snapSchool) }];
  // Alternated: the deltas first at even sizes, the snapshot first at odd ones.
  if (k % 2 === 0) {
    const delta = await run1(deltaSchool, deltaBodies);
    return rowsOf(n, deltaBodies.length, delta, await run1(snapSchool, snapBody));
  }
  const snap = await run1(snapSchool, snapBody);
  return rowsOf(n, deltaBodies.length, await run1(deltaSchool, deltaBodies), snap);
}

/** Runs the benchmark (see the file comment). */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  const ns = sizes(opts.scale);
  const most = Math.max(...ns);
  const pop = createPopulation({
    seed: 'bench-snapshot',
    schools: 3 * ns.length,
    studentsPerSchool: most,
    discrepancyRate: 0,
    schoolYear: schoolYearOf(vietnamDateOf(new Date())),
  });
  const suffix = randomBytes(5).toString('hex');
  const dbName = `truc_bench_${suffix}`;
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${dbName}`;
  const db = createPgDb(u.toString(), 'postgres', { max: 2 });
  const prefix = `truc-bench-${suffix}`;
  let b: Bench | undefined;
  try {
    await migrate(db);
    const schools = Array.from({ length: 3 * ns.length }, (_, i) => pop.school(i).schoolCode);
    const client = await addClient(db, { name: benchClientName(), role: 'vendor', schools });
    const jwt = `bench:${randomBytes(32).toString('base64url')}`;
    b = { db, databaseUrl: u.toString(), prefix, jwt, most, client, pop };
    const rows: BenchRow[] = [];
    for (const [k, n] of ns.entries()) rows.push(...(await runSize(b, k, n)));
    return rows;
  } finally {
    if (b) await stopTruc(b);
    await db.close().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await deleteKeysUnder(prefix).catch(() => undefined);
  }
}
