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
 *   5. baseline "raw COPY": the students truc stored, COPYed (psql) into a plain table of the same shape,
 *      the best of BENCH_SYNC_COPY_RUNS (default 2) COPYs.
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
import { createPgDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { cpuDuring, fmtCpu } from './lib/cpu.js';
import { copyRate, createPlainTable, dropPlainTable } from './lib/pg-baselines.js';
import { SIM_CREDENTIALS, SIM_STUDENTS_PER_SCHOOL, startSimChild } from './lib/hcm-csdl-sim.js';
import { sampleMemory } from './lib/memory.js';
import { productionNodeArgs, spawnNode, spawnTs, type Child } from './lib/procs.js';
import { moreResyncs } from './lib/sync-resyncs.js';
import {
  bareRead,
  cityAdminToken,
  dbSize,
  fullPull,
  liveCount,
  storedRows,
  type Api,
} from './lib/sync-steps.js';
import { adminQuery, deleteKeysUnder, PG_ADMIN_URL, REDIS_URL } from './lib/truc-env.js';
import { costRow, rateRow, scaled, type BenchOptions, type BenchRow } from './lib/types.js';

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

/** What one size measured: the source's counts, the stages' times, sizes, memory and CPU. */
interface Measured {
  n: string;
  students: number;
  stored: number;
  schools: number;
  classes: number;
  staff: number;
  t: { schools: number; classes: number; students: number; staff: number; again: number };
  bare: { before: number; after: number };
  dbMb: { before: number; after: number };
  peakMb: { truc: number; sim: number };
  firstCpu: Record<'truc' | 'pg' | 'sim' | 'bench', number>;
  memory: string;
  copy: number;
}

/** A fresh database for one size (BENCH_SYNC_DB_SET: settings of it only, e.g. auto_explain), migrated (then BENCH_SYNC_SQL). */
async function benchDatabase(dbName: string): Promise<{ url: string; db: Db }> {
  await adminQuery(`CREATE DATABASE ${dbName}`);
  for (const s of (process.env.BENCH_SYNC_DB_SET ?? '').split(';').filter(Boolean))
    await adminQuery(`ALTER DATABASE ${dbName} SET ${s}`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${dbName}`;
  const db = createPgDb(u.toString(), 'postgres', { max: 2 });
  await migrate(db).catch(async (err: unknown) => {
    await db.close().catch(() => undefined);
    throw err;
  });
  // BENCH_SYNC_SQL: statements run on the migrated database before truc starts (a candidate schema change, e.g.
  // `ALTER TABLE truc.students SET (fillfactor = 55)`), so two shapes alternate on one build.
  for (const s of (process.env.BENCH_SYNC_SQL ?? '').split(';').filter((x) => x.trim())) await db.query(s);
  return { url: u.toString(), db };
}

/**
 * Baseline "raw COPY": the students truc stored, COPYed into a fresh plain table of the same shape,
 * BENCH_SYNC_COPY_RUNS times (default 2), the fastest kept (one COPY of the city swung 49.5–67.8 k rows/s
 * between runs on this machine: the best of two is the harder, steadier baseline); NaN when skipped.
 */
async function copyBaseline(db: Db, url: string): Promise<number> {
  if (process.env.BENCH_SYNC_NO_COPY) return NaN;
  const rows = await storedRows(db);
  const rates: number[] = [];
  for (let i = 0; i < Math.max(1, Number(process.env.BENCH_SYNC_COPY_RUNS ?? 2) || 2); i++) {
    await createPlainTable(db, 'bench_copy');
    rates.push(await copyRate(url, 'bench_copy', rows));
    await dropPlainTable(db, 'bench_copy');
  }
  console.log(
    `raw COPY of ${rows.length} students: ${rates.map((r) => r.toFixed(0)).join(', ')} rows/s (best kept)`,
  );
  return Math.max(...rates);
}

/** The running stack of one size: the simulator, truc (replaced by moreResyncs), its database. */
interface Stack {
  sim: Child;
  simUrl: string;
  db: Db;
  start: (entry?: string) => Promise<{ truc: Child; url: string }>;
  truc?: Child | undefined;
  api?: Api;
}

/** Steps 3 and 4 of the file comment: the first sync stage by stage, then the unchanged re-sync. */
async function firstSyncAndResync(
  stack: Stack,
  source: { schools: number; students: number },
): Promise<Omit<Measured, 'copy'>> {
  const { students } = source;
  const { db, sim, simUrl } = stack;
  const started = await stack.start();
  const truc = (stack.truc = started.truc);
  const api = (stack.api = { url: started.url, token: await cityAdminToken(db, started.url) });
  const memory = sampleMemory(truc, `${started.url}/metrics`);
  await memory.mark('started');
  const limit = 3_600_000;
  const tSchools = await fullPull(db, api, 'schools', limit);
  const tClasses = await fullPull(db, api, 'classes', limit);
  const pids = { truc: truc.child.pid, sim: sim.child.pid };
  const { out: tStudents, cpu: firstCpu } = await cpuDuring(db, pids, () =>
    fullPull(db, api, 'students', limit),
  );
  await memory.mark('students');
  // Staff (issue 7's city: 40 a school), pulled as students are.
  const tStaff = STAFF_PER_SCHOOL > 0 ? await fullPull(db, api, 'staff', limit) : 0;
  const staff = await liveCount(db, 'staff');
  await memory.mark('staff');
  const stored = await liveCount(db, 'students');
  // The seeded population carries a few records the quality rules refuse (~0.3 %): they are pulled, not stored.
  if (stored < students * 0.95) throw new Error(`stored ${stored} students of ${students}`);
  const classes = await liveCount(db, 'classes');
  const before = await dbSize(db);
  const bareBefore = await bareRead(simUrl);
  // A fresh token: at city size the first sync outlasts the token's lifetime.
  api.token = await cityAdminToken(db, api.url);
  const tAgain = await fullPull(db, api, 'students', limit);
  await memory.mark('re-sync');
  memory.stop();
  const bareAfter = await bareRead(simUrl);
  return {
    n: `${students} students`,
    students,
    stored,
    schools: source.schools,
    classes,
    staff,
    t: { schools: tSchools, classes: tClasses, students: tStudents, staff: tStaff, again: tAgain },
    bare: { before: bareBefore.rate, after: bareAfter.rate },
    dbMb: { before: before / 2 ** 20, after: (await dbSize(db)) / 2 ** 20 },
    peakMb: { truc: truc.peakMb(), sim: sim.peakMb() },
    firstCpu,
    memory: memory.summary(),
  };
}

/** After the measured re-sync: BENCH_SYNC_RESYNCS more, the stderr tail (BENCH_SYNC_DEBUG), truc stopped. */
async function afterMeasured(stack: Stack): Promise<void> {
  const truc = stack.truc!;
  if (process.env.BENCH_SYNC_RESYNCS) {
    const current = { truc, api: stack.api! };
    stack.truc = undefined;
    try {
      await moreResyncs(stack.db, stack.start, current, { url: stack.simUrl, pid: stack.sim.child.pid });
    } finally {
      stack.truc = current.truc;
    }
  }
  if (process.env.BENCH_SYNC_DEBUG) console.log(`truc stderr (tail): ${stack.truc!.stderr().slice(-3000)}`);
  await stack.truc!.stop();
  stack.truc = undefined;
}

/** The figures of one size as the log lines the README and closing notes quote. */
function report(m: Measured): void {
  const { n, t } = m;
  const rate = (count: number, s: number) => (count / Math.max(s, 1e-3)).toFixed(0);
  console.log(
    `sync bench ${n}: schools ${t.schools.toFixed(1)} s, classes ${m.classes} in ${t.classes.toFixed(1)} s, ` +
      `students ${t.students.toFixed(1)} s (${rate(m.stored, t.students)}/s), staff ${m.staff} in ${t.staff.toFixed(1)} s (${rate(m.staff, t.staff)}/s), unchanged re-sync ${t.again.toFixed(1)} s ` +
      `(${rate(m.stored, t.again)}/s); bare read ${m.bare.before.toFixed(0)}/s before it, ${m.bare.after.toFixed(0)}/s after; COPY ${m.copy.toFixed(0)}/s; ` +
      `DB ${m.dbMb.before.toFixed(0)} → ${m.dbMb.after.toFixed(0)} MB; peak RSS truc ${m.peakMb.truc.toFixed(0)} MB, sim ${m.peakMb.sim.toFixed(0)} MB; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  const per100k = (c: number) => ((c * 100_000) / m.students).toFixed(2);
  console.log(
    `sync bench ${n}: CPU s of the first students pull ${fmtCpu(m.firstCpu)}; per 100 k students truc ${per100k(m.firstCpu.truc)}, ` +
      `PostgreSQL ${per100k(m.firstCpu.pg)}, simulator ${per100k(m.firstCpu.sim)}; load ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`sync bench ${n}: memory of truc all: ${m.memory}`);
}

/** The rows of one size (see the file comment). */
function rowsOf(m: Measured): BenchRow[] {
  const { n, t } = m;
  const firstRecords = m.schools + m.classes + m.students + m.staff;
  const firstSeconds = t.schools + t.classes + t.students + t.staff;
  const growth = (m.dbMb.after - m.dbMb.before) / m.dbMb.before;
  const studentsRate = m.students / t.students;
  return [
    rateRow(
      `first full sync ${n} (+ schools, classes${m.staff > 0 ? ', staff' : ''}) end to end vs raw COPY`,
      'records/s',
      firstRecords / firstSeconds,
      m.copy,
      0.25,
    ),
    rateRow(`first full sync ${n}: students stage vs raw COPY`, 'records/s', studentsRate, m.copy, null),
    ...(m.staff > 0
      ? [
          rateRow(
            `first full sync: ${m.staff} staff vs the students stage`,
            'records/s',
            m.staff / t.staff,
            studentsRate,
            null,
          ),
        ]
      : []),
    rateRow(
      `unchanged full re-sync ${n} vs bare read`,
      'records/s',
      m.students / t.again,
      (m.bare.before + m.bare.after) / 2,
      0.8,
    ),
    costRow(
      `unchanged full re-sync ${n}: DB growth vs 5 % budget`,
      '% of DB size',
      Math.max(growth, 1e-6) * 100,
      GROWTH_BUDGET * 100,
      1,
    ),
    costRow(`truc all peak RSS, ${n}`, 'MB', m.peakMb.truc, RSS_LIMIT_MB, 1),
    costRow(`hcm-csdl simulator peak RSS, ${n}`, 'MB', m.peakMb.sim, RSS_LIMIT_MB, null),
  ];
}

/** One size: every figure of the file comment. */
async function runSize(students: number): Promise<BenchRow[]> {
  const schools = Math.ceil(students / SIM_STUDENTS_PER_SCHOOL);
  const schoolYear = schoolYearOf(vietnamDateOf(new Date()));
  const { sim, url: simUrl } = await startSimChild({
    seed: 'bench-sync',
    schools,
    schoolYear,
    // The population needs at least one a school; with 0 the staff are there but never pulled.
    staffPerSchool: Math.max(1, STAFF_PER_SCHOOL),
  });
  const suffix = randomBytes(5).toString('hex');
  const dbName = `truc_bench_${suffix}`;
  const prefix = `truc-bench-${suffix}`;
  let stack: Stack | undefined;
  try {
    const bare = await bareRead(simUrl);
    const { url, db } = await benchDatabase(dbName);
    stack = { sim, simUrl, db, start: (entry?: string) => startTruc(url, prefix, simUrl, entry) };
    const measured = await firstSyncAndResync(stack, { schools, students: bare.records });
    await afterMeasured(stack);
    const m: Measured = { ...measured, copy: await copyBaseline(db, url) };
    report(m);
    return rowsOf(m);
  } finally {
    await stack?.truc?.stop();
    await sim.stop();
    await stack?.db.close().catch(() => undefined);
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
