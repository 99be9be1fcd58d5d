/**
 * Where PostgreSQL's CPU goes on a first sync, statement by statement (issue 7; not part of npm test).
 *
 *   BENCH_PGS_STUDENTS=30000 npx tsx test/bench/lib/pg-statements.ts
 *
 * Runs truc in this process (production `default` profile, PostgreSQL + Redis, the worker role) against
 * the hcm-csdl simulator in a child process, pulls schools and classes, then profiles a full pull of the
 * students: every statement a truc connection sends during it is timed by its backend's CPU
 * (/proc/<pid>/schedstat, nanoseconds on CPU), read before the statement is sent and after its answer.
 * So that each backend works on one statement at a time, the connections are not pipelined while it
 * runs (BENCH_PGS_PIPELINE=1 keeps pipelining: then only the totals are exact). Statements are grouped
 * by kind (their verb and tables); per kind: how many, CPU a statement (median, mean) and CPU a page.
 * Also truc's CPU (process.cpuUsage: this process, simulator excluded) and every backend's CPU a page.
 * BENCH_PGS_ROUNDS=n pulls the students n times on fresh databases (medians over rounds).
 * BENCH_PGS_CAPTURE=<file> keeps the statements of one kind (BENCH_PGS_CAPTURE_KIND, a regular expression
 * over the kinds printed; default the students' upsert) with their parameters, for ./pg-replay.ts.
 * BENCH_PGS_RESYNC=1: the students' first pull is not profiled; the pull profiled is the unchanged re-sync.
 */
import { writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { schoolYearOf, vietnamDateOf } from '../../../src/canonical/school-year.js';
import { requestSync } from '../../../src/jobs/requests.js';
import type { Db } from '../../../src/store/db.js';
import { pgCpu, pgCpuSince } from './cpu.js';
import { spyStatements } from './statement-spy.js';
import { SIM_CREDENTIALS, SIM_STUDENTS_PER_SCHOOL, startSimChild } from './hcm-csdl-sim.js';
import { openTrucEnv } from './truc-env.js';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Requests a full pull and waits until its pages are stored and it is reconciled. */
async function fullPull(db: Db, entity: 'schools' | 'classes' | 'students'): Promise<number> {
  const id = await db.tx((q) =>
    requestSync(q, { system: 'hcm-csdl', entity, full: true, requestedBy: 'bench', at: new Date() }),
  );
  for (let i = 0; i < 36_000; i++) {
    const r = await db.query<{ status: string; reconcile: string | null; pages: number }>(
      'SELECT status, reconcile, pages FROM truc.sync_runs WHERE id = $1',
      [id],
    );
    const row = r.rows[0]!;
    if (row.status === 'failed') throw new Error(`sync run ${id} (${entity}) failed`);
    if (row.status === 'done' && row.reconcile === 'done') return row.pages;
    await new Promise((w) => setTimeout(w, 100));
  }
  throw new Error(`sync run ${id} (${entity}) not done`);
}

interface Round {
  pages: number;
  wallMs: number;
  trucMs: number;
  pgMs: number;
  byKind: Map<string, number[]>;
  /** The students' table after the pull: heap and whole (indexes, TOAST) in MB, its fill factor. */
  size: { heapMb: number; totalMb: number; fillfactor: string };
}

/** The students' table's size and fill factor as the pull left it (issue 7: a fill factor's cost on a first sync). */
async function studentsSize(db: Db): Promise<Round['size']> {
  const r = await db.query<{ heap: string; total: string; ff: string | null }>(
    `SELECT pg_relation_size('truc.students') AS heap, pg_total_relation_size('truc.students') AS total,
            (SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor') AS ff
       FROM pg_class c WHERE c.oid = 'truc.students'::regclass`,
  );
  const row = r.rows[0]!;
  return {
    heapMb: Number(row.heap) / 2 ** 20,
    totalMb: Number(row.total) / 2 ** 20,
    fillfactor: row.ff ?? '100',
  };
}

async function round(students: number, serial: boolean): Promise<Round> {
  const schools = Math.ceil(students / SIM_STUDENTS_PER_SCHOOL);
  const schoolYear = schoolYearOf(vietnamDateOf(new Date()));
  const { sim, url } = await startSimChild({ seed: 'bench-sync', schools, schoolYear });
  // Before any connection is made: each is un-pipelined at its first statement, while nothing is in flight.
  let profiling = false;
  const capture = process.env.BENCH_PGS_CAPTURE;
  const spy = spyStatements(
    () => profiling,
    serial,
    capture ? new RegExp(process.env.BENCH_PGS_CAPTURE_KIND ?? '^INSERT: ins students') : undefined,
  );
  const env = await openTrucEnv('postgres+redis', {
    env: {
      HCM_CSDL_BASE_URL: url,
      HCM_CSDL_CLIENT_ID: SIM_CREDENTIALS.clientId,
      HCM_CSDL_CLIENT_SECRET: SIM_CREDENTIALS.clientSecret,
    },
  }).catch((err: unknown) => {
    spy.restore();
    throw err;
  });
  try {
    env.startWorker();
    await fullPull(env.deps.db, 'schools');
    await fullPull(env.deps.db, 'classes');
    if (process.env.BENCH_PGS_RESYNC === '1') await fullPull(env.deps.db, 'students');
    const pgBefore = await pgCpu(env.deps.db);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    profiling = true;
    const pages = await fullPull(env.deps.db, 'students');
    profiling = false;
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const pgMs = pgCpuSince(pgBefore, await pgCpu(env.deps.db)) * 1000;
    const byKind = new Map<string, number[]>();
    for (const s of spy.samples) {
      const list = byKind.get(s.kind) ?? [];
      list.push(s.ms);
      byKind.set(s.kind, list);
    }
    if (capture) writeFileSync(capture, JSON.stringify(spy.captured));
    const size = await studentsSize(env.deps.db);
    return { pages, wallMs, trucMs: (cpu.user + cpu.system) / 1000, pgMs, byKind, size };
  } finally {
    spy.restore();
    await env.cleanup();
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const students = Number(process.env.BENCH_PGS_STUDENTS ?? 30_000);
  const rounds = Number(process.env.BENCH_PGS_ROUNDS ?? 1);
  const serial = process.env.BENCH_PGS_PIPELINE !== '1';
  const all: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await round(students, serial);
    all.push(r);
    console.log(
      `round ${i + 1}: ${r.pages} pages, ${(r.wallMs / r.pages).toFixed(1)} ms a page; CPU a page: truc ${(r.trucMs / r.pages).toFixed(1)} ms, PostgreSQL ${(r.pgMs / r.pages).toFixed(1)} ms; students' heap ${r.size.heapMb.toFixed(1)} MB, with indexes ${r.size.totalMb.toFixed(1)} (fillfactor ${r.size.fillfactor}) (${execSync('uptime').toString().trim()})`,
    );
  }
  const kinds = new Set(all.flatMap((r) => [...r.byKind.keys()]));
  const rows = [...kinds].map((kind) => {
    const per = all.map((r) => r.byKind.get(kind) ?? []);
    const each = per.flat();
    return {
      kind,
      n: median(per.map((xs) => xs.length / all[0]!.pages)),
      med: median(each),
      mean: each.reduce((a, b) => a + b, 0) / Math.max(1, each.length),
      page: median(per.map((xs, i) => xs.reduce((a, b) => a + b, 0) / all[i]!.pages)),
    };
  });
  rows.sort((a, b) => b.page - a.page);
  console.log('statement kind | a page: n | CPU ms: median, mean | ms a page');
  for (const r of rows)
    console.log(
      `${r.kind} | ${r.n.toFixed(2)} | ${r.med.toFixed(2)} ${r.mean.toFixed(2)} | ${r.page.toFixed(2)}`,
    );
  const timed = rows.reduce((a, x) => a + x.page, 0);
  const pgPage = median(all.map((r) => r.pgMs / r.pages));
  const trucPage = median(all.map((r) => r.trucMs / r.pages));
  console.log(
    `timed statements ${timed.toFixed(1)} ms a page; every backend ${pgPage.toFixed(1)}; truc ${trucPage.toFixed(1)} (medians of ${all.length} rounds)`,
  );
}

await main();
