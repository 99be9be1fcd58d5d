/**
 * Scorecards (issue 8): per school, commune and province, the pass ratio of each criterion and overall
 * with the city's colour bands, the rules failing most, and progress against the year's deadlines.
 * Pure arithmetic over counts the store makes from the last verdict of every record; every figure is
 * explainable down to the findings behind it (a record passes a criterion when none of its findings of
 * that criterion is an error or a warning; `info` never fails a record: the one rule of every count,
 * src/store/failing.ts, the operations schools pages' too).
 */
import type { QualityConfig } from './config.js';
import { deadlineOf } from './config.js';
import { CRITERIA, type Criterion } from './types.js';

export type Level = 'school' | 'commune' | 'province';
export type Band = 'green' | 'yellow' | 'red';

/** What the store counts for one school. */
export interface SchoolCounts {
  readonly schoolCode: string;
  /** The school's commune and province (2025 codes); '' when the hub does not hold the school. */
  readonly communeCode: string;
  readonly provinceCode: string;
  /** Records with a verdict. */
  readonly records: number;
  /** Records failing each criterion, and failing any (`overall`). */
  readonly failed: Readonly<Record<Criterion | 'overall', number>>;
  /** Records failing each rule. */
  readonly rules: readonly { readonly rule: string; readonly criterion: string; readonly records: number }[];
  /** Current-year students, and those with every master-data field the city requires. */
  readonly currentYearStudents: number;
  readonly masterDataComplete: number;
  /**
   * `failed` and `rules` as the school's sender (a vendor) is told them: without the findings resting on
   * another school's records (./sender-view.ts); absent when the same.
   */
  readonly told?: Pick<SchoolCounts, 'failed' | 'rules'>;
}

/** A pass ratio: records passing of records judged, as a percentage (100 when nothing was judged). */
export interface Ratio {
  readonly passed: number;
  readonly total: number;
  readonly percent: number;
  readonly band: Band;
}

/** A deadline's progress: its date, whether it has passed, and how far the unit has come. */
export interface DeadlineProgress {
  readonly date: string;
  readonly passed: boolean;
  /** Schools that have done it, of the schools counted. */
  readonly done: number;
  readonly schools: number;
  /** 'done' when every school has; 'late' when some have not and the date has passed; else 'open'. */
  readonly status: 'done' | 'open' | 'late';
}

export interface Scorecard {
  readonly level: Level;
  readonly code: string;
  /** The commune of a school, the province of a commune; '' for a province. */
  readonly parentCode: string;
  readonly records: number;
  readonly schools: number;
  readonly criteria: Readonly<Record<Criterion, Ratio>>;
  readonly overall: Ratio;
  /** The rules failing most records, most first (at most 5). */
  readonly topRules: readonly {
    readonly rule: string;
    readonly criterion: string;
    readonly records: number;
  }[];
  readonly deadlines: { readonly rollover: DeadlineProgress; readonly masterData: DeadlineProgress };
  /**
   * A school's figures as its sender (a vendor) is told them, when they differ: counted without the findings
   * resting on another school's records (./sender-view.ts). The city's roles read the card's own.
   */
  readonly told?: Pick<Scorecard, 'criteria' | 'overall' | 'topRules'>;
}

/** The band of a percentage under the city's bands (≥ green is green, ≥ yellow yellow, below red). */
export function bandOf(percent: number, bands: QualityConfig['colourBands']): Band {
  if (percent >= bands.green) return 'green';
  if (percent >= bands.yellow) return 'yellow';
  return 'red';
}

/** A ratio rounded to two decimals (the bands compare the rounded figure, as it is shown). */
export function ratioOf(passed: number, total: number, bands: QualityConfig['colourBands']): Ratio {
  const percent = total === 0 ? 100 : Math.round((10_000 * passed) / total) / 100;
  return { passed, total, percent, band: bandOf(percent, bands) };
}

interface Sum {
  records: number;
  schools: number;
  failed: Record<Criterion | 'overall', number>;
  rules: Map<string, { rule: string; criterion: string; records: number }>;
  rolloverDone: number;
  masterDone: number;
}

const emptySum = (): Sum => ({
  records: 0,
  schools: 0,
  failed: { dung: 0, du: 0, sach: 0, song: 0, overall: 0 },
  rules: new Map(),
  rolloverDone: 0,
  masterDone: 0,
});

function add(sum: Sum, s: SchoolCounts): void {
  sum.records += s.records;
  sum.schools += 1;
  for (const k of [...CRITERIA, 'overall'] as const) sum.failed[k] += s.failed[k];
  for (const r of s.rules) {
    const prior = sum.rules.get(r.rule);
    sum.rules.set(r.rule, { ...r, records: (prior?.records ?? 0) + r.records });
  }
  if (s.currentYearStudents > 0) sum.rolloverDone += 1;
  if (s.currentYearStudents > 0 && s.masterDataComplete === s.currentYearStudents) sum.masterDone += 1;
}

function progress(date: string, today: string, done: number, schools: number): DeadlineProgress {
  const passed = today > date;
  const status = done === schools ? 'done' : passed ? 'late' : 'open';
  return { date, passed, done, schools, status };
}

function cardOf(
  level: Level,
  code: string,
  parentCode: string,
  sum: Sum,
  ctx: { today: string; schoolYear: string; config: QualityConfig },
): Scorecard {
  const bands = ctx.config.colourBands;
  const ratio = (k: Criterion | 'overall') => ratioOf(sum.records - sum.failed[k], sum.records, bands);
  const topRules = [...sum.rules.values()]
    .sort((a, b) => b.records - a.records || a.rule.localeCompare(b.rule))
    .slice(0, 5);
  const deadlines = ctx.config.deadlines;
  return {
    level,
    code,
    parentCode,
    records: sum.records,
    schools: sum.schools,
    criteria: { dung: ratio('dung'), du: ratio('du'), sach: ratio('sach'), song: ratio('song') },
    overall: ratio('overall'),
    topRules,
    deadlines: {
      rollover: progress(
        deadlineOf(ctx.schoolYear, 'rollover', deadlines),
        ctx.today,
        sum.rolloverDone,
        sum.schools,
      ),
      masterData: progress(
        deadlineOf(ctx.schoolYear, 'masterData', deadlines),
        ctx.today,
        sum.masterDone,
        sum.schools,
      ),
    },
  };
}

/** A school's scorecard, with its figures as its sender is told them when they differ. */
function schoolCard(s: SchoolCounts, own: Sum, ctx: Parameters<typeof cardOf>[4]): Scorecard {
  const card = cardOf('school', s.schoolCode, s.communeCode, own, ctx);
  if (!s.told) return card;
  const told = emptySum();
  add(told, { ...s, failed: s.told.failed, rules: s.told.rules });
  const { criteria, overall, topRules } = cardOf('school', s.schoolCode, s.communeCode, told, ctx);
  return { ...card, told: { criteria, overall, topRules } };
}

/**
 * The scorecards of one run: one per school, per commune (its schools summed) and per province (its
 * communes summed). Ratios of a commune or province weigh each record alike (summed counts, not an
 * average of school ratios), so a big school counts for its size.
 */
export function scorecards(
  schools: readonly SchoolCounts[],
  ctx: { today: string; schoolYear: string; config: QualityConfig },
): Scorecard[] {
  const out: Scorecard[] = [];
  const communes = new Map<string, { province: string; sum: Sum }>();
  const provinces = new Map<string, Sum>();
  for (const s of schools) {
    const own = emptySum();
    add(own, s);
    out.push(schoolCard(s, own, ctx));
    if (s.communeCode === '') continue;
    const c = communes.get(s.communeCode) ?? { province: s.provinceCode, sum: emptySum() };
    add(c.sum, s);
    communes.set(s.communeCode, c);
    const p = provinces.get(s.provinceCode) ?? emptySum();
    add(p, s);
    provinces.set(s.provinceCode, p);
  }
  for (const [code, c] of communes) out.push(cardOf('commune', code, c.province, c.sum, ctx));
  for (const [code, p] of provinces) out.push(cardOf('province', code, '', p, ctx));
  return out;
}
