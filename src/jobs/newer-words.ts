/**
 * A batch's records its write left as they are (../store/record-writes.ts `upsert`). A vendor batch's left to a
 * newer word (migration 600, ../store/word-arrival.ts): its write statement writes a record only where no word that
 * arrived after the batch is (a newer batch of the vendor ingested before it, a re-push judged at once, the city's
 * write or deletion since, a held batch approved late), whatever the batch read before; the rows it left are its
 * unchanged ones (review18 R1, review19 R19-7/R19-8). Any batch's (a vendor's, a pulled page's) left to a later
 * school year (../store/year-order.ts; review23, year24): a record of an earlier school year than the one truc holds
 * (last year's student, from a vendor or a school system not rolled over yet) is not written, nor sent anywhere;
 * it is refused (counted rejected) with the finding {@link LATER_YEAR_HELD}. What the rest of the ingest needs of
 * them: the plan as written, with the batch's own copies of those records, which a school system's copies note as
 * what that system held when the batch arrived (review18b R3: its next copy of the same is no change) — less
 * those a re-push in the batch's own format carried since (what that body carried was noted when it was first
 * judged: review19b).
 */
import type { Finding } from '../quality/index.js';
import type { ExistingRow, UpsertLeft, UpsertRow } from '../store/records.js';
import { withFindings } from './judge-rows.js';
import type { Checked, JudgeContext, Plan } from './judge.js';
import { carriedByRepushes } from './repeat-carried.js';
import type { Queryable } from '../store/db.js';
import type { EntityName } from '../config.js';

/**
 * The finding on a record left to a later school year: a gate of who may write (tenancy: no policy softens it),
 * reported by the write itself, not by the quality engine's checks (not in the rule catalogue).
 */
export const LATER_YEAR_HELD = {
  code: 'TENANCY_LATER_YEAR_HELD',
  message: {
    vi: 'Không ghi: truc đang giữ bản ghi này của một năm học sau; bản ghi của năm học trước không ghi đè lên bản ghi đó.',
    en: 'Not written: truc holds this record of a later school year; a record of an earlier school year does not overwrite it.',
  },
  hint: {
    vi: 'Kết chuyển trường sang năm học hiện tại rồi gửi bản ghi của năm học này.',
    en: 'Roll the school over to the current school year, then send this year’s record.',
  },
} as const;

/** `p` as written, when the write left `left` (keys of `p.toWrite`) to a newer word or `earlier` to a later school year. */
export async function leftToNewer(
  q: Queryable,
  deps: JudgeContext,
  batch: { entity: EntityName; createdAt: Date; format: string },
  p: Plan,
  { left, earlier }: UpsertLeft,
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope'>>,
): Promise<Plan> {
  if (left.length === 0 && earlier.length === 0) return p;
  const older = new Set(earlier);
  const notWritten = new Set([...left, ...earlier]);
  const schools = [...notWritten].flatMap((k) => (existing.has(k) ? [existing.get(k)!.scope] : []));
  const carried =
    schools.length > 0
      ? await carriedByRepushes(q, deps, batch.entity, schools, batch.createdAt)
      : new Map<string, Set<string>>();
  const leftRows: UpsertRow[] = p.toWrite.filter((r) => notWritten.has(r.key));
  const newer = leftRows.filter((r) => !older.has(r.key)).map((r) => r.key);
  return {
    ...p,
    toWrite: p.toWrite.filter((r) => !notWritten.has(r.key)),
    unchangedKeys: [...p.unchangedKeys, ...newer],
    rejected: p.rejected + earlier.length,
    leftKeys: newer,
    ...(earlier.length > 0 ? { earlierKeys: earlier } : {}),
    leftCopies: leftRows.filter((r) => carried.get(r.key)?.has(batch.format) !== true),
  };
}

/**
 * `checked` with the finding {@link LATER_YEAR_HELD} on each record the write left to a later school year
 * (`p.earlierKeys`), at its school year (not personal data), after the record's other findings.
 */
export function withLaterYearFindings(checked: Checked, p: Plan): Checked {
  const earlier = new Set(p.earlierKeys ?? []);
  if (earlier.size === 0) return checked;
  const added: Finding[] = [];
  checked.records.forEach((rec, index) => {
    if (rec === undefined || checked.rejected.has(index) || !earlier.has(rec.key)) return;
    const year = (rec.data as { schoolYear?: unknown }).schoolYear;
    added.push({
      index,
      rule: LATER_YEAR_HELD.code,
      criterion: 'tenancy',
      severity: 'error',
      pointer: '/schoolYear',
      ...(typeof year === 'string' ? { value: year } : {}),
      vi: LATER_YEAR_HELD.message.vi,
      en: LATER_YEAR_HELD.message.en,
      hintVi: LATER_YEAR_HELD.hint.vi,
      hintEn: LATER_YEAR_HELD.hint.en,
    });
  });
  return withFindings(checked, added);
}
