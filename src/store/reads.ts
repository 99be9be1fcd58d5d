/**
 * What a vendor reads back (issue 9): a school's canonical records, paged by key, and the change
 * feed of creates, updates and deletes (rows written by the triggers of migration 035). Every query
 * is scoped by school in SQL: tenancy holds here too, not only in the API.
 */
import type { Queryable } from './db.js';
import { TABLES } from './record-tables.js';

export type ReadableEntity = 'classes' | 'students' | 'staff';

export interface StoredRecord {
  key: string;
  schoolCode: string;
  data: unknown;
  fingerprint: string;
  updatedAt: Date;
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

/** A page of the change feed, serialised by PostgreSQL (see `changes`). */
export interface ChangesPage {
  /**
   * The page's changes, oldest first, as a JSON array of the API's `Change` objects
   * (`src/api/routes/records.ts`): `{"entity","key","schoolCode","op","changedAt","url"}`, with
   * `changedAt` in ISO 8601 UTC to the millisecond (as `Date#toISOString`) and `url` the record's
   * `/v1/schools/…` path (`encodeURIComponent` of the school code and key), null for a delete.
   */
  json: string;
  count: number;
  /** Position of the page's last change (the next page starts after it); undefined when empty. */
  last: ChangePosition | undefined;
}

/** Characters `encodeURIComponent` leaves as they are. */
const URI_UNRESERVED = `A-Za-z0-9_.!~*''()-`;

/**
 * SQL expression: the text `expr` percent-encoded exactly as `encodeURIComponent` does (each other
 * character as its UTF-8 bytes, upper-case hex). Keys are almost always plain: the regular
 * expression answers for them and the character-by-character path never runs.
 */
function sqlUriComponent(expr: string): string {
  return `CASE WHEN ${expr} ~ '^[${URI_UNRESERVED}]*$' THEN ${expr} ELSE (
      SELECT string_agg(CASE WHEN ch.c ~ '^[${URI_UNRESERVED}]$' THEN ch.c
                        ELSE upper(regexp_replace(encode(convert_to(ch.c, 'UTF8'), 'hex'), '(..)', '%\\1', 'g'))
                        END, '' ORDER BY ch.i)
        FROM regexp_split_to_table(${expr}, '') WITH ORDINALITY AS ch(c, i)) END`;
}

/** A school's live records: one, or a page of them. */
function recordReads(q: Queryable) {
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
  };
}

/** The change feed: served page by page, and purged when old. */
function changeFeed(q: Queryable) {
  return {
    /**
     * Changes after `after`, oldest first, of the given schools (all schools when `schools` is
     * undefined), serialised to the API's JSON in the same statement: one row per page comes back,
     * not one per change, so the page costs the API no row parsing, date conversion or object
     * serialisation. Only changes of transactions older than every running one are served, so a
     * late commit never lands behind a cursor (see migration 035). Each school is read in index
     * order (school_code, tx, seq) up to `limit` rows and the schools' rows merged, so a page costs
     * O(schools × limit) however long the history behind it.
     */
    async changes(opts: {
      schools: readonly string[] | undefined;
      after: ChangePosition | undefined;
      limit: number;
    }): Promise<ChangesPage> {
      const after = `($2::xid8 IS NULL OR (r.tx, r.seq) > ($2::xid8, $3::bigint))
                 AND r.tx < pg_snapshot_xmin(pg_current_snapshot())`;
      const from =
        opts.schools === undefined
          ? `truc.record_changes r WHERE ${after} AND $1::text[] IS NULL`
          : `unnest($1::text[]) AS s(code) CROSS JOIN LATERAL (
               SELECT * FROM truc.record_changes r WHERE r.school_code = s.code AND ${after}
                ORDER BY r.tx, r.seq LIMIT $4) r`;
      const res = await q.query<{ n: number; json: string; tx: string | null; seq: string | null }>(
        `WITH page AS (
           SELECT r.tx, r.seq, r.entity, r.record_key, r.school_code, r.op, r.changed_at
             FROM ${from}
            ORDER BY r.tx, r.seq LIMIT $4
         ), items AS (
           SELECT count(*)::int AS n,
                  '[' || coalesce(string_agg(row_to_json(c)::text, ',' ORDER BY p.tx, p.seq), '') || ']' AS json
             FROM page p CROSS JOIN LATERAL (
               SELECT p.entity, p.record_key AS key, p.school_code AS "schoolCode", p.op,
                      to_char(p.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "changedAt",
                      CASE WHEN p.op = 'delete' THEN NULL
                           ELSE '/v1/schools/' || ${sqlUriComponent('p.school_code')} ||
                                CASE WHEN p.entity = 'schools' THEN ''
                                     ELSE '/' || p.entity || '/' || ${sqlUriComponent('p.record_key')} END
                      END AS url) c
         )
         SELECT items.n, items.json, last.tx::text AS tx, last.seq::text AS seq
           FROM items LEFT JOIN (SELECT tx, seq FROM page ORDER BY tx DESC, seq DESC LIMIT 1) last ON true`,
        [
          opts.schools === undefined ? null : [...new Set(opts.schools)],
          opts.after?.tx ?? null,
          opts.after?.seq ?? null,
          opts.limit,
        ],
      );
      const row = res.rows[0]!;
      return {
        json: row.json,
        count: row.n,
        last: row.tx !== null && row.seq !== null ? { tx: row.tx, seq: row.seq } : undefined,
      };
    },
    /**
     * Drops the changes older than `before` among the first `limit` of the feed, in its order (tx, seq),
     * and returns how many (the feed keeps at least a school year: jobs/change-purge.ts). Call it again
     * while it returns `limit`. The feed's order is the order of its transactions' start (`changed_at`)
     * but for transactions that ran side by side: a change older than `before` behind one kept (both of
     * transactions running across the cutoff) goes the next time.
     * No index on `changed_at`: every change would pay for it (migration 220).
     */
    async purgeChanges(before: Date, limit = 10_000): Promise<number> {
      const res = await q.query(
        `DELETE FROM truc.record_changes WHERE (tx, seq) IN (
           SELECT tx, seq FROM (SELECT tx, seq, changed_at FROM truc.record_changes ORDER BY tx, seq LIMIT $2) h
            WHERE h.changed_at < $1)`,
        [before, limit],
      );
      return res.rowCount;
    },
  };
}

export function createReadsRepo(q: Queryable) {
  return { ...recordReads(q), ...changeFeed(q) };
}
export type ReadsRepo = ReturnType<typeof createReadsRepo>;
