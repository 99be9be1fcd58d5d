/**
 * A sync run's running counts per school as the mass-change guard weighs them (./run-guard.ts): the units a run
 * weighs (a school, a classes run's school year, the city's schools as one), their live records before the run, and
 * a step's entries added to the run's counts (../store/run-guard.ts). Counts only: what is held is ./run-guard.ts's.
 */
import { classKeyParts } from '../canonical/entities.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { CITY_SCHOOLS, type SchoolDiff } from '../store/guard-holds.js';
import { createRecordsRepo } from '../store/records.js';
import { createRunGuardRepo, type RunSchoolCounts } from '../store/run-guard.js';
import { diffsOf, type GuardEntry, unitKey } from './guard.js';

/** The live records a source's tombstones deleted (../store/record-deletions.ts `tombstoneScoped`), each against its school. */
export function tombstoneEntries(deleted: readonly { key: string; scope: string }[]): GuardEntry[] {
  return deleted.map((r) => ({ school: r.scope, kind: 'deleted' as const, key: r.key }));
}

/**
 * What a run's counts are kept by ({@link unitKey}): the school, or, a classes run's, the school and the class's
 * school year (left20 item 1: a full classes run reconciles within each school year it lists, so its deletions,
 * changes and moves are weighed within the year, as a vendor's class snapshot is, review18 R4; weighed against
 * every year's classes, the years kept beside this one diluted a mass deletion of this year's); a schools run's, the
 * city's schools as one ({@link CITY_SCHOOLS}, guard22).
 */
export function runUnit(entity: EntityName): (school: string, key: string) => string {
  if (entity === 'schools') return () => CITY_SCHOOLS;
  return entity === 'classes'
    ? (school, key) => unitKey(school, classKeyParts(key).year)
    : (school) => school;
}

/**
 * The entries as a run weighs them: a class's with its school year; a school against the city's schools, one unit
 * ({@link CITY_SCHOOLS}: a school record is its own school, so weighed per school each counted 1 live record, under
 * `minRecords`, and a run deleting half of the city's schools was never held; guard22).
 */
const inUnits = (entity: EntityName, entries: readonly GuardEntry[]): readonly GuardEntry[] => {
  if (entity === 'schools') return entries.map((e) => ({ ...e, school: CITY_SCHOOLS }));
  return entity === 'classes' ? entries.map((e) => ({ ...e, year: classKeyParts(e.key).year })) : entries;
};

/** The live records of the units a run weighs first ({@link runUnit}): per school, school year, or the city's schools. */
async function liveOf(
  q: Queryable,
  entity: EntityName,
  schools: readonly string[],
): Promise<Map<string, number>> {
  const records = createRecordsRepo(q);
  if (schools.length === 0) return new Map();
  if (entity === 'schools') return new Map([[CITY_SCHOOLS, await records.count('schools')]]);
  return entity === 'classes' ? records.liveClassCounts(schools) : records.liveCounts(entity, schools);
}

/**
 * A run's counts per school (per school year of a classes run: {@link runUnit}) with one more step's entries:
 * the step alone, and the run so far with it. Each is weighed as it was before the run (review17 B1): counted
 * when the run first weighs a change of it, its live records now less what the run brought there (its pages'
 * `arrived`, this step's included) plus what this step took away (an applied step, a page, is counted after
 * its writes). `unapplied`: counts the run's counts hold of pages not applied (a held run's reconciliation weighed
 * ahead, ./reconcile-ahead.ts): what they would bring or take is not in the live records now, so it is not taken out
 * of them or added back (ops14: "deleted 30 of 22 live" where 30 were live, the held page's 8 arrivals taken out).
 */
export async function withRun(
  q: Queryable,
  run: { id: number; entity: EntityName },
  step: PageEffect,
  opts: {
    applied: boolean;
    yearsAt?: YearsAt | undefined;
    unapplied?: readonly RunSchoolCounts[] | undefined;
  },
): Promise<{ step: SchoolDiff[]; cumulative: SchoolDiff[] }> {
  const { arrived } = step;
  const entries = inUnits(run.entity, step.entries);
  const units = new Map(entries.map((e) => [unitKey(e.school, e.year), e.school]));
  const schools = [...new Set(units.values())];
  const sofar = new Map(
    (await createRunGuardRepo(q).counts(run.id, schools)).map((c) => [unitKey(c.school, c.schoolYear), c]),
  );
  const first = new Set([...units.keys()].filter((u) => (sofar.get(u)?.live ?? null) === null));
  const firstSchools = [...new Set([...first].map((u) => units.get(u)!))];
  const liveNow = await liveOf(q, run.entity, firstSchools);
  const live = new Map<string, number>();
  for (const u of units.keys()) live.set(u, sofar.get(u)?.live ?? liveNow.get(u) ?? 0);
  const diffs = diffsOf(entries, live);
  const applied = appliedOf(sofar, opts.unapplied ?? []);
  for (const d of diffs) {
    const u = unitKey(d.school, d.schoolYear);
    if (!first.has(u)) continue;
    // A record the run deleted before this school was weighed, brought back (./run-restores.ts): no deletion of it.
    d.deleted = Math.max(0, d.deleted);
    // Counted after the page's writes: what it took away was there before it, what it brought was not.
    const page = opts.applied ? d.deleted + d.moved - (arrived.get(u) ?? 0) : 0;
    d.live = Math.max(0, d.live + page - applied(u).arrived);
  }
  if (opts.yearsAt) {
    // Weighed within the school years the step deletes in (a school system's full students run's reconciliation):
    // those years' live records now, less what the run brought there, plus what its pages took away.
    const within = await liveWithin(q, run.entity, schools, opts.yearsAt);
    for (const d of diffs) {
      const { arrived: brought, taken } = applied(unitKey(d.school, d.schoolYear));
      d.live = Math.max(0, (within.get(d.school) ?? 0) - brought + taken);
    }
  }
  const cumulative = diffs.map((d) => {
    const before = sofar.get(unitKey(d.school, d.schoolYear));
    if (!before) return d;
    const regraded = (d.regraded ?? 0) + before.regraded;
    const restored = (d.restored ?? 0) + before.restored;
    return {
      ...d,
      deleted: Math.max(0, d.deleted + before.deleted),
      moved: d.moved + before.moved,
      changed: d.changed + before.changed,
      ...(regraded > 0 ? { regraded } : {}),
      ...(restored > 0 ? { restored } : {}),
    };
  });
  return { step: diffs, cumulative };
}

/**
 * Per unit, what the run's applied pages brought there and took away: its counts so far less those of `unapplied`
 * (pages weighed, not applied: their records are as before the run).
 */
function appliedOf(
  sofar: ReadonlyMap<string, RunSchoolCounts>,
  unapplied: readonly RunSchoolCounts[],
): (unit: string) => { arrived: number; taken: number } {
  const ahead = new Map<string, { arrived: number; taken: number }>();
  for (const c of unapplied) {
    const u = unitKey(c.school, c.schoolYear);
    const a = ahead.get(u) ?? { arrived: 0, taken: 0 };
    ahead.set(u, { arrived: a.arrived + c.arrived, taken: a.taken + c.deleted + c.moved });
  }
  return (unit) => {
    const before = sofar.get(unit);
    const a = ahead.get(unit);
    return {
      arrived: Math.max(0, (before?.arrived ?? 0) - (a?.arrived ?? 0)),
      taken: Math.max(0, (before?.deleted ?? 0) + (before?.moved ?? 0) - (a?.taken ?? 0)),
    };
  };
}

/** Per school, the school years a step's deletions are weighed within (undefined: the whole school). */
export type YearsAt = (school: string) => readonly string[];

/** The live records of each school within the school years `yearsAt` gives it (one count per set of years). */
async function liveWithin(
  q: Queryable,
  entity: EntityName,
  schools: readonly string[],
  yearsAt: YearsAt,
): Promise<Map<string, number>> {
  const bySet = new Map<string, { years: readonly string[]; schools: string[] }>();
  for (const school of schools) {
    const years = [...yearsAt(school)].sort();
    const set = bySet.get(years.join(',')) ?? { years, schools: [] };
    set.schools.push(school);
    bySet.set(years.join(','), set);
  }
  const records = createRecordsRepo(q);
  const out = new Map<string, number>();
  for (const { years, schools: of } of bySet.values())
    for (const [school, n] of await records.liveCounts(entity, of, years)) out.set(school, n);
  return out;
}

/** What a step of a run does to the schools: the live records it changes, moves or deletes, and the records it brings. */
export interface PageEffect {
  entries: readonly GuardEntry[];
  /**
   * Per school (per school and school year, a classes run's: {@link runUnit}), the records it brings there (new,
   * restored, moved in: ./guard.ts `arrivalsOf`).
   */
  arrived: ReadonlyMap<string, number>;
}

/**
 * Adds a step's counts to the run's (../store/run-guard.ts: a school's live count is kept from the first
 * one given), and the records it brought to each school, weighed or not (a school it only brought records
 * to keeps no live count yet).
 */
export function addToRun(
  q: Queryable,
  runId: number,
  step: readonly SchoolDiff[],
  arrived: ReadonlyMap<string, number>,
) {
  return createRunGuardRepo(q).add(runId, runRows(step, arrived));
}

/** A step's counts as the run keeps them ({@link addToRun}). */
export function runRows(
  step: readonly SchoolDiff[],
  arrived: ReadonlyMap<string, number>,
): RunSchoolCounts[] {
  const rows: RunSchoolCounts[] = step.map((d) => ({
    school: d.school,
    schoolYear: d.schoolYear ?? '',
    live: d.live,
    deleted: d.deleted,
    moved: d.moved,
    changed: d.changed,
    regraded: d.regraded ?? 0,
    restored: d.restored ?? 0,
    arrived: arrived.get(unitKey(d.school, d.schoolYear)) ?? 0,
  }));
  const weighed = new Set(rows.map((r) => unitKey(r.school, r.schoolYear)));
  for (const [unit, n] of arrived) {
    if (weighed.has(unit)) continue;
    const [school = unit, schoolYear = ''] = unit.split('/');
    const none = { deleted: 0, moved: 0, changed: 0, regraded: 0, restored: 0 };
    rows.push({ school, schoolYear, live: null, ...none, arrived: n });
  }
  return rows;
}
