/**
 * Shared state of one population (options, layout, stream ids, small helpers) passed to the record
 * builders. Nothing here grows with the population.
 */
import { weighted, type Rng } from './prng.js';
import type { Layout } from './layout.js';
import type { DisabilityCode } from '../../canonical/enums.js';

/** Stream ids: each record family draws from its own stream of (seed, stream, index). */
export const STREAM = {
  school: 1,
  student: 2,
  resident: 3,
  staff: 4,
  personExtra: 5,
  discrepancy: 6,
  discrepancyKind: 7,
  away: 8,
  changedAt: 9,
  classes: 10,
  parents: 11,
  contacts: 12,
} as const;

/** Resolved options and layout of one population. */
export interface PopulationContext {
  seed: number;
  schools: number;
  studentsPerSchool: number;
  staffPerSchool: number;
  students: number;
  extraPersons: number;
  discrepancyRate: number;
  /** First calendar year of the school year (2025 for '2025-2026'). */
  startYear: number;
  schoolYear: string;
  asOfMs: number;
  layout: Layout;
}

/** Ethnicity codes (DOMAIN §3.4) weighted for HCMC: Kinh, then Hoa, Khơ-me, Chăm, Nùng, Tày, Mường … */
export const ETHNICITY = weighted(
  '01:930 04:50 05:8 17:3 07:3 02:2 06:2 03:1 09:1 55:1'.split(' ').map((row) => {
    const [code, weight] = row.split(':');
    return [code as string, Number(weight)] as const;
  }),
);

const DISABILITY = weighted<DisabilityCode>([
  ['intellectual', 35],
  ['physical', 20],
  ['speech', 15],
  ['hearing', 10],
  ['visual', 10],
  ['multiple', 5],
  ['other', 5],
]);

/** A disability code with probability p, else undefined (field absent). */
export function disabilityOf(rng: Rng, p: number): DisabilityCode | undefined {
  return rng.chance(p) ? DISABILITY.pick(rng.next()) : undefined;
}

/** An ISO date (YYYY-MM-DD) uniformly within `year`. */
export function dateInYear(rng: Rng, year: number): string {
  const days = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 366 : 365;
  return new Date(Date.UTC(year, 0, 1 + rng.int(days))).toISOString().slice(0, 10);
}

/** An ISO date uniformly between `fromMs` and `toMs`. */
export function dateBetween(rng: Rng, fromMs: number, toMs: number): string {
  return new Date(fromMs + Math.floor(rng.next() * Math.max(1, toMs - fromMs))).toISOString().slice(0, 10);
}
