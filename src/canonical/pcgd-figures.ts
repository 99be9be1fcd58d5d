/**
 * Canonical annual PCGD-XMC figures of one unit for one working year: what truc computes
 * (src/reporting/pcgd) and what the moet-pcgd mapping writes to the Ministry. Indicator codes are
 * OURS — no official list of PCGD-XMC report forms was found (DOMAIN.md §2.5): one code per quantity
 * of Decree 20/2014 (thresholds in DOMAIN.md §1.1) for one cohort (PCGD-RULES.md §2), and for a
 * province one `communes_meeting_<level>` count per level (§4).
 */
import type { PcgdLevelName, UnitLevel } from '../config.js';

export type { UnitLevel };

/** The eleven commune indicators of PCGD-RULES.md §2. */
export const COMMUNE_INDICATOR_CODES = [
  'preschool5_attending',
  'preschool5_completed',
  'primary_grade1_entry_age6',
  'primary_completed_age11',
  'primary_completed_age14',
  'lower_secondary_diploma_age15_18',
  'lower_secondary_continuing_age15_18',
  'literacy_level1_age15_35',
  'literacy_level1_age15_25',
  'literacy_level2_age15_60',
  'literacy_level2_age15_35',
] as const;
export type CommuneIndicatorCode = (typeof COMMUNE_INDICATOR_CODES)[number];

/** A figures indicator: a commune indicator, or (province only) the communes meeting a level. */
export type FigureIndicatorCode = CommuneIndicatorCode | `communes_meeting_${PcgdLevelName}`;

/** One indicator: `numerator` of `denominator` (persons, or communes for `communes_meeting_*`). */
export interface FigureIndicator {
  code: FigureIndicatorCode;
  numerator: number;
  denominator: number;
}

/**
 * The rate of an indicator: percent rounded half up to two decimals, null when the denominator is 0; exact (one
 * integer product, one division, then rounding). The one rule of the report, its signed package and forms, and the
 * figures the Ministry receives (pcgd12: the wire's `(n / d) × 10000` rounded 57/800 = 7.125 % down to 7.12 while
 * the signed package said 7.13).
 */
export function rateOf(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator * 10_000) / denominator) / 100;
}

/** Canonical annual figures of one unit (commune 5-digit, province 2-digit) for one working year. */
export interface CanonicalFigures {
  unitCode: string;
  unitLevel: UnitLevel;
  year: number;
  indicators: FigureIndicator[];
}
