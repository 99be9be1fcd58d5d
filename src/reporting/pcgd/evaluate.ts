/**
 * Pure evaluation of the rule set over aggregate counts: indicators per commune from counts per age,
 * levels with their exact threshold comparison and shortfalls, and the province roll-up. No I/O.
 *
 * A threshold t (percent, at most two decimals) is met when `numerator × 100 ≥ t × denominator`,
 * computed in integers as `numerator × 10000 ≥ round(t × 100) × denominator` — never after rounding.
 */
import { rateOf } from '../../canonical/pcgd-figures.js';
import { countEn } from '../../config.js';
import { cohortOf, INDICATOR_BY_CODE, type IndicatorCode, type PersonFlag } from './indicators.js';
import type { LevelDef, PcgdLevelName } from './levels.js';
import type { RuleSet } from './rule-set.js';

/** Counted persons of one commune and one age, and how many of them carry each flag. */
export interface AgeCounts {
  age: number;
  population: number;
  flags: Record<PersonFlag, number>;
}

export interface IndicatorFigure {
  code: string;
  numerator: number;
  denominator: number;
  /** Percent with two decimals; null when the denominator is 0. */
  rate: number | null;
}

export type Shortfall =
  | {
      kind: 'indicator';
      indicator: IndicatorCode;
      threshold: number;
      numerator: number;
      denominator: number;
      /** Persons who would have to join the numerator; null when nobody is in the cohort. */
      morePersons: number | null;
      unverified?: boolean;
      message: { vi: string; en: string };
    }
  | { kind: 'requires'; level: PcgdLevelName; message: { vi: string; en: string } }
  | {
      kind: 'communes';
      share: number;
      communesMeeting: number;
      communes: number;
      moreCommunes: number | null;
      message: { vi: string; en: string };
    };

export interface LevelResult {
  level: PcgdLevelName;
  met: boolean;
  /** Why the level is not met (empty when met). */
  shortfall: Shortfall[];
}

export interface CommuneFigures {
  communeCode: string;
  /** Especially difficult commune (ĐBKK) in the report year. */
  difficult: boolean;
  /** Counted persons (the commune's population by PCGD-RULES §1). */
  population: number;
  /** Counted persons by age (`"5": 312`), for the cohort checks of the next year. */
  ages: Record<string, number>;
  indicators: IndicatorFigure[];
  levels: LevelResult[];
}

const basisPoints = (threshold: number): number => Math.round(threshold * 100);

/** `numerator / denominator ≥ threshold %`, exactly; never met when the denominator is 0. */
export function meets(numerator: number, denominator: number, threshold: number): boolean {
  return denominator > 0 && numerator * 10_000 >= basisPoints(threshold) * denominator;
}

/** Smallest k with `(numerator + k) / denominator ≥ threshold %` (0 when met; null when denominator is 0). */
export function shortfallOf(numerator: number, denominator: number, threshold: number): number | null {
  if (denominator === 0) return null;
  const need = basisPoints(threshold) * denominator - numerator * 10_000;
  return need <= 0 ? 0 : Math.ceil(need / 10_000);
}

/** The eleven indicators of a commune from its counts per age. */
function indicatorsOf(rules: RuleSet, rows: readonly AgeCounts[]): IndicatorFigure[] {
  return rules.indicators.map((def) => {
    let numerator = 0;
    let denominator = 0;
    for (const r of rows) {
      if (r.age < def.ages[0] || r.age > def.ages[1]) continue;
      denominator += r.population;
      numerator += r.flags[def.numerator];
    }
    return { code: def.code, numerator, denominator, rate: rateOf(numerator, denominator) };
  });
}

const fmt = (n: number) => String(n).replace('.', ',');

/** An indicator's persons (`who`, plural: `5-year-olds attending school`) for one of them (fix30b: `1 more persons`). */
const oneWho = (who: string): string =>
  who.replace(/^(\d+-year-old)s\b/, '$1').replace(/^persons\b/, 'person');

function indicatorShortfall(
  level: LevelDef,
  fig: IndicatorFigure,
  code: IndicatorCode,
  threshold: number,
  unverified: boolean,
): Shortfall {
  const def = INDICATOR_BY_CODE.get(code)!;
  const more = shortfallOf(fig.numerator, fig.denominator, threshold);
  const cohort = cohortOf(def);
  const message =
    more === null
      ? {
          vi: `Không có ${cohort.vi} nào được điều tra: không có tỷ lệ, chưa đạt ${level.label.vi}.`,
          en: `No ${cohort.en} surveyed: no rate, so ${level.label.en} is not met.`,
        }
      : {
          vi: `Cần thêm ${more} ${def.who.vi} để đạt ${fmt(threshold)}%.`,
          en: `${more} more ${more === 1 ? oneWho(def.who.en) : def.who.en} would reach ${threshold}%.`,
        };
  return {
    kind: 'indicator',
    indicator: code,
    threshold,
    numerator: fig.numerator,
    denominator: fig.denominator,
    morePersons: more,
    ...(unverified ? { unverified: true } : {}),
    message,
  };
}

/** The nine levels of a commune, in rule-set order (a level's prerequisites come before it). */
export function levelsOf(
  rules: RuleSet,
  indicators: readonly IndicatorFigure[],
  difficult: boolean,
): LevelResult[] {
  const byCode = new Map(indicators.map((f) => [f.code, f]));
  const met = new Map<PcgdLevelName, boolean>();
  const kind = difficult ? 'difficult' : 'normal';
  return rules.levels.map((level) => {
    const shortfall: Shortfall[] = [];
    /** Cohorts (`5–5`) already said empty for this level: said once (fix32a, preschool5's two criteria at 5). */
    const saidEmpty = new Set<string>();
    for (const req of level.requires) {
      if (!met.get(req)) {
        const label = rules.levels.find((l) => l.level === req)!.label;
        shortfall.push({
          kind: 'requires',
          level: req,
          message: { vi: `Chưa đạt ${label.vi}.`, en: `${label.en} is not met.` },
        });
      }
    }
    for (const c of level.criteria) {
      const code = c.indicator[kind];
      const threshold = c.threshold[kind];
      const fig = byCode.get(code)!;
      if (meets(fig.numerator, fig.denominator, threshold)) continue;
      if (fig.denominator === 0) {
        const ages = INDICATOR_BY_CODE.get(code)!.ages.join('–');
        if (saidEmpty.has(ages)) continue; // the same sentence, "no 5-year-olds surveyed", once
        saidEmpty.add(ages);
      }
      shortfall.push(indicatorShortfall(level, fig, code, threshold, c.unverified === true));
    }
    met.set(level.level, shortfall.length === 0);
    return { level: level.level, met: shortfall.length === 0, shortfall };
  });
}

/** Sums the per-age rows of one commune (rows of other communes must be filtered out before). */
export function communeFigures(
  rules: RuleSet,
  communeCode: string,
  rows: readonly AgeCounts[],
  difficult: boolean,
): CommuneFigures {
  const ages: Record<string, number> = {};
  let population = 0;
  for (const r of [...rows].sort((a, b) => a.age - b.age)) {
    ages[String(r.age)] = (ages[String(r.age)] ?? 0) + r.population;
    population += r.population;
  }
  const indicators = indicatorsOf(rules, rows);
  return {
    communeCode,
    difficult,
    population,
    ages,
    indicators,
    levels: levelsOf(rules, indicators, difficult),
  };
}

export interface ProvinceLevel extends LevelResult {
  communesMeeting: number;
  communes: number;
  share: number;
}

export interface ProvinceFigures {
  provinceCode: string;
  population: number;
  ages: Record<string, number>;
  /** The §2 indicators summed over the province's communes (informative), then `communes_meeting_<level>`. */
  indicators: IndicatorFigure[];
  levels: ProvinceLevel[];
  communes: CommuneFigures[];
}

/** The communes' §2 indicators summed code by code (numerators, denominators; rates recomputed). */
function summedIndicators(rules: RuleSet, communes: readonly CommuneFigures[]): IndicatorFigure[] {
  return rules.indicators.map((def) => {
    let numerator = 0;
    let denominator = 0;
    for (const c of communes)
      for (const x of c.indicators)
        if (x.code === def.code) {
          numerator += x.numerator;
          denominator += x.denominator;
        }
    return { code: def.code, numerator, denominator, rate: rateOf(numerator, denominator) };
  });
}

/**
 * The province roll-up (PCGD-RULES §4) from its communes' figures (their approved reports, or figures
 * computed from persons): per level, the communes meeting it out of the communes with survey data
 * (population > 0), against the level's province share; population, ages and the §2 indicators are
 * the communes' summed.
 */
export function provinceFigures(
  rules: RuleSet,
  provinceCode: string,
  communes: readonly CommuneFigures[],
): ProvinceFigures {
  const withData = communes.filter((c) => c.population > 0);
  const levels: ProvinceLevel[] = rules.levels.map((def) => {
    const meeting = withData.filter((c) => c.levels.find((l) => l.level === def.level)?.met).length;
    const total = withData.length;
    const ok = meets(meeting, total, def.provinceShare);
    const more = shortfallOf(meeting, total, def.provinceShare);
    const shortfall: Shortfall[] = ok
      ? []
      : [
          {
            kind: 'communes',
            share: def.provinceShare,
            communesMeeting: meeting,
            communes: total,
            moreCommunes: more,
            message:
              more === null
                ? { vi: 'Không có xã nào có dữ liệu điều tra.', en: 'No commune has survey data.' }
                : {
                    vi: `Cần thêm ${more} xã đạt ${def.label.vi} để đạt ${fmt(def.provinceShare)}% số xã.`,
                    en: `${countEn(more, 'more commune', 'more communes')} meeting ${def.label.en} would reach ${def.provinceShare}% of communes.`,
                  },
          },
        ];
    return {
      level: def.level,
      met: ok,
      shortfall,
      communesMeeting: meeting,
      communes: total,
      share: def.provinceShare,
    };
  });
  const ages: Record<string, number> = {};
  for (const c of communes) for (const [age, n] of Object.entries(c.ages)) ages[age] = (ages[age] ?? 0) + n;
  const meetingRows: IndicatorFigure[] = levels.map((l) => ({
    code: `communes_meeting_${l.level}`,
    numerator: l.communesMeeting,
    denominator: l.communes,
    rate: rateOf(l.communesMeeting, l.communes),
  }));
  return {
    provinceCode,
    population: communes.reduce((n, c) => n + c.population, 0),
    ages,
    indicators: [...summedIndicators(rules, communes), ...meetingRows],
    levels,
    communes: [...communes],
  };
}
