/**
 * A sync run's record deleted and brought back within the run (guard6, issue 7 item 3): a page's tombstone and a
 * later page (or the same page's records, applied after its tombstones) restoring the record to the school it was
 * deleted from. The guard counted it twice, a deletion against `deleteRatio` and a restore against `changeRatio`, so
 * a run could be held for deletions that did not happen. The run keeps the records its tombstones deleted
 * (../store/run-guard.ts `deletedByRun`, migration 1437, written by the tombstone statement itself); a page's
 * restores of those, at that school, are weighed as what they are for the school as it was before the run: one
 * change each (its copy may differ from the deleted one; an unchanged one is counted so too, toward holding), the
 * run's deletion of it taken back, and no record brought to the school (`arrived`). Read only for a page that
 * restores something (a first sync restores nothing: no statement on its pages).
 */
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createRunGuardRepo } from '../store/run-guard.js';
import type { GuardEntry } from './guard.js';
import { runUnit, type PageEffect } from './run-counts.js';

/** The page's effect with its restores of what the run itself deleted there weighed as changes ({@link GuardEntry} `undeletes`). */
export async function withRunRestores(
  q: Queryable,
  run: { id: number; entity: EntityName },
  page: PageEffect,
): Promise<PageEffect> {
  const restored = page.entries.filter((e) => e.kind === 'restored').map((e) => e.key);
  if (restored.length === 0) return page;
  const deleted = await createRunGuardRepo(q).deletedByRun(run.id, restored);
  if (deleted.size === 0) return page;
  const unit = runUnit(run.entity);
  const arrived = new Map(page.arrived);
  const entries = page.entries.map((e): GuardEntry => {
    if (e.kind !== 'restored' || deleted.get(e.key) !== e.school) return e;
    const u = unit(e.school, e.key);
    arrived.set(u, (arrived.get(u) ?? 0) - 1);
    return { ...e, kind: 'changed', undeletes: true };
  });
  for (const [u, n] of arrived) if (n <= 0) arrived.delete(u);
  return { entries, arrived };
}
