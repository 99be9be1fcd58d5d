/**
 * A weighing's claim kept while it works (fix35b, fix34e's leftover): the job weighing a held run's next pages holds
 * its `weigh-hold` outbox row, leased for `guard.weighing.boundSeconds` (120), and the hold undecidable as long. Both
 * were renewed only between pages, so one page read (or weighed) longer than the bound let the lease run out: the
 * relay queued the row and a second weigher read the same pages beside the first (only repeated reads, but wasteful,
 * and the hold read `interrupted` while its worker was busy). Now a heartbeat renews them every quarter of the bound
 * while a page is read and weighed, so the claim lasts while its worker lives and runs out only once it stopped.
 */
import type { PullContext } from './pull-store.js';

/**
 * Runs `work` while renewing the weighing's claim (`renew`: its hold's bound and its outbox row's lease) every quarter
 * of the bound; one renewal at a time, a failed one left to the next beat (or to the weighing's own renewals).
 */
export async function whileBeating<T>(
  ctx: Pick<PullContext, 'config'>,
  renew: () => Promise<boolean>,
  work: () => Promise<T>,
): Promise<T> {
  const everyMs = (ctx.config.guard.weighing.boundSeconds * 1000) / 4;
  let beating = false;
  const beat = setInterval(() => {
    if (beating) return;
    beating = true;
    renew()
      .catch(() => false)
      .finally(() => {
        beating = false;
      });
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
