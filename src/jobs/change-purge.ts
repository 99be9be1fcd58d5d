/**
 * The change feed's purge (issue 9): `truc.record_changes` is written by triggers on every record
 * change and would grow forever. Fired by the scheduler role on `api.changeFeed.purgeCron`, it drops
 * the changes from before the first school year the feed keeps: the current school year and the
 * `keepSchoolYears` (≥ 1) full ones before it, each starting on 1 September at midnight in Vietnam.
 * Deletes go in bounded chunks, each its own statement, so no long transaction holds the table.
 */
import { schoolYearAt, schoolYearStartingIn } from '../canonical/school-year.js';
import { createReadsRepo } from '../store/reads.js';
import { changesPurge } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob } from './define.js';

type PurgeContext = Pick<WorkerContext, 'db' | 'config' | 'logger' | 'now'>;

/** Feed rows per DELETE statement. */
const CHUNK = 10_000;

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

/** The purge job: its own queue, one run at a time. */
export const changePurgeJob = defineJob({
  ...changesPurge,
  concurrency: 1,
  process: (ctx: PurgeContext) => purgeChangeFeed(ctx),
});
