/**
 * The tables of the canonical records, one per entity (its key, its scope column, the columns only
 * some keep), the SQL digest of a scope's live records, and the slices keys are sent in: shared by the
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
  },
  staff: { table: 'truc.staff', key: 'staff_code', scope: 'school_code', hasPersonalId: true },
  persons: { table: 'truc.persons', key: 'person_ref', scope: 'commune_code', hasPersonalId: true },
};

/**
 * The digest of a scope's live records of `entity` (their keys and fingerprints, in key order), as a
 * SQL aggregate over `${TABLES[entity].table} r WHERE r.<scope> = … AND r.deleted_at IS NULL`.
 */
export function scopeDigestOf(entity: EntityName): string {
  const { key } = TABLES[entity];
  return `encode(sha256(convert_to(coalesce(string_agg(r.${key} || ':' || r.fingerprint, ',' ORDER BY r.${key}), ''),
                                    'UTF8')), 'hex')`;
}

/**
 * A scalar subquery: the digest ({@link scopeDigestOf}) of the live records of `entity` in the scope
 * given by the parameter `scope`, or NULL when one of the key → fingerprint pairs of the jsonb object
 * given by the parameter `expected` is not live in that scope with that fingerprint.
 */
export function intactScopeDigest(entity: EntityName, scope: string, expected: string): string {
  const t = TABLES[entity];
  return `(SELECT CASE WHEN (SELECT count(*) FROM jsonb_each_text(${expected}::jsonb) AS v(key, fp)
                               JOIN ${t.table} x ON x.${t.key} = v.key AND x.fingerprint = v.fp
                              WHERE x.deleted_at IS NULL AND x.${t.scope} = ${scope}::text)
                          = (SELECT count(*) FROM jsonb_object_keys(${expected}::jsonb))
                      THEN ${scopeDigestOf(entity)} END
             FROM ${t.table} r WHERE r.${t.scope} = ${scope}::text AND r.deleted_at IS NULL)`;
}

const CHUNK = 1000;

/** `keys` in slices of at most {@link CHUNK} (one statement each). */
export function* chunks<T>(keys: readonly T[]): Generator<T[]> {
  for (let i = 0; i < keys.length; i += CHUNK) yield keys.slice(i, i + CHUNK);
}
