/**
 * Workers: one BullMQ Worker per queue of the registry, each job run through one wrapper that times
 * it, logs it (ids only), maps our errors to BullMQ's retry semantics and, when a job fails for good,
 * writes a dead letter and marks its outbox row dead — in PostgreSQL, where operators can list and
 * replay it.
 */
import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import type { Job as QueueJob, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { safeMessage, withSafeWords } from '../observability/error-words.js';
import type { Metrics } from '../observability/metrics.js';
import { pingDatabase, type Db } from '../store/db.js';
import { couldNotConnect, isConnectionLost, isDatabaseRefusing } from '../store/db-errors.js';
import type { WorkerContext } from './context.js';
import { pullPage } from './contract-table.js';
import { recordDeadLetter } from './dead-letters.js';
import { DeferJob, failureCode, isPermanent, PermanentJobError, type JobRun } from './define.js';
import { ENDPOINT_WAIT, endpointWaitOf, PROBE_WAIT, probeWaitOf } from './probe-wake.js';
import {
  gatedSystem,
  markProbeWait,
  PROBE_WAKE_MS,
  unlessEndpointOver,
  unlessProbeOver,
  wakeOnClose,
} from './gate-waits.js';
import { isConnectionError, postgresQueueOutageLog, queuePool, type QueueFactory } from './queues.js';
import { planQueues, type QueuePlan, type RegisteredJob } from './registry.js';
import { closeWithin, jobsInFlight, type JobsInFlight } from './worker-close.js';

export interface WorkerDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  queues: QueueFactory;
  /** The clock a dead letter's audit entry is stamped with. */
  now: () => Date;
}

/** The job's data without the relay's `outboxId` and the worker's mark of a probe waited for, and that id. */
function splitData(data: unknown): { payload: Record<string, unknown>; outboxId: number | undefined } {
  const {
    outboxId,
    [PROBE_WAIT]: _probe,
    [ENDPOINT_WAIT]: _endpoint,
    ...payload
  } = (data ?? {}) as Record<string, unknown>;
  return { payload, outboxId: Number.isSafeInteger(outboxId) ? (outboxId as number) : undefined };
}

function runOf(job: QueueJob, outboxId: number | undefined, token: string | undefined): JobRun {
  return {
    id: job.id,
    queue: job.queueName,
    name: job.name,
    attempt: job.attemptsMade + 1,
    outboxId,
    async deferUntil(atMs: number): Promise<never> {
      await delayJob(job, atMs, token);
      throw new DelayedError();
    },
  };
}

/**
 * The one way a job is moved to delayed (JobRun.deferUntil and DeferJob): at a whole ms, never in the past.
 * The PostgreSQL queue backend writes the time into a bigint and refuses a fraction (review28 F7: a
 * webhook's jittered backoff dead-lettered every delivery to a receiver that was down).
 */
async function delayJob(job: QueueJob, atMs: number, token: string | undefined): Promise<void> {
  await job.moveToDelayed(Math.ceil(Math.max(atMs, Date.now())), token);
}

/** What the worker lends a job to hand itself back to the queue (see DeferJob). */
export interface JobControl {
  /** The job's lock token. */
  token?: string | undefined;
  /** Pauses the job's whole queue for `ms` (BullMQ's manual rate limit, shared by every worker). */
  rateLimit?: (ms: number) => Promise<void>;
}

/**
 * A deferred job goes back to its queue without spending an attempt: its whole queue pauses (scope
 * 'queue') or it alone is delayed (scope 'job'). Without a worker's control (tests) the DeferJob
 * propagates as is.
 */
async function defer(
  ctx: WorkerContext,
  job: QueueJob,
  err: DeferJob,
  control: JobControl | undefined,
): Promise<never> {
  ctx.metrics.jobsDeferred.inc({ queue: job.queueName, reason: err.reason });
  // Debug only (ops29): while a target is paused every job of its queue comes back here, again and again; the
  // pause is logged once by its gate (./gate-holds.ts), and the counter above counts each hand-back.
  ctx.logger.debug(
    { queue: job.queueName, jobId: job.id, delayMs: Math.round(err.delayMs), reason: err.reason },
    'job handed back to its queue',
  );
  if (!control) throw err;
  const delay = Math.max(1, Math.ceil(err.delayMs));
  if (err.scope === 'queue' && control.rateLimit) {
    const { rateLimit } = control;
    await rateLimit(delay);
    await unlessProbeOver(ctx, err, () => rateLimit(1));
    throw new RateLimitError();
  }
  if (err.endpoint !== undefined) await markProbeWait(ctx, job, { [ENDPOINT_WAIT]: err.endpoint });
  else if (err.reason === 'probe' && err.system !== undefined)
    await markProbeWait(ctx, job, { [PROBE_WAIT]: err.system });
  await delayJob(job, Date.now() + delay, control.token);
  await unlessProbeOver(ctx, err, () => job.promote());
  await unlessEndpointOver(ctx, err, () => job.promote());
  throw new DelayedError();
}

/** How long a job waits for the database when its connection was lost. */
const DATABASE_WAIT_MS = 2_000;

/**
 * The job failed because the database was unreachable (a restart, a network cut): its connection could
 * not be made, or was lost and the database does not answer now. The job waits for it instead of spending
 * an attempt, so an outage longer than the retries' backoff dead-letters nothing. A failed connect is
 * decided by itself, not by the ping after it: a job that met the outage's last moment found the database
 * down even when the ping a moment later finds it back (seen under load: a "retried" at the end of a cut).
 * A statement's connection lost while the database answers again is an ordinary retry.
 */
async function databaseDown(ctx: Pick<WorkerContext, 'db'>, err: unknown): Promise<boolean> {
  if (!isConnectionLost(err)) return false;
  if (couldNotConnect(err)) return true;
  try {
    await pingDatabase(ctx.db);
    return false;
  } catch {
    return true;
  }
}

/** How long a job waits when the database refused its work (its disk full, read-only): review35a F6. */
const DATABASE_REFUSING_WAIT_MS = 30_000;

/**
 * The database answered but refused the job's work for a reason of its own ({@link isDatabaseRefusing}: its disk
 * full, read-only after a failover): the job waits and runs again without spending an attempt, as for a database
 * that is down, so a full disk dead-letters nothing; logged at warn with the SQLSTATE each time, for the admin.
 */
function deferRefused(
  ctx: WorkerContext,
  job: QueueJob,
  err: unknown,
  control: JobControl | undefined,
): Promise<never> {
  const sqlState = (err as { code?: unknown }).code;
  ctx.logger.warn(
    { queue: job.queueName, job: job.name, jobId: job.id, sqlState, reason: safeMessage(err).slice(0, 200) },
    'database refuses the work; the job waits',
  );
  return defer(
    ctx,
    job,
    new DeferJob(DATABASE_REFUSING_WAIT_MS, 'job', 'database-refusing', { cause: err }),
    control,
  );
}

/**
 * Runs one queue job with the registered job of its name. A permanent failure (bad data, a 4xx, a
 * payload that breaks the contract) is rethrown as a PermanentJobError, which BullMQ does not retry;
 * anything else is retried with backoff.
 */
export async function runQueueJob(
  plan: Pick<QueuePlan, 'queue' | 'jobs'>,
  ctx: WorkerContext,
  job: QueueJob,
  control?: JobControl,
): Promise<unknown> {
  const registered: RegisteredJob | undefined = plan.jobs.get(job.name);
  if (!registered) throw new PermanentJobError('ERR_JOB_UNKNOWN', `no job ${job.name} on ${plan.queue}`);
  const { payload, outboxId } = splitData(job.data);
  // No longer waiting for the probe: a close met while it waits out a retry's backoff leaves it there (fix34d).
  if (control && (probeWaitOf(job.data) ?? endpointWaitOf(job.data)) !== undefined)
    await markProbeWait(ctx, job, undefined);
  const end = ctx.metrics.jobDuration.startTimer({ queue: plan.queue });
  try {
    const out = await registered.run(ctx, payload, runOf(job, outboxId, control?.token));
    ctx.metrics.jobsProcessed.inc({ queue: plan.queue, outcome: 'completed' });
    return out ?? null;
  } catch (err) {
    if (err instanceof DeferJob) return defer(ctx, job, err, control);
    if (await databaseDown(ctx, err))
      return defer(ctx, job, new DeferJob(DATABASE_WAIT_MS, 'job', 'database', { cause: err }), control);
    if (isDatabaseRefusing(err)) return deferRefused(ctx, job, err, control);
    // A job that deferred itself (JobRun.deferUntil) is waiting, not failing.
    if (err instanceof DelayedError) {
      ctx.metrics.jobsProcessed.inc({ queue: plan.queue, outcome: 'deferred' });
      throw err;
    }
    const permanent = isPermanent(err);
    const code = failureCode(err);
    ctx.logger.warn(
      {
        queue: plan.queue,
        job: job.name,
        jobId: job.id,
        attempt: job.attemptsMade + 1,
        code,
        // Its words as a log may hold them (pino's `msg` is the line's own message: it would hide them).
        reason: safeMessage(err).slice(0, 200),
      },
      permanent ? 'job failed permanently' : 'job failed; will retry',
    );
    // A permanent error goes to the dead letters at once; no attempts burnt. BullMQ keeps its message
    // and stack (failedReason, stacktrace: in Redis, or the PostgreSQL backend's job table, for days):
    // the words a log may hold, never the values the job worked on; its class and fields unchanged.
    if (permanent && !(err instanceof PermanentJobError)) {
      throw new PermanentJobError(code, safeMessage(err), { cause: err });
    }
    throw withSafeWords(err);
  } finally {
    end();
  }
}

/** After a failure: a dead letter when no attempt is left (or it was permanent), else a retry. */
function onFailed(deps: WorkerDeps, job: QueueJob | undefined, err: Error): void {
  if (!job) return;
  // UnrecoverableError without our code: BullMQ's own (a job started more than sync.worker.maxStarts).
  const unrecoverable = err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
  const final = unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1);
  deps.metrics.jobsProcessed.inc({ queue: job.queueName, outcome: final ? 'dead' : 'retried' });
  if (!final) return;
  const { payload, outboxId } = splitData(job.data);
  recordDeadLetter(deps.db, {
    outboxId,
    queue: job.queueName,
    name: job.name,
    jobId: job.id,
    payload,
    code:
      unrecoverable && !(err instanceof PermanentJobError) ? 'ERR_JOB_STARTS_EXHAUSTED' : failureCode(err),
    message: safeMessage(err),
    attempts: job.attemptsMade,
    at: deps.now(),
  }).catch((e: unknown) => deps.logger.error({ err: e, jobId: job.id }, 'could not record dead letter'));
}

/**
 * How long a stopping worker waits for its jobs in flight (within the CLI's 25 s shutdown deadline), and
 * then for BullMQ's teardown (./worker-close.ts).
 */
const CLOSE_GRACE_MS = 15_000;
const CLOSE_SETTLE_MS = 2_000;

/**
 * Starts one BullMQ worker per queue the jobs are served on. `close` stops them all within
 * `graceMs` (default {@link CLOSE_GRACE_MS}) plus a short settle, whatever state Redis is in.
 */
export function startWorkers(
  deps: WorkerDeps,
  ctx: WorkerContext,
  jobs: readonly RegisteredJob[],
): { close(graceMs?: number): Promise<void>; workers: Worker[] } {
  const timing = ctx.config.sync.worker;
  const running = new Map<Worker, JobsInFlight>();
  const dbOutage = deps.queues.backend === 'postgres' ? postgresQueueOutageLog(deps.logger) : undefined;
  const workers = planQueues(jobs, ctx.config).map((plan) => {
    const inFlight = jobsInFlight();
    const control = (token: string | undefined): JobControl => ({
      token,
      rateLimit: (ms) => worker.rateLimit(ms),
    });
    const worker: Worker = deps.queues.worker(
      plan.queue,
      (job, token) => inFlight.run(() => runQueueJob(plan, ctx, job, control(token))),
      {
        concurrency: plan.concurrency,
        ...(plan.limiter ? { limiter: plan.limiter } : {}),
        // A killed worker's jobs are taken over about lockMs + 2 × stalledIntervalMs later.
        lockDuration: timing.lockMs,
        stalledInterval: timing.stalledIntervalMs,
        // Attempts plus the starts handed back unrun while a target was paused.
        maxStartedAttempts: ctx.config.jobs.attempts + timing.maxStarts,
        // A push queue paused for its target's probe is woken when the probe closes the circuit (wakeOnClose):
        // its workers look again within a second, as they did when the wait was a second at most (review32 F1).
        ...(gatedSystem(plan.queue) ? { maximumRateLimitDelay: PROBE_WAKE_MS } : {}),
      },
    );
    worker.on('failed', (job, err) => onFailed(deps, job, err));
    worker.on('error', (err) => {
      // A Redis connection's error is passed on at every reconnection attempt; the connection itself
      // reports the outage once (queues.ts redisOutageLog). A refusal of PostgreSQL (queues in the
      // database) at every try of the worker's: reported to the process's workers' one log.
      if (isConnectionError(err)) {
        dbOutage?.failed(err, plan.queue);
        return;
      }
      deps.logger.error({ err }, `worker error on ${plan.queue}`);
    });
    // Started, or fetching again after a failure (src/jobs/pg-worker.ts).
    if (dbOutage) worker.on('ready', () => dbOutage.ok(plan.queue));
    running.set(worker, inFlight);
    return worker;
  });
  // Only a process that calls external systems closes their circuits: its push queues or its pull queue. A worker
  // serving neither (a role's subset, a test's own queue with a context without gates) has nothing to wake.
  const calls = workers.some((w) => gatedSystem(w.name) !== undefined || w.name === pullPage.queue);
  const pulls = queuePool(deps.queues);
  const stopWaking = calls ? wakeOnClose(ctx, workers, pulls) : () => undefined;
  return {
    workers,
    async close(graceMs = CLOSE_GRACE_MS) {
      // A job finishing meanwhile may close a circuit: its waiters, here or in other processes, are woken still.
      await Promise.all(
        workers.map(async (w) => {
          const inFlight = running.get(w)!;
          const outcome = await closeWithin(w, inFlight, { graceMs, settleMs: CLOSE_SETTLE_MS });
          if (outcome === 'left')
            deps.logger.warn(
              { queue: w.name, jobsRunning: inFlight.count },
              'worker not closed in time (Redis reconnecting, or jobs still running); left to the process exit, its jobs taken over once their locks lapse',
            );
        }),
      );
      stopWaking();
      await pulls.closeAll();
    },
  };
}
