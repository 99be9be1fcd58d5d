/**
 * What a school's own system (smas, vnedu) holds of each record, as far as truc knows (prec16, migration
 * 510; per school since migration 540): per (system, entity, key, school), the canonical fingerprint truc last
 * received from it and the one it last sent there (and the one sent before that), and when the system
 * acknowledged the one sent — or, after a delete sent there, that it holds nothing of the key at that school
 * (`sent_fp` null, acknowledged). A copy that system gives back of one of these states is not a change
 * (../jobs/judge.ts `plan`). Keys, school codes and fingerprints only: nothing personal.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks } from './record-tables.js';

/** One key's copy at one school: its natural key, the school, and a canonical record fingerprint. */
export interface CopyRow {
  readonly key: string;
  readonly school: string;
  readonly fp: string;
}

/** One key deleted at one school. */
export type DeletedCopy = Omit<CopyRow, 'fp'>;

/**
 * SQL (a LEFT JOIN on `alias`.key = `keyExpr` at the school `schoolExpr`, the system and entity as parameters
 * `$s`, `$e`): `system`'s known copies of the joined key where truc holds the record (a copy a system lists at
 * another school is refused before it is weighed: the tenancy check).
 */
export function copiesJoin(alias: string, keyExpr: string, schoolExpr: string, s: string, e: string): string {
  return `LEFT JOIN truc.system_copies ${alias}
            ON ${alias}.system = ${s} AND ${alias}.entity = ${e} AND ${alias}.key = ${keyExpr}
           AND ${alias}.school = ${schoolExpr}`;
}

/** SQL: the joined copy's fingerprints (see {@link copiesJoin}) as a JSON array text, or null. */
export const copiesColumn = (alias: string) =>
  `CASE WHEN ${alias}.key IS NULL THEN NULL
        ELSE json_build_array(${alias}.received_fp, ${alias}.sent_fp, ${alias}.sent_prev_fp)::text END`;

/** The fingerprints of {@link copiesColumn}'s text (nulls left out). */
export function parseCopies(text: string | null | undefined): string[] | undefined {
  if (text === null || text === undefined) return undefined;
  return (JSON.parse(text) as (string | null)[]).filter((fp): fp is string => fp !== null);
}

/** The rows' columns as the statements below take them: keys, schools, fingerprints. */
const columns = (part: readonly CopyRow[]) => [
  part.map((r) => r.key),
  part.map((r) => r.school),
  part.map((r) => r.fp),
];

/** Copies received and sent: noted, acknowledged. */
function copyNotes(q: Queryable) {
  return {
    /** Notes what `system` gave truc of `rows` (a pulled page's accepted records): written only where it differs. */
    async noteReceived(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, school, received_fp, received_at)
           SELECT $1, $2, v.key, v.school, v.fp, now()
             FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
           ON CONFLICT (system, entity, key, school) DO UPDATE
             SET received_fp = EXCLUDED.received_fp, received_at = EXCLUDED.received_at
           WHERE c.received_fp IS DISTINCT FROM EXCLUDED.received_fp`,
          [system, entity, ...columns(part)],
        );
      }
    },
    /**
     * Notes what truc is about to send `system` (before the call: a pull of that system made while the call
     * is under way knows the copy). The one sent before is kept (the call may fail, leaving the system with
     * it); unacknowledged until {@link acknowledged}. After a delete sent there, any copy is a new one.
     */
    async noteSending(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, school, sent_fp)
           SELECT $1, $2, v.key, v.school, v.fp
             FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
           ON CONFLICT (system, entity, key, school) DO UPDATE
             SET sent_prev_fp = coalesce(c.sent_fp, c.sent_prev_fp), sent_fp = EXCLUDED.sent_fp, sent_at = NULL
           WHERE c.sent_fp IS DISTINCT FROM EXCLUDED.sent_fp`,
          [system, entity, ...columns(part)],
        );
      }
    },
    /** Notes that `system` acknowledged the copies of `rows` truc sent (where they are still the last sent). */
    async acknowledged(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_at = now()
             FROM unnest($3::text[], $4::text[], $5::text[]) AS v(key, school, fp)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school
              AND c.sent_fp = v.fp`,
          [system, entity, ...columns(part)],
        );
      }
    },
  };
}

/** Deletions sent to a school's own system: noted at each key's school, acknowledged. */
function deletionNotes(q: Queryable) {
  return {
    /**
     * Notes that truc is about to send `system` the deletion of `rows`, each at its school only (precc17: a
     * move's delete to the old school leaves the new school's copies alone). The copy sent there before is kept
     * as the one sent before (the delete may fail, leaving it there); unacknowledged until
     * {@link deletionsAcknowledged}. Keys truc knows no copy of at that school are left unnoted.
     */
    async noteDeleting(system: string, entity: EntityName, rows: readonly DeletedCopy[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_prev_fp = c.sent_fp, sent_fp = NULL, sent_at = NULL
             FROM unnest($3::text[], $4::text[]) AS v(key, school)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school
              AND c.sent_fp IS NOT NULL`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.school)],
        );
      }
    },
    /** Notes that `system` acknowledged the deletion of `rows` (where a deletion is still the last sent there). */
    async deletionsAcknowledged(
      system: string,
      entity: EntityName,
      rows: readonly DeletedCopy[],
    ): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_at = now()
             FROM unnest($3::text[], $4::text[]) AS v(key, school)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.school = v.school
              AND c.sent_fp IS NULL`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.school)],
        );
      }
    },
  };
}

export function createSystemCopiesRepo(q: Queryable) {
  return { ...copyNotes(q), ...deletionNotes(q) };
}
export type SystemCopiesRepo = ReturnType<typeof createSystemCopiesRepo>;
