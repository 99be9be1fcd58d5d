/**
 * Workers stopped within a deadline (src/jobs/worker-close.ts): BullMQ's `worker.close()` waited for
 * good when the worker's blocking connection was reconnecting (Redis down, or just restarted), and
 * `truc worker` exited 1 at its 25 s shutdown deadline. A close still waits for the jobs in flight; past
 * the grace, or once none runs and BullMQ's teardown hangs, the worker is left to the process exit. A
 * private redis-server (never the shared one) is killed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { redisQueueFactory } from '../../src/jobs/queues.js';
import type { RegisteredJob } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { Db } from '../../src/store/db.js';
import { waitFor } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { startOwnRedis, type OwnRedis } from '../helpers/faults.js';

describe('workers closed within a deadline', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await startOwnRedis();
  });
  afterAll(async () => {
    await own?.stop();
  });

  /** Workers of one queue whose job runs until `release()`; `started` counts the runs begun. */
  function workersOn(queue: string) {
    const { logger, lines } = captureLog();
    const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    const queues = redisQueueFactory(
      own.url,
      { attempts: 1, backoffMs: 10, keepCompleted: 10, keepFailed: 10, queuePrefix: 'truc-close' },
      logger,
    );
    let release = (): void => undefined;
    let fail = (): void => undefined;
    const held = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = () => reject(new Error('the pool is closed'));
    });
    const state = { started: 0, finished: 0, failed: 0 };
    const job = {
      queue,
      name: 'hold',
      concurrency: 1,
      run: async () => {
        state.started++;
        try {
          await held;
        } catch (err) {
          state.failed++;
          throw err;
        }
        state.finished++;
      },
    } as unknown as RegisteredJob;
    const workers = startWorkers(
      { db: {} as Db, logger, metrics: createMetrics(), queues, now: () => new Date() },
      { config, logger, metrics: createMetrics() } as unknown as WorkerContext,
      [job],
    );
    return { workers, queues, lines, state, release: () => release(), fail: () => fail() };
  }

  it('waits for the job in flight, then closes', async () => {
    const w = workersOn('close-busy');
    try {
      await w.workers.workers[0]!.waitUntilReady();
      const added = await w.queues.queue('close-busy').add('hold', {});
      await waitFor(() => w.state.started === 1, { what: 'the job to start' });
      let closed = false;
      const closing = w.workers.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false); // the job still runs
      w.release();
      await closing;
      expect(w.state.finished).toBe(1);
      expect(await w.queues.queue('close-busy').getJobState(added.id!)).toBe('completed');
      expect(w.lines.filter((l) => l.level === 'warn')).toEqual([]);
    } finally {
      w.release();
      await w.queues.close();
    }
  });

  it('closes while Redis is down (BullMQ’s close alone never returned): the worker is left to the process exit', async () => {
    const w = workersOn('close-down');
    try {
      const worker = w.workers.workers[0]!;
      await worker.waitUntilReady();
      // The worker passes on its connections' errors at each reconnection attempt.
      let errors = 0;
      worker.on('error', () => errors++);
      await own.kill();
      await waitFor(() => errors >= 4, { timeoutMs: 30_000, what: 'reconnection attempts' });
      await w.workers.close();
      const notClosed = () => w.lines.filter((l) => /^worker not closed/.test(String(l.msg)));
      expect(notClosed().map((l) => [l.queue, l.jobsRunning])).toEqual([['close-down', 0]]);
      await w.queues.close(); // the factory's connections too, Redis still down
    } finally {
      await own.start();
    }
  });

  it('a job still running past the grace is left running, and its failure then (the pool closed under it) is not reported', async () => {
    const w = workersOn('close-long');
    try {
      await w.workers.workers[0]!.waitUntilReady();
      const added = await w.queues.queue('close-long').add('hold', {});
      await waitFor(() => w.state.started === 1, { what: 'the job to start' });
      await w.workers.close(200);
      expect(w.state.finished).toBe(0);
      expect(await w.queues.queue('close-long').getJobState(added.id!)).toBe('active');
      // The process goes on closing: the job fails. Reported, it would be failed (attempts: 1), or a retry.
      w.fail();
      await waitFor(() => w.state.failed === 1, { what: 'the job to fail' });
      await new Promise((r) => setTimeout(r, 500));
      expect(await w.queues.queue('close-long').getJobState(added.id!)).toBe('active');
      expect(
        w.lines.filter((l) => /^worker not closed/.test(String(l.msg))).map((l) => [l.queue, l.jobsRunning]),
      ).toEqual([['close-long', 1]]);
    } finally {
      w.release();
      await w.queues.close();
    }
  });
});
