/**
 * The outbox relay: turns committed outbox rows into queue jobs (job id = `ob-<row id>`, so
 * enqueueing a row twice is a no-op), and the reconciler: re-enqueues rows whose job vanished (a
 * Redis restart or flush), so losing the queue only delays work.
 */
import type { Logger } from 'pino';
import type { Job } from 'bullmq';
import type { Metrics } from '../observability/metrics.js';
import { outageLog } from '../observability/outage.js';
import type { Db } from '../store/db.js';
import { createOutboxRepo, jobIdOf, listenOutbox, readInstallId, type OutboxRow } from '../store/outbox.js';
import { queuePool, type QueueFactory, type QueuePool } from './queues.js';

export interface RelayDeps {
  db: Db;
  queues: QueueFactory;
  logger: Logger;
  metrics: Metrics;
}

export interface RelayOptions {
  pollMs: number;
  batch: number;
  /** How long an enqueued row may stay open before the reconciler checks its job exists. */
  reconcileAfterSeconds?: number;
  /** Open rows the reconciler reads at a time (default {@link RECONCILE_PAGE}). */
  reconcilePage?: number;
  /** Run the reconciler every N polls … */
  reconcileEvery?: number;
  /** … or every this many milliseconds (wins when set). */
  reconcileEveryMs?: number;
  /** Longest a queue call may take before the pass gives up on it (default 5000). */
  queueTimeoutMs?: number;
}

type OnQueue = QueuePool['on'];

/** The job of an outbox row as the relay adds it (its id deterministic: adding it twice is a no-op). */
export const jobOfRow = (installId: string, r: OutboxRow) => ({
  name: r.job_name,
  data: { ...r.payload, outboxId: r.id },
  opts: { jobId: jobIdOf(installId, r.id) },
});

/** One relay pass: claims up to `batch` pending rows, adds their jobs; returns how many rows it claimed. */
async function relayPending(db: Db, onQueue: OnQueue, installId: string, batch: number): Promise<number> {
  const outbox = createOutboxRepo(db);
  const rows = await outbox.claimPending(batch);
  if (rows.length === 0) return 0;
  const byQueue = new Map<string, typeof rows>();
  for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
  const done: number[] = [];
  try {
    for (const [name, part] of byQueue) {
      await onQueue(name, (q) => q.addBulk(part.map((r) => jobOfRow(installId, r))));
      done.push(...part.map((r) => r.id));
    }
  } catch (err) {
    // What did reach the queue is marked; the rest is released at once for the next pass (rather
    // than waiting for its lease to run out).
    await outbox.markEnqueued(done);
    await outbox.release(rows.map((r) => r.id).filter((r) => !done.includes(r)));
    throw err;
  }
  await outbox.markEnqueued(done);
  return rows.length;
}

/** The open rows the reconciler reads at a time (one page of its walk over them, keyset by id). */
export const RECONCILE_PAGE = 500;

/**
 * Re-enqueues open rows (open longer than `afterSeconds`) whose job no longer exists in the queue (Redis
 * restarted or flushed), or whose job finished at least `afterSeconds` ago without closing the row (a job
 * of the same id that did other work): such a job is removed first, so the new one is not swallowed as a
 * duplicate. One pass walks every such row, `page` rows at a time in id order (sched28: it read only the 500
 * oldest, so after a flush with more open rows the rest waited for later passes, and for good when those 500
 * had their jobs). Returns how many rows were re-queued.
 */
async function requeueLost(
  deps: RelayDeps,
  onQueue: OnQueue,
  installId: string,
  opts: { afterSeconds: number; page: number },
): Promise<number> {
  const outbox = createOutboxRepo(deps.db);
  const finishedBefore = Date.now() - opts.afterSeconds * 1000;
  let requeued = 0;
  for (let after = 0; ;) {
    const stale = await outbox.staleOpen(opts.afterSeconds, opts.page, after);
    if (stale.length > 0) requeued += await requeuePage(deps, onQueue, installId, stale, finishedBefore);
    if (stale.length < opts.page) break;
    after = stale[stale.length - 1]!.id;
  }
  if (requeued > 0) deps.logger.warn({ rows: requeued }, 'outbox rows re-queued: their jobs were missing');
  return requeued;
}

/** The job of each row (undefined: none), asked of each queue at once for its rows (sent together, not one by one). */
async function jobsOf(
  onQueue: OnQueue,
  installId: string,
  rows: readonly OutboxRow[],
): Promise<Array<[number, Job | undefined]>> {
  const byQueue = new Map<string, number[]>();
  for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.id]);
  const out: Array<[number, Job | undefined]> = [];
  for (const [name, ids] of byQueue) {
    const jobs = await onQueue(name, (q) => Promise.all(ids.map((id) => q.getJob(jobIdOf(installId, id)))));
    ids.forEach((id, i) => out.push([id, jobs[i]]));
  }
  return out;
}

/**
 * One page of {@link requeueLost}. The rows are read before their jobs, so a job that finishes in between looks
 * lost: a row is re-queued only if it is still open after its job was read (a job closes its row before it
 * completes), and a job that finished just now (after `finishedBefore`) is left for a later pass (a job that failed
 * for good has its dead letter recorded after BullMQ calls it failed).
 */
async function requeuePage(
  deps: RelayDeps,
  onQueue: OnQueue,
  installId: string,
  stale: readonly OutboxRow[],
  finishedBefore: number,
): Promise<number> {
  const outbox = createOutboxRepo(deps.db);
  const missing: number[] = [];
  const finished = new Map<number, Job>();
  for (const [id, job] of await jobsOf(onQueue, installId, stale)) {
    if (!job) missing.push(id);
    else if ((job.finishedOn ?? Infinity) <= finishedBefore) {
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') finished.set(id, job);
    }
  }
  if (missing.length + finished.size === 0) return 0;
  const open = await outbox.stillOpen([...missing, ...finished.keys()]);
  for (const [id, job] of finished) if (open.has(id)) await job.remove().catch(() => undefined);
  return (await outbox.requeue([...open])).length;
}

/** The outbox's pending rows and lag, and the open dead letters per queue, as metrics (one statement). */
async function publishOutboxMetrics(deps: RelayDeps): Promise<void> {
  const read = await createOutboxRepo(deps.db).lagAndOpenLetters();
  deps.metrics.outboxPending.set(read.pending);
  deps.metrics.outboxLag.set(read.oldestSeconds);
  deps.metrics.setOpenDeadLetters(read.openLetters);
}

/**
 * Wakes the relay when a transaction that added outbox rows commits (LISTEN/NOTIFY), so a pulled page's
 * next job is queued at once instead of after the poll; the poll stays as the fallback (a lost listener
 * connection, a database without notifications). `listen()` (from every pass) connects unless connected,
 * connecting, or waiting to try again; a lost connection or a failed attempt is tried again after
 * `retryMs` by a timer of its own, not by the next pass (a minute away with a long poll), and not gated
 * on the wall clock: a timer may fire a few ms before `Date.now()` says its delay has passed (libuv times
 * it from the loop's cached clock), and a gate on the clock then dropped the retry for good (issue 7: CI
 * saw the relay stay deaf after its connection was killed).
 */
export function outboxListener(deps: Pick<RelayDeps, 'db' | 'logger'>, wake: () => void, retryMs = 5000) {
  let stopped = false;
  let unlisten: (() => Promise<void>) | undefined;
  let listening: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  const retryLater = (): void => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, retryMs);
    retry.unref();
  };
  const connect = (): void => {
    if (stopped || unlisten || listening) return;
    listening = listenOutbox(deps.db, wake, (err) => {
      unlisten = undefined;
      deps.logger.warn({ err }, 'outbox listener lost; polling until it is back');
      retryLater();
    })
      .then((stop) => {
        if (stopped) void stop();
        else unlisten = stop;
      })
      .catch((err: unknown) => {
        deps.logger.debug({ err }, 'outbox listener unavailable; polling');
        retryLater();
      })
      .finally(() => (listening = undefined));
  };
  return {
    listen(): void {
      if (!retry) connect();
    },
    /** No more (re)connecting. */
    halt(): void {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = undefined;
    },
    /** Waits for a connection under way and closes the listener. */
    async close(): Promise<void> {
      await listening;
      await unlisten?.();
    },
  };
}

/**
 * How many times its own length a reconciliation that re-queued nothing waits before the next (rel29): it runs in the
 * relay's pass, so at most a tenth of the relay's time goes to it. At 1 M open rows a pass asks Redis for 1 M jobs
 * (~40 ms a page of 500 at load 10: ~80 s): every `reconcileEveryMs` it left the relay almost no time to relay.
 */
export const RECONCILE_BACKOFF = 9;

/**
 * What a pass does besides relaying, at the poll's pace (the relay is also woken after every committed
 * page): reconcile when due (every `reconcileEveryMs`, else every `reconcileEvery` polls), publish metrics.
 * A reconciliation that found nothing lost is next due after `reconcileEveryMs` or {@link RECONCILE_BACKOFF} times
 * its own length, whichever is longer; one that re-queued rows, after `reconcileEveryMs` (rel29).
 */
export function pollChores(
  deps: RelayDeps,
  opts: Pick<RelayOptions, 'pollMs' | 'reconcileEveryMs' | 'reconcileEvery'>,
  reconcileOnce: () => Promise<number>,
) {
  let polls = 0;
  let reconciledAt = Date.now();
  let gapMs = opts.reconcileEveryMs ?? 0;
  let housekeptAt = 0;
  const reconcileDue = (): boolean => {
    if (opts.reconcileEveryMs !== undefined) return Date.now() - reconciledAt >= gapMs;
    return polls % (opts.reconcileEvery ?? 20) === 0;
  };
  return async function chores(): Promise<void> {
    if (Date.now() - housekeptAt < opts.pollMs) return;
    housekeptAt = Date.now();
    polls += 1;
    if (reconcileDue()) {
      const began = Date.now();
      const requeued = await reconcileOnce();
      reconciledAt = Date.now();
      const every = opts.reconcileEveryMs ?? 0;
      gapMs = requeued > 0 ? every : Math.max(every, RECONCILE_BACKOFF * (reconciledAt - began));
    }
    await publishOutboxMetrics(deps);
  };
}

/**
 * Relay passes until the pending rows are drained (or the relay stops); on a poll (not a wake) also the
 * chores. A failed pass (the database or the queue away) is counted (`truc_outbox_relay_failures_total`)
 * and tried again at the next poll; an outage is logged when its first pass fails and when a pass
 * succeeds again, not at every poll (two a second).
 */
function relayPass(
  deps: RelayDeps,
  opts: RelayOptions,
  relayOnce: () => Promise<number>,
  chores: () => Promise<void>,
  stopped: () => boolean,
) {
  const outage = outageLog(deps.logger, {
    failing:
      'outbox relay passes failing (database or queue unreachable, or the database refusing writes: read-only, disk ' +
      'full; err.code says which); retrying at every poll. Logged again when one succeeds',
    back: 'outbox relay passes succeed again',
  });
  return async function tick(): Promise<void> {
    try {
      let n: number;
      do n = await relayOnce();
      while (n === opts.batch && !stopped());
      await chores();
      outage.ok();
    } catch (err) {
      deps.metrics.outboxRelayFailures.inc();
      outage.failed(err);
    }
  };
}

export function createRelay(deps: RelayDeps, opts: RelayOptions) {
  const queues = queuePool(deps.queues, opts.queueTimeoutMs ?? 5000);
  let installId: string | undefined;
  const install = async (): Promise<string> => (installId ??= await readInstallId(deps.db));

  /** One relay pass: returns how many rows were enqueued. */
  const relayOnce = async (): Promise<number> =>
    relayPending(deps.db, queues.on, await install(), opts.batch);
  /** Re-enqueues open rows whose job went missing (see {@link requeueLost}). */
  const reconcileOnce = async (): Promise<number> =>
    requeueLost(deps, queues.on, await install(), {
      afterSeconds: opts.reconcileAfterSeconds ?? 60,
      page: opts.reconcilePage ?? RECONCILE_PAGE,
    });

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = relayPass(deps, opts, relayOnce, pollChores(deps, opts, reconcileOnce), () => stopped);

  let wakeAgain = false;
  const listener = outboxListener(deps, wake);
  const loop = (): void => {
    if (stopped) return;
    timer = undefined;
    listener.listen();
    running = tick().finally(() => {
      running = undefined;
      if (stopped) return;
      const again = wakeAgain;
      wakeAgain = false;
      timer = setTimeout(loop, again ? 0 : opts.pollMs);
    });
  };
  function wake(): void {
    if (stopped) return;
    if (running) {
      wakeAgain = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(loop, 0);
  }

  return {
    relayOnce,
    reconcileOnce,
    start(): void {
      loop();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      listener.halt();
      await running;
      await listener.close();
      await queues.closeAll();
    },
  };
}
export type Relay = ReturnType<typeof createRelay>;
