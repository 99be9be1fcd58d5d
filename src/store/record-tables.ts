/**
 * The tables of the canonical records, one per entity (its key, its scope column, the columns only
 * some keep), whether a school's records changed since a snapshot, and the slices keys are sent in: shared by the
 * records repository (./records.ts, ./record-deletions.ts) and the statements that read records
 * elsewhere in the store.
 */
import type { EntityName } from '../config.js';

export interface TableDef {
  table: string;
  key: string;
  /** Scope column: the school (or commune for persons) a record belongs to. */
  scope: string;
  hasPersonalId: boolean;
  /** The table keeps each record's twin key (students: the stored-duplicate lookup, migration 081). */
  hasTwinKey?: boolean;
  /**
   * One row per key whatever its school year (students: a student is one record per code): a record of an earlier
   * school year (`data.schoolYear`) than the stored row's does not overwrite it (./year-order.ts).
   */
  yearOrdered?: boolean;
}

export const TABLES: Record<EntityName, TableDef> = {
  schools: { table: 'truc.schools', key: 'school_code', scope: 'school_code', hasPersonalId: false },
  classes: { table: 'truc.classes', key: 'class_key', scope: 'school_code', hasPersonalId: false },
  students: {
    table: 'truc.students',
    key: 'student_code',
    scope: 'school_code',
    hasPersonalId: true,
    hasTwinKey: true,
    yearOrdered: true,
  },
  staff: { table: 'truc.staff', key: 'staff_code', scope: 'school_code', hasPersonalId: true },
  persons: { table: 'truc.persons', key: 'person_ref', scope: 'commune_code', hasPersonalId: true },
};

/**
 * SQL boolean on a row `r` of `entity`: live, last written by the system given by the parameter `system`, and
 * in the scope given by the parameter `scope` ('' = all). What a full run's reconciliation may delete when the
 * run did not see it (written before the run began: ./record-deletions.ts), and what a run asks about when it
 * is requested (./sync-runs.ts, `stored_before`).
 */
export function writtenBy(entity: EntityName, system: string, scope: string): string {
  const t = TABLES[entity];
  return `r.deleted_at IS NULL AND r.source_system = ${system}
              AND (${scope} = '' OR r.${t.scope} = ${scope})`;
}

/**
 * SQL boolean: every key → fingerprint pair of the jsonb object given by the parameter `expected` is live
 * in the scope given by the parameter `scope` with that fingerprint.
 */
export function intactKeys(entity: EntityName, scope: string, expected: string): string {
  const t = TABLES[entity];
  return `((SELECT count(*) FROM jsonb_each_text(${expected}::jsonb) AS v(key, fp)
              JOIN ${t.table} x ON x.${t.key} = v.key AND x.fingerprint = v.fp
             WHERE x.deleted_at IS NULL AND x.${t.scope} = ${scope}::text)
           = (SELECT count(*) FROM jsonb_object_keys(${expected}::jsonb)))`;
}

/**
 * SQL boolean: a record of `entity` in the school given by the parameter `school` was created, changed,
 * moved or deleted by a transaction that the snapshot given by the parameter `snapshot` did not see,
 * other than the transaction given by the parameter `xact` (the one that took the snapshot). Read from the
 * change feed (migration 035: every such write adds a row, in the same statement), by its
 * (school_code, tx, seq) index: every transaction the snapshot did not see is at or past its xmin, and the
 * two ranges leave out `xact`'s own rows (a changed batch writes one per record). Migration 280. True as well
 * while a record of `entity` in the school is undelivered to a target (migration 810: a re-push is then judged
 * in full, which sends it again).
 */
export function changedSince(entity: EntityName, school: string, snapshot: string, xact: string): string {
  const changes = (range: string) =>
    `EXISTS (SELECT 1 FROM truc.record_changes c
              WHERE c.school_code = ${school}::text AND ${range} AND c.entity = '${entity}'
                AND NOT pg_visible_in_snapshot(c.tx, ${snapshot}::pg_snapshot))`;
  return `(${changes(`c.tx > ${xact}::xid8`)}
           OR ${changes(`c.tx >= pg_snapshot_xmin(${snapshot}::pg_snapshot) AND c.tx < ${xact}::xid8`)}
           OR EXISTS (SELECT 1 FROM truc.undelivered u WHERE u.school_code = ${school}::text AND u.entity = '${entity}'))`;
}

const CHUNK = 1000;

/** `keys` in slices of at most {@link CHUNK} (one statement each). */
export function* chunks<T>(keys: readonly T[]): Generator<T[]> {
  for (let i = 0; i < keys.length; i += CHUNK) yield keys.slice(i, i + CHUNK);
}
