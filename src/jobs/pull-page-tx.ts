/**
 * A pulled page's transaction and what its rollback means (tidy7, out of ./pull-store.ts, which writes the page in
 * it): run again as an upsert (a record stored meanwhile), the page not due (the job's outbox row closed), or the run
 * held by the mass-change guard (held, its weighing begun).
 */
import type { Queryable } from '../store/db.js';
import { isUniqueViolation } from '../store/db-errors.js';
import { createOutboxRepo } from '../store/outbox.js';
import { isDeletedSinceRead } from '../store/record-writes.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import type { WorkerContext } from './context.js';
import type { JobRun } from './define.js';
import { holdRun, RunHeld } from './run-guard.js';
import { startWeighing, type WeighStart } from './weigh-start.js';

/** Thrown in a page's transaction when the run's lock shows the page not due (stored already, or the run stopped). */
export class PageNotDue extends Error {
  constructor() {
    super('the page is not due');
    this.name = 'PageNotDue';
  }
}

/**
 * Runs the page's transaction, its records inserted as new when none of them is stored (`insertNew`); a
 * record another transaction stored meanwhile (a unique violation: rolled back) has it run again as an
 * upsert, and so does a tombstone newer than the page's copy committed between the page's read and its write
 * (rel29, ../store/record-writes.ts `isDeletedSinceRead`: rolled back; read again, the copy is no restore). When the page is not due (`PageNotDue`: rolled back), closes the job's outbox row; when the
 * guard holds the run (`RunHeld`: rolled back), holds it and begins its weighing in that transaction.
 */
export async function storeOrHold<T>(
  ctx: Pick<WorkerContext, 'db' | 'config' | 'now'>,
  run: SyncRun,
  pageNo: number,
  job: Pick<JobRun, 'outboxId'>,
  work: (q: Queryable, insertNew: boolean) => Promise<T>,
  /** The page's next cursor: where the held run's weighing begins (./weigh-start.ts). */
  nextCursor?: string,
): Promise<T | { holdId: number | undefined; held: RunHeld; weighing?: WeighStart | undefined } | undefined> {
  try {
    return await ctx.db
      .tx((q) => work(q, true))
      .catch((err: unknown) => {
        if (!isUniqueViolation(err) && !isDeletedSinceRead(err)) throw err;
        return ctx.db.tx((q) => work(q, false));
      });
  } catch (err) {
    if (err instanceof PageNotDue) {
      await createOutboxRepo(ctx.db).markDone(job.outboxId);
      return undefined;
    }
    if (!(err instanceof RunHeld)) throw err;
    // The hold, and its weighing's progress, resume point and outbox row, in one transaction (fix35b).
    const made = await ctx.db.tx(async (q) => {
      const holdId = await holdRun(q, run, { no: pageNo, outboxId: job.outboxId }, err, ctx.now());
      const from = { holdId: holdId ?? 0, pageNo, cursor: nextCursor, held: err };
      return { holdId, weighing: holdId === undefined ? undefined : await startWeighing(q, ctx, run, from) };
    });
    return { ...made, held: err };
  }
}
