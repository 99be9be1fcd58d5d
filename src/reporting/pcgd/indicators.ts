/**
 * The eleven commune indicators of the PCGD-XMC rule set (PCGD-RULES.md §2): for each, its standard,
 * the ages of its cohort, the person flag that puts a counted person in its numerator, and its names.
 */
import type { CommuneIndicatorCode } from '../../canonical/pcgd-figures.js';
import type { PersonFlagName as PersonFlag } from '../../store/pcgd.js';

/** What makes a counted person part of an indicator's numerator (declared with their SQL in the store). */
export { PERSON_FLAG_NAMES as PERSON_FLAGS, type PersonFlagName as PersonFlag } from '../../store/pcgd.js';

export type Standard = 'preschool' | 'primary' | 'lower_secondary' | 'literacy';

/** One commune indicator (PCGD-RULES.md §2). */
export interface IndicatorDef {
  code: IndicatorCode;
  standard: Standard;
  /** Cohort: ages from..to inclusive. */
  ages: readonly [number, number];
  numerator: PersonFlag;
  /** Short names for headings (vi, en). */
  label: { vi: string; en: string };
  /** The persons a shortfall counts, as a noun phrase ("6-year-olds in grade 1"). */
  who: { vi: string; en: string };
}

/** The eleven commune indicators (their codes are canonical: src/canonical/pcgd-figures.ts). */
export type IndicatorCode = CommuneIndicatorCode;

const ind = (
  code: IndicatorCode,
  standard: Standard,
  ages: readonly [number, number],
  numerator: PersonFlag,
  label: [vi: string, en: string],
  who: [vi: string, en: string],
): IndicatorDef => ({
  code,
  standard,
  ages,
  numerator,
  label: { vi: label[0], en: label[1] },
  who: { vi: who[0], en: who[1] },
});

/** The indicators, in report order. */
export const INDICATORS: readonly IndicatorDef[] = [
  ind(
    'preschool5_attending',
    'preschool',
    [5, 5],
    'hasClass',
    ['Trẻ 5 tuổi đi học', '5-year-olds attending'],
    ['trẻ 5 tuổi đi học', '5-year-olds attending school'],
  ),
  ind(
    'preschool5_completed',
    'preschool',
    [5, 5],
    'completedPreschool',
    ['Trẻ 5 tuổi hoàn thành chương trình GDMN', '5-year-olds who completed preschool'],
    ['trẻ 5 tuổi hoàn thành chương trình GDMN', '5-year-olds completing preschool'],
  ),
  ind(
    'primary_grade1_entry_age6',
    'primary',
    [6, 6],
    'inGrade1to12',
    ['Trẻ 6 tuổi vào lớp 1', '6-year-olds in grade 1'],
    ['trẻ 6 tuổi vào lớp 1', '6-year-olds in grade 1'],
  ),
  ind(
    'primary_completed_age11',
    'primary',
    [11, 11],
    'completedPrimary',
    ['Trẻ 11 tuổi hoàn thành chương trình tiểu học', '11-year-olds who completed primary'],
    ['trẻ 11 tuổi hoàn thành chương trình tiểu học', '11-year-olds completing primary school'],
  ),
  ind(
    'primary_completed_age14',
    'primary',
    [14, 14],
    'completedPrimary',
    ['Trẻ 14 tuổi hoàn thành chương trình tiểu học', '14-year-olds who completed primary'],
    ['trẻ 14 tuổi hoàn thành chương trình tiểu học', '14-year-olds completing primary school'],
  ),
  ind(
    'lower_secondary_diploma_age15_18',
    'lower_secondary',
    [15, 18],
    'completedLowerSecondary',
    ['Thanh thiếu niên 15–18 tuổi có bằng THCS', 'Ages 15–18 with a lower-secondary diploma'],
    ['người 15–18 tuổi có bằng THCS', 'persons aged 15–18 with a lower-secondary diploma'],
  ),
  ind(
    'lower_secondary_continuing_age15_18',
    'lower_secondary',
    [15, 18],
    'inGrade1to12',
    [
      'Thanh thiếu niên 15–18 tuổi đang học (phổ thông, GDTX)',
      'Ages 15–18 in general or continuing education',
    ],
    ['người 15–18 tuổi đang học', 'persons aged 15–18 in school'],
  ),
  ind(
    'literacy_level1_age15_35',
    'literacy',
    [15, 35],
    'literate1',
    ['Người 15–35 tuổi biết chữ mức 1', 'Ages 15–35 literate at level 1'],
    ['người 15–35 tuổi biết chữ mức 1', 'persons aged 15–35 literate at level 1'],
  ),
  ind(
    'literacy_level1_age15_25',
    'literacy',
    [15, 25],
    'literate1',
    ['Người 15–25 tuổi biết chữ mức 1', 'Ages 15–25 literate at level 1'],
    ['người 15–25 tuổi biết chữ mức 1', 'persons aged 15–25 literate at level 1'],
  ),
  ind(
    'literacy_level2_age15_60',
    'literacy',
    [15, 60],
    'literate2',
    ['Người 15–60 tuổi biết chữ mức 2', 'Ages 15–60 literate at level 2'],
    ['người 15–60 tuổi biết chữ mức 2', 'persons aged 15–60 literate at level 2'],
  ),
  ind(
    'literacy_level2_age15_35',
    'literacy',
    [15, 35],
    'literate2',
    ['Người 15–35 tuổi biết chữ mức 2', 'Ages 15–35 literate at level 2'],
    ['người 15–35 tuổi biết chữ mức 2', 'persons aged 15–35 literate at level 2'],
  ),
];

export const INDICATOR_BY_CODE: ReadonlyMap<IndicatorCode, IndicatorDef> = new Map(
  INDICATORS.map((d) => [d.code, d]),
);

/** An indicator's cohort as a noun phrase: `6-year-olds` (one age), `persons aged 15–18` (a span). */
export function cohortOf(def: IndicatorDef): { vi: string; en: string } {
  const [a, b] = def.ages;
  return a === b
    ? { vi: `trẻ ${a} tuổi`, en: `${a}-year-olds` }
    : { vi: `người ${a}–${b} tuổi`, en: `persons aged ${a}–${b}` };
}

/** A value for a normal commune and for an especially difficult (ĐBKK) one. */
export interface ByCommuneKind<T> {
  normal: T;
  difficult: T;
}
