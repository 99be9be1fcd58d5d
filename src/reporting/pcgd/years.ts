/**
 * The report years a PCGD-XMC parameter may name (fix32a): the one rule of every year the officer's API and the CLI
 * take (a computation's `year`, the deadlines' `?year=`), refused alike, 400 `ERR_VALIDATION` in both languages with
 * the range in its words and the field's pointer. From the first year of Decree 20/2014/NĐ-CP's standards, which
 * truc's rule set `pcgd-2014.1` counts by, to this year (Vietnam's) for figures (a year not begun has none, review26a
 * N12), or to next year for deadlines (a year further on is a typo: `GET /v1/pcgd/deadlines?year=2099` answered 200).
 */
import { vietnamDateOf } from '../../canonical/school-year.js';
import { AppError, both } from '../../errors.js';

/** The first PCGD-XMC report year truc knows: Decree 20/2014/NĐ-CP (24 March 2014), rule set pcgd-2014.1. */
export const FIRST_REPORT_YEAR = 2014;

/** What a year is asked for: figures to compute (a year begun), or deadlines to read (up to next year). */
export type YearUse = 'compute' | 'deadlines';

/** The last year `use` may name at `now` (Vietnam's calendar year, or the next one). */
export function lastReportYear(use: YearUse, now: Date): number {
  const thisYear = Number(vietnamDateOf(now).slice(0, 4));
  return use === 'compute' ? thisYear : thisYear + 1;
}

/** Why `year` cannot be named for `use` at `now`, in each language; undefined when it can. */
export function reportYearProblem(
  year: number,
  use: YearUse,
  now: Date,
): { vi: string; en: string } | undefined {
  const last = lastReportYear(use, now);
  const range = {
    vi: `năm báo cáo từ ${FIRST_REPORT_YEAR} đến ${last}`,
    en: `a report year is ${FIRST_REPORT_YEAR}–${last}`,
  };
  if (year < FIRST_REPORT_YEAR)
    return {
      vi: `năm báo cáo ${year} trước năm đầu tiên truc biết (${FIRST_REPORT_YEAR}, Nghị định 20/2014/NĐ-CP); ${range.vi}`,
      en: `report year ${year} is before the first year truc knows (${FIRST_REPORT_YEAR}, Decree 20/2014/NĐ-CP); ${range.en}`,
    };
  if (year <= last) return undefined;
  const thisYear = use === 'compute' ? last : last - 1;
  return use === 'compute'
    ? {
        vi: `năm báo cáo ${year} chưa bắt đầu (năm nay ${thisYear}); ${range.vi}`,
        en: `report year ${year} has not begun (this year is ${thisYear}); ${range.en}`,
      }
    : {
        vi: `năm báo cáo ${year} quá năm sau (năm nay ${thisYear}); ${range.vi}`,
        en: `report year ${year} is beyond next year (this year is ${thisYear}); ${range.en}`,
      };
}

/** Refuses a year `use` cannot name at `now`: 400 ERR_VALIDATION, the detail and one field error at `pointer`. */
export function checkReportYear(year: number, use: YearUse, now: Date, pointer: string): void {
  const problem = reportYearProblem(year, use, now);
  if (problem === undefined) return;
  const detail = both(problem.vi, problem.en);
  throw new AppError('ERR_VALIDATION', detail, {
    errors: [{ pointer, rule: 'report_year', message: detail }],
  });
}
