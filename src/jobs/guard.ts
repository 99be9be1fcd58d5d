/**
 * The mass-change guard (issue 7, sync-data): a change whose effect on a school goes over that school's
 * thresholds is held with its diff (counts and keys per school, never personal data) instead of applied,
 * until a city admin approves or rejects it through the API (./contracts.ts `decideHold`). Today the
 * reconciliation of full runs, vendor snapshots' deletions and vendor batches' changes and moves are guarded.
 *
 * What it watches: a vendor batch — records of a school changed, and records moved away from a school
 * (the whole batch is held: nothing of it applies, see ./batch-guard.ts `guardBatch`, and weighed with its school's
 * earlier vendor batches over a window, ./vendor-window.ts); a vendor snapshot — the
 * school's records it omits (its records apply, the deletions wait); a full run's reconciliation —
 * records deleted; the pages of a sync run — with the run's running counts per school (./run-guard.ts).
 * Thresholds are shares of the
 * school's live records (`config.guard`); schools with fewer than `minRecords` live records are not
 * guarded. In the rollover window around 1 September (kết chuyển), a change of a student's grade and class alone
 * (a regrade: ./guard-rollover.ts) is weighed against `rollover.changeRatio` (grades and classes change for everyone
 * then); any other change against `changeRatio` as on any day; deletions and moves stay guarded.
 */
import { appendAudit } from '../audit/chain.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import type { Config, EntityName } from '../config.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createGuardHoldsRepo, type HoldReason, type SchoolDiff } from '../store/guard-holds.js';
import { createRecordsRepo, type ExistingRow, type UpsertRow } from '../store/records.js';
import type { WorkerContext } from './context.js';
import type { JudgeContext } from './judge.js';
import { snapshotGradeReasons } from './grade-guard.js';
import { inRollover, regradedKeys, rolloverFields, weighsWithCopies } from './guard-rollover.js';
import { type Carried, changeYears } from './snapshot-missing.js';

export { inRollover, weighsWithCopies };

export type GuardSettings = Config['guard'];

/** One record a change touches, by the school (and, a classes run's, the school year) it counts against. */
export interface GuardEntry {
  school: string;
  /** A classes run weighs each class within its school year (./run-guard.ts; left20 item 1). */
  year?: string | undefined;
  /** `restored`: a deleted record of the school brought back there (a restore is a change: restoreguard). */
  kind: 'deleted' | 'moved' | 'changed' | 'restored';
  key: string;
  /** A change of nothing but the record's grade and class, judged in the rollover window (./guard-rollover.ts). */
  regraded?: true;
  /**
   * A `changed` entry that brings back a record the same sync run deleted from the school (./run-restores.ts): it
   * takes that deletion back out of the school's count (one change, not a deletion and a restore; guard6).
   */
  undeletes?: true;
}

/** What a guard's counts are kept by: the school, or a classes run's school and school year (`school/year`). */
export const unitKey = (school: string, year?: string): string => (year ? `${school}/${year}` : school);

/** Groups the entries by school (and school year, when they carry one), with each one's live count ({@link unitKey}). */
export function diffsOf(entries: readonly GuardEntry[], live: ReadonlyMap<string, number>): SchoolDiff[] {
  const by = new Map<string, SchoolDiff>();
  for (const e of entries) {
    const unit = unitKey(e.school, e.year);
    let d = by.get(unit);
    if (!d) {
      d = {
        school: e.school,
        ...(e.year ? { schoolYear: e.year } : {}),
        live: live.get(unit) ?? 0,
        deleted: 0,
        moved: 0,
        changed: 0,
        keys: { deleted: [], moved: [], changed: [] },
      };
      by.set(unit, d);
    }
    if (e.kind === 'restored') {
      d.restored = (d.restored ?? 0) + 1;
      (d.keys.restored ??= []).push(e.key);
    } else {
      d[e.kind] += 1;
      d.keys[e.kind].push(e.key);
    }
    if (e.undeletes) d.deleted -= 1;
    if (e.regraded) d.regraded = (d.regraded ?? 0) + 1;
  }
  return [...by.values()].sort(
    (a, b) => a.school.localeCompare(b.school) || (a.schoolYear ?? '').localeCompare(b.schoolYear ?? ''),
  );
}

/**
 * The thresholds each school's change goes over (none: the change may apply). In the rollover window a school's
 * changes other than regrades ({@link SchoolDiff} `regraded`) go against `changeRatio`, and all its changes,
 * regrades with them, against `rollover.changeRatio` (issue 7 item 3: only grade and class changes relax). A restore
 * is a change (restoreguard): the records brought back ({@link SchoolDiff} `restored`) count with the changes, against
 * the school with them (its live records and those restored: a school an approved snapshot left 1 of 40 students
 * weighs 39 restored of 40), and so does `minRecords`; deletions and moves against its live records alone.
 */
export function evaluate(diffs: readonly SchoolDiff[], settings: GuardSettings, today: string): HoldReason[] {
  const window = inRollover(today, settings.rollover);
  const reasons: HoldReason[] = [];
  for (const d of diffs) {
    const restored = d.restored ?? 0;
    const whole = d.live + restored;
    if (whole < settings.minRecords || whole === 0) continue;
    const gone = d.deleted + d.moved;
    const ratio = (n: number, of: number) => Math.round((n / of) * 10_000) / 10_000;
    const of = d.schoolYear ? { school: d.school, schoolYear: d.schoolYear } : { school: d.school };
    if (d.live >= settings.minRecords && d.live > 0 && gone / d.live > settings.deleteRatio) {
      reasons.push({
        ...of,
        kind: 'deleted',
        count: gone,
        live: d.live,
        ratio: ratio(gone, d.live),
        threshold: settings.deleteRatio,
      });
    }
    const other = (window ? d.changed - (d.regraded ?? 0) : d.changed) + restored;
    const all = d.changed + restored;
    const [count, threshold] =
      other / whole > settings.changeRatio
        ? [other, settings.changeRatio]
        : window && all / whole > settings.rollover.changeRatio
          ? [all, settings.rollover.changeRatio]
          : [0, undefined];
    if (threshold !== undefined) {
      const why = { kind: 'changed' as const, count, ...(restored > 0 ? { restored } : {}) };
      reasons.push({ ...of, ...why, live: whole, ratio: ratio(count, whole), threshold });
    }
  }
  return reasons;
}

/**
 * Checks a vendor snapshot's deletions against the guard, in the caller's transaction (a sync run's
 * steps are judged with the run's counts: ./run-guard.ts): returns the hold's id when it is
 * held (the caller then applies nothing), undefined when it may apply (guard off, within thresholds,
 * or approved by an admin). Weighed against each school as it was before the batch (review17 B1: as the
 * dry run weighs them): its live records now, less those the batch's own writes brought (`arrived`); a class
 * or student snapshot's, against its records of the school years it carries (`schoolYears`, ./snapshot-missing.ts
 * `snapshotYears`: what it deletes within; review18 R4, snap24), its grades' too (./grade-guard.ts).
 */
export async function guardChange(
  q: Queryable,
  ctx: Pick<WorkerContext, 'config' | 'now'>,
  change: {
    kind: 'batch';
    batchId: string;
    entity: EntityName;
    entries: readonly GuardEntry[];
    arrived: ReadonlyMap<string, number>;
    schoolYears?: readonly string[] | undefined;
    /** Its school's vendor window (./vendor-window.ts), weighed when the deletions alone stay within. */
    window?: (live: ReadonlyMap<string, number>, today: string) => Promise<WindowCounts | undefined>;
  },
): Promise<number | undefined> {
  const settings = ctx.config.guard;
  if (!settings.enabled || change.entries.length === 0) return undefined;
  const holds = createGuardHoldsRepo(q);
  const ref = { batchId: change.batchId };
  const schools = [...new Set(change.entries.map((e) => e.school))];
  const live = await createRecordsRepo(q).liveCounts(change.entity, schools, change.schoolYears);
  for (const [school, n] of live) live.set(school, Math.max(0, n - (change.arrived.get(school) ?? 0)));
  const today = vietnamDateOf(ctx.now());
  let diff = diffsOf(change.entries, live);
  let reasons = [
    ...evaluate(diff, settings, today),
    ...(await withinGrades(q, settings, change.entity, diff, change.schoolYears)),
  ];
  const window = reasons.length === 0 ? await change.window?.(live, today) : undefined;
  if (window) {
    diff = withWindow(diff, window);
    reasons = evaluate(diff, settings, today);
  }
  if (reasons.length === 0) return undefined;
  if (await holds.approved(ref)) return undefined;
  const id = await holds.create({ kind: change.kind, ...ref, entity: change.entity, diff, reasons });
  await appendAudit(
    q,
    [
      {
        actor: 'system:guard',
        action: 'guard.held',
        subject: `guard-hold:${id}`,
        details: {
          kind: change.kind,
          batchId: change.batchId,
          entity: change.entity,
          reasons: reasons.map((r) => `${unitKey(r.school, r.grade)}:${r.kind}:${r.count}/${r.live}`),
          ...windowNote(window),
        },
      },
    ],
    ctx.now(),
  );
  return id;
}

/** A vendor window's earlier records of its school, not among the batch's own (./vendor-window.ts). */
export type WindowCounts = NonNullable<SchoolDiff['window']> & { school: string };

/** The audit's note of a vendor window's counts (no keys). */
export const windowNote = (w: WindowCounts | undefined): Record<string, string | number> =>
  w ? { windowSince: w.since, windowChanged: w.changed, windowDeleted: w.deleted } : {};

/**
 * The diffs with a vendor window's records added to its school's counts (the keys stay the batch's own), the
 * window noted on it ({@link SchoolDiff} `window`), weighed against the school as the window found it (its live
 * records with those the window deleted). A school the batch changes nothing of gets no entry.
 */
export function withWindow(diffs: readonly SchoolDiff[], window: WindowCounts | undefined): SchoolDiff[] {
  if (!window) return [...diffs];
  const { school, ...counts } = window;
  return diffs.map((d) =>
    d.school === school
      ? {
          ...d,
          live: d.live + counts.deleted,
          changed: d.changed + counts.changed,
          deleted: d.deleted + counts.deleted,
          window: counts,
        }
      : d,
  );
}

/**
 * A student snapshot's deletions weighed within each grade of their school too (./grade-guard.ts; review23: a
 * snapshot omitting a whole grade of a four- or five-grade school is under `deleteRatio` of the school).
 */
async function withinGrades(
  q: Queryable,
  settings: GuardSettings,
  entity: EntityName,
  diff: readonly SchoolDiff[],
  years: readonly string[] | undefined,
): Promise<HoldReason[]> {
  if (entity !== 'students') return [];
  const out: HoldReason[] = [];
  for (const d of diff) {
    const school = { code: d.school, live: d.live };
    out.push(...(await snapshotGradeReasons(q, settings, school, d.keys.deleted, years)));
  }
  return out;
}

/**
 * What a vendor batch's writes do to the schools' records: each live record it changes counts against
 * its school (`changed`), each live record it takes to another school counts against the school it
 * leaves (`moved`), each deleted record it brings back to its school counts against it (`restored`: a restore is a
 * change, restoreguard). New records, and a deleted record brought back to another school, count against nobody.
 */
export function batchEntries(
  toWrite: readonly Pick<UpsertRow, 'key' | 'scope'>[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope' | 'deleted'>>,
): GuardEntry[] {
  const entries: GuardEntry[] = [];
  for (const row of toWrite) {
    const prior = existing.get(row.key);
    if (!prior || (prior.deleted && prior.scope !== row.scope)) continue;
    entries.push({
      school: prior.scope,
      kind: prior.deleted ? 'restored' : prior.scope === row.scope ? 'changed' : 'moved',
      key: row.key,
    });
  }
  return entries;
}

/** `entries` with the changes among `regraded` marked as regrades (./guard-rollover.ts `regradedKeys`). */
export function withRegrades(entries: GuardEntry[], regraded: ReadonlySet<string>): GuardEntry[] {
  if (regraded.size === 0) return entries;
  return entries.map((e) => (e.kind === 'changed' && regraded.has(e.key) ? { ...e, regraded: true } : e));
}

/**
 * The records a batch's writes bring to each school (review17 B1): new ones, restored ones and ones moved
 * in from another school — what the school's live count after the writes holds beyond its count before
 * them, less what left ({@link batchEntries}' `deleted` and `moved`). Counts only, per school; per school
 * and school year (`unit`, ./run-guard.ts `runUnit`: a classes run's) when given.
 */
export function arrivalsOf(
  toWrite: readonly Pick<UpsertRow, 'key' | 'scope'>[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope' | 'deleted'>>,
  unit: (school: string, key: string) => string = (school) => school,
): Map<string, number> {
  const arrived = new Map<string, number>();
  for (const row of toWrite) {
    const prior = existing.get(row.key);
    if (prior && !prior.deleted && prior.scope === row.scope) continue;
    const u = unit(row.scope, row.key);
    arrived.set(u, (arrived.get(u) ?? 0) + 1);
  }
  return arrived;
}

/**
 * Whether `entries` stay within the thresholds against the live copies among `existing` alone: a school holds
 * at least those, so they stay within its own (whatever its size: `minRecords` is left out), and its records
 * need no count (issue 7: a changed batch counted them with its copies, ~1.5 ms of PostgreSQL's CPU a
 * 1000-student batch).
 */
export function withinCopies(
  entries: readonly GuardEntry[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope' | 'deleted'>>,
  settings: GuardSettings,
  today: string,
): boolean {
  const copies = new Map<string, number>();
  for (const row of existing.values())
    if (!row.deleted) copies.set(row.scope, (copies.get(row.scope) ?? 0) + 1);
  return evaluate(diffsOf(entries, copies), { ...settings, minRecords: 0 }, today).length === 0;
}

/** What ./batch-guard.ts `guardBatch` reads of a vendor batch. */
export type GuardedBatch = Pick<Batch, 'id' | 'clientId' | 'entity' | 'schoolCode' | 'mode' | 'createdAt'>;

/** What ./batch-guard.ts `guardBatch` weighs: the batch's writes against the stored copies. */
export interface BatchWrites {
  toWrite: readonly Pick<UpsertRow, 'key' | 'scope' | 'data'>[];
  existing: ReadonlyMap<string, ExistingRow>;
  /** The live records of the schools of `existing`'s rows, when the read counted them ({@link weighsWithCopies}). */
  live?: ReadonlyMap<string, number> | undefined;
}

/** A vendor batch's changes and moves over a school's thresholds: its entries and the schools' live counts. */
export interface OverThresholds {
  entries: GuardEntry[];
  live: Map<string, number>;
  years: readonly string[] | undefined;
  today: string;
}

/**
 * Whether a vendor batch's changes and moves go over a school's thresholds (reads only). A class batch is
 * weighed against the school's classes of the years it carries: a snapshot's, as its deletions are (review18
 * R4: its changes and deletions alike), and a delta's too (left19 item 3: the classes of other years, kept for
 * the records that name them, are none of its changes; weighed with them, the more years a school keeps, the
 * less the guard saw). `writes.live` counts every year, so a class batch is counted again.
 */
export async function overThresholds(
  q: Queryable,
  ctx: JudgeContext,
  batch: Omit<GuardedBatch, 'id'>,
  writes: BatchWrites,
  carried: () => Carried,
): Promise<OverThresholds | undefined> {
  const settings = ctx.config.guard;
  if (!settings.enabled) return undefined;
  let entries = batchEntries(writes.toWrite, writes.existing);
  if (entries.length === 0) return undefined;
  const today = vietnamDateOf(ctx.now());
  // A class batch, delta or snapshot, is weighed within the school years its classes carry (left19 item 3).
  const years = changeYears(batch.entity, carried, batch.createdAt);
  const counted = years ? undefined : writes.live;
  const within = (es: readonly GuardEntry[]) =>
    counted
      ? evaluate(diffsOf(es, counted), settings, today).length === 0
      : withinCopies(es, writes.existing, settings, today);
  // Every change weighed as no regrade first (the strictest); in the rollover window, told apart when that holds it.
  if (within(entries)) return undefined;
  const fields = rolloverFields(batch.entity, settings, today);
  if (fields) {
    entries = withRegrades(
      entries,
      await regradedKeys(q, batch.entity, fields, writes.toWrite, writes.existing),
    );
    if (within(entries)) return undefined;
  }
  const schools = [...new Set(entries.map((e) => e.school))];
  // Every school an entry counts against is the school of a stored copy: counted with the copies, or now.
  const live = counted
    ? new Map(counted)
    : await createRecordsRepo(q).liveCounts(batch.entity, schools, years);
  if (evaluate(diffsOf(entries, live), settings, today).length === 0) return undefined;
  return { entries, live, years, today };
}

/**
 * A school's diff with at most `cap` codes a kind (fix34a: a held reconciliation kept every code it would delete, a
 * full run deleting most records of many schools thousands a school), its counts exact, `keysTruncated` when some
 * codes are left out (as a weighed hold, ./run-weigh.ts; ./run-guard.ts `judgeReconcile`).
 */
export function keptKeys(d: SchoolDiff, cap: number): SchoolDiff {
  const { deleted, moved, changed, restored } = d.keys;
  const over = (k: readonly string[] = []) => k.length > cap;
  if (!over(deleted) && !over(moved) && !over(changed) && !over(restored)) return d;
  const keys = {
    deleted: deleted.slice(0, cap),
    moved: moved.slice(0, cap),
    changed: changed.slice(0, cap),
    ...(restored ? { restored: restored.slice(0, cap) } : {}),
  };
  return { ...d, keys, keysTruncated: true };
}
