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
import { runUnit } from './run-counts.js';
import { coveredBy, judgeReconcile, RunHeld } from './run-guard.js';
import { DELETIONS_SCHOOLS_KEPT, type AheadDeletions } from '../store/guard-hold-weighing.js';

/** What the weighing-ahead found: what it adds to the hold (if anything), and the deletions it counted (fix36e). */
export interface Ahead {
  held: RunHeld | undefined;
  deletions: AheadDeletions;
}

const NONE: AheadDeletions = { records: 0, schools: 0, bySchool: [] };

/** Thrown to roll the weighing's transaction back with what it found. */
class Weighed extends Error {
  constructor(readonly ahead: Ahead) {
    super('a reconciliation weighed ahead is rolled back');
  }
}

/** The deletions per school (school year, a classes run's; the city's schools as one, a schools run's), the most first. */
function deletionsOf(run: SyncRun, entries: ReadonlyArray<{ school: string; key: string }>): AheadDeletions {
  const unitOf = runUnit(run.entity);
  const by = new Map<string, number>();
  for (const e of entries) {
    const u = unitOf(e.school, e.key);
    by.set(u, (by.get(u) ?? 0) + 1);
  }
  const bySchool = [...by]
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, DELETIONS_SCHOOLS_KEPT)
    .map(([u, records]) => {
      const [school = u, schoolYear] = u.split('/');
      return { school, ...(schoolYear ? { schoolYear } : {}), records };
    });
  return { records: entries.length, schools: by.size, bySchool };
}

/**
 * The reconciliation of the full run `run`, held with hold `holdId`, weighed ahead from `rows` (the held and weighed
 * pages' counts): what it adds to the hold (its diff, and the reasons no approval of the run covers yet; none when it
 * would delete nothing: a first sync, records that did not map, a newer full run that overtook it) and the deletions
 * it counted; undefined for a run whose end deletes nothing by nature (an incremental run) or the guard off.
 */
export async function reconcileAhead(
  ctx: PullContext,
  run: SyncRun,
  holdId: number,
  rows: readonly RunSchoolCounts[],
): Promise<Ahead | undefined> {
  if (run.since !== null || !ctx.config.guard.enabled) return undefined;
  if (!run.storedBefore) return { held: undefined, deletions: NONE };
  try {
    await ctx.db.tx(async (q) => {
      const runs = createSyncRunsRepo(q);
      const now = (await runs.get(run.id)) ?? run; // the schools approvals left out so far
      const seen = await createWeighSeenRepo(q).asRunSeen(holdId, run.id);
      if ((await runs.supersededByNewer(run.id)) || (await runs.unkeyedSeen(run.id)) > 0)
        throw new Weighed({ held: undefined, deletions: NONE });
      // The held and weighed pages count as the run's (rolled back with the rest).
      await createRunGuardRepo(q).add(run.id, rows);
      const { unseen, yearsAt } = await unseenOfRun(q, now, ctx.now(), seen.years);
      // What the pages' tombstones delete is gone by the run's end, not the reconciliation's.
      const entries = unseen
        .filter((r) => !seen.gone.has(r.key))
        .map((r) => ({ school: r.scope, kind: 'deleted' as const, key: r.key }));
      if (entries.length === 0) throw new Weighed({ held: undefined, deletions: NONE });
      // The pages' counts are not in the live records (never applied): the judgment takes them apart (ops14).
      const { diff, reasons } = await judgeReconcile(q, ctx, run, entries, yearsAt, rows);
      const approved = await createGuardHoldsRepo(q).approvedReasons(run.id);
      const open = reasons.filter((r) => !coveredBy([r], approved));
      throw new Weighed({ held: new RunHeld(diff, open), deletions: deletionsOf(run, entries) });
    });
  } catch (err) {
    if (err instanceof Weighed) return err.ahead;
    throw err;
  }
  return undefined;
}
