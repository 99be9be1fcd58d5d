/**
 * Workers: one BullMQ Worker per queue, each job run through one wrapper that times it, logs it
 * (ids only), maps our errors to BullMQ's retry semantics and, when a job fails for good, writes a
 * dead letter and marks its outbox row dead — in PostgreSQL, where operators can list and replay it.
 */
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import { isAppError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Db } from '../store/db.js';
import { recordDeadLetter } from './dead-letters.js';
import type { QueueFactory } from './queues.js';

export type JobHandler = (data: Record<string, unknown>, job: Job) => Promise<unknown>;

export interface WorkerDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  queues: QueueFactory;
}

export interface QueueSpec {
  queue: string;
  handlers: Record<string, JobHandler>;
  concurrency: number;
  /** Global rate limit for the queue (all workers together), e.g. a target's budget. */
  limiter?: { max: number; duration: number };
}

function codeOf(err: Error): string {
  if (isAppError(err)) return err.code;
  return err.name === 'UnrecoverableError' ? err.message.split(':')[0]! : 'ERR_INTERNAL';
}

export function startWorkers(
  deps: WorkerDeps,
  specs: readonly QueueSpec[],
): { close(): Promise<void>; workers: Worker[] } {
  const workers = specs.map((spec) => {
    const worker = deps.queues.worker(
      spec.queue,
      async function run(job: Job) {
        const handler = spec.handlers[job.name];
        if (!handler) throw new UnrecoverableError(`ERR_INTERNAL: no handler for job ${job.name}`);
        const end = deps.metrics.jobDuration.startTimer({ queue: spec.queue });
        try {
          const out = await handler(job.data as Record<string, unknown>, job);
          deps.metrics.jobsProcessed.inc({ queue: spec.queue, outcome: 'completed' });
          return out ?? null;
        } catch (err) {
          const permanent = isAppError(err) && !err.retryable;
          deps.logger.warn(
            {
              queue: spec.queue,
              job: job.name,
              jobId: job.id,
              attempt: job.attemptsMade + 1,
              code: isAppError(err) ? err.code : 'ERR_INTERNAL',
              msg: (err as Error).message.slice(0, 200),
            },
            permanent ? 'job failed permanently' : 'job failed; will retry',
          );
          // A permanent error (bad data, 4xx) goes to the dead letters at once; no attempts burnt.
          if (permanent) throw new UnrecoverableError(`${err.code}: ${err.message}`);
          throw err;
        } finally {
          end();
        }
      },
      {
        concurrency: spec.concurrency,
        ...(spec.limiter ? { limiter: spec.limiter } : {}),
        lockDuration: 30_000,
      },
    );
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      deps.metrics.jobsProcessed.inc({ queue: spec.queue, outcome: final ? 'dead' : 'retried' });
      if (final) {
        const { outboxId, ...payload } = job.data as Record<string, unknown>;
        recordDeadLetter(deps.db, {
          outboxId: Number.isFinite(Number(outboxId)) ? Number(outboxId) : undefined,
          queue: job.queueName,
          name: job.name,
          jobId: job.id,
          payload,
          code: codeOf(err),
          message: err.message,
          attempts: job.attemptsMade,
        }).catch((e: unknown) =>
          deps.logger.error({ err: e, jobId: job.id }, 'could not record dead letter'),
        );
      }
    });
    worker.on('error', (err) => deps.logger.error({ err }, `worker error on ${spec.queue}`));
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.allSettled(workers.map((w) => w.close()));
    },
  };
}
