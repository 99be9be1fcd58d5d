/**
 * A dead-letter replay's outcome in words (the dashboard's Việc lỗi page). The words come from i18n.ts's `t`, passed
 * in, so that this module needs no browser (the unit tests read it in Node).
 */

/** The i18n.ts keys a replay's outcome is said with. */
type ReplayKey =
  | 'mappingPinned'
  | 'mappingCurrent'
  | 'replayedCount'
  | 'replayedNone'
  | 'letterNoMapping'
  | 'letterPinned'
  | 'letterCurrentUnpinnable'
  | 'letterCurrent'
  | 'lettersClosed';
/** i18n.ts's `t`. */
export type Say = (key: ReplayKey, vars?: Record<string, string | number>) => string;

/** What POST /v1/dead-letters/replay answers: the letters replayed, each one's mapping, those closed instead. */
export interface ReplayOutcome {
  replayed: number[];
  mapping: 'current' | 'pinned';
  items: Array<{ id: number; mappingVersion: string | null; pinned: boolean }>;
  closed: number[];
}

/**
 * A replay's outcome in words (review32 F7: "Đã chạy lại: 0 (#)" for a closed scheduler letter, no word of the
 * mapping): how many with which choice, each letter's mapping as `truc dead-letters replay` says it (the version,
 * pinned or current, or that its work maps nothing), and the letters closed without a replay. A letter whose work
 * maps nothing is named only when a pin was asked (walk5 W5-4: the default choice left, "the mapping choice does not
 * apply" read like an error on a replay that worked).
 */
export function replayedLines(r: ReplayOutcome, t: Say): string[] {
  const choice = t(r.mapping === 'pinned' ? 'mappingPinned' : 'mappingCurrent');
  const head =
    r.replayed.length > 0 ? t('replayedCount', { n: r.replayed.length, with: choice }) : t('replayedNone');
  const letters = r.items.map((i) => {
    const vars = { id: i.id, version: i.mappingVersion ?? '' };
    if (!i.mappingVersion) return r.mapping === 'pinned' ? t('letterNoMapping', vars) : null;
    if (i.pinned) return t('letterPinned', vars);
    return t(r.mapping === 'pinned' ? 'letterCurrentUnpinnable' : 'letterCurrent', vars);
  });
  const closed = r.closed.length > 0 ? [t('lettersClosed', { ids: `#${r.closed.join(', #')}` })] : [];
  return [head, ...letters.filter((l): l is string => l !== null), ...closed];
}
