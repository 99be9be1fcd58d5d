/**
 * Benchmark: full pulls from the hcm-csdl simulator through `truc all` (issue 7, "Speed and memory").
 * Per size N (BENCH_SYNC_STUDENTS, comma-separated; default 50,000 and 150,000 and 300,000 × BENCH_SCALE):
 *   1. the simulator runs in a child process (680 students and BENCH_SYNC_STAFF_PER_SCHOOL staff, default
 *      40 as in the city, per school, no tombstones, the current school year: records of another
 *      year would each get a SONG_NOT_CURRENT_YEAR finding);
 *   2. a bare client (fetch + JSON.parse) reads every student page (1000 per page): the record count;
 *   3. `truc all` runs in a child process as production runs it (the built program, `node dist/main.js`,
 *      built first with `npm run build`; BENCH_SYNC_RUNTIME=tsx runs src/main.ts through tsx) on a fresh
 *      database `truc_bench_<random>` and a Redis key prefix of its own; a city admin requests full
 *      pulls through `POST /v1/syncs`: schools, classes, students, then staff, each timed until the run
 *      is done, every batch of it ingested and its reconciliation done; truc's memory is sampled all
 *      along (lib/memory.ts: RSS, and the heap at each phase's end; BENCH_SYNC_NODE_ARGS=--trace-gc adds
 *      the live heap after the last full collection) and printed per phase; the CPU seconds of the
 *      students pull (truc, its PostgreSQL backends, the simulator) are printed, and per 100 k students;
 *   4. the same full students pull again, nothing changed at the source: time and database growth;
 *      baseline "bare read": the bare client's read of every page right before and right after it (the
 *      mean of the two rates), so baseline and re-sync see the same machine load;
 *   5. baseline "raw COPY": the students truc stored, COPYed (psql) into a plain table of the same shape.
 * Rows: first sync (schools + classes + students + staff, end to end) vs raw COPY (target 0.25), the
 * staff stage's rate vs the students stage's (informative: the same path, so about 1), unchanged
 * re-sync vs bare read (target 0.8), DB growth of the unchanged re-sync vs the 5 % budget (target 1),
 * peak RSS (VmHWM) of truc vs 512 MB (target 1), the simulator's peak RSS (informative).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { schoolYearOf, vietnamDateOf } from '../../src/canonical/school-year.js';
import { addClient } from '../../src/ops.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { cpuOf, pgCpu, pgCpuSince } from './lib/cpu.js';
import { copyRate, createPlainTable, dropPlainTable, type StudentRow } from './lib/pg-baselines.js';
import {
  SIM_CREDENTIALS,
  SIM_STUDENTS_PER_SCHOOL,
  simToken,
  startSimChild,
  studentPages,
} from './lib/hcm-csdl-sim.js';
import { sampleMemory } from './lib/memory.js';
import { productionNodeArgs, spawnNode, spawnTs, type Child } from './lib/procs.js';
import { adminQuery, clientToken, deleteKeysUnder, PG_ADMIN_URL, REDIS_URL } from './lib/truc-env.js';
import { costRow, rateRow, scaled, secondsSince, type BenchOptions, type BenchRow } from './lib/types.js';

export const name = 'sync';
/** Per repetition (all sizes); a slow baseline run of 300k students alone takes ~6 minutes. */
export const timeoutSeconds = 3600;

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const RSS_LIMIT_MB = 512;
const GROWTH_BUDGET = 0.05;
/** Staff per school at the simulator (BENCH_SYNC_STAFF_PER_SCHOOL; the city has 40); 0: no staff pull. */
const STAFF_PER_SCHOOL = Number(process.env.BENCH_SYNC_STAFF_PER_SCHOOL ?? 40);

const sizes = (scale: number): number[] =>
  (process.env.BENCH_SYNC_STUDENTS ?? '50000,150000,300000')
    .split(',')
    .map((s) => scaled(Number(s), process.env.BENCH_SYNC_STUDENTS ? 1 : scale, 1000));

/** Bare client: every student page of the feed, fetched and parsed; records/s. */
async function bareRead(url: string): Promise<{ rate: number; records: number }> {
  const token = await simToken(url);
  let records = 0;
  const started = performance.now();
  for await (const page of studentPages(url, token)) records += page.records;
  return { rate: records / secondsSince(started), records };
}

interface Api {
  url: string;
  token: string;
}

/** Requests a full pull and waits until it is done, its batches ingested and its reconciliation done. */
async function fullPull(db: Db, api: Api, entity: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${api.url}/v1/syncs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ system: 'hcm-csdl', entity, full: true }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/syncs answered ${res.status}: ${await res.text()}`);
  const { syncRunId } = (await res.json()) as { syncRunId: number };
  for (let i = 0; performance.now() - started < timeoutMs && i < 10_000_000; i++) {
    const r = await db.query<{ status: string; reconcile: string | null; open: number; failed: number }>(
      `SELECT r.status, r.reconcile,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status <> 'done') AS open,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status = 'failed') AS failed
         FROM truc.sync_runs r WHERE r.id = $1`,
      [syncRunId],
    );
    const row = r.rows[0]!;
    if (row.status === 'failed' || row.failed > 0) throw new Error(`sync run ${syncRunId} failed`);
    if (row.status === 'done' && row.open === 0 && row.reconcile === 'done') {
      const took = secondsSince(started);
      if (process.env.BENCH_SYNC_DEBUG) await phases(db, syncRunId, took);
      return took;
    }
    await new Promise((w) => setTimeout(w, 100));
  }
  throw new Error(`sync run ${syncRunId} (${entity}) not done within ${timeoutMs} ms`);
}

/** BENCH_SYNC_DEBUG: when the run's last page was fetched and its last batch finished (s after it began). */
async function phases(db: Db, id: number, took: number): Promise<void> {
  const r = await db.query<{ fetched: number; ingested: number; pages: number }>(
    `SELECT EXTRACT(EPOCH FROM r.finished_at - r.created_at)::float8 AS fetched, r.pages,
            EXTRACT(EPOCH FROM (SELECT max(finished_at) FROM truc.batches b WHERE b.sync_run_id = r.id) - r.created_at)::float8 AS ingested
       FROM truc.sync_runs r WHERE r.id = $1`,
    [id],
  );
  console.log(`run ${id}: ${JSON.stringify(r.rows[0])}, reconciled by ${took.toFixed(1)} s`);
}

async function liveCount(db: Db, table: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.${table} WHERE deleted_at IS NULL`,
  );
  return r.rows[0]!.n;
}

async function dbSize(db: Db): Promise<number> {
  await db.query('CHECKPOINT').catch(() => undefined);
  if (process.env.BENCH_SYNC_DEBUG) {
    const t = await db.query<{ t: string; mb: number }>(
      `SELECT c.relname AS t, round(pg_total_relation_size(c.oid) / 1048576.0, 1)::float8 AS mb FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'truc' AND c.relkind = 'r'
        ORDER BY 2 DESC LIMIT 8`,
    );
    console.log(t.rows.map((r) => `${r.t} ${r.mb}`).join(', '));
  }
  const r = await db.query<{ n: number }>('SELECT pg_database_size(current_database())::bigint AS n');
  return Number(r.rows[0]!.n);
}

/** The student rows truc stored, as COPY would write them. */
async function storedRows(db: Db): Promise<StudentRow[]> {
  const r = await db.query<{ key: string; scope: string; pid: string | null; json: string; fp: string }>(
    `SELECT student_code AS key, school_code AS scope, personal_id AS pid, data::text AS json, fingerprint AS fp
       FROM truc.students`,
  );
  return r.rows.map((x) => ({
    key: x.key,
    scope: x.scope,
    personalId: x.pid,
    json: x.json,
    fingerprint: x.fp,
  }));
}

/** Starts `truc all` (with production's node options) on its own database and queue prefix, pointed at the simulator. */
async function startTruc(
  databaseUrl: string,
  prefix: string,
  simUrl: string,
  entry?: string,
): Promise<{ truc: Child; url: string }> {
  const built = (process.env.BENCH_SYNC_RUNTIME ?? 'dist') === 'dist';
  const truc = (built || entry ? spawnNode : spawnTs)(
    entry ?? join(ROOT, built ? 'dist/main.js' : 'src/main.ts'),
    ['all'],
    {
      TRUC_PROFILE: 'default',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      TRUC_QUEUE_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      TRUC_JWT_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
      HCM_CSDL_BASE_URL: simUrl,
      HCM_CSDL_CLIENT_ID: SIM_CREDENTIALS.clientId,
      HCM_CSDL_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
    },
    [
      ...productionNodeArgs(),
      ...(process.env.BENCH_SYNC_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SYNC_PROF}`] : []),
      ...(process.env.BENCH_SYNC_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
  );
  const line = await truc.line(/listening on http/, 120_000);
  return { truc, url: /listening on (http:\/\/[^\s]+)/.exec(line)![1]! };
}

async function token(db: Db, url: string): Promise<string> {
  const client = await addClient(db, {
    name: `bench admin ${randomBytes(3).toString('hex')}`,
    role: 'city-admin',
  });
  return clientToken(url, client);
}

/** CPU seconds of `fn`: truc, its PostgreSQL backends, the simulator, this process. */
async function cpuDuring<T>(
  db: Db,
  pids: { truc: number | undefined; sim: number | undefined },
  fn: () => Promise<T>,
) {
  const pg0 = await pgCpu(db);
  const [t0, s0, b0] = [cpuOf(pids.truc), cpuOf(pids.sim), process.cpuUsage()];
  const out = await fn();
  const pg = pgCpuSince(pg0, await pgCpu(db));
  const b = process.cpuUsage(b0);
  const cpu = {
    truc: cpuOf(pids.truc) - t0,
    pg,
    sim: cpuOf(pids.sim) - s0,
    bench: (b.user + b.system) / 1e6,
  };
  return { out, cpu };
}

const fmtCpu = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(' ');

/**
 * BENCH_SYNC_RESYNCS=n (default 1) more unchanged re-syncs after the measured one, each between two bare
 * reads; with BENCH_SYNC_AB=<another build's main.js> they alternate (B A A B B A …) between that build
 * (B) and this one (A), restarted on the same database, so both see the same data and machine load.
 * Prints each ratio and the median per build (informative: the rows keep the first re-sync).
 */
async function moreResyncs(
  db: Db,
  start: (entry?: string) => Promise<{ truc: Child; url: string }>,
  current: { truc: Child; api: Api },
  sim: { url: string; pid: number | undefined },
): Promise<void> {
  const simUrl = sim.url;
  const n = Number(process.env.BENCH_SYNC_RESYNCS ?? 1);
  const other = process.env.BENCH_SYNC_AB;
  const ratios: Record<string, number[]> = { A: [], B: [] };
  const cpus: Record<string, number[]> = { A: [], B: [] };
  let running = 'A';
  for (let i = 0; i < n; i++) {
    const want = other && i % 4 !== 1 && i % 4 !== 2 ? 'B' : 'A';
    if (want !== running) {
      await current.truc.stop();
      const s = await start(want === 'B' ? other : undefined);
      current.truc = s.truc;
      current.api = { url: s.url, token: await token(db, s.url) };
      running = want;
    }
    current.api.token = await token(db, current.api.url);
    const pids = { truc: current.truc.child.pid, sim: sim.pid };
    const { out: b1, cpu: c1 } = await cpuDuring(db, pids, () => bareRead(simUrl));
    const { out: t, cpu } = await cpuDuring(db, pids, () => fullPull(db, current.api, 'students', 3_600_000));
    const b2 = await bareRead(simUrl);
    const ratio = b1.records / t / ((b1.rate + b2.rate) / 2);
    ratios[want]!.push(ratio);
    if (process.env.BENCH_SYNC_DEBUG) {
      await new Promise((w) => setTimeout(w, 5500));
      const err = current.truc.stderr();
      console.log(err.slice(err.lastIndexOf('TIMING')));
    }
    console.log(
      `re-sync ${i + 1} (${want}): ${t.toFixed(2)} s, bare ${b1.rate.toFixed(0)}/${b2.rate.toFixed(0)} rec/s, ratio ${ratio.toFixed(3)}, load ${loadavg()[0]!.toFixed(1)}; ` +
        `CPU s re-sync ${fmtCpu(cpu)} (truc+pg+sim ${(cpu.truc + cpu.pg + cpu.sim).toFixed(2)}), bare read ${fmtCpu(c1)} (sim+bench ${(c1.sim + c1.bench).toFixed(2)})`,
    );
    cpus[want]!.push((cpu.truc + cpu.pg + cpu.sim) / (c1.sim + c1.bench));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [k, xs] of Object.entries(ratios))
    if (xs.length > 0)
      console.log(
        `re-sync ${k}: median ${median(xs)!.toFixed(3)} of ${xs.map((x) => x.toFixed(3)).join(' ')}`,
      );
  for (const [k, xs] of Object.entries(cpus))
    if (xs.length > 0)
      console.log(
        `re-sync ${k}: CPU re-sync / CPU bare read median ${median(xs)!.toFixed(3)} of ${xs.map((x) => x.toFixed(3)).join(' ')}`,
      );
}

/** One size: every figure of the file comment. */
async function runSize(students: number): Promise<BenchRow[]> {
  const schools = Math.ceil(students / SIM_STUDENTS_PER_SCHOOL);
  const schoolYear = schoolYearOf(vietnamDateOf(new Date()));
  const { sim, url: simUrl } = await startSimChild({
    seed: 'bench-sync',
    schools,
    schoolYear,
    staffPerSchool: STAFF_PER_SCHOOL,
  });
  const suffix = randomBytes(5).toString('hex');
  const dbName = `truc_bench_${suffix}`;
  const prefix = `truc-bench-${suffix}`;
  let truc: Child | undefined;
  let db: Db | undefined;
  try {
    const bare = await bareRead(simUrl);
    await adminQuery(`CREATE DATABASE ${dbName}`);
    // BENCH_SYNC_DB_SET: settings of this database only (README: auto_explain of every statement truc sends).
    for (const s of (process.env.BENCH_SYNC_DB_SET ?? '').split(';').filter(Boolean))
      await adminQuery(`ALTER DATABASE ${dbName} SET ${s}`);
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    db = createPgDb(u.toString(), 'postgres', { max: 2 });
    await migrate(db);
    const start = (entry?: string) => startTruc(u.toString(), prefix, simUrl, entry);
    const started = await start();
    truc = started.truc;
    const api = { url: started.url, token: await token(db, started.url) };
    const memory = sampleMemory(truc, `${started.url}/metrics`);
    await memory.mark('started');
    const limit = 3_600_000;
    const tSchools = await fullPull(db, api, 'schools', limit);
    const tClasses = await fullPull(db, api, 'classes', limit);
    const pids = { truc: truc.child.pid, sim: sim.child.pid };
    const trucDb = db;
    const { out: tStudents, cpu: firstCpu } = await cpuDuring(trucDb, pids, () =>
      fullPull(trucDb, api, 'students', limit),
    );
    await memory.mark('students');
    // Staff (issue 7's city: 40 a school), pulled as students are.
    const tStaff = STAFF_PER_SCHOOL > 0 ? await fullPull(db, api, 'staff', limit) : 0;
    const staff = await liveCount(db, 'staff');
    await memory.mark('staff');
    const stored = await liveCount(db, 'students');
    // The seeded population carries a few records the quality rules refuse (~0.3 %): they are pulled, not stored.
    if (stored < bare.records * 0.95) throw new Error(`stored ${stored} students of ${bare.records}`);
    const classes = await liveCount(db, 'classes');
    const before = await dbSize(db);
    const bareBefore = await bareRead(simUrl);
    // A fresh token: at city size the first sync outlasts the token's lifetime.
    api.token = await token(db, api.url);
    const tAgain = await fullPull(db, api, 'students', limit);
    await memory.mark('re-sync');
    memory.stop();
    const bareAfter = await bareRead(simUrl);
    const bareRate = (bareBefore.rate + bareAfter.rate) / 2;
    const after = await dbSize(db);
    const trucPeak = truc.peakMb();
    if (process.env.BENCH_SYNC_RESYNCS) {
      const current = { truc, api };
      truc = undefined;
      try {
        await moreResyncs(db, start, current, { url: simUrl, pid: sim.child.pid });
      } finally {
        truc = current.truc;
      }
    }
    if (process.env.BENCH_SYNC_DEBUG) console.log(`truc stderr (tail): ${truc.stderr().slice(-3000)}`);
    await truc.stop();
    truc = undefined;
    let copy = NaN;
    if (!process.env.BENCH_SYNC_NO_COPY) {
      const rows = await storedRows(db);
      await createPlainTable(db, 'bench_copy');
      copy = await copyRate(u.toString(), 'bench_copy', rows);
      await dropPlainTable(db, 'bench_copy');
    }
    const firstRecords = schools + classes + bare.records + staff;
    const firstSeconds = tSchools + tClasses + tStudents + tStaff;
    const n = `${bare.records} students`;
    const growth = (after - before) / before;
    console.log(
      `sync bench ${n}: schools ${tSchools.toFixed(1)} s, classes ${classes} in ${tClasses.toFixed(1)} s, ` +
        `students ${tStudents.toFixed(1)} s (${(stored / tStudents).toFixed(0)}/s), staff ${staff} in ${tStaff.toFixed(1)} s (${(staff / Math.max(tStaff, 1e-3)).toFixed(0)}/s), unchanged re-sync ${tAgain.toFixed(1)} s ` +
        `(${(stored / tAgain).toFixed(0)}/s); bare read ${bareBefore.rate.toFixed(0)}/s before it, ${bareAfter.rate.toFixed(0)}/s after; COPY ${copy.toFixed(0)}/s; ` +
        `DB ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MB; peak RSS truc ${trucPeak.toFixed(0)} MB, sim ${sim.peakMb().toFixed(0)} MB; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    const per100k = (c: number) => ((c * 100_000) / bare.records).toFixed(2);
    console.log(
      `sync bench ${n}: CPU s of the first students pull ${fmtCpu(firstCpu)}; per 100 k students truc ${per100k(firstCpu.truc)}, ` +
        `PostgreSQL ${per100k(firstCpu.pg)}, simulator ${per100k(firstCpu.sim)}; load ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(`sync bench ${n}: memory of truc all: ${memory.summary()}`);
    return [
      rateRow(
        `first full sync ${n} (+ schools, classes${staff > 0 ? ', staff' : ''}) end to end vs raw COPY`,
        'records/s',
        firstRecords / firstSeconds,
        copy,
        0.25,
      ),
      rateRow(
        `first full sync ${n}: students stage vs raw COPY`,
        'records/s',
        bare.records / tStudents,
        copy,
        null,
      ),
      ...(staff > 0
        ? [
            rateRow(
              `first full sync: ${staff} staff vs the students stage`,
              'records/s',
              staff / tStaff,
              bare.records / tStudents,
              null,
            ),
          ]
        : []),
      rateRow(`unchanged full re-sync ${n} vs bare read`, 'records/s', bare.records / tAgain, bareRate, 0.8),
      costRow(
        `unchanged full re-sync ${n}: DB growth vs 5 % budget`,
        '% of DB size',
        Math.max(growth, 1e-6) * 100,
        GROWTH_BUDGET * 100,
        1,
      ),
      costRow(`truc all peak RSS, ${n}`, 'MB', trucPeak, RSS_LIMIT_MB, 1),
      costRow(`hcm-csdl simulator peak RSS, ${n}`, 'MB', sim.peakMb(), RSS_LIMIT_MB, null),
    ];
  } finally {
    await truc?.stop();
    await sim.stop();
    await db?.close().catch(() => undefined);
    if (process.env.BENCH_SYNC_KEEP) console.log(`kept database ${dbName}`);
    else await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await deleteKeysUnder(prefix).catch(() => undefined);
  }
}

/** Runs the benchmark (see the file comment). */
export async function run(opts: BenchOptions): Promise<BenchRow[]> {
  // BENCH_SYNC_BUILT=1: dist is built already (several runs side by side must not rebuild it under each other).
  if ((process.env.BENCH_SYNC_RUNTIME ?? 'dist') === 'dist' && !process.env.BENCH_SYNC_BUILT) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const out: BenchRow[] = [];
  for (const n of sizes(opts.scale)) out.push(...(await runSize(n)));
  return out;
}
