/**
 * The nine commune levels of the PCGD-XMC rule set (PCGD-RULES.md §3) with their criteria (an
 * indicator reaching a threshold, normal and ĐBKK) and province shares (§4), as a table resolved
 * against the rule set's settings.
 */
import { PCGD_LEVELS, type PcgdLevelName } from '../../config.js';
import type { ByCommuneKind, IndicatorCode, Standard } from './indicators.js';
import type { RuleSettings } from './settings.js';

export { PCGD_LEVELS, type PcgdLevelName };

/** One criterion of a level: an indicator (which may differ for ĐBKK communes) reaching a threshold. */
export interface Criterion {
  indicator: ByCommuneKind<IndicatorCode>;
  threshold: ByCommuneKind<number>;
  /** The threshold was not read in the legal text (PCGD-RULES.md marks it unverified). */
  unverified?: boolean;
}

/** One commune level (PCGD-RULES.md §3) and its province rule (§4). */
export interface LevelDef {
  level: PcgdLevelName;
  standard: Standard;
  /** Levels that must be met first. */
  requires: readonly PcgdLevelName[];
  criteria: readonly Criterion[];
  /** Share of the province's communes (with survey data) that must meet the level, percent. */
  provinceShare: number;
  label: { vi: string; en: string };
}

const same = <T>(v: T): ByCommuneKind<T> => ({ normal: v, difficult: v });
const crit = (
  indicator: IndicatorCode | ByCommuneKind<IndicatorCode>,
  normal: number,
  difficult: number,
  unverified = false,
): Criterion => ({
  indicator: typeof indicator === 'string' ? same(indicator) : indicator,
  threshold: { normal, difficult },
  ...(unverified ? { unverified } : {}),
});

/** A level as the table below gives it: its criteria may depend on the settings. */
interface LevelRow {
  level: PcgdLevelName;
  standard: Standard;
  requires: readonly PcgdLevelName[];
  criteria: (s: RuleSettings) => Criterion[];
  label: [vi: string, en: string];
}

const LIT1 = { normal: 'literacy_level1_age15_35', difficult: 'literacy_level1_age15_25' } as const;
const LIT2 = { normal: 'literacy_level2_age15_60', difficult: 'literacy_level2_age15_35' } as const;

/** Every level: the levels it requires, its criteria (indicator, normal and difficult thresholds). */
const LEVELS: readonly LevelRow[] = [
  {
    level: 'preschool5',
    standard: 'preschool',
    requires: [],
    criteria: () => [crit('preschool5_attending', 95, 90), crit('preschool5_completed', 85, 80)],
    label: ['PCGD mầm non cho trẻ 5 tuổi', 'Universal preschool for 5-year-olds'],
  },
  {
    level: 'primary_level1',
    standard: 'primary',
    requires: [],
    criteria: () => [crit('primary_grade1_entry_age6', 90, 90), crit('primary_completed_age14', 80, 70)],
    label: ['PCGD tiểu học mức độ 1', 'Universal primary, level 1'],
  },
  {
    level: 'primary_level2',
    standard: 'primary',
    requires: ['primary_level1'],
    criteria: () => [crit('primary_grade1_entry_age6', 95, 95), crit('primary_completed_age11', 80, 70)],
    label: ['PCGD tiểu học mức độ 2', 'Universal primary, level 2'],
  },
  {
    level: 'primary_level3',
    standard: 'primary',
    requires: ['primary_level2'],
    criteria: () => [crit('primary_grade1_entry_age6', 98, 98), crit('primary_completed_age11', 90, 80)],
    label: ['PCGD tiểu học mức độ 3', 'Universal primary, level 3'],
  },
  {
    level: 'literacy_level1',
    standard: 'literacy',
    requires: [],
    criteria: () => [crit(LIT1, 90, 90)],
    label: ['XMC mức độ 1', 'Literacy, level 1'],
  },
  {
    level: 'literacy_level2',
    standard: 'literacy',
    requires: ['literacy_level1'],
    criteria: () => [crit(LIT2, 90, 90)],
    label: ['XMC mức độ 2', 'Literacy, level 2'],
  },
  {
    level: 'lower_secondary_level1',
    standard: 'lower_secondary',
    requires: ['primary_level1', 'literacy_level1'],
    criteria: () => [crit('lower_secondary_diploma_age15_18', 80, 70)],
    label: ['PCGD THCS mức độ 1', 'Universal lower secondary, level 1'],
  },
  {
    level: 'lower_secondary_level2',
    standard: 'lower_secondary',
    requires: ['lower_secondary_level1'],
    criteria: (s) => [
      crit(
        'lower_secondary_diploma_age15_18',
        s.lowerSecondaryLevel2.normal,
        s.lowerSecondaryLevel2.difficult,
        true,
      ),
    ],
    label: ['PCGD THCS mức độ 2', 'Universal lower secondary, level 2'],
  },
  {
    level: 'lower_secondary_level3',
    standard: 'lower_secondary',
    requires: ['lower_secondary_level2'],
    criteria: () => [
      crit('lower_secondary_diploma_age15_18', 95, 90),
      crit('lower_secondary_continuing_age15_18', 80, 70),
    ],
    label: ['PCGD THCS mức độ 3', 'Universal lower secondary, level 3'],
  },
];

/** A level's name in Vietnamese and English (`XMC mức độ 1` / `Literacy, level 1`); one it does not know, its code. */
export function levelLabel(level: string): { vi: string; en: string } {
  const row = LEVELS.find((r) => r.level === level);
  return row ? { vi: row.label[0], en: row.label[1] } : { vi: level, en: level };
}

export function levelsOf(s: RuleSettings): LevelDef[] {
  return LEVELS.map((row) => ({
    level: row.level,
    standard: row.standard,
    requires: [...row.requires],
    criteria: row.criteria(s),
    provinceShare: s.provinceShares[row.level],
    label: { vi: row.label[0], en: row.label[1] },
  }));
}
