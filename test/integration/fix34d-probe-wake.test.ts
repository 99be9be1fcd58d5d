/**
 * fix34d (issue 7 item 4): when a system's circuit closes, the process that closed it promotes the pulls waiting for
 * its probe (src/jobs/probe-wake.ts, fix33a). It promoted every delayed pull-page job of the system's runs, the
 * retries in their backoff too: a page that had just failed ran again at once, spending its next attempt early.
 * Now only the jobs delayed for the probe are promoted; a job promoted runs as it is, and a retry of it later in its
 * backoff is no longer one waiting for the probe.
 * Here a real BullMQ queue (on Redis, and in PostgreSQL) and the worker's own wrapper (src/jobs/worker.ts `runQueueJob`): one pull
 * delayed for the probe, the other failed and waiting out its backoff.
 */
import type { Job, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { pullPage } from '../../src/jobs/contract-table.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { defineJob, DeferJob } from '../../src/jobs/define.js';
import { wakePulls } from '../../src/jobs/probe-wake.js';
import { runQueueJob } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/observability/logger.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

describe.each([
  { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
  { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
] as const)('fix34d, the pulls woken when a circuit closes ($name)', (backend) => {
  let env: TestEnv;
  let queue: Queue;
  let worker: Worker | undefined;
  beforeAll(async () => {
    env = await makeDeps(backend);
    queue = env.deps.queues.queue(pullPage.queue);
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await env?.cleanup();
  });

  it('promotes the pulls delayed for the probe, not the retries in their backoff', async () => {
    const [waiting, retrying] = await Promise.all(
      [0, 1].map(() =>
        env.deps.db.tx((q) =>
          requestSync(q, {
            system: 'hcm-csdl',
            entity: 'students',
            full: true,
            requestedBy: 'test',
            at: new Date(),
          }),
        ),
      ),
    );
    // The page of `waiting` meets the probe at its first run; every other run of a page fails (the source flaky).
    const runs = new Map<number, number>();
    const page = defineJob({
      queue: pullPage.queue,
      name: pullPage.name,
      payload: z.object({ syncRunId: z.number(), page: z.number() }),
      concurrency: 1,
      process: async (_ctx: unknown, p) => {
        const n = (runs.get(p.syncRunId) ?? 0) + 1;
        runs.set(p.syncRunId, n);
        if (p.syncRunId === waiting && n === 1)
          throw new DeferJob(600_000, 'job', 'probe', { system: 'hcm-csdl' });
        throw new AppError('ERR_ADAPTER_UNAVAILABLE', 'hcm-csdl page failed: HTTP 503');
      },
    });
    const ctx = {
      config: env.config,
      db: env.deps.db,
      logger: createLogger('silent'),
      metrics: env.deps.metrics,
      gates: { probing: async () => true },
    } as unknown as WorkerContext;
    const plan = { queue: pullPage.queue, jobs: new Map([[page.name, page]]) };
    worker = env.deps.queues.worker(pullPage.queue, (job, token) => runQueueJob(plan, ctx, job, { token }), {
      concurrency: 1,
    });
    const opts = { attempts: 3, backoff: { type: 'fixed', delay: 600_000 } };
    await queue.add(pullPage.name, { syncRunId: waiting, page: 0 }, { ...opts, jobId: 'waiting' });
    await queue.add(pullPage.name, { syncRunId: retrying, page: 0 }, { ...opts, jobId: 'retrying' });
    const delayed = async (): Promise<Job[]> => queue.getDelayed();
    await waitFor(async () => (await delayed()).length === 2, { timeoutMs: 20_000, what: 'both delayed' });
    expect((await queue.getJob('retrying'))?.attemptsMade).toBe(1);

    const notWoken: unknown[] = [];
    const onError = (err: unknown) => notWoken.push(err);
    // Red before: 2 (the retry in its backoff promoted too, run at once).
    expect(await wakePulls(queue, 'hcm-csdl', onError)).toBe(1);
    expect(await queue.getJobState('retrying')).toBe('delayed');
    // The woken page runs, fails, and waits out its backoff: the next close leaves it there.
    await waitFor(async () => (await queue.getJob('waiting'))?.attemptsMade === 1, {
      timeoutMs: 20_000,
      what: 'the woken page to run and fail',
    });
    await waitFor(async () => (await queue.getJobState('waiting')) === 'delayed', {
      timeoutMs: 20_000,
      what: 'the woken page in its backoff',
    });
    expect(await wakePulls(queue, 'hcm-csdl', onError)).toBe(0);
    expect(notWoken).toEqual([]);
    expect(runs).toEqual(
      new Map([
        [waiting, 2],
        [retrying, 1],
      ]),
    );
  }, 60_000);
});
