/**
 * Canonical records: one table per entity (./record-tables.ts), keyed by the natural key. Writes are
 * set-based (one statement per chunk via unnest), and only records whose fingerprint changed are
 * written; deletions and reconciliation are in ./record-deletions.ts.
 */
import { hash } from 'node:crypto';
import type { EntityName } from '../config.js';
import { binaryCopy, type CopyColumn } from './copy-binary.js';
import { queryAll, type Queryable } from './db.js';
import { JsonWriter } from './json-bytes.js';
import { recordDeletions, scopeReconciliation, snapshotOmissions } from './record-deletions.js';
import { changedSince, chunks, TABLES, type TableDef } from './record-tables.js';
import { heldChangeReads, recordSeenWrites } from './record-seen.js';
import { batchArrival, writableBy } from './word-arrival.js';
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
 * A record's JSON text as UTF-8 bytes and its {@link fingerprint} (the SHA-256 of those bytes): the upsert
 * sends the bytes as they are (issue 7: the text encoded once, not again for the hash and for the socket).
 * The bytes are written straight from the record (no JSON text on the heap: ./json-bytes.ts), the same
 * bytes as `Buffer.from(JSON.stringify(record))`, which writes the records it does not.
 */
export function fingerprinted(record: unknown): { json: Buffer; fingerprint: string } {
  const at = jsonArena.write(record);
  const json = at < 0 ? Buffer.from(JSON.stringify(record)) : jsonArena.last(at);
  return { json, fingerprint: hash('sha256', json) };
}

export interface UpsertRow {
  key: string;
  scope: string;
  personalId?: string | undefined;
  data: unknown;
  /** `data`'s JSON text as it was fingerprinted ({@link fingerprinted}), sent instead of serialising it again. */
  json?: Buffer | undefined;
  fingerprint: string;
  /** Birth date and name key (students; see the quality module's `twinKey`). */
  twinKey?: string | undefined;
  /** Fingerprint of the source record it was pulled from (migration 082); none: written otherwise. */
  sourceFp?: string | undefined;
}

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
   * A page pulled from a school's own system (smas, vnedu) or from the city database: the fingerprints of the
   * copies truc knows that system holds or held (received from it, sent to it: ./system-copies.ts) that count as
   * older copies: none once that system is known to hold the row's state (`holdsSql`; the city: nor where it
   * wrote the live row last, `copiesRead`); absent where none is known.
   */
  copies?: string[];
}

/** jsonb's binary input form: a version byte (1), then the JSON text. */
const OPEN = Buffer.from([1, 0x5b]);
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The rows' records as one JSON array in jsonb's binary input form (a Buffer parameter travels in binary
 * form), from each row's JSON bytes: the bytes are copied, not the texts joined and encoded again (issue 7:
 * the join, and measuring and encoding the joined text, cost ~7 ms of a 1000-record page). Not as a `text`
 * parameter cast to jsonb: PostgreSQL spends ~19 ms of CPU on that for a page, ~4 on either jsonb input.
 */
function jsonArrayBytes(part: readonly UpsertRow[]): Buffer {
  const pieces: Buffer[] = [OPEN];
  part.forEach((r, i) => {
    if (i > 0) pieces.push(COMMA);
    pieces.push(r.json ?? Buffer.from(JSON.stringify(r.data)));
  });
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}

/** The columns an upsert writes of `t` (besides source_system and mapping_version), in order. */
function upsertColumns(t: TableDef): string[] {
  return [
    t.key,
    ...(t.scope !== t.key ? [t.scope] : []), // schools are their own scope
    ...(t.hasPersonalId ? ['personal_id'] : []),
    'data',
    'fingerprint',
    'source_fp',
    ...(t.hasTwinKey === true ? ['twin_key'] : []),
  ];
}

/** `part`'s values of a text column of {@link upsertColumns} (data apart). */
function textColumn(t: TableDef, col: string, part: readonly UpsertRow[]): (string | null)[] {
  if (col === t.key) return part.map((r) => r.key);
  if (col === t.scope) return part.map((r) => r.scope);
  if (col === 'personal_id') return part.map((r) => r.personalId ?? null);
  if (col === 'fingerprint') return part.map((r) => r.fingerprint);
  if (col === 'source_fp') return part.map((r) => r.sourceFp ?? null);
  return part.map((r) => r.twinKey ?? null);
}

/**
 * `COPY` of a chunk of new rows (see `upsert`'s `fresh`) and its input: the rows in binary form, each record's
 * JSON bytes as they are (issue 7: PostgreSQL's CPU for a first-sync page's 1000 new students ~0.82 of the
 * `INSERT … SELECT FROM ROWS FROM (unnest …)` below; COPY inserts a page's rows in batches, and parses no
 * arrays). The change feed's INSERT trigger fires for it as for an INSERT.
 */
function copyStatement(
  t: TableDef,
  part: readonly UpsertRow[],
  source: UpsertSource,
): [sql: string, data: Buffer] {
  const cols = upsertColumns(t);
  const data = binaryCopy(part.length, [
    ...cols.map((c): CopyColumn =>
      c === 'data'
        ? { jsonb: part.map((r) => r.json ?? Buffer.from(JSON.stringify(r.data))) }
        : { text: textColumn(t, c, part) },
    ),
    { same: source.system },
    { same: source.mappingVersion },
  ]);
  return [
    `COPY ${t.table} (${cols.join(', ')}, source_system, mapping_version) FROM STDIN (FORMAT binary)`,
    data,
  ];
}

/**
 * The keys a vendor batch's chunk of `n` rows wrote (CTE `cte`), when some were not (left to a newer word):
 * `written` is NULL when all were.
 */
const writtenOf = (cte: string, n: number) =>
  `SELECT CASE WHEN count(*) < ${n} THEN coalesce(array_agg(key), '{}') END AS written FROM ${cte}`;

/** An upsert's parameters after the system and mapping version: a vendor batch's id and school, a pull's stored chunk's row count. */
function extraParams(source: UpsertSource, rows: number): unknown[] {
  if (source.arrival) return [source.arrival.batchId, source.arrival.school];
  return source.stored ? [rows] : [];
}

/**
 * The statement and parameters that insert or update one chunk of rows (see `upsert`). The records
 * travel as one JSON array (PostgreSQL parses it in one pass), not as a jsonb[] literal, whose every
 * element is escaped here and parsed twice there (~2x the time per page); as bytes (a Buffer parameter
 * is sent in binary form), see {@link jsonArrayBytes}. That array is the statement's last parameter: pg
 * writes a statement's parameters into one buffer that grows as it goes (to half again its size plus what
 * does not fit, copying what it holds), so the columns written after the ~400 KB array made it grow once
 * more over the array (issue 7: a 1000-student chunk's parameters allocated 1.42 MB and copied 0.52 MB
 * there; last, 0.91 MB and 0.22 MB).
 */
function upsertStatement(
  entity: EntityName,
  part: readonly UpsertRow[],
  source: UpsertSource,
): [sql: string, params: unknown[]] {
  const t = TABLES[entity];
  const pid = t.hasPersonalId;
  const twin = t.hasTwinKey === true;
  const scoped = t.scope !== t.key; // schools are their own scope
  const cols = upsertColumns(t);
  // $1… the text columns, then the source's system and mapping version, then a pull's stored chunk's row count
  // or a vendor batch's id and school ($m+3, $m+4: its arrival, ./word-arrival.ts), then data.
  const texts = cols.filter((c) => c !== 'data');
  const m = texts.length;
  const extras = extraParams(source, part.length);
  const dataAt = m + 3 + extras.length;
  const column = (c: string) =>
    c === 'data' ? `jsonb_array_elements($${dataAt}::jsonb)` : `unnest($${texts.indexOf(c) + 1}::text[])`;
  const rowsFrom = `ROWS FROM (${cols.map(column).join(', ')})`;
  const arrays: unknown[] = texts.map((c) => textColumn(t, c, part));
  const params = [...arrays, source.system, source.mappingVersion, ...extras, jsonArrayBytes(part)];
  // A vendor batch's rows carry its arrival and are written only where no newer word is (./word-arrival.ts).
  // A pull's (no arrival) arrive with their write: NULL.
  const arrival = source.arrival ? batchArrival(`$${m + 3}`) : 'NULL::timestamptz';
  // Every row it may write is among the chunk's keys, the newer carries read for those at once (./word-arrival.ts).
  const keys = `$${texts.indexOf(t.key) + 1}::text[]`;
  if (source.stored) {
    const update = `UPDATE ${t.table} r SET ${cols
      .slice(1)
      .map((c) => `${c} = v.${c}`)
      .join(', ')},
         source_system = $${m + 1}::text, mapping_version = $${m + 2}::text,
         updated_at = now(), deleted_at = NULL, arrived_at = ${arrival}
         FROM ${rowsFrom} AS v(${cols.join(', ')})
        WHERE r.${t.key} = v.${t.key}
          ${source.arrival ? `AND ${writableBy(entity, 'r', arrival, `$${m + 4}`, keys, `v.${t.key}`)}` : ''}
        RETURNING r.${t.key} AS key`;
    // A pull's: every row must be found, checked inside PostgreSQL (migration 380) so the transaction aborts
    // even with its COMMIT already sent behind this statement. A vendor batch's, every one read stored in its
    // transaction (none is ever removed, so a row not written is one left to a newer word: counted unchanged).
    if (!source.arrival)
      return [
        `WITH u AS (${update})
         SELECT truc.rows_found(count(*), $${m + 3}::bigint, 'records: stored ${t.table}') FROM u`,
        params,
      ];
    return [`WITH u AS (${update}) ${writtenOf('u', part.length)}`, params];
  }
  const insert = `INSERT INTO ${t.table} AS r (${cols.join(', ')}, source_system, mapping_version, arrived_at)
     SELECT *, $${m + 1}::text, $${m + 2}::text, ${arrival} FROM ${rowsFrom}`;
  if (source.fresh) return [insert, params];
  const upsert = `${insert}
     ON CONFLICT (${t.key}) DO UPDATE SET
       ${scoped ? `${t.scope} = EXCLUDED.${t.scope},` : ''}
       ${pid ? 'personal_id = EXCLUDED.personal_id,' : ''}
       data = EXCLUDED.data, fingerprint = EXCLUDED.fingerprint, source_fp = EXCLUDED.source_fp,
       ${twin ? 'twin_key = EXCLUDED.twin_key,' : ''}
       source_system = EXCLUDED.source_system, mapping_version = EXCLUDED.mapping_version,
       updated_at = now(), deleted_at = NULL, arrived_at = EXCLUDED.arrived_at`;
  if (!source.arrival) return [upsert, params];
  return [
    `WITH w AS (${upsert}
        WHERE ${writableBy(entity, 'r', arrival, `$${m + 4}`, keys)} RETURNING r.${t.key} AS key)
     ${writtenOf('w', part.length)}`,
    params,
  ];
}

/**
 * Where upserted rows come from; `fresh`: none of them is stored; `stored`: every one is (live or a
 * tombstone; see `upsert`).
 */
export interface UpsertSource {
  system: string;
  mappingVersion: string;
  fresh?: boolean;
  stored?: boolean;
  /**
   * A vendor batch's rows: its id (its arrival is its row's `created_at`) and school. Each row is written only
   * where no word newer than that arrival is (./word-arrival.ts `writableBy`); `upsert` answers the keys left.
   */
  arrival?: { batchId: string; school: string } | undefined;
}

/** Writes: records inserted or updated, their source fingerprints noted. */
function recordWrites(q: Queryable) {
  return {
    /**
     * Inserts or updates rows (the caller has already dropped unchanged ones). `fresh`: the caller read
     * that none of the rows' keys is stored (a first sync's page), so they are inserted without
     * `ON CONFLICT` (issue 7: PostgreSQL's conflict check, and the change feed's UPDATE trigger that
     * `ON CONFLICT DO UPDATE` fires even when nothing conflicts, cost ~11 % of a first-sync page's
     * upsert); a row another transaction stored meanwhile fails the statement (unique violation, see
     * ./db.ts `isUniqueViolation`), and the caller writes again without `fresh`. `stored`: the caller
     * read every row's key stored in its transaction (a changed batch of known records), so they are
     * updated in place (`UPDATE … FROM`; issue 7: `ON CONFLICT DO UPDATE` first tries each row as an insert
     * and locks the row it meets, ~30 % of a changed batch's upsert); a row not found to update (none is
     * ever removed) fails the call. New rows are COPYed where the connection can (PostgreSQL, see
     * {@link copyStatement}), inserted elsewhere (the embedded database).
     */
    async upsert(entity: EntityName, rows: readonly UpsertRow[], source: UpsertSource): Promise<string[]> {
      const t = TABLES[entity];
      const copyIn = source.fresh && !source.arrival ? q.copyIn?.bind(q) : undefined;
      if (copyIn) {
        // Every chunk's COPY made at once (see db.ts sendWrite).
        await Promise.all([...chunks(rows)].map((part) => copyIn(...copyStatement(t, part, source))));
        return [];
      }
      if (!source.arrival) {
        await queryAll(
          q,
          [...chunks(rows)].map((part) => upsertStatement(entity, part, source)),
        );
        return [];
      }
      // A vendor batch: the rows left to a newer word (not written), in the rows' order.
      const parts = [...chunks(rows)];
      const answers = await Promise.all(
        parts.map((part) => q.query<{ written: string[] | null }>(...upsertStatement(entity, part, source))),
      );
      return parts.flatMap((part, i) => {
        const written = answers[i]!.rows[0]?.written;
        if (written === null || written === undefined) return [];
        const done = new Set(written);
        return part.flatMap((r) => (done.has(r.key) ? [] : [r.key]));
      });
    },
    /**
     * Notes the source fingerprint of pulled records that did not change (their row was written before
     * the source fingerprint was kept, or the source changed only what the mapping does not read), so
     * the next pull skips them. Only live rows whose fingerprint is still `fingerprint`.
     */
    async noteSourceFps(
      entity: EntityName,
      rows: readonly { key: string; fingerprint: string; sourceFp: string }[],
    ): Promise<void> {
      const t = TABLES[entity];
      for (const part of chunks(rows)) {
        await q.query(
          `UPDATE ${t.table} r SET source_fp = v.sfp
             FROM unnest($1::text[], $2::text[], $3::text[]) AS v(key, fp, sfp)
            WHERE r.${t.key} = v.key AND r.fingerprint = v.fp AND r.deleted_at IS NULL
              AND r.source_fp IS DISTINCT FROM v.sfp`,
          [part.map((r) => r.key), part.map((r) => r.fingerprint), part.map((r) => r.sourceFp)],
        );
      }
    },
  };
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
  opts: { copiesOf?: CopiesOf } = {},
): Promise<{ rows: Map<string, ExistingRow>; live: Map<string, number> }> {
  const t = TABLES[entity];
  const rows = new Map<string, ExistingRow>();
  const live = new Map<string, number>();
  const { copiesOf } = opts;
  for (const part of chunks(keys)) {
    const cp = copiesOf && copiesRead(copiesOf, 'cp', 'r', t, { s: '$2', e: '$3', asOf: '$4' });
    const res = await q.query<ExistingRow & { live: number | null; copyFps?: string | null }>(
      `WITH e AS (
         SELECT r.${t.key} AS key, r.${t.scope} AS scope, r.fingerprint, r.deleted_at IS NOT NULL AS deleted,
                r.source_fp AS "sourceFp", r.source_system AS "sourceSystem"${cp ? `, ${cp.column} AS "copyFps"` : ''}
           FROM ${t.table} r ${cp ? cp.join : ''}
          WHERE r.${t.key} = ANY($1::text[])),
       c AS (
         SELECT s.scope, n.n FROM (SELECT DISTINCT scope FROM e) s,
                LATERAL (SELECT count(*)::int AS n FROM ${t.table} x
                          WHERE x.${t.scope} = s.scope AND x.deleted_at IS NULL) n)
       SELECT e.*, nullif(c.n, 0) AS live FROM e LEFT JOIN c ON c.scope = e.scope`,
      copiesOf === undefined ? [part] : [part, copiesOf.system, entity, copiesOf.asOf],
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
        );
        for (const { copyFps, ...r } of res.rows) {
          const copies = parseCopies(copyFps);
          out.set(r.key, copies ? { ...r, copies } : r);
        }
      }
      return out;
    },
    existingWithLive: (entity: EntityName, keys: readonly string[], opts: { copiesOf?: CopiesOf } = {}) =>
      existingWithLive(q, entity, keys, opts),
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
    /**
     * The live (not deleted) records of `keys`, each with its scope (school): a delete set skips a key at send
     * time when it is live again where the delete goes (superseded by a restore, or a move back).
     */
    async liveAt(entity: EntityName, keys: readonly string[]): Promise<Map<string, string>> {
      const t = TABLES[entity];
      const out = new Map<string, string>();
      for (const part of chunks(keys)) {
        const res = await q.query<{ key: string; scope: string }>(
          `SELECT ${t.key} AS key, ${t.scope} AS scope FROM ${t.table}
            WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL`,
          [part],
        );
        for (const r of res.rows) out.set(r.key, r.scope);
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
     * `schoolYears` when given (a class snapshot is weighed within the years it carries: ../jobs/snapshot-missing.ts).
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

export function createRecordsRepo(q: Queryable) {
  return {
    ...recordLookups(q),
    ...recordWrites(q),
    ...recordDeletions(q),
    ...scopeContents(q),
    ...scopeReconciliation(q),
    ...snapshotOmissions(q),
    ...heldChangeReads(q),
    ...recordSeenWrites(q),
  };
}
export type RecordsRepo = ReturnType<typeof createRecordsRepo>;
