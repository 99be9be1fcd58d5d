/**
 * What a vendor reads back (issue 9): a school's canonical records, paged by key, and the change
 * feed of creates, updates and deletes (rows written by the triggers of migration 035). Every query
 * is scoped by school in SQL: tenancy holds here too, not only in the API.
 */
import type { Queryable } from './db.js';
import { TABLES } from './records.js';

export type ReadableEntity = 'classes' | 'students' | 'staff';

export interface StoredRecord {
  key: string;
  schoolCode: string;
  data: unknown;
  fingerprint: string;
  updatedAt: Date;
}

export interface ChangeRow {
  tx: string;
  seq: string;
  entity: string;
  key: string;
  schoolCode: string;
  op: 'create' | 'update' | 'delete';
  changedAt: Date;
}

export interface ChangePosition {
  tx: string;
  seq: string;
}

/** An opaque paging cursor: base64url of a small JSON object (decoding is the API's, which refuses others). */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The change-feed cursor of a position: the feed resumes after it. */
export const changeCursor = (p: ChangePosition): string => encodeCursor({ t: p.tx, s: p.seq });

export function createReadsRepo(q: Queryable) {
  return {
    /** One live record of a school; undefined when absent, deleted or in another school. */
    async record(
      entity: ReadableEntity | 'schools',
      schoolCode: string,
      key: string,
    ): Promise<StoredRecord | undefined> {
      const t = TABLES[entity];
      const res = await q.query<StoredRecord>(
        `SELECT ${t.key} AS key, ${t.scope} AS "schoolCode", data, fingerprint, updated_at AS "updatedAt"
           FROM ${t.table} WHERE ${t.key} = $1 AND ${t.scope} = $2 AND deleted_at IS NULL`,
        [key, schoolCode],
      );
      return res.rows[0];
    },

    /** A school's live records in key order after `afterKey`, optionally changed since a time. */
    async page(
      entity: ReadableEntity,
      schoolCode: string,
      opts: { afterKey?: string | undefined; updatedSince?: Date | undefined; limit: number },
    ): Promise<StoredRecord[]> {
      const t = TABLES[entity];
      const res = await q.query<StoredRecord>(
        `SELECT ${t.key} AS key, ${t.scope} AS "schoolCode", data, fingerprint, updated_at AS "updatedAt"
           FROM ${t.table}
          WHERE ${t.scope} = $1 AND deleted_at IS NULL
            AND ($2::text IS NULL OR ${t.key} > $2)
            AND ($3::timestamptz IS NULL OR updated_at >= $3)
          ORDER BY ${t.key} LIMIT $4`,
        [schoolCode, opts.afterKey ?? null, opts.updatedSince ?? null, opts.limit],
      );
      return res.rows;
    },

    /**
     * Changes after `after`, oldest first, of the given schools (all schools when `schools` is
     * undefined). Only changes of transactions older than every running one are served, so a late
     * commit never lands behind a cursor (see migration 035). Ordered by the columns, not the text
     * aliases of the same names (an alias wins in ORDER BY: '1000' < '999' skipped changes at a page
     * boundary). Each school is read in index order (school_code, tx, seq) up to `limit` rows and the
     * schools' rows merged, so a page costs O(schools × limit) however long the history behind it;
     * every school is read in the primary key's order.
     */
    async changes(opts: {
      schools: readonly string[] | undefined;
      after: ChangePosition | undefined;
      limit: number;
    }): Promise<ChangeRow[]> {
      const after = `($2::xid8 IS NULL OR (r.tx, r.seq) > ($2::xid8, $3::bigint))
                 AND r.tx < pg_snapshot_xmin(pg_current_snapshot())`;
      const from =
        opts.schools === undefined
          ? `truc.record_changes r WHERE ${after} AND $1::text[] IS NULL`
          : `unnest($1::text[]) AS s(code) CROSS JOIN LATERAL (
               SELECT * FROM truc.record_changes r WHERE r.school_code = s.code AND ${after}
                ORDER BY r.tx, r.seq LIMIT $4) r`;
      const res = await q.query<ChangeRow>(
        `SELECT r.tx::text AS tx, r.seq::text AS seq, r.entity, r.record_key AS key,
                r.school_code AS "schoolCode", r.op, r.changed_at AS "changedAt"
           FROM ${from}
          ORDER BY r.tx, r.seq LIMIT $4`,
        [
          opts.schools === undefined ? null : [...new Set(opts.schools)],
          opts.after?.tx ?? null,
          opts.after?.seq ?? null,
          opts.limit,
        ],
      );
      return res.rows;
    },

    /** Drops changes older than `before` (the feed keeps at least a school year; see config). */
    async purgeChanges(before: Date): Promise<number> {
      const res = await q.query('DELETE FROM truc.record_changes WHERE changed_at < $1', [before]);
      return res.rowCount ?? 0;
    },
  };
}
export type ReadsRepo = ReturnType<typeof createReadsRepo>;
