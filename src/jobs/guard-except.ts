/**
 * An approval that leaves schools out (fix33b, issue 7 item 3): a city-wide run held at 40 schools, 39 of them the
 * normal rollover and one with a broken source, is approved except that one. What may be left out: only schools a
 * sync run's hold (a held page, or its reconciliation) shows, by code (a vendor batch is one school's, decided
 * whole; a schools run weighs the city's schools as one, `*`, and is decided whole too). Refused otherwise
 * (ERR_GUARD_EXCEPT_SCHOOLS, 400), before anything is written. What leaving out does is ./run-except.ts's (the run's
 * pages and reconciliation leave those schools' records alone, counted).
 */
import { AppError, both } from '../errors.js';
import { CITY_SCHOOLS, type GuardHold } from '../store/guard-holds.js';

/** The most schools one approval may leave out. */
export const EXCEPT_SCHOOLS_MAX = 1000;

/** The schools of a hold an approval may leave out: those its diff and reasons show (not {@link CITY_SCHOOLS}). */
export function schoolsOfHold(hold: Pick<GuardHold, 'diff' | 'reasons'>): Set<string> {
  const schools = new Set([...hold.diff.map((d) => d.school), ...hold.reasons.map((r) => r.school)]);
  schools.delete(CITY_SCHOOLS);
  return schools;
}

/**
 * The schools to leave out, each once and sorted; throws ERR_GUARD_EXCEPT_SCHOOLS naming what is wrong: the hold is
 * not a run's, or a code is not among the hold's schools.
 */
export function checkExceptSchools(
  hold: Pick<GuardHold, 'id' | 'kind' | 'diff' | 'reasons'>,
  except: readonly string[],
): string[] {
  const schools = [...new Set(except)].sort();
  if (hold.kind === 'batch')
    throw new AppError(
      'ERR_GUARD_EXCEPT_SCHOOLS',
      both(
        `lệnh giữ ${hold.id} là lô của một trường: duyệt hoặc từ chối cả lô`,
        `guard hold ${hold.id} is one school's batch: approve or reject it whole`,
      ),
    );
  const of = schoolsOfHold(hold);
  const unknown = schools.filter((s) => !of.has(s));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).join(', ') + (unknown.length > 10 ? ', …' : '');
    throw new AppError(
      'ERR_GUARD_EXCEPT_SCHOOLS',
      both(
        `lệnh giữ ${hold.id} không có trường: ${shown}`,
        `guard hold ${hold.id} holds no such school: ${shown}`,
      ),
    );
  }
  return schools;
}
