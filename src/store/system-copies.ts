/**
 * What a school's own system (smas, vnedu) holds of each record, as far as truc knows (prec16, migration
 * 510): per (system, entity, key), the canonical fingerprint truc last received from it and the one it last
 * sent there (and the one sent before that), and when the system acknowledged the one sent. A copy that
 * system gives back of one of these states is not a change (../jobs/judge.ts `plan`). Keys and fingerprints
 * only: nothing personal.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks } from './record-tables.js';

/** One key's copy: its natural key and a canonical record fingerprint. */
export interface CopyRow {
  readonly key: string;
  readonly fp: string;
}

/**
 * SQL (a LEFT JOIN on `alias`.key = `keyExpr`, the system and entity as parameters `$s`, `$e`): the fingerprints
 * of `system`'s known copies of the joined key, as a JSON array text (null when none is known).
 */
export function copiesJoin(alias: string, keyExpr: string, s: string, e: string): string {
  return `LEFT JOIN truc.system_copies ${alias}
            ON ${alias}.system = ${s} AND ${alias}.entity = ${e} AND ${alias}.key = ${keyExpr}`;
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

export function createSystemCopiesRepo(q: Queryable) {
  return {
    /** Notes what `system` gave truc of `rows` (a pulled page's accepted records): written only where it differs. */
    async noteReceived(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, received_fp, received_at)
           SELECT $1, $2, v.key, v.fp, now() FROM unnest($3::text[], $4::text[]) AS v(key, fp)
           ON CONFLICT (system, entity, key) DO UPDATE
             SET received_fp = EXCLUDED.received_fp, received_at = EXCLUDED.received_at
           WHERE c.received_fp IS DISTINCT FROM EXCLUDED.received_fp`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.fp)],
        );
      }
    },
    /**
     * Notes what truc is about to send `system` (before the call: a pull of that system made while the call
     * is under way knows the copy). The one sent before is kept (the call may fail, leaving the system with
     * it); unacknowledged until {@link acknowledged}.
     */
    async noteSending(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `INSERT INTO truc.system_copies AS c (system, entity, key, sent_fp)
           SELECT $1, $2, v.key, v.fp FROM unnest($3::text[], $4::text[]) AS v(key, fp)
           ON CONFLICT (system, entity, key) DO UPDATE
             SET sent_prev_fp = c.sent_fp, sent_fp = EXCLUDED.sent_fp, sent_at = NULL
           WHERE c.sent_fp IS DISTINCT FROM EXCLUDED.sent_fp`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.fp)],
        );
      }
    },
    /** Notes that `system` acknowledged the copies of `rows` truc sent (where they are still the last sent). */
    async acknowledged(system: string, entity: EntityName, rows: readonly CopyRow[]): Promise<void> {
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE truc.system_copies c SET sent_at = now()
             FROM unnest($3::text[], $4::text[]) AS v(key, fp)
            WHERE c.system = $1 AND c.entity = $2 AND c.key = v.key AND c.sent_fp = v.fp`,
          [system, entity, part.map((r) => r.key), part.map((r) => r.fp)],
        );
      }
    },
  };
}
export type SystemCopiesRepo = ReturnType<typeof createSystemCopiesRepo>;
