/**
 * The rollover window of the mass-change guard (issue 7 item 3: "during the configurable rollover window around
 * 1 September the thresholds for grade and class changes relax; deletions stay guarded"). In the window
 * (`config.guard.rollover`, kết chuyển) a changed record whose change touches nothing but its rollover fields
 * ({@link ROLLOVER_FIELDS}: a student's school year, grade and class) is a regrade, weighed against
 * `rollover.changeRatio`; any other change is weighed against `changeRatio` as on any other day (./guard.ts
 * `evaluate`). Which changes are regrades is read only when it can matter, one statement per slice of keys
 * ({@link regradedKeys}), never on the year's other days.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config, EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import type { ExistingRow, UpsertRow } from '../store/records.js';
import { createRecordRestReads } from '../store/record-rest.js';

/**
 * What the rollover changes of a record, per entity: a student moves up to the new school year's grade and class
 * (DOMAIN §2.4: the current group/class per school year; the city database and the schools' systems open the new
 * year on 1 September). The other entities relax nothing: a class of the new year is a new record (its key holds
 * the year), so a class changed in the window is no rollover; staff carry no grade or class (their position and
 * subjects are not what issue 7 relaxes), nor do schools and persons.
 */
export const ROLLOVER_FIELDS: Partial<Record<EntityName, readonly string[]>> = {
  students: ['schoolYear', 'grade', 'classCode'],
};

/** True when `today` (YYYY-MM-DD) lies in the rollover window (MM-DD bounds, inclusive; may wrap the year end). */
export function inRollover(today: string, window: { from: string; to: string }): boolean {
  const md = today.slice(5);
  return window.from <= window.to
    ? md >= window.from && md <= window.to
    : md >= window.from || md <= window.to;
}

/** The fields whose changes the window relaxes for `entity` today; undefined when none does (out of it, or none kept). */
export function rolloverFields(
  entity: EntityName,
  settings: Config['guard'],
  today: string,
): readonly string[] | undefined {
  return inRollover(today, settings.rollover) ? ROLLOVER_FIELDS[entity] : undefined;
}

/**
 * Whether a vendor batch's stored-copies read should count the live records of the copies' schools in the same
 * statement (./judge.ts `check`'s `weigh`): when today's changed-records threshold is under 1, a delta of changed
 * records alone (ratio 1 to its copies) needs the count, and one statement is cheaper than two. At a threshold of
 * 1 changes never need it, only moves might: the copies are read alone and the schools counted only when
 * ./guard.ts `withinCopies` says the batch could be held (issue 7: the count is ~0.8 ms of PostgreSQL's CPU a
 * 1000-student batch). In the rollover window a students' batch is weighed at `rollover.changeRatio` here (1 by
 * default): there its changes are mostly regrades, which need no count; the other changes are told apart, and
 * the schools counted if they must be, only when the batch could be held (./guard.ts `overThresholds`).
 */
export function weighsWithCopies(settings: Config['guard'], today: string, entity: EntityName): boolean {
  if (!settings.enabled) return false;
  const threshold = rolloverFields(entity, settings, today)
    ? settings.rollover.changeRatio
    : settings.changeRatio;
  return threshold < 1;
}

/** True when `after` differs from `before` (the stored data less `fields`) in nothing but `fields`. */
export function onlyFields(
  before: Readonly<Record<string, unknown>>,
  after: unknown,
  fields: readonly string[],
): boolean {
  if (typeof after !== 'object' || after === null) return false;
  const now = after as Record<string, unknown>;
  const skip = new Set(fields);
  for (const k of Object.keys(now)) {
    if (!skip.has(k) && now[k] !== undefined && !isDeepStrictEqual(now[k], before[k])) return false;
  }
  for (const k of Object.keys(before)) {
    if (!skip.has(k) && now[k] === undefined) return false;
  }
  return true;
}

/**
 * The keys among `toWrite` whose live stored record (same school: a move is no regrade) differs from the row's in
 * nothing but `fields`: read before the rows are written (one statement per slice of the changed keys).
 */
export async function regradedKeys(
  q: Queryable,
  entity: EntityName,
  fields: readonly string[],
  toWrite: readonly Pick<UpsertRow, 'key' | 'scope' | 'data'>[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope' | 'deleted'>>,
): Promise<Set<string>> {
  const changed = toWrite.filter((row) => {
    const prior = existing.get(row.key);
    return prior !== undefined && !prior.deleted && prior.scope === row.scope;
  });
  const out = new Set<string>();
  if (changed.length === 0) return out;
  const rest = await createRecordRestReads(q).restOf(
    entity,
    changed.map((r) => r.key),
    fields,
  );
  for (const row of changed) {
    const before = rest.get(row.key);
    if (before && onlyFields(before, row.data, fields)) out.add(row.key);
  }
  return out;
}

/**
 * A sync run's page's regrades ({@link regradedKeys}), read before its writes (the run guard weighs the page after
 * them: ./run-guard.ts): none unless the guard is on and the window relaxes `entity` today.
 */
export async function pageRegrades(
  q: Queryable,
  settings: Config['guard'],
  today: string,
  entity: EntityName,
  toWrite: readonly Pick<UpsertRow, 'key' | 'scope' | 'data'>[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope' | 'deleted'>>,
): Promise<ReadonlySet<string>> {
  const fields = settings.enabled ? rolloverFields(entity, settings, today) : undefined;
  return fields ? regradedKeys(q, entity, fields, toWrite, existing) : new Set();
}
