/**
 * Computing a report's figures from the store: a commune's from its survey persons (lineage first,
 * counts from it), a province's from its communes' approved reports — a commune without one is
 * computed from its persons, and that blocks the province's approval (PCGD-RULES §4).
 */
import { canonicalJson } from '../../audit/chain.js';
import { communesOfProvince } from '../../canonical/codes/admin-units.js';
import type { PcgdConfig } from '../../config.js';
import { AppError, both } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import {
  createPcgdRepo,
  flagBit,
  type AgeRow,
  type CountingOptions,
  type ReportRow,
  type ReportStatus,
} from '../../store/pcgd.js';
import {
  communeFigures,
  provinceFigures,
  type CommuneFigures,
  type IndicatorFigure,
  type ProvinceFigures,
} from './evaluate.js';
import { sha256Hex } from './package.js';
import { personsYearChecks } from './persons-year.js';
import { difficultCommunesOf, type RuleSet } from './rule-set.js';
import { unreadChecks } from './unread.js';
import {
  checkCommune,
  checkProvince,
  communesNotApproved,
  type EnrolmentCounts,
  type PcgdFinding,
} from './validate.js';

/** Student statuses that count as enrolled (in a class this school year). */
export const ENROLLED_STATUSES = ['studying', 'transferred_in', 'returned', 'repeating'] as const;

/** Statuses whose figures are locked: only a reopen by a higher level makes a new version. */
export const LOCKED_STATUSES: readonly ReportStatus[] = ['approved', 'submitted', 'receipted'];

/** Who is counted and how, for a report year (the rule set's settings that reach the SQL). */
function countingOptions(rules: RuleSet, year: number): CountingOptions {
  return {
    year,
    ageRule: rules.settings.ageRule,
    ageOnDate: rules.settings.ageOnDate,
    excludeDisabled: rules.settings.excludeDisabledFromDenominators,
    schoolYear: `${year}-${year + 1}`,
    activeStatuses: ENROLLED_STATUSES,
  };
}

const toCounts = (rows: readonly AgeRow[]) =>
  rows.map((r) => ({ age: r.age, population: r.population, flags: r.flags }));

const emptyEnrolment = (): EnrolmentCounts => ({
  inClassNotEnrolled: 0,
  enrolledNotInClass: 0,
  unmatchable: 0,
  matchedByName: 0,
});

/** Adds enrolment counts (counts of older reports may lack a key: read as 0). */
function addEnrolment(acc: EnrolmentCounts, e: Partial<EnrolmentCounts>): EnrolmentCounts {
  for (const k of Object.keys(acc) as (keyof EnrolmentCounts)[]) acc[k] += e[k] ?? 0;
  return acc;
}

const enrolmentOf = (rows: readonly AgeRow[]): EnrolmentCounts =>
  rows.reduce((acc, r) => addEnrolment(acc, r.enrolment), emptyEnrolment());

/** What the figures column holds. */
export interface StoredFigures {
  difficult?: boolean;
  population: number;
  ages: Record<string, number>;
  indicators: IndicatorFigure[];
  levels: ProvinceFigures['levels'] | CommuneFigures['levels'];
  communes?: CommuneFigures[];
  enrolment: EnrolmentCounts;
  /** Enrolment mismatches per commune (a province report; a commune report has only its own). */
  enrolmentByCommune?: Record<string, EnrolmentCounts>;
  /** A province report: each commune's approved report its figures were taken from (null: computed from persons). */
  communeSources?: Record<string, CommuneSource | null>;
  lineage: Record<string, string>;
}

export type { EnrolmentCounts };

/** The rule set as a report row stores it. */
export function ruleSetDoc(rules: RuleSet) {
  return {
    version: rules.version,
    settingsDigest: rules.settingsDigest,
    settings: rules.settings,
    unverified: rules.unverified,
  };
}

/** ERR_PCGD_NO_PERSONS's detail: a unit with no counted person. */
const noCountedPersons = (level: 'commune' | 'province', unit: string) =>
  level === 'commune'
    ? both(`xã ${unit} không có người nào được đếm`, `no counted persons in commune ${unit}`)
    : both(`tỉnh ${unit} không có người nào được đếm`, `no counted persons in province ${unit}`);

async function previousFigures(q: Queryable, unitCode: string, year: number) {
  const prev = await createPcgdRepo(q).latestApproved(unitCode, year - 1);
  return prev ? { id: prev.id, figures: prev.figures as StoredFigures } : undefined;
}

async function computeCommune(
  q: Queryable,
  rules: RuleSet,
  cfg: PcgdConfig,
  id: number,
  unitCode: string,
  year: number,
) {
  const repo = createPcgdRepo(q);
  const options = countingOptions(rules, year);
  const rows = await repo.writeLineage(id, options, unitCode);
  const unread = unreadChecks(rules, await repo.unreadCounts(options, [unitCode]));
  // fix32a: persons whose birth dates truc could not read, all of them, count at no age; the report says so
  // (PCGD_PERSONS_UNREAD, an error: not approvable) rather than failing as if the commune had nobody.
  if (rows.length === 0 && !unread.some((x) => x.rule === 'PCGD_PERSONS_UNREAD'))
    throw new AppError('ERR_PCGD_NO_PERSONS', noCountedPersons('commune', unitCode));
  const difficult = difficultCommunesOf(cfg, year).has(unitCode);
  const figures = communeFigures(rules, unitCode, toCounts(rows), difficult);
  const prev = await previousFigures(q, unitCode, year);
  const enrolment = enrolmentOf(rows);
  const findings: PcgdFinding[] = [
    ...checkCommune(rules, cfg.validation, {
      figures,
      enrolment,
      previous: prev ? { ages: prev.figures.ages, indicators: prev.figures.indicators } : undefined,
    }),
    ...unread,
    ...(await personsYearChecks(q, cfg, year, [unitCode])),
  ];
  const lineage = await repo.lineageDigests(
    id,
    rules.indicators.map((d) => ({ key: d.code, ages: d.ages, numeratorBit: flagBit(d.numerator) })),
  );
  const stored: StoredFigures = {
    difficult,
    population: figures.population,
    ages: figures.ages,
    indicators: figures.indicators,
    levels: figures.levels,
    enrolment,
    lineage,
  };
  const mappingVersions = await repo.mappingVersions([unitCode]);
  return {
    stored,
    findings,
    persons: figures.population,
    digest: lineage.all ?? '',
    mappingVersions,
    prevId: prev?.id ?? null,
  };
}

/** Where a province report's commune figures come from: the commune's approved report, or none (computed from persons). */
export interface CommuneSource {
  reportId: number;
  version: number;
  status: ReportStatus;
  /** sha-256 of the commune's signed package. */
  packageSha256: string | null;
}

/** Where a province took a commune's figures from: its approved report and signed package. */
function sourceOf(
  report: Pick<ReportRow, 'id' | 'version' | 'status'> & { package_sha256: string | null },
): CommuneSource {
  return {
    reportId: report.id,
    version: report.version,
    status: report.status,
    packageSha256: report.package_sha256,
  };
}

/** A commune's figures as its approved report holds them. */
function figuresOfReport(
  row: ReportRow,
  difficult: boolean,
): { figures: CommuneFigures; enrolment?: EnrolmentCounts } {
  const f = row.figures as StoredFigures;
  return {
    figures: {
      communeCode: row.unit_code,
      difficult: f.difficult ?? difficult,
      population: f.population,
      ages: f.ages,
      indicators: f.indicators,
      levels: f.levels as CommuneFigures['levels'],
    },
    ...(f.enrolment ? { enrolment: f.enrolment } : {}),
  };
}

/**
 * Lineage of a province figure = the communes behind it: the signed package of each commune's approved
 * report, or the digest of the figures computed from its persons; `all`: the digest of every commune's figures.
 */
function provinceLineage(
  communeFigs: readonly CommuneFigures[],
  sources: Record<string, CommuneSource | null>,
): Record<string, string> {
  return {
    all: sha256Hex(Buffer.from(canonicalJson(communeFigs))),
    ...Object.fromEntries(
      communeFigs.map((c) => [
        c.communeCode,
        sources[c.communeCode]?.packageSha256 ?? sha256Hex(Buffer.from(canonicalJson(c))),
      ]),
    ),
  };
}

/**
 * The communes' figures behind a province report: each commune's approved report, or its figures
 * computed from its counted persons (checked, against last year's where there are any); a commune
 * with persons stored but none counted is left out.
 */
function communesOfProvinceReport(
  rules: RuleSet,
  cfg: PcgdConfig,
  communes: readonly string[],
  from: {
    approved: ReadonlyMap<string, ReportRow & { package_sha256: string | null }>;
    /** The counted persons of the communes without an approved report. */
    rows: readonly AgeRow[];
    difficult: ReadonlySet<string>;
    /** Last year's commune figures of the province. */
    previous: readonly CommuneFigures[];
  },
) {
  const counted = new Map<string, AgeRow[]>();
  for (const r of from.rows) counted.set(r.communeCode, [...(counted.get(r.communeCode) ?? []), r]);
  const previous = new Map(from.previous.map((c) => [c.communeCode, c]));
  const findings: PcgdFinding[] = [];
  const communeFigs: CommuneFigures[] = [];
  const enrolmentByCommune: Record<string, EnrolmentCounts> = {};
  const sources: Record<string, CommuneSource | null> = {};
  for (const code of communes) {
    const report = from.approved.get(code);
    if (report) {
      const r = figuresOfReport(report, from.difficult.has(code));
      communeFigs.push(r.figures);
      if (r.enrolment) enrolmentByCommune[code] = r.enrolment;
      sources[code] = sourceOf(report);
      continue;
    }
    const list = counted.get(code);
    if (!list) continue; // persons stored, none counted
    const figs = communeFigures(rules, code, toCounts(list), from.difficult.has(code));
    communeFigs.push(figs);
    enrolmentByCommune[code] = enrolmentOf(list);
    sources[code] = null;
    const p = previous.get(code);
    findings.push(
      ...checkCommune(rules, cfg.validation, {
        figures: figs,
        enrolment: enrolmentByCommune[code],
        previous: p ? { ages: p.ages, indicators: p.indicators } : undefined,
      }),
    );
  }
  return { communeFigs, enrolmentByCommune, sources, findings };
}

/**
 * The findings on the persons of communes computed from them: unread columns, and persons of another working year
 * than the report's (review34b F2); none when there are none.
 */
async function personsChecksOf(
  q: Queryable,
  rules: RuleSet,
  cfg: PcgdConfig,
  year: number,
  communes: string[],
) {
  if (communes.length === 0) return [];
  const unread = await createPcgdRepo(q).unreadCounts(countingOptions(rules, year), communes);
  return [...unreadChecks(rules, unread), ...(await personsYearChecks(q, cfg, year, communes))];
}

async function computeProvince(
  q: Queryable,
  rules: RuleSet,
  cfg: PcgdConfig,
  unitCode: string,
  year: number,
) {
  const repo = createPcgdRepo(q);
  const communes = await repo.communesWithPersons(communesOfProvince(unitCode).map((c) => c.code));
  if (communes.length === 0)
    throw new AppError('ERR_PCGD_NO_PERSONS', noCountedPersons('province', unitCode));
  const approved = new Map((await repo.approvedOf(communes, year)).map((r) => [r.unit_code, r]));
  const missing = communes.filter((c) => !approved.has(c));
  const rows = missing.length > 0 ? await repo.ageCounts(countingOptions(rules, year), missing) : [];
  const prev = await previousFigures(q, unitCode, year);
  const { communeFigs, enrolmentByCommune, sources, findings } = communesOfProvinceReport(
    rules,
    cfg,
    communes,
    {
      approved,
      rows,
      difficult: difficultCommunesOf(cfg, year),
      previous: prev?.figures.communes ?? [],
    },
  );
  if (missing.length > 0) findings.unshift(communesNotApproved(missing));
  findings.push(...(await personsChecksOf(q, rules, cfg, year, missing)));
  const province = provinceFigures(rules, unitCode, communeFigs);
  const own = province.indicators.filter((x) => !x.code.startsWith('communes_meeting_'));
  findings.push(
    ...checkProvince(
      cfg.validation,
      { ages: province.ages, indicators: own },
      prev ? { ages: prev.figures.ages, indicators: prev.figures.indicators } : undefined,
    ),
  );
  const lineage = provinceLineage(communeFigs, sources);
  const enrolment = Object.values(enrolmentByCommune).reduce(addEnrolment, emptyEnrolment());
  const stored: StoredFigures = {
    population: province.population,
    ages: province.ages,
    indicators: province.indicators,
    levels: province.levels,
    communes: communeFigs,
    communeSources: sources,
    enrolment,
    enrolmentByCommune,
    lineage,
  };
  const mappingVersions = await repo.mappingVersions(communes);
  return {
    stored,
    findings,
    persons: province.population,
    digest: lineage.all!,
    mappingVersions,
    prevId: prev?.id ?? null,
  };
}

/** The figures, findings and lineage of a pending report row (commune or province). */
export function computeFigures(q: Queryable, rules: RuleSet, cfg: PcgdConfig, row: ReportRow) {
  return row.unit_level === 'commune'
    ? computeCommune(q, rules, cfg, row.id, row.unit_code, row.year)
    : computeProvince(q, rules, cfg, row.unit_code, row.year);
}
