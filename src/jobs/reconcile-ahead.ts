/**
 * A held full run's reconciliation weighed ahead (fix35b, fix34c item 2): once the run's weighing (./run-weigh.ts) has
 * read every page to the run's end, the deletions the run's end would make (the live records of its scope the source
 * no longer has, ./reconcile-unseen.ts) are judged as its reconciliation will judge them (./run-guard.ts
 * `judgeReconcile`), from what the held and weighed pages saw (../store/weigh-seen.ts) beside the run's applied
 * pages, with the run's counts and the weighed pages' — in a transaction always rolled back, nothing deleted. The
 * schools they take over a threshold go into the run's hold with the pages' (its reasons; their counts, the
 * reconciliation's own `reconciled`, and codes in its diff): one hold, one decision for the run's whole change. An
 * approval then covers the reconciliation as far as it showed it (./run-guard.ts `coveredBy`); a source that lost
 * more records between the weighing and the run's end is held again with its own diff, as any step going past what
 * an admin was shown. Never a weighing of a partial weighing: what the unread pages hold is not known.
 */
import type { RunSchoolCounts } from '../store/run-guard.js';
import { createRunGuardRepo } from '../store/run-guard.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { createWeighSeenRepo } from '../store/weigh-seen.js';
import type { PullContext } from './pull-store.js';
import { unseenOfRun } from './reconcile-unseen.js';
import { createGuardHoldsRepo } from '../store/guard-holds.js';
import { coveredBy, judgeReconcile, RunHeld } from './run-guard.js';

/** Thrown to roll the weighing's transaction back with what it found. */
class Weighed extends Error {
  constructor(readonly held: RunHeld | undefined) {
    super('a reconciliation weighed ahead is rolled back');
  }
}

/**
 * The reconciliation of the full run `run`, held with hold `holdId`, weighed ahead from `rows` (the held and weighed
 * pages' counts): what it adds to the hold (its diff, and the reasons no approval of the run covers yet), or
 * undefined when it would delete nothing (an incremental run, a first sync, records that did not map, a newer full
 * run that overtook it).
 */
export async function reconcileAhead(
  ctx: PullContext,
  run: SyncRun,
  holdId: number,
  rows: readonly RunSchoolCounts[],
): Promise<RunHeld | undefined> {
  if (run.since !== null || !run.storedBefore || !ctx.config.guard.enabled) return undefined;
  try {
    await ctx.db.tx(async (q) => {
      const runs = createSyncRunsRepo(q);
      const now = (await runs.get(run.id)) ?? run; // the schools approvals left out so far
      const seen = await createWeighSeenRepo(q).asRunSeen(holdId, run.id);
      if ((await runs.supersededByNewer(run.id)) || (await runs.unkeyedSeen(run.id)) > 0)
        throw new Weighed(undefined);
      // The held and weighed pages count as the run's (rolled back with the rest).
      await createRunGuardRepo(q).add(run.id, rows);
      const { unseen, yearsAt } = await unseenOfRun(q, now, ctx.now(), seen.years);
      // What the pages' tombstones delete is gone by the run's end, not the reconciliation's.
      const entries = unseen
        .filter((r) => !seen.gone.has(r.key))
        .map((r) => ({ school: r.scope, kind: 'deleted' as const, key: r.key }));
      if (entries.length === 0) throw new Weighed(undefined);
      const { diff, reasons } = await judgeReconcile(q, ctx, run, entries, yearsAt);
      const approved = await createGuardHoldsRepo(q).approvedReasons(run.id);
      throw new Weighed(
        new RunHeld(
          diff,
          reasons.filter((r) => !coveredBy([r], approved)),
        ),
      );
    });
  } catch (err) {
    if (err instanceof Weighed) return err.held;
    throw err;
  }
  return undefined;
}
