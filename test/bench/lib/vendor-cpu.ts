/**
 * CPU of the vendor push path per 1000-record batch, in one process, on a fresh PostgreSQL database
 * (issue 7: P4, unchanged and changed re-push). Under load 10–25 the ingest bench's wall rates are
 * noise; this times the code paths themselves: truc's CPU (`process.cpuUsage`, every thread) and the
 * PostgreSQL backends' (`/proc/<pid>/schedstat`, ns), per stage and round, no HTTP, no queue:
 *   accept     what the API does with a new body sent without a key: the look-up of an earlier batch of
 *              its bytes (`heldAndJudged`), the scan of its bytes (src/api/json-scan.ts: its records stored as
 *              sent, not serialised again), then the batch, its audit entry and ingest job in one statement
 *   p4         the ingest job of each batch of new students (queued→done), one batch at a time
 *   unchanged  the API's repeat of a judged body: SHA-256 of its bytes, the look-up, the one statement
 *   relisted   the same schools' records again in another order (a new body: judged by the ingest job, every
 *              record unchanged, noted seen in truc.record_seen), accepted, then ingested
 *   night      the same schools' batches with every 10th record changed (a night's re-push), accepted, then ingested
 *   changed    the same schools' batches with every record changed, accepted, then ingested
 * Each round takes `batches` new schools. Run it in two trees back to back (A, B, A, B …), compare the
 * medians; the first round is warm-up (compiles, caches) and left out of them. Each stage also shows the
 * main thread's GC pauses a batch (`gc`, wall ms): they are a quarter to a third of truc's CPU a P4 batch
 * and vary by half from run to run, so a difference in truc's CPU that is one in `gc` is not the code's. And `sys`,
 * the kernel's share of truc's CPU: 0.1–1.8 ms of a changed batch's ~25 (issue 7), although a CPU profile shows
 * ~10 ms a batch in `writev` (its wall-clock samples count the time the thread waits, preempted inside the loopback
 * write, while the PostgreSQL backend it woke runs): bytes sent to PostgreSQL cost truc little CPU. And `growth`, the
 * database's growth a batch (KB, `pg_database_size` before and after the stage; autovacuum may run in between).
 *
 *   npx tsx test/bench/lib/vendor-cpu.ts [rounds=4] [batches=12]     (prints one JSON line at the end)
 *
 * VENDOR_CPU_ALLOC=<dir>: also the bytes each stage allocates a batch (`alloc`, MB; load-independent), from the
 * inspector's heap sampler (every 32 KB, collected objects included: an unbiased estimate of all allocations), and
 * `<dir>/<stage>-r<round>.heapprofile` of each stage for ./profile-summary.ts (where they are allocated). The
 * sampler costs CPU of its own: read the CPU columns of a run without it.
 * VENDOR_CPU_PROF=<dir>: `<dir>/<stage>-r<round>.cpuprofile`, a CPU profile of each stage (the profiler's cost too).
 * VENDOR_CPU_CHANGE_RATIO=<0..1>: the guard's `changeRatio` (default 1: no change is held; at 0.5 the night stage's
 * batches read their school's vendor window, split23, and the changed stage's are held whole).
 * VENDOR_CPU_STATEMENTS=1: also the PostgreSQL CPU of each statement of the changed stage, grouped by kind
 * (./statement-spy.ts; connections are not pipelined then, so every stage costs a little more).
 * VENDOR_CPU_CAPTURE=<dir>: keeps the students' upserts of every round for ./pg-replay.ts,
 * `<dir>/p4.json` (new rows) and `<dir>/changed.json` (the same rows changed); VENDOR_CPU_CAPTURE_KIND=<regular
 * expression over the kinds printed> keeps another kind's statements instead.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { scanJson } from '../../../src/api/json-scan.js';
import { acceptRepeat, queueNewBatch } from '../../../src/jobs/contracts.js';
import { createWorkerContext } from '../../../src/jobs/context.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { spyStatements, type Captured, type Sample } from './statement-spy.js';
import { changedStatusDate, studentBatches, type StudentBatch } from './students.js';
import { openTrucEnv, type TrucEnv } from './truc-env.js';
import { cpuOf, type Cpu } from './vendor-cpu-stage.js';
import { batchOf, CLIENT, ingestAll } from './vendor-batches.js';

interface Body {
  schoolCode: string;
  text: string;
  bytes: Buffer;
  records: unknown[];
}

/** `b`'s body; `change`: a status date set on every record (`every`: on every `every`-th record only). */
const bodyOf = (b: StudentBatch, change?: string, every = 1): Body => {
  const records = change
    ? b.records.map((r, i) => (i % every === 0 ? { ...r, statusDate: change } : r))
    : b.records;
  const text = JSON.stringify({ entity: 'students', records });
  return { schoolCode: b.schoolCode, text, bytes: Buffer.from(text), records };
};

const sha = (b: Body) => createHash('sha256').update(b.bytes).digest('hex');

/**
 * The API's acceptance of a new body without a key; returns the batch id. As the API (../../../src/api/batch-intake.ts
 * `batchStandIn`), the body's bytes are scanned and its records stored as sent (not serialised again).
 */
async function accept(env: TrucEnv, b: Body): Promise<string> {
  const bodySha256 = sha(b);
  const held = await createBatchesRepo(env.deps.db).heldAndJudged(CLIENT, b.schoolCode, bodySha256);
  if (held) throw new Error('vendor-cpu: a new body was found stored');
  const { api } = env.deps.config;
  const limits = { maxDepth: api.maxJsonDepth, maxNestedArrayItems: api.maxNestedArrayItems };
  const r = scanJson(b.bytes, limits)?.find((m) => m.name === 'records');
  if (!r) throw new Error('vendor-cpu: a body the scan did not take');
  const { batch, event } = batchOf(b.schoolCode, bodySha256, b.records);
  const recordsJson = b.bytes.subarray(r.start, r.end);
  await queueNewBatch(env.deps.db, { ...batch, recordsJson }, { events: [event], at: env.deps.now() });
  return batch.id;
}

/** The API's unchanged repeat of `b` (judged before); throws when it was not judged at once. */
async function repeat(env: TrucEnv, b: Body): Promise<void> {
  const bodySha256 = sha(b);
  const held = await createBatchesRepo(env.deps.db).heldAndJudged(CLIENT, b.schoolCode, bodySha256);
  if (!held?.judged) throw new Error('vendor-cpu: no judged batch for a repeat');
  // As the API stands for a known body: as many empty records (../../../src/api/batch-intake.ts).
  const { batch, event } = batchOf(
    b.schoolCode,
    bodySha256,
    Array.from({ length: held.received }, () => ({})),
  );
  if (!(await acceptRepeat(env.deps.db, { ...batch, sameAs: held.id }, held.judged, event, env.deps))) {
    throw new Error('vendor-cpu: a repeat was not judged unchanged at once');
  }
}

type Stage = 'accept' | 'p4' | 'unchanged' | 'relisted' | 'night' | 'changed';

/** A status date of the current school year no population student has, other than {@link changedStatusDate}. */
const nightStatusDate = (): string => changedStatusDate().replace(/-04$/, '-03');

/** The statement spy, when asked for: which stage it is timing, and what it kept. */
interface Spy {
  stage: Stage | undefined;
  samples: Sample[];
  captured: Captured[];
  /** Per stage, the statements kept while it ran, and per round its statements' timings. */
  kept: Partial<Record<Stage, Captured[]>>;
  timed: Partial<Record<Stage, Sample[][]>>;
}

/** Runs `fn` as `stage` under the spy (if any): its statements timed, its students' upserts kept. */
async function spied<T>(spy: Spy | undefined, stage: Stage, fn: () => Promise<T>): Promise<T> {
  if (!spy) return fn();
  const from = spy.captured.length;
  const timedFrom = spy.samples.length;
  spy.stage = stage;
  try {
    return await fn();
  } finally {
    spy.stage = undefined;
    (spy.kept[stage] ??= []).push(...spy.captured.slice(from));
    (spy.timed[stage] ??= []).push(spy.samples.slice(timedFrom));
  }
}

async function round(
  env: TrucEnv,
  ctx: ReturnType<typeof createWorkerContext>,
  batches: StudentBatch[],
  repeats: number,
  no: number,
  spy?: Spy,
): Promise<Record<Stage, Cpu>> {
  const db = env.deps.db;
  const fresh = batches.map((b) => bodyOf(b));
  let ids: string[] = [];
  const acceptCpu = await cpuOf(
    db,
    fresh.length,
    async () => {
      ids = [];
      for (const b of fresh) ids.push(await accept(env, b));
    },
    `accept-r${no}`,
  );
  const p4 = await cpuOf(db, ids.length, () => spied(spy, 'p4', () => ingestAll(env, ctx, ids)), `p4-r${no}`);
  const unchanged = await cpuOf(
    db,
    fresh.length * repeats,
    async () => {
      for (let i = 0; i < repeats; i++) for (const b of fresh) await repeat(env, b);
    },
    `unchanged-r${no}`,
  );
  const rePushed = await rePushes(env, ctx, batches, no, spy);
  const all = [...ids, ...rePushed.ids];
  const done = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.batches WHERE status IN ('done', 'held') AND id = ANY($1::uuid[])`,
    [all],
  );
  if (done.rows[0]!.n !== all.length) throw new Error('vendor-cpu: batches not done');
  return { accept: acceptCpu, p4, unchanged, ...rePushed.cpu };
}

/**
 * The re-pushes judged by the ingest job, each accepted (not timed), then ingested (timed): relisted (the same
 * records in another order), night (every 10th record changed), changed (every record).
 */
async function rePushes(
  env: TrucEnv,
  ctx: ReturnType<typeof createWorkerContext>,
  batches: StudentBatch[],
  no: number,
  spy?: Spy,
): Promise<{ cpu: Record<'relisted' | 'night' | 'changed', Cpu>; ids: string[] }> {
  const ids: string[] = [];
  const ingested = async (stage: Stage, bodies: Body[]) => {
    const stageIds: string[] = [];
    for (const b of bodies) stageIds.push(await accept(env, b));
    ids.push(...stageIds);
    return cpuOf(
      env.deps.db,
      stageIds.length,
      () => spied(spy, stage, () => ingestAll(env, ctx, stageIds)),
      `${stage}-r${no}`,
    );
  };
  const relisted = await ingested(
    'relisted',
    batches.map((b) => bodyOf({ ...b, records: [...b.records].reverse() })),
  );
  const night = await ingested(
    'night',
    batches.map((b) => bodyOf(b, nightStatusDate(), 10)),
  );
  const changed = await ingested(
    'changed',
    batches.map((b) => bodyOf(b, changedStatusDate())),
  );
  return { cpu: { relisted, night, changed }, ids };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The statement spy, when VENDOR_CPU_STATEMENTS or VENDOR_CPU_CAPTURE asks for it (before any connection). */
function openSpy(): (Spy & { restore(): void }) | undefined {
  const capture = process.env.VENDOR_CPU_CAPTURE;
  if (process.env.VENDOR_CPU_STATEMENTS !== '1' && !capture) return undefined;
  const spy: Spy = { stage: undefined, samples: [], captured: [], kept: {}, timed: {} };
  const timer = spyStatements(
    () => spy.stage !== undefined,
    true,
    capture ? new RegExp(process.env.VENDOR_CPU_CAPTURE_KIND ?? '^INSERT: ins students') : undefined,
  );
  return Object.assign(spy, {
    samples: timer.samples,
    captured: timer.captured,
    restore: () => timer.restore(),
  });
}

/** The changed stage's PostgreSQL CPU per statement kind, ms a batch (median over the measured rounds); the captures written. */
function reportSpy(spy: Spy, perRound: number, skip: number): void {
  const capture = process.env.VENDOR_CPU_CAPTURE;
  if (capture) {
    // Every round's (each round's schools are its own: p4.json then changed.json replays them in order).
    for (const stage of ['p4', 'changed'] as const)
      writeFileSync(join(capture, `${stage}.json`), JSON.stringify(spy.kept[stage] ?? []));
  }
  const rounds = (spy.timed.changed ?? []).slice(skip);
  const kinds = new Set(rounds.flat().map((x) => x.kind));
  const rows = [...kinds].map((kind) => {
    const per = rounds.map((xs) => xs.filter((x) => x.kind === kind));
    return {
      kind,
      n: median(per.map((xs) => xs.length / perRound)),
      ms: median(per.map((xs) => xs.reduce((a, x) => a + x.ms, 0) / perRound)),
    };
  });
  rows.sort((a, b) => b.ms - a.ms);
  console.error('changed stage: statement kind | n a batch | PostgreSQL CPU ms a batch (median of rounds)');
  for (const r of rows) console.error(`${r.kind} | ${r.n.toFixed(2)} | ${r.ms.toFixed(2)}`);
  console.error(`timed: ${rows.reduce((a, r) => a + r.ms, 0).toFixed(1)} ms a batch`);
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 4);
  const perRound = Number(process.argv[3] ?? 12);
  const repeats = Number(process.env.VENDOR_CPU_REPEATS ?? 5);
  const all = studentBatches(rounds * perRound, 1000, 'truc-bench-vendor-cpu');
  const spy = openSpy();
  // The guard's changed-records threshold: 1 (changes never held) unless VENDOR_CPU_CHANGE_RATIO says (at 0.5, the
  // default's, the night stage reads its school's vendor window, ../../../src/jobs/vendor-window.ts; the changed stage is held).
  const changeRatio = Number(process.env.VENDOR_CPU_CHANGE_RATIO ?? 1);
  const env = await openTrucEnv('postgres+redis', { guard: { changeRatio } });
  try {
    const ctx = createWorkerContext(env.deps);
    const results: Record<Stage, Cpu>[] = [];
    for (let r = 0; r < rounds; r++) {
      const res = await round(env, ctx, all.slice(r * perRound, (r + 1) * perRound), repeats, r, spy);
      results.push(res);
      const line = Object.entries(res)
        .map(([s, c]) => {
          const alloc = c.alloc === undefined ? '' : `, alloc ${c.alloc.toFixed(2)} MB`;
          return `${s} ${c.truc.toFixed(2)}+${c.pg.toFixed(2)} (sys ${c.sys.toFixed(1)}, gc ${c.gc.toFixed(1)} major ${c.major.toFixed(1)}, +${c.growth.toFixed(0)} KB${alloc})`;
        })
        .join(', ');
      console.error(`vendor-cpu round ${r}: ${line} ms a batch; load ${loadavg()[0]!.toFixed(1)}`);
    }
    const measured = results.slice(rounds > 1 ? 1 : 0);
    const stages: Stage[] = ['accept', 'p4', 'unchanged', 'relisted', 'night', 'changed'];
    const summary = Object.fromEntries(
      stages.map((s) => [
        s,
        {
          truc: +median(measured.map((m) => m[s].truc)).toFixed(2),
          sys: +median(measured.map((m) => m[s].sys)).toFixed(2),
          pg: +median(measured.map((m) => m[s].pg)).toFixed(2),
          gc: +median(measured.map((m) => m[s].gc)).toFixed(2),
          major: +median(measured.map((m) => m[s].major)).toFixed(2),
          growth: +median(measured.map((m) => m[s].growth)).toFixed(1),
          ...(process.env.VENDOR_CPU_ALLOC
            ? { alloc: +median(measured.map((m) => m[s].alloc ?? 0)).toFixed(3) }
            : {}),
        },
      ]),
    );
    if (spy) reportSpy(spy, perRound, rounds > 1 ? 1 : 0);
    console.log(JSON.stringify({ summary, load: loadavg()[0], rounds, perRound }));
  } finally {
    spy?.restore();
    await env.cleanup();
  }
}

await main();
