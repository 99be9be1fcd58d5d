/**
 * Canonical records: one table per entity (./record-tables.ts), keyed by the natural key. Writes are
 * set-based (one statement per chunk via unnest), and only records whose fingerprint changed are
 * written (the statements are in ./record-writes.ts); deletions and reconciliation are in ./record-deletions.ts.
 */
import { hash } from 'node:crypto';
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { JsonWriter } from './json-bytes.js';
import { recordDeletions, scopeReconciliation, snapshotOmissions } from './record-deletions.js';
import { changedSince, chunks, TABLES } from './record-tables.js';
import { heldChangeReads, recordSeenWrites } from './record-seen.js';
import { recordWrites } from './record-writes.js';
import { readsBySchool, storedBySchoolSql } from './stored-by-school.js';
import { copiesRead, parseCopies, type CopiesOf } from './system-copies.js';

/**
 * sha-256 of a canonical record. Records reaching the store are zod outputs, whose keys come in the
 * schema's order, so plain JSON is already canonical (and 2–3× cheaper than sorting keys).
 */
export function fingerprint(record: unknown): string {
  return fingerprinted(record).fingerprint;
}

/** Where records' JSON bytes are written; each record's bytes are a view of it (./json-bytes.ts). */
const jsonArena = new JsonWriter();

/**
 * A record's JSON text as UTF-8 bytes and its {@link fingerprint}: the upsert sends the bytes as they are (issue 7:
 * the text encoded once, not again for the hash and for the socket). The bytes are written straight from the
 * record (no JSON text on the heap: ./json-bytes.ts), the same bytes as `Buffer.from(JSON.stringify(record))`,
 * which writes the records it does not; the fingerprint is their SHA-256. Then the record's members are put in
 * the order jsonb keeps them (`JsonWriter.jsonbOrder`: the same JSON value, so PostgreSQL's parse of it does not
 * sort them; issue 7, perf11b).
 */
export function fingerprinted(record: unknown): { json: Buffer; fingerprint: string } {
  const at = jsonArena.write(record);
  if (at < 0) {
    const text = Buffer.from(JSON.stringify(record));
    return { json: text, fingerprint: hash('sha256', text) };
  }
  const json = jsonArena.last(at);
  const fingerprint = hash('sha256', json);
  jsonArena.jsonbOrder();
  return { json, fingerprint };
}

export type { UpsertLeft, UpsertRow, UpsertSource } from './record-writes.js';

export interface ExistingRow {
  key: string;
  scope: string;
  fingerprint: string;
  /** The record is a tombstone: writing it again restores it, even unchanged. */
  deleted: boolean;
  /** Fingerprint of the source record it was pulled from, if it was (see {@link UpsertRow}). */
  sourceFp: string | null;
  /** The system that wrote it (`source_system`); absent where the read did not ask (a pulled page's skip). */
  sourceSystem?: string;
  /**
   * A tombstone: when its source deleted it by its own clock (migration 985), where told; read only by a pulled
   * page's skip (../jobs/skip-unchanged.ts: a copy that source served before is no restore).
   */
  sourceDeletedAt?: Date;
  /**
   * A page pulled from a school's own system (smas, vnedu) or from the city database: the fingerprints of the
   * copies truc knows that system holds or held (received from it, sent to it: ./system-copies.ts) that count as
   * older copies: none once that system is known to hold the row's state (`holdsSql`; the city: nor where it
   * wrote the live row last, `copiesRead`); absent where none is known.
   */
  copies?: string[];
}

/**
 * `existing`, and in the same statement the live records of each scope those rows are in (what
 * the mass-change guard weighs a batch's changes against; a scope without any is absent). Each scope
 * is counted by its own index probe (a lateral subquery): as a join (`scope IN (SELECT …)`), the
 * planner's estimate of a few hundred scopes made it scan the whole table per batch (issue 7: 190 ms
 * for 160,000 students, growing with the city).
 */
async function existingWithLive(
  q: Queryable,
  entity: EntityName,
  keys: readonly string[],
  opts: { copiesOf?: CopiesOf; school?: string } = {},
): Promise<{ rows: Map<string, ExistingRow>; live: Map<string, number> }> {
  const t = TABLES[entity];
  const rows = new Map<string, ExistingRow>();
  const live = new Map<string, number>();
  const { copiesOf, school } = opts;
  for (const part of chunks(keys)) {
    // Many keys of one school, no copies: read with its school's count (./stored-by-school.ts, perf14).
    const bySchool = copiesOf === undefined && school !== undefined && readsBySchool(entity, part.length);
    const cp = copiesOf && copiesRead(copiesOf, 'cp', 'r', t, { s: '$2', e: '$3', asOf: '$4' });
    const res = await q.query<ExistingRow & { live: number | null; copyFps?: string | null }>(
      bySchool
        ? storedBySchoolSql(entity)
        : `WITH e AS (
         SELECT r.${t.key} AS key, r.${t.scope} AS scope, r.fingerprint, r.deleted_at IS NOT NULL AS deleted,
                r.source_fp AS "sourceFp", r.source_system AS "sourceSystem"${cp ? `, ${cp.column} AS "copyFps"` : ''}
           FROM ${t.table} r ${cp ? cp.join : ''}
          WHERE r.${t.key} = ANY($1::text[])),
       c AS (
         SELECT s.scope, n.n FROM (SELECT DISTINCT scope FROM e) s,
                LATERAL (SELECT count(*)::int AS n FROM ${t.table} x
                          WHERE x.${t.scope} = s.scope AND x.deleted_at IS NULL) n)
       SELECT e.*, nullif(c.n, 0) AS live FROM e LEFT JOIN c ON c.scope = e.scope`,
      bySchool
        ? [part, school]
        : copiesOf === undefined
          ? [part]
          : [part, copiesOf.system, entity, copiesOf.asOf],
      // Without copies (a vendor's batch in truc's format, the guard weighing it), prepared as `existing` is (issue 7,
      // perf7s: planned for its 1000 keys each time, ~0.4 of the statement's ~3.3 ms of PostgreSQL's CPU).
      { prepared: copiesOf === undefined },
    );
    for (const { live: n, copyFps, ...r } of res.rows) {
      const copies = parseCopies(copyFps);
      rows.set(r.key, copies ? { ...r, copies } : r);
      if (n !== null) live.set(r.scope, n);
    }
  }
  return { rows, live };
}

/** A live record as a push sends it ({@link recordLookups} `load`). */
export interface LoadedRecord {
  key: string;
  scope: string;
  data: unknown;
  fingerprint: string;
}

/** Lookups by key: what is stored of given records. */
function recordLookups(q: Queryable) {
  return {
    /**
     * What is stored of `keys`; `copiesOf`: a school's own system (smas, vnedu) whose page is judged, each row
     * with the copies truc knows that system holds or held at the row's school that count as older as of
     * `copiesOf.asOf` ({@link ExistingRow} `copies`, ./system-copies.ts).
     */
    async existing(
      entity: EntityName,
      keys: readonly string[],
      opts: { copiesOf?: CopiesOf } = {},
    ): Promise<Map<string, ExistingRow>> {
      const t = TABLES[entity];
      const out = new Map<string, ExistingRow>();
      const { copiesOf } = opts;
      for (const part of chunks(keys)) {
        const cp = copiesOf && copiesRead(copiesOf, 'c', 'r', t, { s: '$2', e: '$3', asOf: '$4' });
        const res = await q.query<ExistingRow & { copyFps?: string | null }>(
          `SELECT r.${t.key} AS key, r.${t.scope} AS scope, r.fingerprint, r.deleted_at IS NOT NULL AS deleted,
                  r.source_fp AS "sourceFp", r.source_system AS "sourceSystem"${cp ? `, ${cp.column} AS "copyFps"` : ''}
             FROM ${t.table} r ${cp ? cp.join : ''}
            WHERE r.${t.key} = ANY($1::text[])`,
          copiesOf === undefined ? [part] : [part, copiesOf.system, entity, copiesOf.asOf],
          // Without copies (a vendor's batch in truc's format), prepared: one text an entity, its generic plan a read by
          // the primary key (issue 7, perf32c: ~0.3 of a changed 1000-student batch's ~2 ms of PostgreSQL's CPU).
          { prepared: copiesOf === undefined },
        );
        for (const { copyFps, ...r } of res.rows) {
          const copies = parseCopies(copyFps);
          out.set(r.key, copies ? { ...r, copies } : r);
        }
      }
      return out;
    },
    existingWithLive: (
      entity: EntityName,
      keys: readonly string[],
      opts: { copiesOf?: CopiesOf; school?: string } = {},
    ) => existingWithLive(q, entity, keys, opts),
    /** The live records of `keys` (deleted ones left out), with their scope (school) and fingerprint, in key order. */
    async load(entity: EntityName, keys: readonly string[]): Promise<LoadedRecord[]> {
      const t = TABLES[entity];
      const out: LoadedRecord[] = [];
      for (const part of chunks(keys)) {
        const res = await q.query<LoadedRecord>(
          `SELECT ${t.key} AS key, ${t.scope} AS scope, data, fingerprint FROM ${t.table}
            WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL ORDER BY ${t.key}`,
          [part],
        );
        out.push(...res.rows);
      }
      return out;
    },
  };
}

/** Where records live (their schools). */
function liveLookups(q: Queryable) {
  return {
    /**
     * The live (not deleted) records of `keys`, each with its scope (school): a delete set skips a key at send
     * time when it is live again where the delete goes (superseded by a restore, or a move back). `lock`: every
     * row of `keys`, live or deleted, is locked `FOR SHARE` to the transaction's end (in key order), and read as
     * its latest version: no other transaction moves, changes, restores or deletes one meanwhile (../jobs/run-except.ts).
     */
    async liveAt(
      entity: EntityName,
      keys: readonly string[],
      opts: { lock?: boolean } = {},
    ): Promise<Map<string, string>> {
      const t = TABLES[entity];
      const out = new Map<string, string>();
      const sorted = opts.lock ? [...new Set(keys)].sort() : keys;
      for (const part of chunks(sorted)) {
        const res = await q.query<{ key: string; scope: string; live: boolean }>(
          opts.lock
            ? `SELECT ${t.key} AS key, ${t.scope} AS scope, deleted_at IS NULL AS live FROM ${t.table}
                WHERE ${t.key} = ANY($1::text[]) ORDER BY 1 FOR SHARE`
            : `SELECT ${t.key} AS key, ${t.scope} AS scope, true AS live FROM ${t.table}
                WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL`,
          [part],
        );
        for (const r of res.rows) if (r.live) out.set(r.key, r.scope);
      }
      return out;
    },
  };
}

/** What one scope (school) holds: whether it changed since a snapshot, and live counts. */
function scopeContents(q: Queryable) {
  return {
    /**
     * Whether a record of `entity` in `school` was created, changed, moved or deleted since `since` (the
     * snapshot and transaction id a judged batch kept, migration 280) by another transaction
     * (./record-tables.ts `changedSince`): one probe of the change feed, no record read.
     */
    async changedSince(
      entity: EntityName,
      school: string,
      since: { snapshot: string; xact: string },
    ): Promise<boolean> {
      const res = await q.query<{ changed: boolean }>(
        `SELECT ${changedSince(entity, '$1', '$2', '$3')} AS changed`,
        [school, since.snapshot, since.xact],
      );
      return res.rows[0]?.changed ?? true;
    },
    /**
     * Live records of each of the given scopes (schools); a scope without any is absent. Only those of
     * `schoolYears` when given (a class or student snapshot is weighed within its years: ../jobs/snapshot-missing.ts).
     */
    async liveCounts(
      entity: EntityName,
      scopes: readonly string[],
      schoolYears?: readonly string[],
    ): Promise<Map<string, number>> {
      const t = TABLES[entity];
      const res = await q.query<{ scope: string; n: number }>(
        `SELECT ${t.scope} AS scope, count(*)::int AS n FROM ${t.table}
          WHERE deleted_at IS NULL AND ${t.scope} = ANY($1::text[])
            AND ($2::text[] IS NULL OR data ->> 'schoolYear' = ANY($2::text[])) GROUP BY 1`,
        [[...scopes], schoolYears === undefined ? null : [...schoolYears]],
      );
      return new Map(res.rows.map((r) => [r.scope, r.n]));
    },
    /**
     * The live classes of these schools per school year, keyed `school/year` (what a classes run weighs each
     * class against: ../jobs/run-guard.ts `runUnit`).
     */
    async liveClassCounts(scopes: readonly string[]): Promise<Map<string, number>> {
      const t = TABLES.classes;
      const res = await q.query<{ unit: string; n: number }>(
        `SELECT ${t.scope} || '/' || (data ->> 'schoolYear') AS unit, count(*)::int AS n FROM ${t.table}
          WHERE deleted_at IS NULL AND ${t.scope} = ANY($1::text[]) GROUP BY 1`,
        [[...scopes]],
      );
      return new Map(res.rows.map((r) => [r.unit, r.n]));
    },
    async count(entity: EntityName, scope?: string): Promise<number> {
      const t = TABLES[entity];
      const res = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t.table} WHERE deleted_at IS NULL ${scope ? `AND ${t.scope} = $1` : ''}`,
        scope ? [scope] : [],
      );
      return res.rows[0]?.n ?? 0;
    },
  };
}

/** The school years of a scope's records: what a student snapshot of some years weighs (snap24, ../jobs/snapshot-missing.ts). */
function scopeYears(q: Queryable) {
  return {
    /**
     * A school's live students per grade, with how many of `keys` (student codes) each holds: the grades a
     * snapshot's deletions touch, and what each is weighed against (../jobs/grade-guard.ts). Students without a
     * grade are not counted; only those of `schoolYears` when given (a student snapshot
     * is weighed within the years it carries). `pending`: records about to be written (a dry run's), counted as
     * they will be (in their grade, school and year) in place of their stored copies.
     */
    async gradeCounts(
      school: string,
      keys: readonly string[],
      schoolYears?: readonly string[],
      pending: readonly PendingStudent[] = [],
    ): Promise<Array<{ grade: string; live: number; deleted: number }>> {
      const res = await q.query<{ grade: string; live: number; deleted: number }>(
        `WITH s AS (
           SELECT data ->> 'grade' AS grade, student_code AS key FROM truc.students
            WHERE school_code = $1 AND deleted_at IS NULL AND data ? 'grade'
              AND ($3::text[] IS NULL OR data ->> 'schoolYear' = ANY($3::text[]))
              AND NOT (student_code = ANY($4::text[]))
           UNION ALL
           SELECT p.grade, p.key FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS p(key, scope, grade, year)
            WHERE p.scope = $1 AND p.grade IS NOT NULL AND ($3::text[] IS NULL OR p.year = ANY($3::text[])))
         SELECT grade, count(*)::int AS live, count(*) FILTER (WHERE key = ANY($2::text[]))::int AS deleted
           FROM s GROUP BY 1 HAVING count(*) FILTER (WHERE key = ANY($2::text[])) > 0 ORDER BY 1`,
        [
          school,
          [...keys],
          schoolYears === undefined ? null : [...schoolYears],
          pending.map((p) => p.key),
          pending.map((p) => p.scope),
          pending.map((p) => p.grade),
          pending.map((p) => p.schoolYear),
        ],
      );
      return res.rows;
    },
    /** The school year each of `keys` holds (live or deleted; a record without one is absent). */
    async schoolYearsOf(entity: EntityName, keys: readonly string[]): Promise<Map<string, string>> {
      const t = TABLES[entity];
      const res = await q.query<{ key: string; year: string }>(
        `SELECT ${t.key} AS key, data ->> 'schoolYear' AS year FROM ${t.table}
          WHERE ${t.key} = ANY($1::text[]) AND data ? 'schoolYear'`,
        [[...keys]],
      );
      return new Map(res.rows.map((r) => [r.key, r.year]));
    },
    /**
     * How many live records of `scope` among `keys` are of a school year outside `schoolYears`: the ones a
     * snapshot of those years would bring into them (a student of last year carried as this year's), which the
     * guard counts among the years' live records once written (../jobs/dry-run.ts asks before writing).
     */
    async liveOfOtherYears(
      entity: EntityName,
      scope: string,
      keys: readonly string[],
      schoolYears: readonly string[],
    ): Promise<number> {
      const t = TABLES[entity];
      const res = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t.table}
          WHERE deleted_at IS NULL AND ${t.scope} = $1 AND ${t.key} = ANY($2::text[])
            AND NOT (coalesce(data ->> 'schoolYear', '') = ANY($3::text[]))`,
        [scope, [...keys], [...schoolYears]],
      );
      return res.rows[0]?.n ?? 0;
    },
  };
}

/** A student record about to be written, as a grade count sees it (../jobs/grade-guard.ts `pendingStudents`). */
export interface PendingStudent {
  key: string;
  scope: string;
  grade: string | null;
  schoolYear: string | null;
}

export function createRecordsRepo(q: Queryable) {
  return {
    ...recordLookups(q),
    ...liveLookups(q),
    ...recordWrites(q),
    ...recordDeletions(q),
    ...scopeContents(q),
    ...scopeYears(q),
    ...scopeReconciliation(q),
    ...snapshotOmissions(q),
    ...heldChangeReads(q),
    ...recordSeenWrites(q),
  };
}
export type RecordsRepo = ReturnType<typeof createRecordsRepo>;
