/** PCGD rule set, exact threshold arithmetic, shortfalls, validation rules and the configuration. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDifficultCommunes } from '../../../src/config.js';
import {
  communeFigures,
  meets,
  provinceFigures,
  shortfallOf,
  type AgeCounts,
} from '../../../src/reporting/pcgd/evaluate.js';
import { rateOf } from '../../../src/canonical/pcgd-figures.js';
import { PERSON_FLAGS } from '../../../src/reporting/pcgd/indicators.js';
import { resolveRuleSet, ruleSetOf } from '../../../src/reporting/pcgd/rule-set.js';
import { settingsOf } from '../../../src/reporting/pcgd/settings.js';
import { checkCommune, passes } from '../../../src/reporting/pcgd/validate.js';

const rules = resolveRuleSet();
const flags = (over: Partial<Record<(typeof PERSON_FLAGS)[number], number>> = {}) =>
  Object.fromEntries(PERSON_FLAGS.map((f) => [f, over[f] ?? 0])) as AgeCounts['flags'];

describe('exact threshold comparison', () => {
  it('compares numerator × 100 with threshold × denominator, never a rounded rate', () => {
    // 2/3 = 66.666…% rounds to 66.67 but is below 66.67
    expect(rateOf(2, 3)).toBe(66.67);
    expect(meets(2, 3, 66.67)).toBe(false);
    expect(meets(2, 3, 66.66)).toBe(true);
    expect(meets(19, 20, 95)).toBe(true);
    expect(meets(189, 200, 95)).toBe(false);
    expect(meets(0, 0, 0)).toBe(false);
  });
  it('the shortfall is the smallest number of persons that reaches the threshold', () => {
    expect(shortfallOf(9, 10, 95)).toBe(1);
    expect(shortfallOf(9, 10, 90)).toBe(0);
    expect(shortfallOf(300, 400, 80)).toBe(20);
    expect(shortfallOf(0, 7, 100)).toBe(7);
    expect(shortfallOf(0, 0, 90)).toBeNull();
    for (let d = 1; d <= 60; d++)
      for (let n = 0; n <= d; n++) {
        const k = shortfallOf(n, d, 90)!;
        expect(meets(n + k, d, 90)).toBe(true);
        if (k > 0) expect(meets(n + k - 1, d, 90)).toBe(false);
      }
  });
  it('rates: two decimals, null for an empty cohort', () => {
    expect(rateOf(1, 8)).toBe(12.5);
    expect(rateOf(1, 3)).toBe(33.33);
    expect(rateOf(0, 0)).toBeNull();
  });
});

describe('levels', () => {
  const cohort = (age: number, population: number, over: Parameters<typeof flags>[0]): AgeCounts => ({
    age,
    population,
    flags: flags(over),
  });
  it('a ĐBKK commune uses its own thresholds and cohorts', () => {
    const rows = [
      cohort(6, 10, { inGrade1to12: 9, hasClass: 10 }),
      cohort(14, 10, { completedPrimary: 7 }),
      cohort(20, 10, { literate1: 9, literate2: 9 }),
      cohort(30, 10, {}),
    ];
    const normal = communeFigures(rules, '27664', rows, false);
    const difficult = communeFigures(rules, '27676', rows, true);
    const met = (f: typeof normal) => f.levels.filter((l) => l.met).map((l) => l.level);
    expect(met(normal)).toEqual([]);
    expect(met(difficult)).toEqual(['primary_level1', 'literacy_level1']);
    const lit = normal.levels.find((l) => l.level === 'literacy_level1')!;
    expect(lit.shortfall).toEqual([
      expect.objectContaining({ indicator: 'literacy_level1_age15_35', morePersons: 9 }),
    ]);
  });
  it('a cohort nobody is in is said once per level (fix32a: preschool5 said "no 5-year-olds" twice)', () => {
    const f = communeFigures(rules, '27664', [cohort(6, 10, { inGrade1to12: 10 })], false);
    const of = (level: string) => f.levels.find((l) => l.level === level)!.shortfall;
    // preschool5: attending and completed both read the 5-year-olds: one sentence.
    expect(of('preschool5').map((s) => s.message.en)).toStrictEqual([
      'No 5-year-olds surveyed: no rate, so Universal preschool for 5-year-olds is not met.',
    ]);
    expect(of('preschool5')).toEqual([
      expect.objectContaining({ indicator: 'preschool5_attending', morePersons: null }),
    ]);
    // lower secondary level 3: the diploma and continuing criteria both read ages 15–18.
    const ls3 = of('lower_secondary_level3').filter((s) => s.kind === 'indicator');
    expect(ls3.map((s) => s.message.en)).toHaveLength(1);
    // Two different cohorts are each said (ages 6 and 11 of primary level 3, both empty).
    const adults = communeFigures(rules, '27664', [cohort(30, 10, {})], false);
    const pl3 = adults.levels.find((l) => l.level === 'primary_level3')!.shortfall;
    expect(pl3.flatMap((s) => (s.kind === 'indicator' ? [s.indicator] : []))).toStrictEqual([
      'primary_grade1_entry_age6',
      'primary_completed_age11',
    ]);
  });
  it('unverified settings are part of the rule set and configurable', () => {
    const custom = resolveRuleSet(settingsOf({ lowerSecondaryLevel2: { normal: 85, difficult: 75 } }));
    const l2 = custom.levels.find((l) => l.level === 'lower_secondary_level2')!;
    expect(l2.criteria[0]!.threshold).toEqual({ normal: 85, difficult: 75 });
    expect(l2.criteria[0]!.unverified).toBe(true);
    expect(custom.settingsDigest).not.toBe(rules.settingsDigest);
    expect(custom.unverified.find((u) => u.setting === 'lowerSecondaryLevel2')!.value).toBe('85/75');
  });
  it('a year the configuration names no ĐBKK list for is an unverified setting; an empty list is not (review31 F4)', () => {
    const cfg = loadConfig({ env: { TRUC_PROFILE: 'test' } }).pcgd;
    const of = (difficultCommunes: Record<string, string[]>, year: number) =>
      ruleSetOf({ ...cfg, difficultCommunes }, year).unverified.filter(
        (u) => u.setting === 'difficultCommunes',
      );
    const absent = of({ '2025': ['27676'] }, 2026);
    expect(absent).toHaveLength(1);
    expect(absent[0]!.value).toBe('2026:absent');
    expect(absent[0]!.why.vi).toContain('ĐBKK');
    expect(absent[0]!.why.en).toContain('2026');
    expect(of({ '2026': [] }, 2026)).toEqual([]);
    expect(of({ '2026': ['27676'] }, 2026)).toEqual([]);
  });
  it('province: share of communes with data, and how many more communes are needed', () => {
    const ok = communeFigures(rules, '1', [cohort(5, 10, { hasClass: 10, completedPreschool: 10 })], false);
    const ko = communeFigures(rules, '2', [cohort(5, 10, { hasClass: 5 })], false);
    const empty = { ...ko, communeCode: '3', population: 0 };
    const p = provinceFigures(rules, '79', [ok, ko, empty]);
    const pre = p.levels.find((l) => l.level === 'preschool5')!;
    expect([pre.communesMeeting, pre.communes, pre.met]).toEqual([1, 2, false]);
    expect(pre.shortfall[0]).toEqual(expect.objectContaining({ moreCommunes: 1 }));
    // pcgd12: the English half named the level by its code ("meeting preschool5"), the Vietnamese by its name
    expect(pre.shortfall[0]!.message).toEqual({
      vi: 'Cần thêm 1 xã đạt PCGD mầm non cho trẻ 5 tuổi để đạt 100% số xã.',
      en: '1 more commune meeting Universal preschool for 5-year-olds would reach 100% of communes.',
    });
  });
});

describe('validation rules', () => {
  const v = loadConfig({ env: { TRUC_PROFILE: 'test' } }).pcgd.validation;
  const figs = (ages: Record<string, number>, rate: number) => ({
    ...communeFigures(rules, '27664', [], false),
    ages,
    indicators: [{ code: 'preschool5_attending', numerator: rate, denominator: 100, rate }],
  });
  const enrolment = { inClassNotEnrolled: 0, enrolledNotInClass: 0, unmatchable: 0, matchedByName: 0 };
  it("flags a cohort that does not follow last year's, and a large swing of a rate", () => {
    const f = checkCommune(rules, v, {
      figures: figs({ '6': 100, '7': 80 }, 60),
      enrolment,
      previous: {
        ages: { '5': 100, '6': 100 },
        indicators: [{ code: 'preschool5_attending', numerator: 95, denominator: 100, rate: 95 }],
      },
    });
    expect(f.map((x) => x.rule)).toEqual(['PCGD_COHORT_INCONSISTENT', 'PCGD_RATE_SWING']);
    expect(f[0]!.count).toBe(20);
    expect(passes(f)).toBe(true);
  });
  it('a numerator above its denominator is an error that blocks approval', () => {
    const bad = { ...figs({}, 0), indicators: [{ code: 'x', numerator: 3, denominator: 2, rate: 150 }] };
    const f = checkCommune(rules, v, { figures: bad, enrolment });
    expect(f[0]).toEqual(
      expect.objectContaining({ rule: 'PCGD_NUMERATOR_GT_DENOMINATOR', severity: 'error' }),
    );
    expect(passes(f)).toBe(false);
  });
  it('walk2: an empty cohort is said by the indicator\'s name and its ages, "6-year-olds", not "6–6"', () => {
    const empty = (code: string) => ({ code, numerator: 0, denominator: 0, rate: null });
    const figures = {
      ...figs({}, 0),
      indicators: [empty('primary_grade1_entry_age6'), empty('lower_secondary_diploma_age15_18')],
    };
    const [one, span] = checkCommune(rules, v, { figures, enrolment });
    expect(one).toEqual(
      expect.objectContaining({ rule: 'PCGD_NO_COHORT', indicator: 'primary_grade1_entry_age6' }),
    );
    expect(one!.en).toBe(
      '6-year-olds in grade 1: no 6-year-olds surveyed; no rate, so the criteria using it are not met.',
    );
    expect(one!.vi).toBe(
      'Trẻ 6 tuổi vào lớp 1: không có trẻ 6 tuổi nào được điều tra; không có tỷ lệ, tiêu chí liên quan chưa đạt.',
    );
    expect(span!.en).toMatch(/: no persons aged 15–18 surveyed;/);
    expect(span!.vi).toMatch(/: không có người 15–18 tuổi nào được điều tra;/);
    expect(`${one!.en} ${span!.en}`).not.toMatch(/_|6–6/);
  });
});

describe('pcgd configuration', () => {
  it('TRUC_PCGD_DIFFICULT_COMMUNES: year, colon, codes; years separated by semicolons', () => {
    expect(parseDifficultCommunes('2026:27676,27664;2027:27676')).toEqual({
      '2026': ['27676', '27664'],
      '2027': ['27676'],
    });
    const cfg = loadConfig({
      env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: '2026: 27676 , 27664' },
    });
    expect(cfg.pcgd.difficultCommunes).toEqual({ '2026': ['27676', '27664'] });
  });
  it('a malformed list names the variable', () => {
    expect(() =>
      loadConfig({ env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: '2026:2767' } }),
    ).toThrow(ConfigError);
    let problems = '';
    try {
      loadConfig({ env: { TRUC_PROFILE: 'test', TRUC_PCGD_DIFFICULT_COMMUNES: 'soon:27676' } });
    } catch (err) {
      problems = (err as ConfigError).problems.join('\n');
    }
    expect(problems).toContain('TRUC_PCGD_DIFFICULT_COMMUNES');
  });
  it('the production profile signs with PKCS#12 files; demo and test generate certificates', () => {
    expect(loadConfig({ env: { TRUC_PROFILE: 'default' } }).pcgd.signing.mode).toBe('pkcs12');
    expect(loadConfig({ env: { TRUC_PROFILE: 'demo' } }).pcgd.signing.mode).toBe('self-signed');
  });
});
