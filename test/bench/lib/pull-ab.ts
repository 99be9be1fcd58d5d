/**
 * In-process A/B of two builds of truc on full first pulls (issue 7; not part of `npm test` nor of
 * `npm run bench`). Under load wall-clock rates are noise; this measures the CPU of the pull path, the two
 * builds alternated in one process on fresh databases, and reports medians over rounds with the load.
 *
 *   npx tsx test/bench/lib/pull-ab.ts build /tmp/ab-main main   # commit `main` built into /tmp/ab-main
 *   npx tsx test/bench/lib/pull-ab.ts build /tmp/ab-mine        # this worktree's src as it is now
 *   AB_STUDENTS=30000 AB_ROUNDS=4 npx tsx test/bench/lib/pull-ab.ts run /tmp/ab-main /tmp/ab-mine
 *
 * `build <dir> [<commit>]` (./pull-ab-builds.ts): `tsc` of src (of this worktree, or of `<commit>` through `git archive`) into
 * `<dir>`, with the migrations and data the program reads, a package.json saying its files are ES modules,
 * and `<dir>/node_modules` linked to this
 * worktree's (so a build may live anywhere, and both builds share one copy of pg, zod, …).
 * `run <dirA> <dirB>`: the hcm-csdl simulator in a child process (AB_STUDENTS students, 680 a school, the
 * current school year, no tombstones); each build gets a migrated template database (its own migrations);
 * then per run: a fresh copy of its template, a Redis key prefix of its own, `createDeps` + the worker role
 * of that build in this process (production's `default` profile, queues in Redis, as `truc all`), full
 * pulls of schools and classes (not measured), then the full students pull, measured from its request until
 * it is done, every batch ingested and its reconciliation done. AB_WARMUP rounds (default 1) run A then B
 * unreported (module load, JIT); then AB_ROUNDS rounds (default 4) alternate A B, B A, …
 * Per run and as medians per build, per page of 1000 students: truc's main thread CPU (schedstat), truc's
 * whole process (process.cpuUsage: V8's GC and compiler threads, libuv's pool too), of which system CPU, and
 * its minor page faults (each fresh page of a large allocation: V8 maps a string over 128 KB for itself; on
 * this machine's VM a fault costs ~15 µs), GC pauses on the main
 * thread (perf_hooks), the database's PostgreSQL backends (schedstat; the harness's own polling backend left
 * out), the simulator; wall time; the load average. Each run's stored students are digested (keys,
 * fingerprints, data): a change that must not alter what is stored shows `stored: same` across builds.
 * zod's compiled fast path is loaded first, as `src/main.ts` loads it (else every schema runs uncompiled).
 * It runs in a child process with production's node options (the Dockerfile's ENTRYPOINT: a smaller heap
 * means more GC, ~10 ms a page more CPU than node's defaults). Cleans up its databases and Redis keys.
 * AB_PROF=<dir>: a .cpuprofile and a .heapprofile (sampled allocations) of each measured run; with
 * AB_PROF_PROMOTED=1 the heap profile holds only what survived the young generation.
 * AB_NODE_ARGS_B="<node options>", AB_NODE_BIN_B=<node binary>: A and B differ in node options or version,
 * one build or two (e.g. `run /tmp/ab-mine /tmp/ab-mine` to compare GC settings): alternated pairs of child
 * processes, then medians and peak RSS per side (./pull-ab-figures.ts nodeArgsAb). Full GC pauses
 * (`gcMajor`) are shown apart from the scavenges in every run.
 * AB_TIMELINE=1: who was on a CPU, tick by tick, during each measured run (./timeline.ts): the wall split by
 * whether truc's main thread and PostgreSQL were busy; AB_TIMELINE_DUMP=<prefix> keeps the ticks and statements (<prefix>.<n>.json).
 * AB_MODE=resync: the unchanged re-sync instead (issue 7): the students' first pull is not measured, then
 * AB_RESYNCS (default 3) full pulls of the same unchanged students are, each right after the sync bench's
 * bare client (fetch + JSON.parse, in this process) read the feed: `bare` is its main thread CPU and wall
 * a page, `bare/wall` the re-sync's rate over the bare read's (the sync bench's ratio, here under the load
 * of the moment: each pair is back to back).
 */
// zod's compiled fast path, as src/main.ts loads it before any schema is built: the builds' schemas (loaded
// below, one zod shared through node_modules) are compiled, as in production.
import 'zod/compile';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { schoolYearOf, vietnamDateOf } from '../../../src/canonical/school-year.js';
import { cpuOf, pgCpu, pgCpuSince, schedCpu } from './cpu.js';
import { SIM_CREDENTIALS, SIM_STUDENTS_PER_SCHOOL, startSimChild } from './hcm-csdl-sim.js';
import { bareRead } from './sync-steps.js';
import { productionNodeArgs } from './procs.js';
import { profiled } from './profiled.js';
import { build, loadBuild, ROOT, suffix, urlOf, type Build } from './pull-ab-builds.js';
import {
  childRunsLine,
  fmt,
  nodeArgsAb,
  printMedians,
  type Figures,
  type NodeSide,
} from './pull-ab-figures.js';
import { startTimeline } from './timeline.js';
import { adminQuery, deleteKeysUnder, REDIS_URL } from './truc-env.js';
import type * as DbModule from '../../../src/store/db.js';

const RESYNC = process.env.AB_MODE === 'resync';

/** Requests a full pull of `entity` and waits until it is done, its batches ingested and reconciled. */
async function fullPull(b: Build, deps: { db: DbModule.Db }, poll: pg.Client, entity: string) {
  const id = await deps.db.tx((q) =>
    b.contracts.requestSync(q, {
      system: 'hcm-csdl',
      entity: entity as 'students',
      full: true,
      requestedBy: 'ab',
      at: new Date(),
    }),
  );
  for (let i = 0; i < 100_000; i++) {
    const r = await poll.query<{
      status: string;
      reconcile: string | null;
      open: number;
      failed: number;
      pages: number;
    }>(
      `SELECT r.status, r.reconcile, r.pages,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status <> 'done') AS open,
              (SELECT count(*)::int FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status = 'failed') AS failed
         FROM truc.sync_runs r WHERE r.id = $1`,
      [id],
    );
    const row = r.rows[0]!;
    if (row.status === 'failed' || row.failed > 0) throw new Error(`sync run ${id} (${entity}) failed`);
    if (row.status === 'done' && row.open === 0 && row.reconcile === 'done') return row.pages;
    await new Promise((w) => setTimeout(w, 250));
  }
  throw new Error(`sync run ${id} (${entity}) not done`);
}

let [gcMs, gcMajorMs] = [0, 0];
const FULL_GC = perfConstants.NODE_PERFORMANCE_GC_MAJOR | perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    if (((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) & FULL_GC)
      gcMajorMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** Seconds of wall, CPU (this process's main thread and whole process, the database's backends, the simulator) and GC pauses that `fn` took. */
async function measured(poll: pg.Client, simPid: number | undefined, fn: () => Promise<number>) {
  const own = (await poll.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const pg0 = await pgCpu(poll, schedCpu);
  const [t0, main0, proc0, gc0, gcMajor0, sim0, faults0] = [
    performance.now(),
    schedCpu(process.pid),
    process.cpuUsage(),
    gcMs,
    gcMajorMs,
    cpuOf(simPid),
    process.resourceUsage().minorPageFault,
  ];
  const timeline = process.env.AB_TIMELINE
    ? startTimeline({ db: poll.database ?? '', sim: simPid, skip: [own] })
    : undefined;
  const pages = await fn();
  const proc = process.cpuUsage(proc0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  const main = schedCpu(process.pid) - main0;
  const [gc, gcMajor, wall, sim] = [
    (gcMs - gc0) / 1000,
    (gcMajorMs - gcMajor0) / 1000,
    (performance.now() - t0) / 1000,
    cpuOf(simPid) - sim0,
  ];
  const pg1 = await pgCpu(poll, schedCpu);
  const pgUsed = pgCpuSince(pg0, pg1) - ((pg1.get(own) ?? 0) - (pg0.get(own) ?? 0));
  if (timeline) console.log(await timeline.stop());
  const cpu = {
    wall,
    main,
    process: (proc.user + proc.system) / 1e6,
    sys: proc.system / 1e6,
    gc,
    gcMajor,
    pg: pgUsed,
    sim,
  };
  // Page faults are counted in thousands, so that `per` below gives them a page.
  return { pages, cpu: { ...cpu, faults: faults / 1000 } };
}

type Cpu = Awaited<ReturnType<typeof measured>>['cpu'];

/**
 * AB_MODE=resync: `n` unchanged re-syncs (`pull`), each right after the bare client's read of the feed
 * (under the same load): the re-syncs' pages and CPU, and the bare reads' main thread CPU and wall a page.
 */
async function resyncs(
  on: { poll: pg.Client; simUrl: string; simPid: number | undefined },
  n: number,
  pull: () => Promise<number>,
): Promise<{ pages: number; cpu: Cpu; bare: { bareMain: number; bareWall: number } }> {
  const cpu: Cpu = { wall: 0, main: 0, process: 0, sys: 0, gc: 0, gcMajor: 0, pg: 0, sim: 0, faults: 0 };
  let [pages, barePages, bareMain, bareWall] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const bare = await measured(on.poll, on.simPid, async () =>
      Math.ceil((await bareRead(on.simUrl)).records / 1000),
    );
    [barePages, bareMain, bareWall] = [
      barePages + bare.pages,
      bareMain + bare.cpu.main,
      bareWall + bare.cpu.wall,
    ];
    const one = await measured(on.poll, on.simPid, pull);
    pages += one.pages;
    for (const k of Object.keys(cpu) as (keyof Cpu)[]) cpu[k] += one.cpu[k];
  }
  const bare = { bareMain: (bareMain * 1000) / barePages, bareWall: (bareWall * 1000) / barePages };
  return { pages, cpu, bare };
}

/**
 * Schools and classes pulled, then the measured pull of the students (AB_MODE=resync: the first one not
 * measured, then the unchanged re-syncs, each after a bare read), and the students stored, digested.
 */
async function studentsPulled(
  b: Build,
  on: { deps: { db: DbModule.Db }; poll: pg.Client; simUrl: string; simPid: number | undefined },
  prof?: string,
): Promise<Figures> {
  const { deps, poll, simPid } = on;
  await fullPull(b, deps, poll, 'schools');
  await fullPull(b, deps, poll, 'classes');
  const students = () => fullPull(b, deps, poll, 'students');
  // AB_MODE=resync: the first pull of the students is not measured.
  if (RESYNC) await students();
  const { pages, cpu, bare } = await profiled(prof, b.label, async () =>
    RESYNC
      ? resyncs(on, Number(process.env.AB_RESYNCS ?? 3), students)
      : { ...(await measured(poll, simPid, students)), bare: {} },
  );
  const digest = await poll.query<{ d: string }>(
    `SELECT md5(string_agg(student_code || ' ' || fingerprint || ' ' || data::text, ',' ORDER BY student_code)) AS d
       FROM truc.students`,
  );
  const per = (s: number) => (s * 1000) / pages;
  return {
    pages,
    wall: per(cpu.wall),
    main: per(cpu.main),
    process: per(cpu.process),
    sys: per(cpu.sys),
    faults: per(cpu.faults),
    gc: per(cpu.gc),
    gcMajor: per(cpu.gcMajor),
    pg: per(cpu.pg),
    sim: per(cpu.sim),
    load: loadavg()[0]!,
    stored: digest.rows[0]!.d,
    ...bare,
  };
}

/** One measured pull of the students by build `b` on a fresh database (see the file comment). */
async function oneRun(b: Build, simUrl: string, simPid: number | undefined, prof?: string): Promise<Figures> {
  const name = `truc_bench_${suffix()}`;
  const prefix = `truc-bench-${suffix()}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${b.template}`);
  const poll = new pg.Client({ connectionString: urlOf(name) });
  try {
    await poll.connect();
    const config = b.config.loadConfig({
      configDir: join(ROOT, 'config'),
      env: {
        TRUC_PROFILE: 'default',
        DATABASE_URL: urlOf(name),
        REDIS_URL,
        TRUC_QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        TRUC_JWT_KEYS: `ab:${randomBytes(32).toString('base64url')}`,
        HCM_CSDL_BASE_URL: simUrl,
        HCM_CSDL_CLIENT_ID: SIM_CREDENTIALS.clientId,
        HCM_CSDL_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
      },
    });
    const deps = await b.deps.createDeps(config);
    const worker = b.roles.startWorkerRole(deps);
    try {
      return await studentsPulled(b, { deps, poll, simUrl, simPid }, prof);
    } finally {
      await worker.stop();
      await deps.close();
    }
  } finally {
    await poll.end().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await deleteKeysUnder(prefix).catch(() => undefined);
  }
}

/** `run <dirA> <dirB>` (see the file comment). */
async function runAb(dirA: string, dirB: string): Promise<void> {
  const students = Number(process.env.AB_STUDENTS ?? 30_000);
  const rounds = Number(process.env.AB_ROUNDS ?? 4);
  const warmup = Number(process.env.AB_WARMUP ?? 1);
  const prof = process.env.AB_PROF;
  const schools = Math.ceil(students / SIM_STUDENTS_PER_SCHOOL);
  const { sim, url } = await startSimChild({
    seed: 'bench-sync',
    schools,
    schoolYear: schoolYearOf(vietnamDateOf(new Date())),
  });
  const builds: Build[] = [];
  try {
    const la = basename(resolve(dirA));
    const lb = basename(resolve(dirB));
    builds.push(await loadBuild(dirA, la === lb ? 'A' : la), await loadBuild(dirB, la === lb ? 'B' : lb));
    const [a, b] = builds as [Build, Build];
    console.log(
      `A = ${a.label} (${dirA}), B = ${b.label} (${dirB}); ${schools * SIM_STUDENTS_PER_SCHOOL} students; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (let i = 0; i < warmup; i++)
      for (const x of [a, b]) console.log(`warm-up ${x.label}: ${fmt(await oneRun(x, url, sim.child.pid))}`);
    const got = new Map<Build, Figures[]>([
      [a, []],
      [b, []],
    ]);
    for (let r = 0; r < rounds; r++) {
      for (const x of r % 2 === 0 ? [a, b] : [b, a]) {
        const f = await oneRun(x, url, sim.child.pid, prof);
        got.get(x)!.push(f);
        console.log(`round ${r + 1} ${x.label}: ${fmt(f)}`);
      }
    }
    printMedians(got.get(a)!, got.get(b)!);
    // AB_NODE_ARGS_B (see nodeArgsAb): this process's runs, for the parent that compares node options.
    if (process.env.AB_OUT) appendFileSync(process.env.AB_OUT, childRunsLine([...got.values()].flat()));
    const stored = new Set([...got.values()].flat().map((f) => f.stored));
    console.log(
      `stored: ${stored.size === 1 ? 'same' : `DIFFER (${stored.size} digests)`}; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await sim.stop();
    for (const x of builds)
      await adminQuery(`DROP DATABASE IF EXISTS ${x.template} WITH (FORCE)`).catch(() => undefined);
  }
}

/** One child process running `run <dirA> <dirB>` under `node` (process.execPath unless said); its exit status. */
function runChild(node: NodeSide, args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  console.log(`${node.bin} ${node.args.join(' ')}`);
  const child = spawnSync(
    node.bin,
    [...node.args, '--import', 'tsx', fileURLToPath(import.meta.url), 'run', ...args],
    { stdio: 'inherit', env: { ...process.env, ...env, AB_CHILD: '1' } },
  );
  return child.status ?? 1;
}

/** `run` goes on in a child process started with production's node options (the Dockerfile's), as `truc all` runs. */
function inProductionNode(args: readonly string[]): void {
  // AB_NODE_ARGS: other node options instead (e.g. to compare GC settings, one run after the other).
  const a = {
    bin: process.execPath,
    args: process.env.AB_NODE_ARGS?.split(' ').filter(Boolean) ?? productionNodeArgs(),
  };
  const [argsB, binB] = [process.env.AB_NODE_ARGS_B, process.env.AB_NODE_BIN_B];
  if (argsB === undefined && binB === undefined) process.exitCode = runChild(a, args);
  else
    nodeArgsAb((node, env) => runChild(node, args, env), a, {
      bin: binB ?? a.bin,
      args: argsB?.split(' ').filter(Boolean) ?? a.args,
    });
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'build' && args[0]) build(resolve(args[0]), args[1]);
else if (cmd === 'run' && args[0] && args[1] && !process.env.AB_CHILD) inProductionNode(args);
else if (cmd === 'run' && args[0] && args[1]) await runAb(args[0], args[1]);
else {
  console.error('usage: pull-ab.ts build <dir> [<commit>] | run <dirA> <dirB>  (see the file comment)');
  process.exitCode = 2;
}
process.exit();
