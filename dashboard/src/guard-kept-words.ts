/**
 * The words of an applied snapshot hold (walk5 W5-12, guard6; ./guard-kept.ts shows them): "applied N of M held
 * deletions", and for each held record a newer word kept, why and by whom. No DOM: `say` is the page's `t`
 * (./i18n.ts), over the held-changes words (./i18n-guard.ts).
 */
import type { Hold } from './api-types.js';
import type { GUARD_WORDS } from './i18n-guard.js';

export type Kept = NonNullable<Hold['kept']>[number];
/** ./i18n.ts `t` over the held-changes words. */
export type Say = (key: keyof typeof GUARD_WORDS, vars?: Record<string, string | number>) => string;

const WHY = {
  written: 'keptWritten',
  carried: 'keptCarried',
  deleted: 'keptDeleted',
  moved: 'keptMoved',
  unknown: 'keptUnknown',
} as const;

/** What kept it: `Được ghi lại sau snapshot` / `Written after the snapshot`. */
export const keptWhy = (k: Pick<Kept, 'why'>, say: Say): string => say(WHY[k.why]);

/** Who brought the newer word: a sync run's page, a batch, a system, or '—'. */
export function keptBy(k: Pick<Kept, 'batchId' | 'syncRunId' | 'system'>, say: Say): string {
  if (k.batchId && k.syncRunId !== undefined) return say('keptByRun', { run: k.syncRunId, batch: k.batchId });
  if (k.batchId) return say('keptByBatch', { batch: k.batchId });
  return k.system ?? '—';
}

/** How many it applied: `14 of 15 held deletions`, or the count alone (applied before guard6). */
export function appliedCount(hold: Pick<Hold, 'applied' | 'appliedOf'>, say: Say): string {
  const n = hold.applied ?? 0;
  return hold.appliedOf === null ? String(n) : say('appliedOf', { n, of: hold.appliedOf });
}
