/**
 * A worker closed within a deadline. BullMQ's `worker.close()` stops fetching, waits for the jobs in
 * flight, then disconnects the worker's blocking connection and waits for its 'end'. Soon after a Redis
 * restart, or while Redis is down, that connection is waiting to reconnect (ioredis 'reconnecting', no
 * socket): `disconnect()` then clears its retry timer and no 'end' ever comes, so `close()` never
 * resolves (taskforcesh/bullmq#4656, #2430; bullmq 6.7.6 still waits so) and `truc worker` met its 25 s
 * shutdown deadline and exited 1. Here the close is waited for while this process's jobs run (at most
 * `graceMs`); once none runs it gets `settleMs` to finish its teardown, then it is left behind: the
 * process exits and its connections are disconnected by the queue factory's close. Nothing is lost: a
 * job still running past the grace keeps its outbox row open and its lock lapses, so another worker
 * takes it over (lockMs + 2 × stalledIntervalMs), as after a kill; its failure meanwhile (the process
 * closes its pool) is not reported, so it spends no attempt ({@link JobsInFlight.abandon}).
 */
import type { Worker } from 'bullmq';
import { failureWithin } from '../observability/deadline.js';

/** The jobs a worker is running, counted around its processor. */
export interface JobsInFlight {
  /** Runs `fn` counted as one job in flight. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly count: number;
  /** Resolves when no job is in flight (at once if none is). */
  idle(): Promise<void>;
  /**
   * The worker is left to the process exit with jobs still running: a job failing from now on (its pool
   * closed under it) is not reported to BullMQ, so it spends no attempt and writes no dead letter; it stays
   * active until its lock lapses.
   */
  abandon(): void;
}

export function jobsInFlight(): JobsInFlight {
  let count = 0;
  let waiters: (() => void)[] = [];
  let abandoned = false;
  return {
    async run(fn) {
      count++;
      try {
        return await fn();
      } catch (err) {
        if (abandoned) return new Promise<never>(() => undefined);
        throw err;
      } finally {
        if (--count === 0) {
          const woken = waiters;
          waiters = [];
          for (const wake of woken) wake();
        }
      }
    },
    get count() {
      return count;
    },
    idle() {
      return count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
    abandon() {
      abandoned = true;
    },
  };
}

/** How a bounded close ended: `closed` by BullMQ, or `left` (its teardown hung, or jobs outlived the grace). */
export type CloseOutcome = 'closed' | 'left';

/**
 * Closes `worker`: waits while its jobs (`running`) are in flight, at most `graceMs`; once none is,
 * waits for BullMQ's teardown at most `settleMs` more.
 */
export async function closeWithin(
  worker: Worker,
  running: JobsInFlight,
  opts: { graceMs: number; settleMs: number },
): Promise<CloseOutcome> {
  let closed = false;
  const closing = worker
    .close()
    .catch(() => undefined)
    .then(() => {
      closed = true;
    });
  const jobsDone = !(await failureWithin(() => Promise.race([closing, running.idle()]), opts.graceMs));
  if (closed) return 'closed';
  if (!jobsDone) {
    running.abandon();
    return 'left';
  }
  await failureWithin(() => closing, opts.settleMs);
  return closed ? 'closed' : 'left';
}
