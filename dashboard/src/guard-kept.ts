/**
 * An approved snapshot hold once applied (walk5 W5-12, guard6): "applied N of M held deletions", and each held record
 * the application left alone with why — what the newer word did, by which batch (sync run) or system, and when (its
 * words: ./guard-kept-words.ts). Codes and ids only, never personal data.
 */
import type { Hold } from './api-types.js';
import { appliedCount, keptBy, keptWhy } from './guard-kept-words.js';
import { t } from './i18n.js';
import { card, h, table, when } from './kit.js';

/** The applied stat's text: `14 of 15 held deletions — <when>`. */
export const appliedText = (hold: Pick<Hold, 'applied' | 'appliedOf' | 'appliedAt'>): string =>
  `${appliedCount(hold, t)} — ${when(hold.appliedAt)}`;

/** The records the application kept, a row each, or nothing when none (or not applied). */
export function keptCard(hold: Pick<Hold, 'kept'>): HTMLElement[] {
  const kept = hold.kept ?? [];
  if (kept.length === 0) return [];
  return [
    card(
      t('keptHead'),
      h('p', { class: 'muted' }, t('keptHint')),
      table(
        kept,
        [
          { head: 'keptCode', cell: (k) => k.key },
          { head: 'keptWhy', cell: (k) => keptWhy(k, t) },
          { head: 'keptBy', cell: (k) => keptBy(k, t) },
          { head: 'keptAt', cell: (k) => (k.at ? when(k.at) : '—') },
        ],
        { testid: 'guard-kept' },
      ),
    ),
  ];
}
