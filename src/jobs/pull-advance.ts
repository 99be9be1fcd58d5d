/**
 * A stored page's run advanced (split from ./pull-store.ts, which stores the page): the next page's row, or after
 * the last page the run's watermark and its reconciliation.
 */
import type { Queryable } from '../store/db.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { pullPage } from './contracts.js';
import type { CombinedWrites } from '../store/combined.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import type { WorkerContext } from './context.js';
import type { PulledPage } from './sources.js';
import { queueReconcileIfDue } from './reconcile.js';

/** What of a page being stored (./pull-store.ts `PageToStore`) its run's advance reads. */
export interface PageAdvancing {
  run: SyncRun;
  pageNo: number;
  page: PulledPage;
  mappingVersion: string | null;
  outboxId: number | undefined;
  closing: CombinedWrites;
  due?: number;
}

/**
 * The run advanced by the page, the job's outbox row closed and the next page's added (when pull jobs
 * chain, leased to this process, which goes on with it at once: see ./pull.ts), in one statement with
 * the page's closing writes; after the last page, the run's watermark kept and its reconciliation queued
 * if due (when pull jobs chain, its row leased to this process, which reconciles the run once the page
 * commits: ./pull.ts). Returns the next page's row, or that reconciliation's. Before the last page its
 * answer is not waited for: the statement is sent, and the promise of the next page's row answers once it
 * is (so a transaction's COMMIT goes right behind it, issue 7: one round trip less a page; it fails with it).
 */
export async function advanceRun(
  q: Queryable,
  ctx: Pick<WorkerContext, 'config' | 'now'>,
  p: PageAdvancing,
): Promise<{ next: Promise<number | undefined>; reconcile?: number }> {
  const { run, page } = p;
  const last = page.nextCursor === undefined;
  const runs = createSyncRunsRepo(q);
  const { lockMs, chainMs } = ctx.config.sync.worker;
  const lease = chainMs > 0 ? { leaseSeconds: Math.ceil(lockMs / 1000) } : {};
  const next = {
    queue: pullPage.queue,
    name: pullPage.name,
    payload: pullPage.payload.parse({ syncRunId: run.id, page: p.pageNo + 1 }),
    ...lease,
  };
  const nextId = runs.advance(
    run.id,
    {
      last,
      cursor: page.nextCursor ?? null,
      records: page.items.length,
      tombstones: page.deletedKeys.length,
      watermark: page.watermark ?? null,
      workingYear: page.workingYear ?? null,
      mappingVersion: p.mappingVersion,
      ...(p.due !== undefined ? { due: p.due } : {}),
    },
    { done: p.outboxId, ...(last ? {} : { next }) },
    p.closing,
  );
  const nextRow = chainMs > 0 ? nextId : nextId.then(() => undefined);
  // Seen by whoever waits for it: the caller, or (its failure) the transaction's COMMIT.
  nextRow.catch(() => undefined);
  if (last) {
    await nextId;
    // A listing that gave up on a school tells no watermark (review17 B3: the records its last pass skipped
    // may be older than any change seen): the scope keeps the one it had. Else a source that tells none
    // (moet-pcgd) gets the run's end. Kept only if no run requested after this one saved one already.
    const givenUp =
      page.watermark === undefined &&
      (page.unstableScopes?.length || (await runs.get(run.id))?.unstableScopes.length);
    // A run an approval left schools out of keeps no watermark past their changes (fix34c item 1: left out is not
    // decided yet, asked again next time): an incremental run leaves the scope's as it was (the next one reads them
    // again), a full run drops it (the next is full: their records and deletions, which no incremental reads again).
    if (run.rejectedSchools.length > 0) {
      if (run.since === null) await runs.dropWatermark(run.system, run.entity, run.scope, run.id);
    } else if (!givenUp) {
      const watermark = page.watermark ?? ctx.now().toISOString();
      await runs.saveWatermark(run.system, run.entity, run.scope, watermark, run.id);
    }
    // A full run whose pages are all ingested reconciles now: in this process, right after the commit, when
    // pull jobs chain (issue 7: no hop through the relay and the queue), else through its job.
    const reconcile = await queueReconcileIfDue(q, run.id, lease);
    if (reconcile !== undefined && chainMs > 0) return { next: nextRow, reconcile };
  }
  return { next: nextRow };
}
