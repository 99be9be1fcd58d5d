/**
 * A CLI line's Vietnamese half (before the first ` / `, src/cli/kit.ts `both`) reads Vietnamese (review25 N3): it
 * holds none of the English keys the store's statuses, kinds and entities are kept by. Codes stay as they are (a
 * schedule id `smas-students-nightly`, `ERR_GUARD_REJECTED`, `truc holds approve 3`): a key counts as a word
 * of its own only, and the allowed values a refusal lists are keys to type.
 */
const ENGLISH_KEYS = new Set([
  // entities
  'schools',
  'classes',
  'students',
  'staff',
  'persons',
  // sync runs, reconciliations, holds, schedule fires
  'queued',
  'running',
  'held',
  'done',
  'failed',
  'approved',
  'rejected',
  'superseded',
  'run',
  'reconcile',
  'batch',
  'requested',
  'paused',
  'manual',
  'busy',
  'refused',
  'system',
  'entity',
]);

/** The English keys the Vietnamese half of `line` holds as words of their own (none: it reads Vietnamese). */
export function englishKeysInVietnamese(line: string): string[] {
  // The values a refusal lists as allowed (`cần một trong queued, running, …`) are keys to type: kept as they are.
  const vi = (line.split(' / ')[0] ?? '').split('một trong ')[0]!;
  return vi
    .split(/[\s,;()]+/)
    .map((w) => w.replace(/[:.]+$/, ''))
    .filter((w) => ENGLISH_KEYS.has(w));
}
