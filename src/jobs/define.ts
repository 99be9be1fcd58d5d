/**
 * The one shape of a job: a contract (queue, name, zod payload: see ./contracts.ts) plus how it is
 * served (concurrency, an optional rate limit for its queue) and its processor. `defineJob` adds
 * `run`, which parses the payload before the processor sees it: a payload that does not match the
 * contract is a permanent failure. Every job module exports one definition; ./registry.ts lists them.
 */
import { UnrecoverableError } from 'bullmq';
import type { Config } from '../config.js';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import type { JobContract } from './contracts.js';
import type { WorkerContext } from './context.js';

/** What a processor knows of the queue job it runs: ids and bookkeeping, never data. */
export interface JobRun {
  /** BullMQ's job id (deterministic: derived from the outbox row). */
  readonly id: string | undefined;
  readonly queue: string;
  readonly name: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * The outbox row the job was made from (the relay adds it beside the payload). The processor
   * closes it in the transaction of its effects; a job not made from a row (a scheduled one) has none.
   */
  readonly outboxId: number | undefined;
  /**
   * Puts the job back to wait until `atMs` (epoch ms) without counting an attempt, e.g. until an external
   * system's submission window opens or its Retry-After passes; never returns. Absent outside a worker.
   */
  readonly deferUntil?: (atMs: number) => Promise<never>;
}

/** A global rate limit of a queue: at most `max` jobs per `duration` ms across every worker. */
export interface Limiter {
  readonly max: number;
  readonly duration: number;
}

export interface JobDefinition<P, C, R = unknown> extends JobContract<P> {
  /** Jobs at once per worker process, or a function of the configuration. */
  readonly concurrency: number | ((config: Config) => number);
  /** Rate limit of the job's queue (e.g. a target's budget), from the configuration. */
  readonly limiter?: (config: Config) => Limiter;
  /** Does the work. `ctx` is the part of the worker's context the job needs. Idempotent. */
  readonly process: (ctx: C, payload: P, job: JobRun) => Promise<R>;
}

/** A job as the worker serves it: the payload is checked by `run`, not by the caller. */
export interface Job<P = unknown, C = WorkerContext, R = unknown> extends JobDefinition<P, C, R> {
  run(ctx: C, data: unknown, job: JobRun): Promise<R>;
}

/** Makes a job from its definition; see the module comment. */
export function defineJob<P, C, R>(def: JobDefinition<P, C, R>): Job<P, C, R> {
  return {
    ...def,
    async run(ctx, data, job) {
      const parsed = def.payload.safeParse(data);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
        throw new AppError('ERR_JOB_PAYLOAD_INVALID', `${job.queue}/${job.name}: bad payload (${fields})`);
      }
      return def.process(ctx, parsed.data, job);
    },
  };
}

/**
 * A failure that must not be retried, as BullMQ understands it (an UnrecoverableError), carrying its
 * code from the error table as a field and the original error as its cause.
 */
export class PermanentJobError extends UnrecoverableError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(`${code}: ${message}`);
    this.name = 'PermanentJobError';
    this.code = code;
    if (opts.cause !== undefined) this.cause = opts.cause;
  }
}

/** True when retrying cannot help: a non-retryable AppError, or an error already marked permanent. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentJobError || (isAppError(err) && !err.retryable);
}

/** The error-table code of a job failure: its own code, else ERR_INTERNAL. */
export function failureCode(err: unknown): ErrorCode {
  if (err instanceof PermanentJobError || isAppError(err)) return err.code;
  return 'ERR_INTERNAL';
}

/**
 * Not a failure: the job cannot run now (its target asked to wait, or its circuit is open) and goes
 * back to its queue for `delayMs` without spending an attempt. `scope: 'queue'` pauses the job's whole
 * queue (a push queue is one target's), `'job'` delays only this job (a pull queue serves many systems).
 * How often a job may be handed back is bounded by `sync.worker.maxStarts`.
 */
export class DeferJob extends Error {
  constructor(
    readonly delayMs: number,
    readonly scope: 'queue' | 'job',
    readonly reason: string,
    opts: { cause?: unknown; system?: string; endpoint?: string | undefined } = {},
  ) {
    super(`deferred ${Math.round(delayMs)} ms (${reason})`);
    this.name = 'DeferJob';
    if (opts.cause !== undefined) this.cause = opts.cause;
    if (opts.system !== undefined) this.system = opts.system;
    if (opts.endpoint !== undefined) this.endpoint = opts.endpoint;
  }
  /** The endpoint of `system` whose own circuit held the job back (fix35f): the job waits for it alone. */
  readonly endpoint?: string;
  /**
   * The system whose delivery gate held the job back. A job handed back for its probe looks at the gate once it
   * waits (../jobs/worker.ts): a probe that closed the circuit meanwhile woke the waiting jobs before this one.
   */
  readonly system?: string;
}
