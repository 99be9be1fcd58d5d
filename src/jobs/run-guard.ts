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
import { vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createGuardHoldsRepo, type HoldReason, type SchoolDiff } from '../store/guard-holds.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRunGuardRepo, type RunSchoolCounts } from '../store/run-guard.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { PageSeen } from '../store/weigh-seen.js';
import type { WorkerContext } from './context.js';
import { evaluate, type GuardEntry, keptKeys, unitKey } from './guard.js';
import { addToRun, type PageEffect, runRows, withRun, type YearsAt } from './run-counts.js';
import { withRunRestores } from './run-restores.js';

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
  // What the run deleted and brings back here is one change, not a deletion and a restore (./run-restores.ts).
  if (settings.enabled) page = await withRunRestores(q, run, page);
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
 * counts (`step`), the hold's diff it would make and the thresholds it goes over; `unapplied`, the counts of pages the
 * run's counts hold but which were not applied (weighed ahead: ./run-counts.ts `withRun`). */
export async function judgeReconcile(
  q: Queryable,
  ctx: RunGuardContext,
  run: { id: number; entity: EntityName },
  entries: readonly GuardEntry[],
  yearsAt?: YearsAt,
  unapplied?: readonly RunSchoolCounts[],
): Promise<{ step: SchoolDiff[]; diff: SchoolDiff[]; reasons: HoldReason[] }> {
  const step0 = { entries, arrived: new Map<string, number>() };
  const { step, cumulative } = await withRun(q, run, step0, { applied: false, yearsAt, unapplied });
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
