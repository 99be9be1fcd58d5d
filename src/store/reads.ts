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

/**
 * A position in the change feed: the feed row (tx, seq) and how many of its keys were served (`index`);
 * without `index`, the whole row (a feed row held one change before migration 350, so cursors issued
 * then name whole rows, and the webhooks' positions are "after the row before").
 */
export interface ChangePosition {
  tx: string;
  seq: string;
  index?: string | undefined;
}

/** An opaque paging cursor: base64url of a small JSON object (decoding is the API's, which refuses others). */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The change-feed cursor of a position: the feed resumes after it. */
export const changeCursor = (p: ChangePosition): string =>
  encodeCursor(p.index === undefined ? { t: p.tx, s: p.seq } : { t: p.tx, s: p.seq, i: p.index });

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
    /**
     * Whether truc holds school `schoolCode`: its own live record, or any record (live or deleted) of its classes,
     * students or staff (review30 F4: a vendor's pushed pupils come before the city's `schools` pull brings the
     * school; an empty page of such a school is an empty 200, not 404). One statement, by the tables' school indexes.
     */
    async schoolHeld(schoolCode: string): Promise<boolean> {
      const res = await q.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM truc.schools WHERE school_code = $1 AND deleted_at IS NULL)
             OR EXISTS (SELECT 1 FROM truc.students WHERE school_code = $1)
             OR EXISTS (SELECT 1 FROM truc.classes WHERE school_code = $1)
             OR EXISTS (SELECT 1 FROM truc.staff WHERE school_code = $1) AS held`,
        [schoolCode],
      );
      return res.rows[0]?.held === true;
    },
    /**
     * Where a read of records begun now leaves off (review30 F1): every change it cannot see is stamped at or after
     * this time, so the next read by `updatedSince` = this time lists them all. A record is stamped `updated_at =
     * now()`, its writing transaction's START (record-writes.ts): a write begun before the read and committed after
     * it is older than the read. So the answer is the earlier of this statement's start and the start of every
     * transaction of this database open at this moment (pg_stat_activity's `xact_start`, with or without a
     * transaction id yet: one that has only read so far may write later, stamped with its start), less a second (a
     * transaction shows its start a few microseconds after taking it; the clock may step). Nothing on the write
     * path: the read looks at what is running. Ask it BEFORE the page it covers (the page's snapshot must come
     * after this look: a write that commits in between is then still seen here), on the pool (pg_stat_activity is
     * read once per transaction). It sees the transactions of roles it may see (the same role as every truc process,
     * or a member of pg_read_all_stats: README "Reads"). On PGlite a read runs when no other transaction is open
     * (pglite-server.ts), so it is this statement's start less the second.
     */
    async watermark(): Promise<Date> {
      const res = await q.query<{ at: Date }>(
        `SELECT date_trunc('milliseconds', least(statement_timestamp(), min(a.xact_start)) - interval '1 second') AS at
           FROM pg_stat_activity a
          WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'`,
        [],
        { prepared: true },
      );
      return res.rows[0]!.at;
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

/**
 * The statement of a change-feed page ($1 schools or NULL for all, $2 $3 the cursor's row, $4 the limit,
 * $5 the keys of the cursor's row already served or NULL for all of them): each school's rows after the
 * cursor in index order (school_code, tx, seq), at most `limit` + 1 (each holds a key at least; the first
 * may be the one the cursor is inside), merged; the rows the page needs found by their `key_count` (the
 * arrays it does not serve are not read) and only those unnested; the page serialised to the API's JSON.
 */
function changePageSql(allSchools: boolean): string {
  const after = `($2::xid8 IS NULL OR (r.tx, r.seq) >= ($2::xid8, $3::bigint))
             AND r.tx < pg_snapshot_xmin(pg_current_snapshot())`;
  const cols = 'r.tx, r.seq, r.entity, r.school_code, r.op, r.changed_at, r.key_count';
  const from = allSchools
    ? `(SELECT ${cols} FROM truc.record_changes r WHERE ${after} AND $1::text[] IS NULL
           ORDER BY r.tx, r.seq LIMIT $4 + 1) r`
    : `unnest($1::text[]) AS s(code) CROSS JOIN LATERAL (
           SELECT ${cols} FROM truc.record_changes r WHERE r.school_code = s.code AND ${after}
            ORDER BY r.tx, r.seq LIMIT $4 + 1) r`;
  // Keys of a row already served: all of the cursor's row when the cursor names it whole.
  const served = `CASE WHEN (r.tx, r.seq) = ($2::xid8, $3::bigint)
                       THEN least(coalesce($5::bigint, r.key_count), r.key_count) ELSE 0 END`;
  return `WITH head AS (
           SELECT * FROM (
             SELECT r.*, ${served} AS served FROM ${from} ORDER BY r.tx, r.seq LIMIT $4 + 1
           ) r
         ), needed AS (
           SELECT tx, seq, served FROM (
             SELECT h.tx, h.seq, h.served, h.key_count - h.served AS avail,
                    sum(h.key_count - h.served) OVER (ORDER BY h.tx, h.seq) AS upto
               FROM head h
           ) w WHERE avail > 0 AND upto - avail < $4
         ), page AS (
           SELECT r.tx, r.seq, k.i, k.key, r.entity, r.school_code, r.op, r.changed_at
             FROM needed n JOIN truc.record_changes r ON (r.tx, r.seq) = (n.tx, n.seq)
            CROSS JOIN LATERAL unnest(r.record_keys) WITH ORDINALITY AS k(key, i)
            WHERE k.i > n.served
            ORDER BY r.tx, r.seq, k.i LIMIT $4
         ), items AS (
           SELECT count(*)::int AS n,
                  '[' || coalesce(string_agg(row_to_json(c)::text, ',' ORDER BY p.tx, p.seq, p.i), '') || ']' AS json
             FROM page p CROSS JOIN LATERAL (
               SELECT p.entity, p.key, p.school_code AS "schoolCode", p.op,
                      to_char(p.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "changedAt",
                      CASE WHEN p.op = 'delete' THEN NULL
                           ELSE '/v1/schools/' || ${sqlUriComponent('p.school_code')} ||
                                CASE WHEN p.entity = 'schools' THEN ''
                                     ELSE '/' || p.entity || '/' || ${sqlUriComponent('p.key')} END
                      END AS url) c
         )
         SELECT items.n, items.json, last.tx::text AS tx, last.seq::text AS seq, last.i::text AS i
           FROM items LEFT JOIN (SELECT tx, seq, i FROM page ORDER BY tx DESC, seq DESC, i DESC LIMIT 1) last ON true`;
}

/** The change feed: served page by page, and purged when old. */
function changeFeed(q: Queryable) {
  return {
    /**
     * Changes after `after`, oldest first, of the given schools (all schools when `schools` is
     * undefined), serialised to the API's JSON in the same statement: one row per page comes back,
     * not one per change, so the page costs the API no row parsing, date conversion or object
     * serialisation. Only changes of transactions older than every running one are served, so a
     * late commit never lands behind a cursor (see migration 035). A feed row holds a statement's
     * keys of one school and operation (migration 350); a page costs O(schools × limit) row entries
     * however long the history behind it, and unnests only the rows it serves (`changePageSql`).
     */
    async changes(opts: {
      schools: readonly string[] | undefined;
      after: ChangePosition | undefined;
      limit: number;
    }): Promise<ChangesPage> {
      const res = await q.query<{
        n: number;
        json: string;
        tx: string | null;
        seq: string | null;
        i: string | null;
      }>(changePageSql(opts.schools === undefined), [
        opts.schools === undefined ? null : [...new Set(opts.schools)],
        opts.after?.tx ?? null,
        opts.after?.seq ?? null,
        opts.limit,
        opts.after?.index ?? null,
      ]);
      const row = res.rows[0]!;
      return {
        json: row.json,
        count: row.n,
        last:
          row.tx !== null && row.seq !== null && row.i !== null
            ? { tx: row.tx, seq: row.seq, index: row.i }
            : undefined,
      };
    },
    /**
     * Drops the feed rows older than `before` among the first `limit` of the feed, in its order (tx, seq),
     * and returns how many rows and how many changes (a row holds a statement's keys of one school and
     * operation: migration 350) went (the feed keeps at least a school year: jobs/change-purge.ts). Call it
     * again while `rows` is `limit`. The feed's order is the order of its transactions' start (`changed_at`)
     * but for transactions that ran side by side: a change older than `before` behind one kept (both of
     * transactions running across the cutoff) goes the next time.
     * No index on `changed_at`: every change would pay for it (migration 220).
     */
    async purgeChanges(before: Date, limit = 10_000): Promise<{ rows: number; changes: number }> {
      const res = await q.query<{ rows: number; changes: number }>(
        `WITH gone AS (
           DELETE FROM truc.record_changes WHERE (tx, seq) IN (
             SELECT tx, seq FROM (SELECT tx, seq, changed_at FROM truc.record_changes ORDER BY tx, seq LIMIT $2) h
              WHERE h.changed_at < $1)
           RETURNING key_count)
         SELECT count(*)::int AS rows, coalesce(sum(key_count), 0)::int AS changes FROM gone`,
        [before, limit],
      );
      return res.rows[0]!;
    },
  };
}

export function createReadsRepo(q: Queryable) {
  return { ...recordReads(q), ...changeFeed(q) };
}
export type ReadsRepo = ReturnType<typeof createReadsRepo>;
