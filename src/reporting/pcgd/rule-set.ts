/**
 * The PCGD-XMC counting rules as a versioned rule set (`pcgd-2014.1`, docs PCGD-RULES.md): who is
 * counted, the eleven commune indicators, the nine commune levels with their ĐBKK thresholds and the
 * province roll-up. Pure data plus the settings that are ours (OURS in PCGD-RULES.md), resolved from
 * configuration; a report carries the resolved rule set and the list of its unverified settings.
 *
 * Thresholds are percentages with at most two decimals; every comparison is exact (see evaluate.ts).
 */
import { createHash } from 'node:crypto';
import { PCGD_LEVELS, type PcgdConfig, type PcgdLevelName } from '../../config.js';
import { canonicalJson } from '../../audit/chain.js';
import type { CommuneIndicatorCode } from '../../canonical/pcgd-figures.js';
import type { PersonFlagName as PersonFlag } from '../../store/pcgd.js';

export const RULE_SET_VERSION = 'pcgd-2014.1';
export { PCGD_LEVELS, type PcgdLevelName };

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

/** A value for a normal commune and for an especially difficult (ĐBKK) one. */
export interface ByCommuneKind<T> {
  normal: T;
  difficult: T;
}

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

/** Province shares of DOMAIN.md §1.1 (province column), applied to communes (OURS). */
const DEFAULT_PROVINCE_SHARES: Record<PcgdLevelName, number> = {
  preschool5: 100,
  primary_level1: 100,
  primary_level2: 100,
  primary_level3: 100,
  literacy_level1: 90,
  literacy_level2: 100,
  lower_secondary_level1: 100,
  lower_secondary_level2: 100,
  lower_secondary_level3: 100,
};

/** Settings of the rule set that are ours or unverified, as resolved from configuration. */
export interface RuleSettings {
  ageRule: 'birth-year' | 'on-date';
  /** MM-DD, used by the `on-date` age rule only. */
  ageOnDate: string;
  excludeDisabledFromDenominators: boolean;
  lowerSecondaryLevel2: ByCommuneKind<number>;
  provinceShares: Record<PcgdLevelName, number>;
}

/** One setting a report must say is not verified against the law or the Ministry. */
export interface UnverifiedSetting {
  setting: string;
  value: string | number | boolean;
  why: { vi: string; en: string };
}

/** A resolved rule set: what a report was computed with. */
export interface RuleSet {
  version: typeof RULE_SET_VERSION;
  settings: RuleSettings;
  /** sha-256 of the canonical JSON of `settings` (first 16 hex digits): two reports with the same digest counted alike. */
  settingsDigest: string;
  indicators: readonly IndicatorDef[];
  levels: readonly LevelDef[];
  unverified: readonly UnverifiedSetting[];
}

export const DEFAULT_SETTINGS: RuleSettings = {
  ageRule: 'birth-year',
  ageOnDate: '12-31',
  excludeDisabledFromDenominators: false,
  lowerSecondaryLevel2: { normal: 90, difficult: 80 },
  provinceShares: DEFAULT_PROVINCE_SHARES,
};

/** The settings of a `pcgd` configuration section (defaults where it says nothing). */
export function settingsOf(cfg: Partial<PcgdConfig> | undefined): RuleSettings {
  const shares = { ...DEFAULT_PROVINCE_SHARES };
  for (const level of PCGD_LEVELS) {
    const v = cfg?.provinceShares?.[level];
    if (v !== undefined) shares[level] = v;
  }
  return {
    ageRule: cfg?.ageRule ?? DEFAULT_SETTINGS.ageRule,
    ageOnDate: cfg?.ageOnDate ?? DEFAULT_SETTINGS.ageOnDate,
    excludeDisabledFromDenominators:
      cfg?.excludeDisabledFromDenominators ?? DEFAULT_SETTINGS.excludeDisabledFromDenominators,
    lowerSecondaryLevel2: {
      normal: cfg?.lowerSecondaryLevel2?.normal ?? DEFAULT_SETTINGS.lowerSecondaryLevel2.normal,
      difficult: cfg?.lowerSecondaryLevel2?.difficult ?? DEFAULT_SETTINGS.lowerSecondaryLevel2.difficult,
    },
    provinceShares: shares,
  };
}

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

function levelsOf(s: RuleSettings): LevelDef[] {
  return LEVELS.map((row) => ({
    level: row.level,
    standard: row.standard,
    requires: [...row.requires],
    criteria: row.criteria(s),
    provinceShare: s.provinceShares[row.level],
    label: { vi: row.label[0], en: row.label[1] },
  }));
}

function unverifiedOf(s: RuleSettings): UnverifiedSetting[] {
  const u = (
    setting: string,
    value: string | number | boolean,
    vi: string,
    en: string,
  ): UnverifiedSetting => ({
    setting,
    value,
    why: { vi, en },
  });
  return [
    u(
      'ageRule',
      s.ageRule === 'birth-year' ? 'birth-year' : `on-date ${s.ageOnDate}`,
      'Cách tính tuổi của hệ thống PCGD-XMC chưa tìm thấy; dùng tuổi = năm báo cáo − năm sinh (thông lệ điều tra).',
      "The PCGD-XMC system's age rule was not found; age = report year − birth year (survey practice).",
    ),
    u(
      'excludeDisabledFromDenominators',
      s.excludeDisabledFromDenominators,
      'Cách tính người khuyết tật trong mẫu số do truc chọn, chưa đối chiếu văn bản.',
      'How persons with a disability are counted is our choice, not checked against a legal text.',
    ),
    u(
      'lowerSecondaryLevel2',
      `${s.lowerSecondaryLevel2.normal}/${s.lowerSecondaryLevel2.difficult}`,
      'Ngưỡng PCGD THCS mức độ 2 (Điều 15 NĐ 20/2014) chưa được đọc trong văn bản gốc.',
      'Lower-secondary level 2 thresholds (Decree 20/2014 Art. 15) were not read in the legal text.',
    ),
    u(
      'provinceShares',
      PCGD_LEVELS.map((l) => `${l}:${s.provinceShares[l]}`).join(','),
      'Quy định cấp tỉnh (viết cho cấp huyện) áp dụng cho cấp xã từ 1/7/2025; tỷ lệ cho tiểu học mức 2–3 chưa tìm thấy.',
      "The decree's province rule (written for districts) applied to communes since 1 July 2025; the primary level 2–3 shares were not found.",
    ),
    u(
      'lower_secondary_continuing_age15_18.vocational',
      false,
      'Học nghề hiện tại không có trên phiếu điều tra: chỉ tính lớp 1–12 (phổ thông, GDTX).',
      'Current vocational study is not on the survey form: only grades 1–12 (general, continuing education) count.',
    ),
  ];
}

/** The rule set `pcgd-2014.1` with these settings. */
export function resolveRuleSet(settings: RuleSettings = DEFAULT_SETTINGS): RuleSet {
  const digest = createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
  return {
    version: RULE_SET_VERSION,
    settings,
    settingsDigest: digest,
    indicators: INDICATORS,
    levels: levelsOf(settings),
    unverified: unverifiedOf(settings),
  };
}

/** The ĐBKK communes of a report year, from configuration. */
export function difficultCommunesOf(cfg: Partial<PcgdConfig> | undefined, year: number): ReadonlySet<string> {
  return new Set(cfg?.difficultCommunes?.[String(year)] ?? []);
}

/** The rule set the configuration's `pcgd` section resolves to. */
export function ruleSetOf(cfg: PcgdConfig): RuleSet {
  return resolveRuleSet(settingsOf(cfg));
}
