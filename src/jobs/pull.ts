/**
 * Pull: one job per page of a sync run. Each page is ingested as a batch (format = the system; the
 * batch row keeps counts and findings, not the records), the run's cursor advances, and the next
 * page's job is queued — all in one transaction, so a crash resumes from the last stored cursor and a
 * replayed job is a no-op. While a page is ingested, the next ones are already being read from the
 * source (./pull-ahead.ts; in this process: a job that runs elsewhere fetches its page itself). When the
 * feed ends, the run's watermark becomes the starting point of the next incremental run. Runs are
 * requested through `requestSync` in ./contracts.ts. How a page is stored: ./pull-store.ts (a page with
 * nothing to judge: ./pull-quiet.ts).
 */
import { createOutboxRepo } from '../store/outbox.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { createSyncRunsRepo, isCursorFollowed } from '../store/sync-runs.js';
import { isConnectionLost } from '../store/db-errors.js';
import { pullPage } from './contracts.js';
import { defineJob, PermanentJobError, type JobRun } from './define.js';
import { noteStored, pageOf, readAhead, readEarly } from './pull-ahead.js';
import { quietRead, storeQuiet } from './pull-quiet.js';
import { storeOrHold } from './pull-page-tx.js';
import { STOPPED, storeLocked, type PullContext } from './pull-store.js';
import { reconcileLeased } from './reconcile.js';
import { weighOn } from './run-weigh.js';
import type { PulledPage } from './sources.js';

type PullPayload = { syncRunId: number; page: number };
type PullResult =
  { skipped: true } | { held: true; holdId: number | null } | { records: number; last: boolean };

/** The next page of a chain: its payload, its leased outbox row, and the run as its page left it. */
interface NextPage {
  payload: PullPayload;
  outboxId: number;
  run: SyncRun;
  /**
   * The page before it was stored outside a transaction ({@link storeQuiet}): it wrote no record, so
   * this page's read, sent early while that page was stored, reads what it would read now.
   */
  quietBefore?: boolean;
}

/** The run as its page `pageNo` left it (the chain's next page does not read it again). */
function advancedRun(run: SyncRun, pageNo: number, page: PulledPage): SyncRun {
  return {
    ...run,
    status: 'running',
    cursor: page.nextCursor ?? run.cursor,
    pages: pageNo + 1,
    records: run.records + page.items.length,
    tombstones: run.tombstones + page.deletedKeys.length,
    watermark: page.watermark ?? run.watermark,
  };
}

/**
 * A page stored (`storing`), or the run failed for good when the page's next cursor is one the run followed
 * already (its advance refused it, nothing written: ../store/sync-runs.ts `isCursorFollowed`): a source whose
 * cursors loop (A→A, A→B→A: review27c F1, rel28) would have the run pull the same pages for ever. Asking again
 * gets the same answer: ERR_ADAPTER_RESPONSE_INVALID, a dead letter replayed from the run's cursor.
 */
async function loopChecked<T>(run: SyncRun, storing: Promise<T>): Promise<T> {
  try {
    return await storing;
  } catch (err) {
    if (!isCursorFollowed(err)) throw err;
    throw new PermanentJobError('ERR_ADAPTER_RESPONSE_INVALID', `${run.system}: pagination cursor repeated`, {
      cause: err,
    });
  }
}

/**
 * One page of a run: taken from the pages read ahead (or fetched), stored; the next page's leased
 * outbox row. `chain.until`: when the job stops going on with the run's next pages; `chain.known`: the run as
 * the chain's previous page left it (not read again; checked under its lock), and how that page was stored.
 */
async function pullOne(
  ctx: PullContext,
  payload: PullPayload,
  job: Pick<JobRun, 'outboxId'>,
  chain: { until: number; known?: Pick<NextPage, 'run' | 'quietBefore'> },
): Promise<{ result: PullResult; next?: NextPage; reconcile?: number }> {
  const { known } = chain;
  const run = known?.run ?? (await createSyncRunsRepo(ctx.db).get(payload.syncRunId));
  // A held run waits for a city admin (an approval queues its page again).
  if (!run || STOPPED.has(run.status) || run.pages > payload.page) {
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    return { result: { skipped: true } };
  }
  const { page, ahead, early } = await pageOf(ctx, run);
  const last = page.nextCursor === undefined;
  const nextCursor = page.nextCursor;
  if (nextCursor !== undefined) readAhead(ctx, run, nextCursor);
  const pageNo = payload.page;
  const pageIn = { run, pageNo, page, ahead, outboxId: job.outboxId };
  // Tried outside a transaction, the next page's read goes out with this one's (issue 7: an unchanged
  // page no longer waits for its read after the page before it). It writes nothing, and is used only if
  // this job stores this page outside a transaction (no record of the run written since the read went
  // out: not by this page, nor by another process that stored it first). Each page still advances the
  // run in its own statement, only while it is the run's next page: the resume point is as before.
  const quiet = await loopChecked(
    run,
    storeQuiet(ctx, pageIn, {
      sent: known?.quietBefore === true ? early : undefined,
      // Only when this job is to go on with the next page (else another job reads it again).
      alongside: () =>
        nextCursor !== undefined &&
        Date.now() < chain.until &&
        readEarly(ctx, run, nextCursor, quietRead(ctx, run)),
    }),
  );
  const stored =
    quiet ??
    (await loopChecked(
      run,
      storeOrHold(ctx, run, pageNo, job, (q, fresh) => storeLocked(q, ctx, pageIn, fresh), nextCursor),
    ));
  const held = stored !== undefined && 'holdId' in stored;
  if (last || held) noteStored(ctx, run.id, undefined);
  else if (stored) noteStored(ctx, run.id, stored.changed, stored.quiet);
  if (held) {
    // The pages after it weighed, the hold widened to every school they would hold (review32 F3).
    const { holdId, weighing } = stored;
    if (holdId !== undefined && weighing)
      await weighOn(ctx, run, { pageNo, cursor: nextCursor, holdId, held: stored.held }, weighing);
    return { result: { held: true, holdId: stored.holdId ?? null } };
  }
  if (!stored) return { result: { skipped: true } };
  const result = { records: page.items.length, last };
  const nextId = await stored.next;
  if (nextId === undefined)
    return { result, ...(stored.reconcile !== undefined ? { reconcile: stored.reconcile } : {}) };
  const nextPayload = { syncRunId: run.id, page: pageNo + 1 };
  const advanced = advancedRun(run, pageNo, page);
  return {
    result,
    next: { payload: nextPayload, outboxId: nextId, run: advanced, quietBefore: quiet !== undefined },
  };
}

/**
 * A pull job stores its page, then goes on with the run's next pages in this process for a while (issue
 * 7: no hop through the relay and the queue per page; the next page is fetched and worked on while the
 * current one commits). Every page is still its own transaction that writes the next page's outbox row,
 * leased to this process: after a crash the relay queues it once the lease runs out and the run resumes
 * from its stored cursor. When the chain stops (its time is up, or a page failed or had to wait), the
 * next page's row is handed to the relay, and its job runs (and reports) as any other. The job that stores
 * a full run's last page reconciles the run too, right after that page's commit, from the reconciliation's
 * outbox row leased to it (./reconcile.ts `reconcileLeased`; a crash in between: the relay queues the row
 * once the lease runs out).
 */
async function pull(ctx: PullContext, payload: PullPayload, job: JobRun): Promise<PullResult> {
  const until = Date.now() + ctx.config.sync.worker.chainMs;
  let { result, next, reconcile } = await pullOne(ctx, payload, job, { until });
  let failure: unknown;
  while (next && Date.now() < until) {
    try {
      ({ result, next, reconcile } = await pullOne(ctx, next.payload, next, { until, known: next }));
    } catch (err) {
      failure = err; // the page's own job runs it again, and reports what went wrong
      break;
    }
  }
  // Not handed over (the database is away): the relay takes it when its lease runs out.
  if (next)
    await createOutboxRepo(ctx.db)
      .handOver(next.outboxId)
      .catch(() => undefined);
  // The run's last page is stored: its reconciliation, leased to this job, runs here (issue 7: no hop
  // through the relay and the queue). Failed, its row is handed to the relay and its own job reports it.
  if (reconcile !== undefined)
    await reconcileLeased(ctx, payload.syncRunId, reconcile).catch((err: unknown) => {
      failure = err;
    });
  // A lost database connection is this job's too: the worker waits for the database (./worker.ts); run
  // again, the job finds its page stored.
  if (isConnectionLost(failure)) throw failure;
  return result;
}

export const pullPageJob = defineJob({ ...pullPage, concurrency: 2, process: pull });
