/**
 * Fault proofs (issue 7) with separate `truc api` and `truc worker` processes, real PostgreSQL (behind
 * a TCP proxy this test owns), a private `redis-server` and the hcm-csdl simulator (the stack:
 * test/helpers/fault-stack.ts). Each scenario gets a fresh database, Redis and simulator, pulls 3,000
 * students in full (pages slowed down so the fault lands mid-run) and breaks something on the way:
 * - PostgreSQL "restarted": every connection dropped and refused for 5 s, longer until a page job has met the
 *   outage (been deferred for the database); api and worker keep running and the run finishes, nothing
 *   dead-lettered; and PostgreSQL really restarted (a server of the scenario's own,
 *   test/helpers/own-postgres.ts: `pg_ctl stop -m fast`, down as long, `pg_ctl start`), the same;
 * - Redis flushed, and Redis killed and started again empty (3 s down), while a page job waits in the queue (not
 *   taken): only the outbox reconciler can queue it again, and the run completes (review36a F2: a flush or a kill
 *   that met only the running chain passed with the reconciler off); after the kill the same api and worker
 *   processes carry on, their Redis connections back by themselves;
 * - a worker killed with SIGKILL (default lock and stalled timings): another worker finishes the run;
 * - the worker holding a long page chain (TRUC_PULL_CHAIN_MS=600000) killed, a second worker running:
 *   it takes the run over from the chain's next page (leased for lockMs).
 * The vendors' scenarios (the api, then the worker, killed while ten vendors push; Redis flushed, and killed and
 * started again empty, while their jobs wait) are faults-vendors.test.ts.
 * Every run ends with every student stored once, counted by key (one create per key in the change
 * feed). Recovery times are printed (`[faults] …`); work resumes within 45 s of a worker's kill -9 and of a
 * Redis flush (issue 7: "about 30 s"; a functional bound with slack for a loaded machine), 90 s otherwise.
 *
 * Scale: `TRUC_FAULT_STUDENTS` (default 3,000, what CI runs) students over six schools; the issue's
 * scale is `TRUC_FAULT_STUDENTS=20000 npx vitest run test/e2e/faults` (both files: the vendors then push that
 * many, 2,000 when it is unset; run by hand: figures in docs/issue-7-proof.md). Waits grow with the size; the
 * resume bound does not.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { countRows, waitFor } from '../helpers/env.js';
import {
  expectRedisOutageHeard,
  GENEROUS_RESUME_MS,
  onStack,
  REQUEUED,
  RESUME_BOUND_MS,
  SCALE,
  stackQueue,
  STUDENTS,
  TEST_TIMEOUT,
  type Stack,
} from '../helpers/fault-stack.js';
import { alive, outageHold } from '../helpers/faults.js';
import { requestFullStudentsPull } from '../helpers/full-pull.js';

/** The worker handed a job back to its queue for the database (a job met a PostgreSQL outage, was not failed). */
const DEFERRED_FOR_DATABASE = /truc_jobs_deferred_total\{[^}]*reason="database"[^}]*\} [1-9]/;

/** Each pull page a job of its own, handed to the queue (no page chain). */
const CHAIN_OFF = { TRUC_PULL_CHAIN_MS: '0' };

describe('fault proofs: api and worker processes, PostgreSQL, Redis, the hcm-csdl simulator', () => {
  /** Pages recorded plus batches ingested: grows while the run makes progress. */
  const progress = async (s: Stack) =>
    (
      await s.env.deps.db.query<{ n: number }>(
        `SELECT (SELECT coalesce(sum(pages), 0) FROM truc.sync_runs)::int
              + (SELECT count(*) FROM truc.batches WHERE status = 'done')::int AS n`,
      )
    ).rows[0]!.n;

  async function startRun(s: Stack): Promise<number> {
    const id = await requestFullStudentsPull(s.env.deps.db);
    // Mid-run: two pages in, more to come.
    await waitFor(async () => (await progress(s)) >= 2, {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: 'the run to be under way',
    });
    return id;
  }

  /**
   * Waits until a page job is running (BullMQ's active list of the pull queue), so a fault lands
   * inside a job and not in the hop between two (where only the outbox relay meets it).
   */
  async function pageJobRunning(s: Stack): Promise<void> {
    const redis = new Redis(s.redis.url, { maxRetriesPerRequest: 1 });
    try {
      await waitFor(async () => (await redis.llen(`${s.env.redisPrefix!}:pull:active`)) > 0, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: 'a page job to be running',
      });
    } finally {
      redis.disconnect();
    }
  }

  /**
   * A PostgreSQL outage's length: at least 5 s, and on until the worker has handed a job back for the database (the
   * running page job met the outage), 45 s at most (the resume bound's other half left to recover). A fixed 5 s was a
   * race (flake10b): under load the page job's read of the simulator (1.5 s latency) took 2.5-5 s and came back
   * after the outage, and no job met it (only the outbox relay did).
   */
  const untilAJobMeetsIt = (s: Stack, outage: { ms?: number }) => {
    const hold = outageHold(
      async () => DEFERRED_FOR_DATABASE.test(await s.workerMetrics()),
      'a job to meet the outage (the worker deferring it for the database)',
      { minMs: 5_000, maxMs: 45_000 },
    );
    return async () => {
      const from = Date.now();
      await hold();
      outage.ms = Date.now() - from;
    };
  };

  /**
   * Holds the pull queue (BullMQ pause, from the test) mid-run until the run's next page job waits in it, not taken;
   * returns the waiting jobs' ids. Redis then emptied (flushed, or killed and started again empty) takes the job and
   * the pause with it: its outbox row says it was queued, so only the outbox reconciler can queue it again.
   */
  async function holdUntilPageWaits(s: Stack): Promise<string[]> {
    const pull = stackQueue(s, 'pull');
    try {
      await pull.pause();
      const waiting = async () => {
        const ids = (await pull.getJobs(['wait', 'prioritized'])).map((j) => j.id!);
        return ids.length > 0 ? ids : undefined;
      };
      return await waitFor(waiting, {
        timeoutMs: 60_000 * SCALE,
        intervalMs: 20,
        what: 'a page job waiting in the held pull queue',
      });
    } finally {
      await pull.close();
    }
  }

  /** Those of the pull queue's jobs `ids` that exist. */
  async function jobsOf(s: Stack, ids: readonly string[]): Promise<string[]> {
    const pull = stackQueue(s, 'pull');
    try {
      const jobs = await Promise.all(ids.map((id) => pull.getJob(id)));
      return jobs.flatMap((j) => (j ? [j.id!] : []));
    } finally {
      await pull.close();
    }
  }

  /**
   * A full run with a fault in its middle: `fault` breaks something (its start is the fault's time);
   * work resumes within the bound (logged with `said()`, e.g. "Redis FLUSHALL"), and the run finishes
   * with every student stored once, nothing left open or dead.
   */
  async function faultMidRun(
    s: Stack,
    fault: () => Promise<number | void>,
    said: () => string,
    resumeBoundMs = GENEROUS_RESUME_MS,
    { progressFromFault = false } = {},
  ): Promise<void> {
    const runId = await startRun(s);
    let before = await progress(s);
    let t0 = Date.now();
    // The fault's time: when it struck (a kill waits for a page job to be running first).
    await fault().then((at) => (t0 = typeof at === 'number' ? at : t0));
    // A fault that lets the run go on before it strikes (a queue held until a job waits) counts from its strike.
    if (progressFromFault) before = await progress(s);
    await waitFor(async () => (await progress(s)) > before, {
      timeoutMs: resumeBoundMs + 30_000,
      intervalMs: 100,
      what: 'work to resume',
    });
    const resumedMs = Date.now() - t0;
    console.log(`[faults] ${said()}: work resumed ${resumedMs} ms after the fault began`);
    expect(resumedMs, 'work resumed after the fault within the bound').toBeLessThanOrEqual(resumeBoundMs);
    const db = s.env.deps.db;
    await waitFor(
      async () =>
        (await db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [runId]))
          .rows[0]?.status === 'done' &&
        (await countRows(db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0,
      { timeoutMs: 180_000 * SCALE, intervalMs: 250, what: 'the run to finish' },
    );
    console.log(`[faults]   run finished ${Date.now() - t0} ms after the fault`);
    expect(await countRows(db, 'truc.students', 'deleted_at IS NULL')).toBe(STUDENTS);
    // Stored once, counted by key: each student created once in the change feed (a page applied twice
    // would show as a second change of its keys only if it changed them; a lost page as missing keys).
    const perKey = await db.query<{ n: number; keys: number; once: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT k.key)::int AS keys,
              count(*) FILTER (WHERE op = 'create')::int AS once
         FROM truc.record_changes r CROSS JOIN LATERAL unnest(r.record_keys) AS k(key)
        WHERE entity = 'students'`,
    );
    expect(perKey.rows[0]).toEqual({ n: STUDENTS, keys: STUDENTS, once: STUDENTS });
    expect(await countRows(db, 'truc.dead_letters')).toBe(0);
  }

  it(
    'PostgreSQL drops every connection and refuses for 5 s or more mid-run: api and worker keep running and finish',
    () =>
      onStack(async (s) => {
        const outage: { ms?: number } = {};
        await faultMidRun(
          s,
          async () => {
            await pageJobRunning(s);
            await s.proxy.cut(untilAJobMeetsIt(s, outage));
          },
          () => `PostgreSQL cut ${outage.ms} ms`,
        );
        expect(s.proxy.dropped).toBeGreaterThan(0);
        // The jobs the outage hit waited for the database instead of spending attempts.
        const metrics = await s.workerMetrics();
        expect(metrics).toMatch(DEFERRED_FOR_DATABASE);
        expect(metrics).not.toMatch(/truc_jobs_processed_total\{[^}]*outcome="retried"[^}]*\} [1-9]/);
        expect(alive(s.api)).toBe(true);
        expect(s.workers.every(alive)).toBe(true);
        // The api answers again without a restart.
        expect((await s.truc.api.GET('/readyz')).response.status).toBe(200);
      }),
    TEST_TIMEOUT,
  );

  // review36a: the cut above is what truc sees of a restart on the wire; this is the restart itself, of a
  // server of the scenario's own (pg_ctl stop -m fast: every session told 57P01, then nothing listening as long).
  it(
    'PostgreSQL really restarted mid-run (pg_ctl stop -m fast, 5 s or more down, start): api and worker keep running and finish',
    () =>
      onStack(
        async (s) => {
          const outage: { ms?: number } = {};
          await faultMidRun(
            s,
            async () => {
              await pageJobRunning(s);
              await s.postgres!.restart('fast', untilAJobMeetsIt(s, outage));
            },
            () => `PostgreSQL restarted (fast, ${outage.ms} ms down)`,
          );
          expect(alive(s.api)).toBe(true);
          expect(s.workers.every(alive)).toBe(true);
          expect(await s.workerMetrics()).toMatch(DEFERRED_FOR_DATABASE);
          expect((await s.truc.api.GET('/readyz')).response.status).toBe(200);
        },
        {},
        { ownPostgres: true },
      ),
    TEST_TIMEOUT,
  );

  // review36a F2: a flush that meets only the running page chain loses nothing (the chain carries on and queues
  // its next page itself), so that scenario passed with the outbox reconciler disabled. Here a page job waits in
  // the queue, not taken, when Redis is flushed: the job is gone, its outbox row says it was queued, and only the
  // reconciler (sync.reconcile: a row open 10 s, looked at every 5 s) queues it again. The queue is held (BullMQ
  // pause) from mid-run until the run's next page job is queued, so it is waiting when the flush strikes; the
  // flush takes the pause with it. Pull jobs do not chain here (TRUC_PULL_CHAIN_MS=0, a supported setting): each
  // page is a job of its own, so a page is queued whenever the pause meets the run (with the default 5 s chain the
  // run's last chain could take every page left before one was handed over, and nothing waited).
  it(
    'Redis flushed mid-run with a page job waiting in the queue: the outbox reconciler queues it again, nothing lost',
    () =>
      onStack(async (s) => {
        let waiting: string[] = [];
        const flushWithPageWaiting = async () => {
          waiting = await holdUntilPageWaits(s);
          const flushedAt = Date.now();
          await s.redis.flush();
          return flushedAt;
        };
        await faultMidRun(
          s,
          flushWithPageWaiting,
          () => `Redis FLUSHALL with ${waiting.length} page job(s) waiting`,
          RESUME_BOUND_MS,
          { progressFromFault: true },
        );
        // The run went on because the worker's reconciler queued the lost page job again from its outbox row.
        expect(s.workers[0]!.stdout()).toContain(REQUEUED);
        expect(alive(s.api) && s.workers.every(alive)).toBe(true);
      }, CHAIN_OFF),
    TEST_TIMEOUT,
  );

  // The same proof for a Redis server killed (SIGKILL) and started again empty (no RDB, no AOF: the scenario's own
  // redis-server, test/helpers/faults.ts startOwnRedis) while a page job waits in the held queue: the job and the
  // pause are gone with the data, so only the reconciler can queue the job again. Before (review36a) the kill met only
  // the running page chain, which carried on by itself: green with the reconciler off. Here the api and worker
  // processes must live through the outage (no restart: the same processes, each process's one Redis outage line
  // and its end), the worker's connections come back by themselves, and its reconciler re-queues the lost job.
  it(
    'Redis killed and started again empty with a page job waiting in the queue: api and worker reconnect, the outbox reconciler queues it again, nothing lost',
    () =>
      onStack(
        async (s) => {
          const processes = [s.api, ...s.workers];
          let waiting: string[] = [];
          const killWithPageWaiting = async () => {
            waiting = await holdUntilPageWaits(s);
            const killedAt = await s.redis.killAndStartEmpty(3_000);
            // Started again empty: the job that waited is gone (the reconciler waits 10 s before it queues one again).
            expect(await jobsOf(s, waiting), 'the waiting page jobs after the restart').toEqual([]);
            return killedAt;
          };
          await faultMidRun(
            s,
            killWithPageWaiting,
            () => `Redis killed 3 s with ${waiting.length} page job(s) waiting, restarted empty`,
            RESUME_BOUND_MS,
            { progressFromFault: true },
          );
          // The same processes, never restarted, each heard the outage and its end (its connections answer again).
          expect([s.api, ...s.workers]).toEqual(processes);
          expect(processes.every(alive)).toBe(true);
          for (const p of processes) expectRedisOutageHeard(p);
          expect(s.workers[0]!.stdout()).toContain(REQUEUED);
          expect((await s.truc.api.GET('/readyz')).response.status).toBe(200);
        },
        // info: the outage's end is logged at info.
        { ...CHAIN_OFF, LOG_LEVEL: 'info' },
      ),
    TEST_TIMEOUT,
  );

  it(
    'kill -9 of the worker mid-run (default timings): a new worker resumes and finishes the run',
    () =>
      onStack(async (s) => {
        const [first] = s.workers;
        let killedAt = 0;
        let upAt: number | undefined;
        const kill = async () => {
          first!.child.kill('SIGKILL');
          await first!.exited;
          killedAt = Date.now();
          s.startWorker();
          // When the new process serves its metrics (it is up): what follows is truc's recovery, what
          // precedes is the process's start on this machine.
          void waitFor(
            async () => {
              try {
                await s.workerMetrics();
                return (upAt = Date.now());
              } catch {
                return undefined;
              }
            },
            { timeoutMs: GENEROUS_RESUME_MS, intervalMs: 100, what: 'the new worker to be up' },
          ).catch(() => undefined);
        };
        const up = () => (upAt === undefined ? 'not yet up' : `up after ${upAt - killedAt} ms`);
        await faultMidRun(
          s,
          kill,
          () => `worker kill -9, new worker started at once (${up()})`,
          RESUME_BOUND_MS,
        );
      }),
    TEST_TIMEOUT,
  );

  it(
    'kill -9 of the worker in the middle of a long page chain (TRUC_PULL_CHAIN_MS=600000): the other worker resumes',
    () =>
      onStack(
        async (s) => {
          const [first] = s.workers;
          // Two workers up before the run, so the bound is truc's recovery, not a process's start. The
          // run's pages are read by the worker whose job holds the chain: that one is killed.
          const second = await s.startStandbyWorker();
          const pageReads = (metrics: string) =>
            [
              ...metrics.matchAll(
                /truc_external_request_duration_seconds_count\{[^}]*system="hcm-csdl"[^}]*method="GET"[^}]*\} (\d+)/g,
              ),
            ]
              .map((m) => Number(m[1]))
              .reduce((a, b) => a + b, 0);
          const kill = async () => {
            await pageJobRunning(s);
            const reads = [pageReads(await s.workerMetrics()), pageReads(await second.metrics())];
            expect(Math.max(...reads), 'page reads by either worker').toBeGreaterThan(0);
            const holder = reads[0]! > 0 ? first! : second.worker;
            holder.child.kill('SIGKILL');
            const killedAt = Date.now();
            await holder.exited;
            return killedAt;
          };
          await faultMidRun(s, kill, () => 'worker kill -9 mid-chain (chainMs 600000)', RESUME_BOUND_MS);
        },
        { TRUC_PULL_CHAIN_MS: '600000' },
      ),
    TEST_TIMEOUT,
  );
});
