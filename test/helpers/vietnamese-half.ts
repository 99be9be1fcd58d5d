import { expect } from 'vitest';
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

/** A Vietnamese letter (Latin-1 to Latin Extended Additional: ă â đ ê ô ơ ư and the tones). */
const VIETNAMESE_LETTER = /[À-ɏḀ-ỿ]/;

/**
 * `line` is one of the CLI's lines for a person (README, CLI; CONVENTIONS decision 8): Vietnamese then English,
 * `vi / en`, each half whole: the Vietnamese half holds a Vietnamese letter and no English key
 * ({@link englishKeysInVietnamese}), the English half is there and holds no Vietnamese letter (review26a: the demo's
 * `nhận / received 3, nhận vào / accepted 2` and the English-only progress lines).
 */
export function expectViThenEn(line: string): void {
  const at = line.indexOf(' / ');
  const vi = at < 0 ? line : line.slice(0, at);
  const en = at < 0 ? '' : line.slice(at + 3);
  expect(
    {
      viReadsVietnamese: VIETNAMESE_LETTER.test(vi),
      englishKeysInVi: englishKeysInVietnamese(line),
      en: en.trim() !== '',
      vietnameseInEn: en.match(new RegExp(VIETNAMESE_LETTER.source, 'g'))?.join('') ?? '',
    },
    line,
  ).toEqual({ viReadsVietnamese: true, englishKeysInVi: [], en: true, vietnameseInEn: '' });
}
