/**
 * The mass-change guard over the pages of a sync run (issue 7): every page's effect on the schools it
 * touches — live records it changes or moves away, deleted ones it restores (./guard.ts `batchEntries`), and live records the
 * source's tombstones delete — is added to the run's running counts per school (src/store/run-guard.ts)
 * and judged against the school's live records as they were before the run (review17 B1: counted when the
 * run first weighs a change of the school, less the records its pages brought there), with the thresholds of
 * `config.guard` (./guard.ts `evaluate`: in the rollover window the changed-records threshold relaxes for
 * regrades only, a student's grade and class changes, told apart before the page's writes: ./guard-rollover.ts;
 * deletions and moves stay guarded). Over a threshold, the page is not applied: its transaction is
 * rolled back (`RunHeld`), and {@link holdRun} holds the run (status 'held') with a hold of kind 'run'
 * whose diff has the run's counts and the page's keys (no personal data). An approval runs the run on
 * from its cursor, the page included, and lets through what its diff showed ({@link approvedAlready}: a later
 * page or the reconciliation taking another school, or another kind, or more, over a threshold is held again
 * with its own diff, review23); a rejection ends the run
 * (failed, ERR_GUARD_REJECTED). A full run's reconciliation is judged with the same running counts
 * ({@link guardReconcile}): its deletions add to the run's, and over a threshold it is held (kind
 * 'reconcile'); an approval covers pages and reconciliation alike, as far as its diff went. Once a page is held,
 * the run's next pages are weighed (`weighing`, ./run-weigh.ts) and the hold widened to every school they would hold
 * (review32 F3): one decision for the run's whole change.
 */
import { appendAudit } from '../audit/chain.js';
import { classKeyParts } from '../canonical/entities.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import {
  CITY_SCHOOLS,
  createGuardHoldsRepo,
  type HoldReason,
  type SchoolDiff,
} from '../store/guard-holds.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo } from '../store/records.js';
import { createRunGuardRepo, type RunSchoolCounts } from '../store/run-guard.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { PageSeen } from '../store/weigh-seen.js';
import type { WorkerContext } from './context.js';
import { diffsOf, evaluate, type GuardEntry, keptKeys, unitKey } from './guard.js';

type RunGuardContext = Pick<WorkerContext, 'config' | 'now'>;

/** Thrown in a page's transaction when the guard holds the run: the page is rolled back, then held. */
export class RunHeld extends Error {
  constructor(
    readonly diff: SchoolDiff[],
    readonly reasons: HoldReason[],
    /** The page's own counts, as the run would add them ({@link addToRun}): a weighing of the run's next pages adds them. */
    readonly rows: RunSchoolCounts[] = [],
  ) {
    super('the mass-change guard holds the run');
    this.name = 'RunHeld';
  }
  /** What a full run's held (or weighed) page saw (fix35b): its reconciliation is weighed ahead from it. */
  seen?: PageSeen | undefined;
}

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
 * its writes).
 */
async function withRun(
  q: Queryable,
  run: { id: number; entity: EntityName },
  step: PageEffect,
  opts: { applied: boolean; yearsAt?: YearsAt | undefined },
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
  for (const d of diffs) {
    const u = unitKey(d.school, d.schoolYear);
    if (!first.has(u)) continue;
    // Counted after the page's writes: what it took away was there before it, what it brought was not.
    const page = opts.applied ? d.deleted + d.moved - (arrived.get(u) ?? 0) : 0;
    d.live = Math.max(0, d.live + page - (sofar.get(u)?.arrived ?? 0));
  }
  if (opts.yearsAt) {
    // Weighed within the school years the step deletes in (a school system's full students run's reconciliation):
    // those years' live records now, less what the run brought there, plus what its pages took away.
    const within = await liveWithin(q, run.entity, schools, opts.yearsAt);
    for (const d of diffs) {
      const before = sofar.get(unitKey(d.school, d.schoolYear));
      const taken = (before?.deleted ?? 0) + (before?.moved ?? 0);
      d.live = Math.max(0, (within.get(d.school) ?? 0) - (before?.arrived ?? 0) + taken);
    }
  }
  const cumulative = diffs.map((d) => {
    const before = sofar.get(unitKey(d.school, d.schoolYear));
    if (!before) return d;
    const regraded = (d.regraded ?? 0) + before.regraded;
    const restored = (d.restored ?? 0) + before.restored;
    return {
      ...d,
      deleted: d.deleted + before.deleted,
      moved: d.moved + before.moved,
      changed: d.changed + before.changed,
      ...(regraded > 0 ? { regraded } : {}),
      ...(restored > 0 ? { restored } : {}),
    };
  });
  return { step: diffs, cumulative };
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
function addToRun(
  q: Queryable,
  runId: number,
  step: readonly SchoolDiff[],
  arrived: ReadonlyMap<string, number>,
) {
  return createRunGuardRepo(q).add(runId, runRows(step, arrived));
}

/** A step's counts as the run keeps them ({@link addToRun}). */
function runRows(step: readonly SchoolDiff[], arrived: ReadonlyMap<string, number>): RunSchoolCounts[] {
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

/**
 * True when an admin approved each of these reasons already: an approved hold of the run showed the same school
 * (school year) over the same threshold (`deleted` or `changed`) with at least this count. An approval covers
 * what its diff showed (review23: approving one school's renames let the same run's reconciliation delete every
 * student of a school the admin never saw); another school, another kind or a larger count is held again.
 */
export function coveredBy(reasons: readonly HoldReason[], approved: readonly HoldReason[]): boolean {
  return reasons.every((r) =>
    approved.some(
      (a) =>
        a.school === r.school &&
        (a.schoolYear ?? '') === (r.schoolYear ?? '') &&
        (a.grade ?? '') === (r.grade ?? '') &&
        a.kind === r.kind &&
        a.count >= r.count,
    ),
  );
}

async function approvedAlready(
  q: Queryable,
  runId: number,
  reasons: readonly HoldReason[],
): Promise<boolean> {
  return coveredBy(reasons, await createGuardHoldsRepo(q).approvedReasons(runId));
}

/**
 * Judges an applied page of a run, in the page's transaction (after its writes: `live` of a school the
 * run weighs first is counted back to before the run). Throws {@link RunHeld} when the run's counts
 * with this page go over a school's thresholds and no admin approved the run; else adds the
 * page to the run's counts among the page's closing writes (`closing`: no statement of its own). `weighing` (a held
 * run's next pages weighed, ./run-weigh.ts): always throws {@link RunHeld}, with the reasons no approval covers.
 */
export async function guardRunPage(
  q: Queryable,
  ctx: RunGuardContext,
  run: { id: number; entity: EntityName },
  page: PageEffect,
  closing: Queryable,
  weighing = false,
): Promise<void> {
  const settings = ctx.config.guard;
  if (weighing && (!settings.enabled || page.entries.length === 0))
    throw new RunHeld([], [], runRows([], page.arrived));
  if (!settings.enabled || (page.entries.length === 0 && page.arrived.size === 0)) return;
  if (page.entries.length === 0) {
    await addToRun(closing, run.id, [], page.arrived);
    return;
  }
  const { step, cumulative } = await withRun(q, run, page, { applied: true });
  const reasons = evaluate(cumulative, settings, vietnamDateOf(ctx.now()));
  if (weighing) {
    const approved = await createGuardHoldsRepo(q).approvedReasons(run.id);
    const open = reasons.filter((r) => !coveredBy([r], approved));
    throw new RunHeld(cumulative, open, runRows(step, page.arrived));
  }
  if (reasons.length > 0 && !(await approvedAlready(q, run.id, reasons))) {
    throw new RunHeld(cumulative, reasons, runRows(step, page.arrived));
  }
  await addToRun(closing, run.id, step, page.arrived);
}

/**
 * Judges a full run's reconciliation (the live records it would delete), in its transaction and before anything is
 * deleted, with the run's counts so far: a run whose pages passed but whose reconciliation takes a school over a
 * threshold (its pages' tombstones and moves plus these deletions) is held. A run that deletes only within some school
 * years of each school (`yearsAt`: a school system's full students run, ./reconcile-unseen.ts `ofListedYears`) is
 * weighed against the school's live records of those years (fixes26b). The hold (kind 'reconcile', audited) has the
 * run's counts and the reconciliation's keys; it goes through when an admin approved what it does already
 * ({@link approvedAlready}; weighed ahead into a held run's hold, fix35b). Returns the hold's id, or undefined when it
 * may apply (its counts are then added to the run's).
 */
export async function guardReconcile(
  q: Queryable,
  ctx: RunGuardContext,
  run: { id: number; entity: EntityName },
  entries: readonly GuardEntry[],
  yearsAt?: YearsAt,
): Promise<number | undefined> {
  const settings = ctx.config.guard;
  if (!settings.enabled || entries.length === 0) return undefined;
  const { step, diff, reasons } = await judgeReconcile(q, ctx, run, entries, yearsAt);
  if (reasons.length === 0 || (await approvedAlready(q, run.id, reasons))) {
    await addToRun(q, run.id, step, new Map());
    return undefined;
  }
  const id = await createGuardHoldsRepo(q).create({
    kind: 'reconcile',
    syncRunId: run.id,
    entity: run.entity,
    diff,
    reasons,
  });
  await appendAudit(q, [heldAudit(id, 'reconcile', run, reasons)], ctx.now());
  return id;
}

/**
 * A full run's reconciliation judged with the run's counts so far ({@link guardReconcile}, and ahead: fix35b): its own
 * counts (`step`), the hold's diff it would make and the thresholds it goes over. */
export async function judgeReconcile(
  q: Queryable,
  ctx: RunGuardContext,
  run: { id: number; entity: EntityName },
  entries: readonly GuardEntry[],
  yearsAt?: YearsAt,
): Promise<{ step: SchoolDiff[]; diff: SchoolDiff[]; reasons: HoldReason[] }> {
  const step0 = { entries, arrived: new Map<string, number>() };
  const { step, cumulative } = await withRun(q, run, step0, { applied: false, yearsAt });
  const all = evaluate(cumulative, ctx.config.guard, vietnamDateOf(ctx.now()));
  // Weighed within some years, the run's changes (its pages', weighed against the whole school already) are not
  // weighed again: only the deletions are this step's. Per school, its own deletions beside the run's (fix33b).
  const reasons = yearsAt ? all.filter((r) => r.kind === 'deleted') : all;
  const own = new Map(step.map((d) => [unitKey(d.school, d.schoolYear), d.deleted]));
  const cap = ctx.config.guard.weighedKeys;
  const diff = cumulative.map((d) =>
    keptKeys({ ...d, reconciled: own.get(unitKey(d.school, d.schoolYear)) ?? 0 }, cap),
  );
  return { step, diff, reasons };
}

/** The audit entry of a run's hold (reasons as school:kind:count/live, no keys). */
export const heldAudit = (
  id: number,
  kind: 'run' | 'reconcile',
  run: { id: number; entity: EntityName },
  reasons: readonly HoldReason[],
  extra: Record<string, unknown> = {},
) => ({
  actor: 'system:guard',
  action: 'guard.held' as const,
  subject: `guard-hold:${id}`,
  details: {
    kind,
    syncRunId: run.id,
    ...extra,
    entity: run.entity,
    reasons: reasons.map((r) => `${unitKey(r.school, r.schoolYear)}:${r.kind}:${r.count}/${r.live}`),
  },
});

/**
 * Holds the run whose page the guard stopped (in a transaction of its own, after the page's rolled
 * back): status 'held', a hold of kind 'run', audited; the page's job is done (an approval queues the
 * page again). Once: a redelivered job finds the run held, or the page stored, and does nothing.
 */
export async function holdRun(
  q: Queryable,
  run: { id: number; entity: EntityName },
  page: { no: number; outboxId: number | undefined },
  held: RunHeld,
  at: Date,
): Promise<number | undefined> {
  const locked = await createSyncRunsRepo(q).lockForPage(run.id);
  const runs = createRunGuardRepo(q);
  let id: number | undefined;
  if ((locked?.pages ?? 0) <= page.no && (await runs.hold(run.id))) {
    id = await createGuardHoldsRepo(q).create({
      kind: 'run',
      syncRunId: run.id,
      entity: run.entity,
      diff: held.diff,
      reasons: held.reasons,
    });
    await appendAudit(q, [heldAudit(id, 'run', run, held.reasons, { page: page.no })], at);
  }
  await createOutboxRepo(q).markDone(page.outboxId);
  return id;
}
