/**
 * Validation rules on computed figures, run before approval. Each finding has a severity like the
 * quality engine's: `error` blocks approval (the report stays `computed`), `warning` is shown to the
 * officer who approves. Pure: previous-year figures are passed in.
 */
import { countEn, type PcgdConfig } from '../../config.js';
import type { Severity } from '../../quality/config.js';
import type { CommuneFigures, IndicatorFigure } from './evaluate.js';
import { cohortOf, INDICATOR_BY_CODE, type IndicatorCode } from './indicators.js';
import type { RuleSet } from './rule-set.js';

/**
 * A finding about a report's figures (the quality engine's `Finding` is about one record; this one is
 * about a commune's or a province's figures), with the quality engine's severities: `error` blocks
 * approval, `warning` is shown to the officer who approves, `info` only informs.
 */
export interface PcgdFinding {
  rule: string;
  severity: Severity;
  communeCode?: string;
  indicator?: string;
  level?: string;
  /** Persons (or communes) the finding is about. */
  count?: number;
  vi: string;
  en: string;
}

/** The rules, their severity and what they check (README and docs list them). */
const VALIDATION_RULES = {
  PCGD_NUMERATOR_GT_DENOMINATOR: { severity: 'error', about: 'a numerator never exceeds its denominator' },
  PCGD_COMMUNES_NOT_APPROVED: {
    severity: 'error',
    about:
      "a province report is made from its communes' approved reports: communes with survey data but no approved report block the province's approval",
  },
  PCGD_PERSONS_UNREAD: {
    severity: 'error',
    about:
      "persons of the commune's population at a counted age with a column the counting reads that truc could not read (a label outside its code lists, a malformed date): counted the conservative way (./unread.ts), until the survey data is corrected",
  },
  PCGD_PERSONS_UNREAD_UNUSED: {
    severity: 'warning',
    about:
      'persons with a column truc could not read that no indicator reads at their age: the figures do not change',
  },
  PCGD_PERSONS_EARLIER_YEAR: {
    severity: 'error',
    about:
      "the commune's survey persons were last pulled in an earlier PCGD-XMC working year than the report's: ages and classes are of different years (./persons-year.ts)",
  },
  PCGD_PERSONS_LATER_YEAR: {
    severity: 'warning',
    about:
      "the commune's survey persons were last pulled in a later working year than the report's (a past year recomputed): truc holds only the newest survey",
  },
  PCGD_NO_COHORT: {
    severity: 'warning',
    about: 'a cohort with nobody in it: no rate, its criterion is not met',
  },
  PCGD_COHORT_INCONSISTENT: {
    severity: 'warning',
    about: "this year's age-a cohort differs from last year's age-(a−1) cohort beyond the tolerance",
  },
  PCGD_RATE_SWING: { severity: 'warning', about: 'a rate moved more than the allowed swing since last year' },
  PCGD_ENROLMENT_IN_CLASS_NOT_ENROLLED: {
    severity: 'warning',
    about: 'surveyed as in a class, but enrolled in no school this school year (matched by personal ID)',
  },
  PCGD_ENROLMENT_ENROLLED_NOT_IN_CLASS: {
    severity: 'warning',
    about: 'enrolled in a school this school year, but surveyed as out of school',
  },
  PCGD_ENROLMENT_UNMATCHABLE: {
    severity: 'warning',
    about: "persons with neither a personal ID nor a parent's name could not be matched to enrolment",
  },
  PCGD_ENROLMENT_MATCHED_BY_NAME: {
    severity: 'info',
    about: "persons matched to enrolment by name, birth date and a parent's name (no personal ID match)",
  },
} as const satisfies Record<string, { severity: Severity; about: string }>;
export type ValidationRule = keyof typeof VALIDATION_RULES;

/** A finding of one of the rules above (its severity is the rule's). */
export const f = (
  rule: ValidationRule,
  vi: string,
  en: string,
  extra: Omit<PcgdFinding, 'rule' | 'severity' | 'vi' | 'en'> = {},
): PcgdFinding => ({ rule, severity: VALIDATION_RULES[rule].severity, ...extra, vi, en });

/** Enrolment counts of one commune (from the lineage flags). */
export interface EnrolmentCounts {
  inClassNotEnrolled: number;
  enrolledNotInClass: number;
  unmatchable: number;
  matchedByName: number;
}

/** What one commune is checked with. */
export interface CommuneCheckInput {
  figures: CommuneFigures;
  enrolment: EnrolmentCounts;
  /** The same commune's figures of the previous year (latest approved), if any. */
  previous?: { ages: Record<string, number>; indicators: readonly IndicatorFigure[] } | undefined;
}

/** An indicator's name for an officer (its label; the code of one truc does not know); the code is `indicator`. */
function named(code: string): { vi: string; en: string } {
  return INDICATOR_BY_CODE.get(code as IndicatorCode)?.label ?? { vi: code, en: code };
}

function indicatorChecks(code: string, figs: readonly IndicatorFigure[]): PcgdFinding[] {
  const out: PcgdFinding[] = [];
  for (const x of figs) {
    const name = named(x.code);
    if (x.numerator > x.denominator)
      out.push(
        f(
          'PCGD_NUMERATOR_GT_DENOMINATOR',
          `${name.vi}: tử số ${x.numerator} lớn hơn mẫu số ${x.denominator}.`,
          `${name.en}: numerator ${x.numerator} exceeds denominator ${x.denominator}.`,
          { communeCode: code, indicator: x.code },
        ),
      );
    const def = INDICATOR_BY_CODE.get(x.code as IndicatorCode);
    if (def && x.denominator === 0) {
      const cohort = cohortOf(def);
      out.push(
        f(
          'PCGD_NO_COHORT',
          `${name.vi}: không có ${cohort.vi} nào được điều tra; không có tỷ lệ, tiêu chí liên quan chưa đạt.`,
          `${name.en}: no ${cohort.en} surveyed; no rate, so the criteria using it are not met.`,
          { communeCode: code, indicator: x.code },
        ),
      );
    }
  }
  return out;
}

function cohortChecks(
  code: string,
  ages: Record<string, number>,
  previous: Record<string, number>,
  v: PcgdConfig['validation'],
): PcgdFinding[] {
  const out: PcgdFinding[] = [];
  for (let a = v.cohortAges[0]; a <= v.cohortAges[1]; a++) {
    const now = ages[String(a)] ?? 0;
    const before = previous[String(a - 1)] ?? 0;
    const diff = Math.abs(now - before);
    if (diff < v.cohortMinPersons || diff * 100 <= v.cohortTolerancePercent * Math.max(before, 1)) continue;
    out.push(
      f(
        'PCGD_COHORT_INCONSISTENT',
        `Năm nay có ${now} người ${a} tuổi, năm trước có ${before} người ${a - 1} tuổi (chênh ${diff}).`,
        `${countEn(now, 'person')} aged ${a} this year, ${before} aged ${a - 1} last year (difference ${diff}).`,
        { communeCode: code, count: diff },
      ),
    );
  }
  return out;
}

function swingChecks(
  code: string,
  now: readonly IndicatorFigure[],
  before: readonly IndicatorFigure[],
  maxPoints: number,
): PcgdFinding[] {
  const prev = new Map(before.map((x) => [x.code, x]));
  const out: PcgdFinding[] = [];
  for (const x of now) {
    const p = prev.get(x.code);
    if (!p || x.rate === null || p.rate === null) continue;
    const points = Math.round(Math.abs(x.rate - p.rate) * 100) / 100;
    if (points <= maxPoints) continue;
    out.push(
      f(
        'PCGD_RATE_SWING',
        `${named(x.code).vi}: tỷ lệ ${p.rate}% năm trước → ${x.rate}% năm nay (${points} điểm %).`,
        `${named(x.code).en}: rate ${p.rate}% last year → ${x.rate}% this year (${points} points).`,
        { communeCode: code, indicator: x.code },
      ),
    );
  }
  return out;
}

/** The verb `to be` for a count of persons (`1 person … is`, `2 persons … are`). */
const isAre = (n: number): string => (n === 1 ? 'is' : 'are');

function enrolmentChecks(code: string, e: EnrolmentCounts): PcgdFinding[] {
  const out: PcgdFinding[] = [];
  if (e.inClassNotEnrolled > 0)
    out.push(
      f(
        'PCGD_ENROLMENT_IN_CLASS_NOT_ENROLLED',
        `${e.inClassNotEnrolled} người được điều tra là đang học nhưng không có tên ở trường nào năm học này.`,
        `${countEn(e.inClassNotEnrolled, 'person')} surveyed as in a class ${isAre(e.inClassNotEnrolled)} enrolled in no school this school year.`,
        { communeCode: code, count: e.inClassNotEnrolled },
      ),
    );
  if (e.enrolledNotInClass > 0)
    out.push(
      f(
        'PCGD_ENROLMENT_ENROLLED_NOT_IN_CLASS',
        `${e.enrolledNotInClass} người đang có tên ở trường nhưng được điều tra là không đi học.`,
        `${countEn(e.enrolledNotInClass, 'person')} enrolled in a school ${isAre(e.enrolledNotInClass)} surveyed as out of school.`,
        { communeCode: code, count: e.enrolledNotInClass },
      ),
    );
  if (e.unmatchable > 0)
    out.push(
      f(
        'PCGD_ENROLMENT_UNMATCHABLE',
        `${e.unmatchable} người không có số định danh và không có tên cha, mẹ hoặc người giám hộ: không đối chiếu được với danh sách học sinh.`,
        `${countEn(e.unmatchable, 'person')} ${e.unmatchable === 1 ? 'has' : 'have'} neither a personal ID nor a parent's or guardian's name and could not be matched to enrolment.`,
        { communeCode: code, count: e.unmatchable },
      ),
    );
  if (e.matchedByName > 0)
    out.push(
      f(
        'PCGD_ENROLMENT_MATCHED_BY_NAME',
        `${e.matchedByName} người được đối chiếu với danh sách học sinh theo họ tên, ngày sinh và tên cha/mẹ/người giám hộ (không khớp theo số định danh).`,
        `${countEn(e.matchedByName, 'person')} ${e.matchedByName === 1 ? 'was' : 'were'} matched to enrolment by name, birth date and a parent's or guardian's name (not by personal ID).`,
        { communeCode: code, count: e.matchedByName },
      ),
    );
  return out;
}

/** The findings of one commune's figures. */
export function checkCommune(
  _rules: RuleSet,
  cfg: PcgdConfig['validation'],
  input: CommuneCheckInput,
): PcgdFinding[] {
  const code = input.figures.communeCode;
  return [
    ...figureChecks(code, cfg, input.figures, input.previous),
    ...enrolmentChecks(code, input.enrolment),
  ];
}

function figureChecks(
  code: string,
  cfg: PcgdConfig['validation'],
  figures: { ages: Record<string, number>; indicators: readonly IndicatorFigure[] },
  previous: CommuneCheckInput['previous'],
): PcgdFinding[] {
  return [
    ...indicatorChecks(code, figures.indicators),
    ...(previous ? cohortChecks(code, figures.ages, previous.ages, cfg) : []),
    ...(previous
      ? swingChecks(code, figures.indicators, previous.indicators, cfg.swingPercentagePoints)
      : []),
  ];
}

/**
 * The findings of a province's own figures (its communes' summed, against the province's previous
 * year): numerators within denominators, cohorts, swings. Not tied to one commune.
 */
export function checkProvince(
  cfg: PcgdConfig['validation'],
  figures: { ages: Record<string, number>; indicators: readonly IndicatorFigure[] },
  previous: CommuneCheckInput['previous'],
): PcgdFinding[] {
  return figureChecks('', cfg, figures, previous).map(({ communeCode: _c, ...rest }) => rest);
}

/** Communes of a province with survey data but no approved report (blocks the province's approval). */
export function communesNotApproved(codes: readonly string[]): PcgdFinding {
  const list = codes.slice(0, 20).join(', ') + (codes.length > 20 ? ', …' : '');
  const one = codes.length === 1;
  return f(
    'PCGD_COMMUNES_NOT_APPROVED',
    `${codes.length} xã có dữ liệu điều tra nhưng chưa có báo cáo được phê duyệt (${list}): số liệu của các xã này được tính từ dữ liệu điều tra; cần phê duyệt báo cáo xã trước khi phê duyệt báo cáo tỉnh.`,
    `${countEn(codes.length, 'commune')} with survey data ${one ? 'has' : 'have'} no approved report (${list}): ${one ? 'its' : 'their'} figures were computed from the survey persons; approve the ${one ? "commune's report" : "communes' reports"} before the province's.`,
    { count: codes.length },
  );
}

/** True when no finding blocks approval. */
export function passes(findings: readonly PcgdFinding[]): boolean {
  return !findings.some((x) => x.severity === 'error');
}
