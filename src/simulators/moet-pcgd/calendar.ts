/**
 * The PCGD-XMC calendar as data: when a working year opens and when each level's submission window
 * closes. Used by the simulator (and available to callers that want to plan pushes).
 *
 * Sources (DOMAIN.md §2.2, §2.3):
 * - the system opens the new working year on 1 September each year — Công văn 4862/BGDĐT-KHTC (10/09/2014);
 * - data period 1 October of the previous year to 30 September; commune reports before 3 October,
 *   province before 10 October — Circular 19/2020/TT-BGDĐT. The district step (before 5 October) no
 *   longer exists after 1 July 2025 (DOMAIN.md §0.1).
 *
 * All dates are local dates in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). `submitBefore` is exclusive.
 */
import type { UnitLevel, WorkingYearWire } from '../../adapters/moet-pcgd/schema.js';

/** A day of the year, 1-based month. */
export interface MonthDay {
  month: number;
  day: number;
}

/** The calendar rules; every field is configurable because a new circular may move them. */
export interface PcgdCalendar {
  /** First day of a working year. @defaultValue 1 September (Công văn 4862/BGDĐT-KHTC) */
  opensOn: MonthDay;
  /** Exclusive deadline per level. @defaultValue commune 3 Oct, province 10 Oct (Circular 19/2020) */
  submitBefore: Record<UnitLevel, MonthDay>;
}

/** The calendar of the sources above. */
export const DEFAULT_CALENDAR: PcgdCalendar = Object.freeze({
  opensOn: { month: 9, day: 1 },
  submitBefore: { commune: { month: 10, day: 3 }, province: { month: 10, day: 10 } },
});

const OPENED_BY = 'Công văn 4862/BGDĐT-KHTC';
const DEADLINE_SOURCE = 'Thông tư 19/2020/TT-BGDĐT';
const VN_OFFSET_MS = 7 * 3600 * 1000;

/** ISO `YYYY-MM-DD` of a year and month-day. */
function isoOf(year: number, md: MonthDay): string {
  return `${String(year).padStart(4, '0')}-${String(md.month).padStart(2, '0')}-${String(md.day).padStart(2, '0')}`;
}

/** The local date (Asia/Ho_Chi_Minh) of an instant, as ISO `YYYY-MM-DD`. */
function localIsoDate(now: Date): string {
  return new Date(now.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Unit level from a unit code: 5 digits = commune, 2 digits = province, otherwise undefined. */
export function unitLevelOf(unitCode: string): UnitLevel | undefined {
  if (/^\d{5}$/.test(unitCode)) return 'commune';
  if (/^\d{2}$/.test(unitCode)) return 'province';
  return undefined;
}

/** The working year open at `now`: Y from its opening day until the day before the next one. */
function workingYearAt(now: Date, calendar: PcgdCalendar = DEFAULT_CALENDAR): number {
  const today = localIsoDate(now);
  const year = Number(today.slice(0, 4));
  return today >= isoOf(year, calendar.opensOn) ? year : year - 1;
}

/** The submission window of one level for one working year, and whether it is open at `now`. */
export function windowOf(
  level: UnitLevel,
  year: number,
  now: Date,
  calendar: PcgdCalendar = DEFAULT_CALENDAR,
): { opensOn: string; submitBefore: string; open: boolean } {
  const opensOn = isoOf(year, calendar.opensOn);
  const submitBefore = isoOf(year, calendar.submitBefore[level]);
  const today = localIsoDate(now);
  return { opensOn, submitBefore, open: today >= opensOn && today < submitBefore };
}

/** The `GET /v1/working-year` answer at `now`. */
export function workingYearInfo(now: Date, calendar: PcgdCalendar = DEFAULT_CALENDAR): WorkingYearWire {
  const year = workingYearAt(now, calendar);
  const levels: UnitLevel[] = ['commune', 'province'];
  return {
    year,
    schoolYear: `${year}-${year + 1}`,
    opensOn: isoOf(year, calendar.opensOn),
    openedBy: OPENED_BY,
    timeZone: 'Asia/Ho_Chi_Minh',
    dataPeriod: { from: `${year - 1}-10-01`, to: `${year}-09-30` },
    windows: levels.map((unitLevel) => ({
      unitLevel,
      ...windowOf(unitLevel, year, now, calendar),
      source: DEADLINE_SOURCE,
    })),
  };
}
