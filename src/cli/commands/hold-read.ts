/**
 * `truc holds show`'s read of one hold: the hold as stored (every school's codes), its totals over all schools as the
 * API's hold answers them (fix34a pages the API's diff by school; the CLI's `--json` keeps every school), and what
 * its run did not apply of the schools an approval left out.
 */
import type { Config } from '../../config.js';
import type { GuardHold, GuardHoldSummary } from '../../store/guard-holds.js';
import type { NotApplied } from '../../store/run-except.js';

export type WholeHold = GuardHold &
  Pick<GuardHoldSummary, 'reasonsTotal' | 'schools' | 'totals'> & { notApplied: NotApplied[] };

/** The hold `id` whole, or undefined when there is none. */
export async function readWholeHold(config: Config, id: number): Promise<WholeHold | undefined> {
  const { withDb } = await import('../../ops.js');
  const { createGuardHoldsRepo } = await import('../../store/guard-holds.js');
  const { createRunExceptRepo } = await import('../../store/run-except.js');
  return withDb(config, async (db) => {
    const holds = createGuardHoldsRepo(db);
    const [hold, sum] = [await holds.get(id), await holds.summary(id)];
    if (!hold || !sum) return undefined;
    const notApplied = await createRunExceptRepo(db).ofHold(hold);
    return { ...hold, reasonsTotal: sum.reasonsTotal, schools: sum.schools, totals: sum.totals, notApplied };
  });
}
