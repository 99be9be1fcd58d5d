/**
 * School years: the `SchoolYear` entity, the 'YYYY-YYYY' code, and helpers to find the year a date
 * falls in. Pure: no clock; callers pass dates.
 */
import { z } from 'zod';
import { asIs } from './as-is.js';
import { bilingual } from './messages.js';
import { IsoDateSchema, MAX_YEAR, MIN_YEAR, entity, isIsoDate } from './primitives.js';

/**
 * The day a school year starts, for bucketing dates into school years.
 * Source: Công văn 4862/BGDĐT-KHTC (10/09/2014): the PCGD-XMC system opens the new working year
 * automatically on 1 September each year (DOMAIN.md §2.3). An individual year's actual calendar
 * (opening ceremony, last day) is carried by the `SchoolYear` entity, not by this constant.
 */
export const SCHOOL_YEAR_START = {
  month: 9,
  day: 1,
  source: 'Công văn 4862/BGDĐT-KHTC (10/09/2014), DOMAIN.md §2.3: new working year opens 1 September',
} as const;

/** The spellings of a school year read (`parseSchoolYear`): 2025-2026, 2025 - 26, 2025/2026, 2025–2026. */
export const LOOSE_SCHOOL_YEAR = /^(\d{4})\s*[-–—/]\s*(\d{2}|\d{4})$/;

const M = {
  code: bilingual(
    `A school year must look like 2025-2026: two consecutive years between ${MIN_YEAR} and ${MAX_YEAR}.`,
    `Năm học phải có dạng 2025-2026: hai năm liên tiếp trong khoảng ${MIN_YEAR}–${MAX_YEAR}.`,
  ),
  range: bilingual(
    'The school year must start in its first year and end after it starts, in its second year.',
    'Năm học phải bắt đầu trong năm thứ nhất và kết thúc sau ngày bắt đầu, trong năm thứ hai.',
  ),
} as const;

function yearAt(value: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 4; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** True for `YYYY-YYYY` with consecutive years, the first in MIN_YEAR..MAX_YEAR-1 (a char-code scan, no match array). */
function isSchoolYearCode(value: string): boolean {
  if (value.length !== 9 || value.charCodeAt(4) !== 45) return false;
  const first = yearAt(value, 0);
  return first >= MIN_YEAR && first < MAX_YEAR && yearAt(value, 5) === first + 1;
}

/**
 * A school-year code's shape, the OpenAPI's `pattern` (W6 item 5: it was a bare string): 'YYYY-YYYY', the first year
 * MIN_YEAR..MAX_YEAR-1; that the years are consecutive is the refine's ({@link isSchoolYearCode}).
 */
export const SCHOOL_YEAR_CODE = /^(?:19|20)\d{2}-(?:19\d{2}|20\d{2}|2100)$/;

/** School-year code 'YYYY-YYYY' with consecutive years, e.g. '2025-2026'. */
export const SchoolYearCodeSchema = asIs(
  z
    .string({ error: M.code })
    .trim()
    .regex(SCHOOL_YEAR_CODE, { error: M.code, abort: true })
    .refine(isSchoolYearCode, { error: M.code }),
  (v) => typeof v === 'string' && isSchoolYearCode(v),
);

/** A school year with its actual first and last day. */
export const SchoolYearSchema = entity({
  code: SchoolYearCodeSchema,
  startDate: IsoDateSchema,
  endDate: IsoDateSchema,
}).refine(
  (y) =>
    y.startDate.slice(0, 4) === y.code.slice(0, 4) &&
    y.endDate.slice(0, 4) === y.code.slice(5, 9) &&
    y.endDate > y.startDate,
  { error: M.range, path: ['endDate'] },
);
export type SchoolYear = z.infer<typeof SchoolYearSchema>;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function isoOf(year: number, month: number, day: number): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** The school year that starts in `startYear`, bounded by SCHOOL_YEAR_START (e.g. 2025-09-01..2026-08-31). */
export function schoolYearStartingIn(startYear: number): SchoolYear {
  if (!Number.isInteger(startYear) || startYear < MIN_YEAR || startYear >= MAX_YEAR) {
    throw new RangeError(`start year out of range ${MIN_YEAR}..${MAX_YEAR - 1}`);
  }
  const dayBeforeNextStart = new Date(
    Date.UTC(startYear + 1, SCHOOL_YEAR_START.month - 1, SCHOOL_YEAR_START.day - 1),
  );
  return {
    code: `${startYear}-${startYear + 1}`,
    startDate: isoOf(startYear, SCHOOL_YEAR_START.month, SCHOOL_YEAR_START.day),
    endDate: dayBeforeNextStart.toISOString().slice(0, 10),
  };
}

/**
 * The code of the school year a calendar date (ISO `YYYY-MM-DD`, Vietnam local) falls in:
 * on or after 1 September → that year's school year, before → the previous one.
 * @throws RangeError when `date` is not a real ISO date.
 */
export function schoolYearOf(date: string): string {
  if (!isIsoDate(date)) throw new RangeError('schoolYearOf expects an ISO date YYYY-MM-DD');
  const year = Number(date.slice(0, 4));
  const started = date.slice(5) >= `${pad2(SCHOOL_YEAR_START.month)}-${pad2(SCHOOL_YEAR_START.day)}`;
  const startYear = started ? year : year - 1;
  return `${startYear}-${startYear + 1}`;
}

/**
 * The first calendar year of a school-year code ('2025-2026' → 2025): its four leading digits, read without a copy
 * (the quality rules read it once a record). The one reader of it (the quality rules, vnEdu's school year).
 */
export function startYearOf(schoolYear: string): number {
  return (
    (schoolYear.charCodeAt(0) - 48) * 1000 +
    (schoolYear.charCodeAt(1) - 48) * 100 +
    (schoolYear.charCodeAt(2) - 48) * 10 +
    (schoolYear.charCodeAt(3) - 48)
  );
}

/**
 * Parses a school-year code into its nominal range. Accepts '2025-2026' and common variants
 * ('2025 - 2026', '2025/2026', '2025–2026', '2025-26'); returns undefined when not consecutive years.
 */
export function parseSchoolYear(raw: string): SchoolYear | undefined {
  const m = LOOSE_SCHOOL_YEAR.exec(raw.normalize('NFC').trim());
  if (!m?.[1] || !m[2]) return undefined;
  const first = Number(m[1]);
  const second = m[2].length === 2 ? first + 1 - ((first + 1) % 100) + Number(m[2]) : Number(m[2]);
  if (second !== first + 1 || first < MIN_YEAR || first >= MAX_YEAR) return undefined;
  return schoolYearStartingIn(first);
}

/** Vietnam's fixed offset from UTC (no daylight saving), for turning an instant into a local date. */
export const VIETNAM_UTC_OFFSET_MINUTES = 7 * 60;

/** The calendar date (YYYY-MM-DD) in Vietnam at `instant`. */
export function vietnamDateOf(instant: Date): string {
  return new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
}

/**
 * An instant as a person in Vietnam reads it, to the minute: `2026-12-04 01:10 (+07)` (the CLI's and the demo's
 * lines; JSON keeps the ISO form).
 */
export function vietnamTimeOf(instant: Date): string {
  const local = new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MINUTES * 60_000).toISOString();
  return `${local.slice(0, 16).replace('T', ' ')} (+07)`;
}

/**
 * The code of the school year under way at `instant` (its date in Vietnam, {@link schoolYearOf}): "this school
 * year" by a clock, for the jobs and the simulators' populations alike (review25 N6).
 */
export function schoolYearAt(instant: Date): string {
  return schoolYearOf(vietnamDateOf(instant));
}
