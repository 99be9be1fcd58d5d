/**
 * The settings of the PCGD-XMC rule set that are ours (OURS in PCGD-RULES.md) or unverified: their
 * defaults, how a `pcgd` configuration section resolves them, and the list of unverified settings
 * every report carries.
 */
import { PCGD_LEVELS, type PcgdConfig, type PcgdLevelName } from '../../config.js';
import type { ByCommuneKind } from './indicators.js';

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

/**
 * pcgd13: who `preschool5_completed` counts, under the `birth-year` age rule. A child of Y − birth year = 5 is in the
 * last preschool class (lớp Lá) of the school year opening in September of Y, the survey the report counts, and
 * completes preschool in May of Y + 1, the year it turns 6 and enters grade 1; a completion counts only when ≤ Y
 * (PCGD-RULES §1). Read so, the figure is 0 on any realistic survey (the demo's six communes: 26 five-year-olds, 19
 * in class, 0 completed; its 6-year-olds, in grade 1, completed in Y) and no commune meets preschool5. The Ministry's
 * reading was not found (DOMAIN §1.3): said on every report, not guessed; `ageRule: on-date` with `ageOnDate` reads it
 * another way.
 */
function preschoolCohortUnverified(s: RuleSettings): UnverifiedSetting[] {
  if (s.ageRule !== 'birth-year') return [];
  return [
    {
      setting: 'preschool5_completed.cohort',
      value: 'age 5 = Y - birth year, completed <= Y',
      why: {
        vi:
          'Trẻ 5 tuổi (năm báo cáo − năm sinh = 5) học lớp Lá năm học mở tháng 9 năm báo cáo, hoàn thành chương trình ' +
          'GDMN tháng 5 năm sau: đọc như vậy, số trẻ 5 tuổi hoàn thành luôn là 0 và không xã nào đạt PCGD mầm non; ' +
          'cách tính của Bộ chưa tìm thấy (ageRule, ageOnDate đổi cách đọc).',
        en:
          'A 5-year-old (report year − birth year = 5) is in the last preschool class of the school year opening in ' +
          'September of the report year and completes preschool the next May: read so, the completion figure is always 0 ' +
          "and no commune meets preschool5; the Ministry's reading was not found (ageRule, ageOnDate read it another way).",
      },
    },
  ];
}

export function unverifiedOf(s: RuleSettings): UnverifiedSetting[] {
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
    ...preschoolCohortUnverified(s),
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

/**
 * The unverified setting of a report year the configuration names no ĐBKK list for (review31 F4): every commune is
 * then judged a normal one, which the law may not say (the list comes from the Prime Minister's decisions; truc never
 * makes one up). An explicitly empty list (`difficultCommunes: { '2026': [] }`, no ĐBKK commune that year) is a
 * different fact and says nothing.
 */
export function difficultCommunesUnverified(
  cfg: Partial<PcgdConfig> | undefined,
  year: number,
): UnverifiedSetting[] {
  if (cfg?.difficultCommunes?.[String(year)] !== undefined) return [];
  return [
    {
      setting: 'difficultCommunes',
      value: `${year}:absent`,
      why: {
        vi: `Cấu hình không có danh sách xã đặc biệt khó khăn (ĐBKK) năm ${year}: mọi xã được xét theo ngưỡng xã thường; hỏi thành phố danh sách theo quyết định của Thủ tướng trước khi ký.`,
        en: `The configuration has no list of especially difficult (ĐBKK) communes for ${year}: every commune is judged by the normal thresholds; ask the city for the list of the Prime Minister's decisions before signing.`,
      },
    },
  ];
}
