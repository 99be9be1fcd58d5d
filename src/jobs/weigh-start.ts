/**
 * A held run's weighing begun in its hold's transaction (fix35b, fix34e's leftover): the weighing's progress, its
 * point to resume from and its leased `weigh-hold` outbox row are written with the hold, so a worker stopped right
 * after the hold's commit leaves a hold whose weighing the relay resumes once the lease runs out (./weigh-resume.ts),
 * never a hold that stays unweighed. A full run's held page notes what it saw too (../store/weigh-seen.ts): its
 * reconciliation is weighed ahead from it (./reconcile-ahead.ts). ./run-weigh.ts goes on from here.
 */
import type { HoldWeighing } from '../store/guard-holds.js';
import { createGuardHoldsRepo } from '../store/guard-holds.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createWeighSeenRepo } from '../store/weigh-seen.js';
import type { WorkerContext } from './context.js';
import { weighHold } from './contract-table.js';
import type { RunHeld } from './run-guard.js';

/** A weighing begun with its hold: its outbox row, and its progress as written. */
export interface WeighStart {
  outboxId: number;
  progress: HoldWeighing;
}

/**
 * Begins the weighing of the run held at page `pageNo` (its next cursor `cursor`), in the hold's transaction `q`:
 * undefined when there is nothing to weigh (the guard off, or an incremental run held at its last page). A full run
 * held at its last page is weighed too: its reconciliation, ahead.
 */
export async function startWeighing(
  q: Queryable,
  ctx: Pick<WorkerContext, 'config' | 'now'>,
  run: { since: string | null },
  from: { holdId: number; pageNo: number; cursor: string | undefined; held: RunHeld },
): Promise<WeighStart | undefined> {
  const guard = ctx.config.guard;
  if (!guard.enabled || (from.cursor === undefined && run.since !== null)) return undefined;
  const { holdId, pageNo, held } = from;
  if (held.seen) await createWeighSeenRepo(q).note(holdId, pageNo, held.seen);
  const bound = guard.weighing.boundSeconds;
  // The row its job resumes from, leased to the job weighing (the relay queues it once the lease runs out).
  const outboxId = await createOutboxRepo(q).add(
    weighHold.queue,
    weighHold.name,
    { holdId },
    { leaseSeconds: bound },
  );
  const now = ctx.now().toISOString();
  const progress: HoldWeighing = {
    state: 'weighing',
    pages: 0,
    heldPage: pageNo,
    throughPage: pageNo,
    stoppedBy: null,
    startedAt: now,
    updatedAt: now,
    // A full run's end deletions are not in the hold until weighed ahead; an incremental run's end deletes nothing.
    deletionsWeighed: run.since === null ? false : null,
  };
  // Held at its last page (a full run): its reconciliation is left to weigh, resumed so too (fix36e).
  const resume = { cursor: from.cursor ?? null, pageNo: pageNo + 1, rows: held.rows, grew: false, outboxId };
  await createGuardHoldsRepo(q).widen(holdId, held.diff, held.reasons, bound, { weighing: progress, resume });
  return { outboxId, progress };
}
