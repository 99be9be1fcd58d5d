/**
 * ops29: while a target's circuit is open every job of its queue is handed back, again and again. The worker
 * logged "job handed back to its queue: target paused" for each; now the pause is logged once when it starts
 * (the first call held back) and once when the target answers again, each hand-back counted by
 * truc_jobs_deferred_total. The worker's wrapper and the gate over a real in-memory database, a logger whose
 * lines the test reads back (a captured pino stream).
 */
import { RateLimitError, type Job as QueueJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../../src/errors.js';
import type { WorkerContext } from '../../../src/jobs/context.js';
import { defineJob } from '../../../src/jobs/define.js';
import { createDeliveryGates } from '../../../src/jobs/gates.js';
import { throughGate } from '../../../src/jobs/through-gate.js';
import { runQueueJob } from '../../../src/jobs/worker.js';
import { createDeliveryGatesRepo } from '../../../src/store/delivery-gates.js';
import { captureLog } from '../../helpers/log-lines.js';
import { useTestContext } from './fixtures.js';

const QUEUE = 'push.hcm-csdl';
const PAUSED = /^system paused/;
const BACK = /^system answers again/;

describe('a target paused: its hand-backs in the log', () => {
  const base = useTestContext();

  it('logs the pause once for N hand-backs, and once when the target answers again', async () => {
    const { logger, lines } = captureLog('info');
    const gates = createDeliveryGates({ db: base.db, config: base.config, logger, metrics: base.metrics });
    const ctx = { ...base, logger, gates } as WorkerContext;
    let up = false;
    const calls: number[] = [];
    const job = defineJob({
      queue: QUEUE,
      name: 'push-set',
      payload: z.object({ pushSetId: z.number().int() }),
      concurrency: 1,
      process: (c: WorkerContext) =>
        throughGate(c, 'hcm-csdl', async () => {
          calls.push(calls.length);
          if (!up) throw new AppError('ERR_ADAPTER_UNAVAILABLE', 'HTTP 503');
          return { ok: true };
        }),
    });
    const plan = { queue: QUEUE, jobs: new Map([[job.name, job]]) };
    const queueJob = {
      id: 'ob-1',
      name: 'push-set',
      data: { pushSetId: 1, outboxId: 1 },
      queueName: QUEUE,
      attemptsMade: 0,
      opts: {},
    } as unknown as QueueJob;
    const control = { token: 't', rateLimit: async () => undefined };
    const run = () => runQueueJob(plan, ctx, queueJob, control).catch((e: unknown) => e);

    // The target is down: each call fails until the threshold's opens the circuit (its job handed back).
    const threshold = base.config.sync.delivery.failureThreshold;
    for (let i = 0; i < threshold - 1; i++)
      expect(await run()).toMatchObject({ code: 'ERR_ADAPTER_UNAVAILABLE' });
    expect(await run()).toBeInstanceOf(RateLimitError);
    // Then N jobs met the open circuit: none reached the target, each was handed back.
    const N = 12;
    for (let i = 0; i < N; i++) expect(await run()).toBeInstanceOf(RateLimitError);
    expect(calls).toHaveLength(threshold);

    const deferred = (await base.metrics.jobsDeferred.get()).values.filter((v) => v.labels.queue === QUEUE);
    expect(deferred.reduce((n, v) => n + v.value, 0)).toBe(N + 1);
    const msgs = () => lines.map((l) => String(l.msg));
    expect(msgs().filter((m) => PAUSED.test(m))).toHaveLength(1);
    expect(lines.find((l) => PAUSED.test(String(l.msg)))).toMatchObject({
      system: 'hcm-csdl',
      reason: 'circuit-open',
    });
    expect(msgs().filter((m) => m.startsWith('job handed back'))).toEqual([]);
    expect(msgs().filter((m) => BACK.test(m))).toEqual([]);

    // The pause is over and the target is up: the probe is answered, the circuit closes, once each.
    await createDeliveryGatesRepo(base.db).update('hcm-csdl', (_s, now) => ({
      change: { pausedUntil: now },
      result: undefined,
    }));
    up = true;
    expect(await run()).toEqual({ ok: true });
    expect(await run()).toEqual({ ok: true });
    expect(msgs().filter((m) => BACK.test(m))).toHaveLength(1);
    expect(lines.find((l) => BACK.test(String(l.msg)))).toMatchObject({
      system: 'hcm-csdl',
      heldBack: N + 1,
    });
    expect(msgs().filter((m) => PAUSED.test(m))).toHaveLength(1);
  });
});
