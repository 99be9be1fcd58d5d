/**
 * Fault proofs (issue 7), the vendors' side, on the stack of test/e2e/faults.test.ts (test/helpers/fault-stack.ts:
 * separate `truc api` and `truc worker` processes, PostgreSQL behind a proxy, a private `redis-server`, the
 * hcm-csdl simulator as the city database, fresh for each scenario):
 * - the api killed with SIGKILL while ten vendors push: every batch answered 202 finishes, and retries
 *   with the same Idempotency-Key make exactly one batch each;
 * - the worker killed with SIGKILL while it delivers ten vendors' batches to the city database (a push
 *   to the simulator in flight, review32 F9): a new worker delivers every change, each applied once at
 *   the simulator by its own record of writes.
 * - Redis flushed while jobs of theirs wait in the queues (review36a F2: the pull scenarios' flush met only the job
 *   running, which carries on, so they passed with the outbox reconciler disabled): the jobs lost are re-queued
 *   from the outbox, and every batch finishes.
 * - Redis killed (SIGKILL) and started again empty while jobs of theirs wait in the queues, held there (BullMQ pause)
 *   with the api and worker running: the same processes reconnect by themselves, the jobs lost are re-queued from
 *   the outbox, and every batch finishes.
 * All check every pushed student stored and sent once, by key (test/helpers/fault-vendors.ts).
 */
import type { JobType, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/jobs/contract-table.js';
import { countRows, waitFor } from '../helpers/env.js';
import {
  expectRedisOutageHeard,
  onStack,
  REQUEUED,
  SCALE,
  stackQueue,
  TEST_TIMEOUT,
  type Stack,
} from '../helpers/fault-stack.js';
import { alive } from '../helpers/faults.js';
import {
  BATCH_STUDENTS,
  BATCHES,
  expectEachStoredAndSentOnce,
  tenVendorsPushing,
} from '../helpers/fault-vendors.js';

/**
 * {@link onStack} with a city database that answers at once: the scenarios whose fault is not a delivery in flight (the
 * api killed, Redis flushed or killed) need no slow pushes (1.5 s each, two at a time: ~40 s of each scenario, ci12).
 */
const onPromptStack = (body: (s: Stack) => Promise<void>, env: Record<string, string> = {}) =>
  onStack(body, env, { simLatencyMs: 0 });

/** A job not taken yet: a flush or an empty restart loses it. */
const NOT_TAKEN: JobType[] = ['wait', 'prioritized', 'delayed', 'waiting-children'];

/** Runs `fn` on every queue of truc's (the test's own BullMQ queues on the scenario's Redis), closed after. */
async function onQueues<T>(s: Stack, fn: (queues: Queue[]) => Promise<T>): Promise<T> {
  const queues = QUEUE_NAMES.map((name) => stackQueue(s, name));
  try {
    return await fn(queues);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** How many jobs of `queues` are in one of `states`. */
async function jobsIn(queues: readonly Queue[], states: JobType[]): Promise<number> {
  const counts = await Promise.all(queues.map((q) => q.getJobCounts(...states)));
  return counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
}

/**
 * Once jobs of the vendors' wait, holds every queue (BullMQ pause), lets `pushing` end, the running jobs end and the
 * relay hand every outbox row over: every open row's job then waits in Redis, not taken. How many wait.
 */
async function holdQueuesWaiting(s: Stack, pushing: Promise<unknown>): Promise<number> {
  const db = s.env.deps.db;
  return onQueues(s, async (queues) => {
    await waitFor(() => jobsIn(queues, NOT_TAKEN), {
      timeoutMs: 120_000 * SCALE,
      intervalMs: 10,
      what: 'jobs waiting in a queue',
    });
    await Promise.all(queues.map((q) => q.pause()));
    await pushing;
    await waitFor(
      async () =>
        (await jobsIn(queues, ['active'])) === 0 &&
        (await countRows(
          db,
          'truc.outbox',
          'enqueued_at IS NULL AND done_at IS NULL AND dead_at IS NULL',
        )) === 0,
      {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: 'the running jobs to end and every outbox row queued',
      },
    );
    return jobsIn(queues, NOT_TAKEN);
  });
}

describe('fault proofs: api and worker processes, PostgreSQL, Redis, the hcm-csdl simulator', () => {
  it(
    'the api killed while ten vendors push: every 202 batch finishes, one batch per Idempotency-Key',
    () =>
      onPromptStack(async (s) => {
        const { vendors, seen, pushing } = await tenVendorsPushing(s);
        await waitFor(() => seen.accepted >= 12, {
          timeoutMs: 120_000 * SCALE,
          intervalMs: 20,
          what: 'some batches accepted',
        });
        s.api.child.kill('SIGKILL');
        await s.api.exited;
        s.restartApi();
        await pushing;
        expect(seen.networkErrors).toBeGreaterThan(0);
        const db = s.env.deps.db;
        await waitFor(
          async () => (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES,
          { timeoutMs: 180_000 * SCALE, intervalMs: 250, what: 'every accepted batch to finish' },
        );
        expect(await countRows(db, 'truc.batches')).toBe(vendors.length * BATCHES);
        expect(new Set(seen.answers.values()).size).toBe(vendors.length * BATCHES);
        // Every change delivered to the city database, and no duplicate effect there: each student
        // stored once, and each sent once (a retried delivery is a replay under the same key).
        await waitFor(async () => (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0, {
          timeoutMs: 180_000 * SCALE,
          intervalMs: 250,
          what: 'every push set to be delivered',
        });
        expectEachStoredAndSentOnce(s, vendors.length);
        expect(await countRows(db, 'truc.dead_letters')).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  // review32 F9: issue 7's "kill -9 of a worker mid-run … every change delivered, no duplicate effect at the
  // simulator". The pull scenarios deliver nothing (hcm-csdl is not its own target): here the worker dies while a
  // push of vendors' changes to the city database is in flight (each push slowed to 1.5 s at the simulator).
  it(
    'kill -9 of the worker while it delivers vendors’ changes to the city database: each change applied once',
    () =>
      onStack(async (s) => {
        const { vendors, pushing } = await tenVendorsPushing(s);
        const db = s.env.deps.db;
        const ours = () =>
          s.sim.recorder
            .items('students')
            .filter((r) => /^FV\d+B\d+K\d+$/.test(String((r as { maDinhDanh?: unknown }).maDinhDanh)));
        // Some changes delivered, a push job running (its request at the simulator), more to deliver.
        const redis = new Redis(s.redis.url, { maxRetriesPerRequest: 1 });
        try {
          await waitFor(
            async () =>
              ours().length > 0 && (await redis.llen(`${s.env.redisPrefix!}:push.hcm-csdl:active`)) > 0,
            { timeoutMs: 120_000 * SCALE, intervalMs: 20, what: 'a delivery to the city database in flight' },
          );
        } finally {
          redis.disconnect();
        }
        const [first] = s.workers;
        first!.child.kill('SIGKILL');
        const killedAt = Date.now();
        await first!.exited;
        const deliveredBefore = ours().length;
        const undelivered = await countRows(db, 'truc.push_sets', 'delivered_at IS NULL');
        s.startWorker();
        await pushing;
        await waitFor(
          async () =>
            (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES &&
            (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
          {
            timeoutMs: 180_000 * SCALE,
            intervalMs: 250,
            what: 'every batch done and every push set delivered',
          },
        );
        console.log(
          `[faults] worker kill mid-delivery: ${deliveredBefore} students sent before the kill, ${undelivered} push ` +
            `sets undelivered at it; all delivered ${Date.now() - killedAt} ms after it`,
        );
        console.log(`[faults]   the simulator's write requests: ${JSON.stringify(s.sim.stats().byRoute)}`);
        expect(deliveredBefore).toBeLessThan(vendors.length * BATCHES * BATCH_STUDENTS);
        expect(undelivered).toBeGreaterThan(0);
        expectEachStoredAndSentOnce(s, vendors.length, 'worker kill mid-delivery');
        expect(await countRows(db, 'truc.dead_letters')).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  it(
    'Redis flushed while vendors’ jobs wait in the queues: re-queued from the outbox, every batch finishes once',
    () =>
      onPromptStack(async (s) => {
        const { vendors, pushing } = await tenVendorsPushing(s);
        const db = s.env.deps.db;
        const prefix = s.env.redisPrefix!;
        const redis = new Redis(s.redis.url, { maxRetriesPerRequest: 1 });
        // Jobs added and not taken yet (an ingest behind the others, a push behind the pacing): a flush loses them.
        const queued = async () =>
          (await redis.llen(`${prefix}:ingest:wait`)) +
          (await redis.llen(`${prefix}:push.hcm-csdl:wait`)) +
          (await redis.zcard(`${prefix}:push.hcm-csdl:delayed`)) +
          (await redis.zcard(`${prefix}:ingest:delayed`));
        let waiting = 0;
        try {
          await waitFor(queued, { timeoutMs: 120_000, intervalMs: 10, what: 'jobs waiting in a queue' });
          // The worker stops (its running jobs end), the vendors' pushes all end at the api: nothing takes a job, so
          // the flush surely loses every job still queued, and the outbox's reconciler is the only way left to finish
          // their batches (the CI run of d5b7ada7 flushed just as the worker took the waiting jobs: they finished on
          // their own and the reconciler had nothing to re-queue).
          const [first] = s.workers;
          first!.child.kill('SIGTERM');
          await first!.exited;
          await pushing;
          waiting = await queued();
        } finally {
          redis.disconnect();
        }
        const open = await countRows(db, 'truc.batches', `status <> 'done'`);
        expect(waiting).toBeGreaterThan(0);
        const flushedAt = Date.now();
        await s.redis.flush();
        const after = s.startWorker();
        await waitFor(
          async () =>
            (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES &&
            (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
          { timeoutMs: 180_000, intervalMs: 250, what: 'every batch done and every push set delivered' },
        );
        console.log(
          `[faults] Redis flushed with ${waiting} jobs waiting, ${open} batches open: all done ` +
            `${Date.now() - flushedAt} ms after the flush`,
        );
        // The new worker's reconciler found the jobs the flush lost and queued them again from their outbox rows.
        expect(after.stdout()).toContain(REQUEUED);
        expect(await countRows(db, 'truc.batches')).toBe(vendors.length * BATCHES);
        expectEachStoredAndSentOnce(s, vendors.length, 'Redis flush with jobs waiting');
        expect(await countRows(db, 'truc.dead_letters')).toBe(0);
      }),
    TEST_TIMEOUT,
  );

  // The flush above starts a new worker after it; here the api and worker live through Redis killed (SIGKILL) and
  // started again empty (no RDB, no AOF), 3 s down. Once jobs of the vendors' wait, every queue is held (BullMQ pause
  // from the test), the pushes end at the api, the running jobs end and the relay has handed every outbox row over:
  // every open row's job then waits in Redis, not taken, and the kill loses them all, and the pauses. The same
  // processes must reconnect by themselves and the worker's reconciler queue the lost jobs again.
  it(
    'Redis killed and started again empty while vendors’ jobs wait in the queues: the same api and worker reconnect, re-queued from the outbox, every batch finishes once',
    () =>
      onPromptStack(
        async (s) => {
          const { vendors, pushing } = await tenVendorsPushing(s);
          const db = s.env.deps.db;
          const processes = [s.api, ...s.workers];
          const waiting = await holdQueuesWaiting(s, pushing);
          const open = await countRows(db, 'truc.batches', `status <> 'done'`);
          expect(waiting).toBeGreaterThan(0);
          expect(open).toBeGreaterThan(0);
          const killedAt = await s.redis.killAndStartEmpty(3_000);
          // Started again empty: the jobs that waited are gone (the reconciler waits 10 s before it queues one again).
          expect(
            await onQueues(s, (queues) => jobsIn(queues, NOT_TAKEN)),
            'jobs waiting after the restart',
          ).toBe(0);
          await waitFor(
            async () =>
              (await countRows(db, 'truc.batches', `status = 'done'`)) === vendors.length * BATCHES &&
              (await countRows(db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
            // within the scenario's 180 s, its start and hold (~15 s) and the 3 s down included
            {
              timeoutMs: 150_000 * SCALE,
              intervalMs: 250,
              what: 'every batch done and every push set delivered',
            },
          );
          console.log(
            `[faults] Redis killed 3 s and restarted empty with ${waiting} jobs waiting, ${open} batches open: all ` +
              `done ${Date.now() - killedAt} ms after the kill`,
          );
          // The same processes, never restarted, each heard the outage and its end (its connections answer again).
          expect([s.api, ...s.workers]).toEqual(processes);
          expect(processes.every(alive)).toBe(true);
          for (const p of processes) expectRedisOutageHeard(p);
          expect(s.workers[0]!.stdout()).toContain(REQUEUED);
          expect(await countRows(db, 'truc.batches')).toBe(vendors.length * BATCHES);
          expectEachStoredAndSentOnce(
            s,
            vendors.length,
            'Redis killed and restarted empty with jobs waiting',
          );
          expect(await countRows(db, 'truc.dead_letters')).toBe(0);
        },
        // info: the outage's end is logged at info.
        { LOG_LEVEL: 'info' },
      ),
    TEST_TIMEOUT,
  );
});
