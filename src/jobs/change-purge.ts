/**
 * The nightly purge (issue 9, api28) of two tables that would grow forever. Fired by the scheduler role on
 * `api.changeFeed.purgeCron`, it drops
 * - the change feed's changes (`truc.record_changes`, written by triggers on every record change) from before
 *   the first school year the feed keeps: the current school year and the `keepSchoolYears` (≥ 1) full ones
 *   before it, each starting on 1 September at midnight in Vietnam;
 * - the expired Idempotency-Keys (`truc.idempotency_keys`), claimed more than `api.idempotencyRetentionHours`
 *   ago: their reuse is a new request already (../store/idempotency.ts), the rows are only kept space.
 * - the bodies of finished batches (`truc.batches.records`, personal data) older than `api.batchRetentionDays`
 *   that nothing may still read (purge29: ../store/batch-purge.ts says which are spared and why); the rows stay.
 * - what finished sync runs kept while they ran (polish6: ../store/run-purge.ts): the records their tombstones deleted
 *   (`truc.sync_run_deleted`, guard6: ./run-restores.ts), their counts per school (`truc.sync_run_guard`: ./run-guard.ts)
 *   and what their held pages' weighing saw (`truc.weigh_seen`, left when its own drop failed: ./run-weigh.ts).
 * Deletes go in bounded chunks, each its own statement, so no long transaction holds a table.
 */
import { schoolYearAt, schoolYearStartingIn } from '../canonical/school-year.js';
import { createBatchPurgeRepo, type PurgeCursor } from '../store/batch-purge.js';
import { createIdempotencyRepo } from '../store/idempotency.js';
import { createReadsRepo } from '../store/reads.js';
import { createRunPurgeRepo, RUN_PURGE_TABLES, type RunPurgeTable } from '../store/run-purge.js';
import { changesPurge } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob } from './define.js';

type PurgeContext = Pick<WorkerContext, 'db' | 'config' | 'logger' | 'now'> &
  Partial<Pick<WorkerContext, 'metrics'>>;

/** Feed rows per DELETE statement. */
const CHUNK = 10_000;

/** Idempotency-Key rows per DELETE statement (each holds its response body). */
const KEY_CHUNK = 5_000;

/** Batch bodies per statement (~400 KB each for 1000 students), and at most per run (the rest: the next night). */
export const BODY_CHUNK = 200;
export const BODIES_PER_RUN = 20_000;

/**
 * The instant before which the feed's changes are dropped at `now`: the start (1 September, 00:00 in
 * Vietnam) of the school year `keepSchoolYears` before the current one. On 30 November 2026 with 1:
 * 1 September 2025, so the whole school year 2025-2026 and the current one stay.
 */
export function changeFeedCutoff(now: Date, keepSchoolYears: number): Date {
  if (!Number.isInteger(keepSchoolYears) || keepSchoolYears < 1) {
    throw new RangeError('keepSchoolYears must be a whole number ≥ 1');
  }
  const current = Number(schoolYearAt(now).slice(0, 4));
  const { startDate } = schoolYearStartingIn(current - keepSchoolYears);
  return new Date(`${startDate}T00:00:00+07:00`);
}

/** Drops the changes older than the cutoff; returns the cutoff and how many went. */
export async function purgeChangeFeed(ctx: PurgeContext): Promise<{ before: string; purged: number }> {
  const before = changeFeedCutoff(ctx.now(), ctx.config.api.changeFeed.keepSchoolYears);
  const reads = createReadsRepo(ctx.db);
  let purged = 0;
  for (;;) {
    const { rows, changes } = await reads.purgeChanges(before, CHUNK);
    purged += changes;
    if (rows < CHUNK) break;
  }
  const out = { before: before.toISOString(), purged };
  ctx.logger.info(out, 'change feed purged');
  return out;
}

/** Drops the Idempotency-Keys older than `api.idempotencyRetentionHours`; returns that age and how many went. */
export async function purgeExpiredKeys(
  ctx: PurgeContext,
): Promise<{ olderThanHours: number; purged: number }> {
  const hours = ctx.config.api.idempotencyRetentionHours;
  const keys = createIdempotencyRepo(ctx.db);
  let purged = 0;
  for (;;) {
    const n = await keys.purgeExpired(hours, KEY_CHUNK);
    purged += n;
    if (n < KEY_CHUNK) break;
  }
  const out = { olderThanHours: hours, purged };
  ctx.logger.info(out, 'expired idempotency keys purged');
  return out;
}

/**
 * Removes the bodies of finished batches older than `api.batchRetentionDays` (0: none) that nothing still needs,
 * oldest first, {@link BODY_CHUNK} a statement and at most {@link BODIES_PER_RUN} a run; returns that age and how
 * many went (counted by `truc_batch_bodies_purged_total`; logged with no id or record).
 */
export async function purgeBatchBodies(
  ctx: PurgeContext,
): Promise<{ olderThanDays: number; purged: number; more: boolean }> {
  const days = ctx.config.api.batchRetentionDays;
  const repo = createBatchPurgeRepo(ctx.db);
  let purged = 0;
  let more = false;
  let after: PurgeCursor | undefined;
  while (days > 0) {
    const chunk = await repo.purgeBodies(days, BODY_CHUNK, after);
    purged += chunk.purged;
    after = chunk.next ?? after;
    if (chunk.purged < BODY_CHUNK) break;
    if (purged >= BODIES_PER_RUN) {
      more = true;
      break;
    }
  }
  ctx.metrics?.batchBodiesPurged.inc(purged);
  const out = { olderThanDays: days, purged, more };
  ctx.logger.info(out, 'batch bodies purged');
  return out;
}

/**
 * Drops what finished sync runs kept while they ran (../store/run-purge.ts: what their tombstones deleted, migration
 * 1437; their counts per school, migration 110; the keys their pages saw, migration 015; their held pages' weighing,
 * migration 1430), `chunk` rows a statement; the runs finished for good are found once (review6 R6-4).
 */
export async function purgeFinishedRuns(
  ctx: PurgeContext,
  chunk = CHUNK,
): Promise<Record<RunPurgeTable, number>> {
  const repo = createRunPurgeRepo(ctx.db);
  const runs = await repo.finishedRuns();
  const out: Record<RunPurgeTable, number> = { deleted: 0, counts: 0, seen: 0, weighed: 0 };
  for (const table of RUN_PURGE_TABLES) {
    for (;;) {
      const n = await repo.purgeOf(table, runs, chunk);
      out[table] += n;
      if (n < chunk) break;
    }
  }
  ctx.logger.info({ ...out, runs: runs.length }, 'finished runs’ rows purged');
  return out;
}

/**
 * The purge job: its own queue, one run at a time; the change feed, the expired Idempotency-Keys, the batch
 * bodies past their retention, then what finished sync runs kept while they ran.
 */
export const changePurgeJob = defineJob({
  ...changesPurge,
  concurrency: 1,
  process: async (ctx: PurgeContext) => ({
    changes: await purgeChangeFeed(ctx),
    idempotencyKeys: await purgeExpiredKeys(ctx),
    batchBodies: await purgeBatchBodies(ctx),
    finishedRuns: await purgeFinishedRuns(ctx),
  }),
});
