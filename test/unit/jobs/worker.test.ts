/**
 * The job shape and the worker's wrapper, without a queue: a payload is parsed against its contract
 * before the processor runs; the outbox id travels beside the payload; permanent failures become
 * BullMQ UnrecoverableErrors that keep their code as a field; the registry plans one worker per queue.
 */
import { DelayedError, RateLimitError, UnrecoverableError, type Job as QueueJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SYSTEMS } from '../../../src/canonical/systems.js';
import { loadConfig, SYSTEM_NAMES } from '../../../src/config.js';
import { QUEUE_NAMES } from '../../../src/jobs/contracts.js';
import type { WorkerContext } from '../../../src/jobs/context.js';
import {
  DeferJob,
  defineJob,
  failureCode,
  PermanentJobError,
  type JobRun,
} from '../../../src/jobs/define.js';
import { jobsFor, planQueues, type RegisteredJob } from '../../../src/jobs/registry.js';
import { runQueueJob } from '../../../src/jobs/worker.js';
import { createPgDb } from '../../../src/store/db.js';
import { AppError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { fakeTarget } from './fixtures.js';

const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
const ctx = { config, logger: createLogger('silent'), metrics: createMetrics() } as unknown as WorkerContext;

function echoJob(fail?: () => never) {
  const seen: Array<{ payload: unknown; job: JobRun }> = [];
  const job = defineJob({
    queue: 'echo',
    name: 'echo',
    payload: z.object({ thingId: z.number().int() }),
    concurrency: 3,
    process: async (_ctx: unknown, payload, run) => {
      seen.push({ payload, job: run });
      if (fail) fail();
      return { ok: payload.thingId };
    },
  });
  return { job, seen };
}

const queueJob = (data: unknown, name = 'echo') =>
  ({ id: 'ob-x-7', name, data, queueName: 'echo', attemptsMade: 0, opts: {} }) as unknown as QueueJob;

const plan = (job: RegisteredJob) => ({ queue: job.queue, jobs: new Map([[job.name, job]]) });

describe('a job run by the worker', () => {
  it('gets its parsed payload, and the outbox id beside it', async () => {
    const { job, seen } = echoJob();
    expect(await runQueueJob(plan(job), ctx, queueJob({ thingId: 4, outboxId: 7 }))).toEqual({ ok: 4 });
    expect(seen).toEqual([
      {
        payload: { thingId: 4 },
        job: {
          id: 'ob-x-7',
          queue: 'echo',
          name: 'echo',
          attempt: 1,
          outboxId: 7,
          deferUntil: expect.any(Function),
        },
      },
    ]);
  });

  it('a job that defers itself is moved to delayed with its lock token, without a failed attempt', async () => {
    const moved: Array<[number, string | undefined]> = [];
    const job = defineJob({
      queue: 'echo',
      name: 'echo',
      payload: z.object({ thingId: z.number().int() }),
      concurrency: 1,
      process: async (_ctx: unknown, _payload, run) => run.deferUntil!(Date.now() + 60_000),
    });
    const qj = {
      ...(queueJob({ thingId: 1 }) as object),
      moveToDelayed: async (at: number, token?: string) => void moved.push([at, token]),
    } as unknown as QueueJob;
    const err = await runQueueJob(plan(job), ctx, qj, { token: 'lock-token' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DelayedError);
    expect(moved).toHaveLength(1);
    expect(moved[0]![0]).toBeGreaterThan(Date.now());
    expect(moved[0]![1]).toBe('lock-token');
  });

  it('a payload that breaks the contract fails for good before the processor runs', async () => {
    const { job, seen } = echoJob();
    const err = await runQueueJob(plan(job), ctx, queueJob({ thingId: 'four', outboxId: 7 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err).toMatchObject({ name: 'PermanentJobError', code: 'ERR_JOB_PAYLOAD_INVALID' });
    expect(seen).toEqual([]);
  });

  it('a permanent AppError keeps its code as a field and the original error as cause', async () => {
    const refused = new AppError('ERR_ADAPTER_REJECTED', 'HTTP 400 from the target');
    const { job } = echoJob(() => {
      throw refused;
    });
    const err = (await runQueueJob(plan(job), ctx, queueJob({ thingId: 1 })).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err).toMatchObject({ code: 'ERR_ADAPTER_REJECTED', cause: refused });
    expect(failureCode(err)).toBe('ERR_ADAPTER_REJECTED');
  });

  it('a transient failure is rethrown as it is, for BullMQ to retry', async () => {
    const unavailable = new AppError('ERR_ADAPTER_UNAVAILABLE', 'HTTP 503');
    const { job } = echoJob(() => {
      throw unavailable;
    });
    await expect(runQueueJob(plan(job), ctx, queueJob({ thingId: 1 }))).rejects.toBe(unavailable);
    expect(failureCode(new Error('socket hang up'))).toBe('ERR_INTERNAL');
  });

  it('a job name the queue does not serve fails for good', async () => {
    const { job } = echoJob();
    await expect(runQueueJob(plan(job), ctx, queueJob({ thingId: 1 }, 'other'))).rejects.toMatchObject({
      code: 'ERR_JOB_UNKNOWN',
    });
  });
});

describe('a job that cannot run now (its target is paused)', () => {
  const deferring = (scope: 'queue' | 'job') =>
    echoJob(() => {
      throw new DeferJob(1500, scope, 'retry-after');
    }).job;

  it('pauses its whole queue (scope queue) and goes back unrun, spending no attempt', async () => {
    const limited: number[] = [];
    const err = await runQueueJob(plan(deferring('queue')), ctx, queueJob({ thingId: 1, outboxId: 7 }), {
      token: 't',
      rateLimit: async (ms) => {
        limited.push(ms);
      },
    }).catch((e: unknown) => e);
    expect(limited).toEqual([1500]);
    expect(err).toBeInstanceOf(RateLimitError); // BullMQ moves it back to wait without an attempt
  });

  it('alone is delayed (scope job), spending no attempt', async () => {
    const moved: Array<{ at: number; token: string | undefined }> = [];
    const job = {
      ...queueJob({ thingId: 1, outboxId: 7 }),
      moveToDelayed: async (at: number, token?: string) => {
        moved.push({ at, token });
      },
    } as unknown as QueueJob;
    const before = Date.now();
    const err = await runQueueJob(plan(deferring('job')), ctx, job, { token: 'tok' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DelayedError);
    expect(moved).toHaveLength(1);
    expect(moved[0]!.token).toBe('tok');
    expect(moved[0]!.at).toBeGreaterThanOrEqual(before + 1500);
  });
});

/**
 * fix33a: a job handed back for its system's probe looks at the gate once it waits: when the probe's close came
 * between the gate's answer and the wait (it woke the waiting jobs before this one), the job wakes itself instead of
 * waiting out the probe's lease (red without: the queue stays paused for the lease, the job delayed).
 */
describe('a job handed back for a probe that is over by the time it waits', () => {
  const forProbe = (scope: 'queue' | 'job') =>
    echoJob(() => {
      throw new DeferJob(600_000, scope, 'probe', { system: 'hcm-csdl' });
    }).job;
  const gated = (probing: boolean) =>
    ({ ...ctx, gates: { probing: async () => probing } }) as unknown as WorkerContext;

  it('its queue (scope queue) is woken at once; while the probe is out it stays paused', async () => {
    for (const probing of [false, true]) {
      const limited: number[] = [];
      const rateLimit = async (ms: number) => void limited.push(ms);
      const err = await runQueueJob(plan(forProbe('queue')), gated(probing), queueJob({ thingId: 1 }), {
        token: 't',
        rateLimit,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitError);
      expect(limited, `probing ${probing}`).toEqual(probing ? [600_000] : [600_000, 1]);
    }
  });

  it('the job (scope job) is promoted at once; while the probe is out it stays delayed', async () => {
    for (const probing of [false, true]) {
      let promoted = 0;
      const data: unknown[] = [];
      const job = {
        ...queueJob({ thingId: 1, outboxId: 7 }),
        moveToDelayed: async () => undefined,
        promote: async () => void promoted++,
        updateData: async (d: unknown) => void data.push(d),
      } as unknown as QueueJob;
      const err = await runQueueJob(plan(forProbe('job')), gated(probing), job, { token: 't' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DelayedError);
      expect(promoted, `probing ${probing}`).toBe(probing ? 0 : 1);
      // fix34d: it says in its data that it waits for the probe (./probe-wake.ts wakes those alone).
      expect(data).toEqual([{ thingId: 1, outboxId: 7, waitsForProbe: 'hcm-csdl' }]);
    }
  });

  it('fix34d: a job that waited for the probe is no longer marked so once it starts, and never sees the mark', async () => {
    const { job: echo, seen } = echoJob();
    const data: unknown[] = [];
    const job = {
      ...queueJob({ thingId: 1, outboxId: 7, waitsForProbe: 'hcm-csdl' }),
      updateData: async (d: unknown) => void data.push(d),
    } as unknown as QueueJob;
    expect(await runQueueJob(plan(echo), ctx, job, { token: 't' })).toEqual({ ok: 1 });
    expect(data).toEqual([{ thingId: 1, outboxId: 7 }]);
    expect(seen[0]?.payload).toEqual({ thingId: 1 });
  });
});

describe('a job whose database connection failed', () => {
  /** A database that answers now (the outage just ended): its ping succeeds. */
  const answering = {
    ...ctx,
    db: { query: async () => ({ rows: [], rowCount: 1 }) },
  } as unknown as WorkerContext;
  const delayable = (moved: number[]) =>
    ({
      ...queueJob({ thingId: 1, outboxId: 7 }),
      moveToDelayed: async (at: number) => void moved.push(at),
    }) as unknown as QueueJob;
  const failingWith = (err: unknown) =>
    echoJob(() => {
      throw err;
    }).job;

  it('could not connect (the outage still on when it tried): waits for the database even if the ping after finds it back', async () => {
    // Nothing listens on port 1: the pool's connect is refused.
    const gone = createPgDb('postgres://truc@127.0.0.1:1/none', 'postgres', { max: 1 });
    const refused = await gone.query('SELECT 1').catch((e: unknown) => e);
    await gone.close();
    const moved: number[] = [];
    const err = await runQueueJob(plan(failingWith(refused)), answering, delayable(moved), {
      token: 't',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DelayedError); // no attempt spent
    expect(moved).toHaveLength(1);
  });

  it('lost it under a statement while the database answers again: an ordinary retry', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const moved: number[] = [];
    const err = await runQueueJob(plan(failingWith(lost)), answering, delayable(moved), { token: 't' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBe(lost);
    expect(moved).toEqual([]);
  });
});

describe('the registry', () => {
  it('lists ingest, pull, reconcile, a held run weighing resumed, the guard apply, one push job per configured target, the PCGD report, the webhook, the quality scorecards, the website probe and the change feed purge jobs', () => {
    const jobs = jobsFor({ targets: { 'hcm-csdl': fakeTarget('hcm-csdl', ['students']) } });
    expect(jobs.map((j) => `${j.queue}/${j.name}`)).toEqual([
      'ingest/ingest-batch',
      'pull/pull-page',
      'pull/reconcile-run',
      'pull/weigh-hold',
      'ingest/guard-apply',
      'push.hcm-csdl/push-set',
      'pcgd/pcgd-compute',
      'push.moet-pcgd/pcgd-submit',
      'webhooks/webhook-fanout',
      'webhooks/webhook-deliver',
      'quality/quality-scorecards',
      'schedules/schedule-fire',
      'website-probe/website-probe',
      'change-purge/change-purge',
    ]);
    const plans = planQueues(jobs, config);
    expect(plans.map((p) => [p.queue, p.concurrency, p.limiter])).toEqual([
      ['ingest', config.jobs.concurrency, undefined],
      ['pull', 2, undefined],
      [
        'push.hcm-csdl',
        Math.min(config.jobs.concurrency, 2),
        {
          max: config.systems['hcm-csdl'].rateLimit.max,
          duration: config.systems['hcm-csdl'].rateLimit.durationMs,
        },
      ],
      ['pcgd', 1, undefined],
      [
        'push.moet-pcgd',
        1,
        {
          max: config.systems['moet-pcgd'].rateLimit.max,
          duration: config.systems['moet-pcgd'].rateLimit.durationMs,
        },
      ],
      ['webhooks', 8, undefined],
      ['quality', 1, undefined],
      ['schedules', 1, undefined],
      ['website-probe', 1, undefined],
      ['change-purge', 1, undefined],
    ]);
  });

  it("the job table's queue names are the queues of every job, with a push job for every system that takes pushes", () => {
    const pushing = SYSTEM_NAMES.filter((s) => SYSTEMS[s].push.length > 0);
    const targets = Object.fromEntries(pushing.map((s) => [s, fakeTarget(s, ['students'])]));
    const queues = new Set(jobsFor({ targets }).map((j) => j.queue));
    expect(QUEUE_NAMES).toEqual([...queues].sort());
  });

  it('jobs sharing a queue share one worker', () => {
    const a = echoJob().job;
    const b = { ...echoJob().job, name: 'echo-2', concurrency: 5 };
    expect(planQueues([a, b], config)).toEqual([
      {
        queue: 'echo',
        jobs: new Map([
          ['echo', a],
          ['echo-2', b],
        ]),
        concurrency: 5,
        limiter: undefined,
      },
    ]);
  });
});
