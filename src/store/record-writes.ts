/**
 * Canonical records' writes (see ./records.ts): the statements that insert or update a chunk of rows
 * (COPY of new rows, INSERT … ON CONFLICT, UPDATE … FROM of stored ones: their SQL in ./record-write-sql.ts)
 * and the source fingerprints noted.
 */
import type { EntityName } from '../config.js';
import { binaryCopy, type CopyColumn } from './copy-binary.js';
import { INDEX_PROBES, queryAll, withLocalSettings, type Queryable } from './db.js';
import { paramRows } from './param-rows.js';
import { chunks, TABLES, type TableDef } from './record-tables.js';
import { insertSql, updateSql, type Shape, type UpsertSource } from './record-write-sql.js';
import { batchArrival } from './word-arrival.js';
import { laterYearKeys } from './year-order.js';

export type { UpsertSource } from './record-write-sql.js';

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
 * `INSERT … SELECT FROM (SELECT unnest …)` below; COPY inserts a page's rows in batches, and parses no
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
 * The rows' school years (`data.schoolYear`; null where none), sent apart from their records: the query of the rows
 * left to a later school year reads them there, not from the records' JSON array a second time (a jsonb parameter is
 * parsed wherever the statement casts it, ~4 ms for a 1000-student chunk's: issue 7, year24).
 */
function schoolYears(part: readonly UpsertRow[]): (string | null)[] {
  return part.map((r) => {
    const year = (r.data as { schoolYear?: unknown } | null)?.schoolYear;
    return typeof year === 'string' ? year : null;
  });
}

/**
 * A pull's copies' times by its source's clock (`sourceAt`) of the chunk's rows, as one JSON object by key, where the
 * write checks them ({@link UpsertSource} `sourceAt`; not a first sync's new rows: no row to find); none: not checked.
 */
function copyTimes(source: UpsertSource, part: readonly UpsertRow[]): string | undefined {
  const { sourceAt } = source;
  if (!sourceAt || source.arrival || source.fresh === true) return undefined;
  const times = part.flatMap((r) => {
    const at = sourceAt.get(r.key);
    return at === undefined ? [] : [[r.key, at] as const];
  });
  return times.length > 0 ? JSON.stringify(Object.fromEntries(times)) : undefined;
}

/** SQL: the stored row `r` (of `t`) is no tombstone newer than its copy of the JSON object `times` (migration 1050). */
const notDeletedSince = (t: TableDef, times: string) =>
  `(r.deleted_at IS NULL OR truc.copy_not_deleted_since(r.source_deleted_at, (${times} ->> r.${t.key})::timestamptz))`;

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
  const cols = upsertColumns(t);
  // $1… the text columns, then the source's system and mapping version, then a pull's stored chunk's row count
  // or a vendor batch's id and school ($m+3, $m+4: its arrival, ./word-arrival.ts), then data.
  const texts = cols.filter((c) => c !== 'data');
  const m = texts.length;
  const extras = extraParams(source, part.length);
  // Students: the records' school years, a parameter of their own before data (./year-order.ts `laterYearKeys`;
  // not where none of the rows is stored).
  const years = TABLES[entity].yearOrdered === true && source.fresh !== true ? [schoolYears(part)] : [];
  // A pull's copies' times (rel29), before data.
  const timed = copyTimes(source, part);
  const times = timed === undefined ? [] : [timed];
  const dataAt = m + 3 + extras.length + years.length + times.length;
  const column = (c: string) =>
    c === 'data' ? `jsonb_array_elements($${dataAt}::jsonb)` : `unnest($${texts.indexOf(c) + 1}::text[])`;
  const arrays: unknown[] = texts.map((c) => textColumn(t, c, part));
  // Every row it may write is among the chunk's keys, the newer carries read for those at once (./word-arrival.ts).
  const keys = `$${texts.indexOf(t.key) + 1}::text[]`;
  const shape: Shape = {
    entity,
    t,
    cols,
    m,
    n: part.length,
    rows: paramRows(cols.map((c) => [c, column(c)])),
    // A vendor batch's rows carry its arrival and are written only where no newer word is (./word-arrival.ts).
    // A pull's (no arrival) arrive with their write: NULL.
    arrival: source.arrival ? batchArrival(`$${m + 3}`) : 'NULL::timestamptz',
    keys,
    // A table of one row per key whatever its school year: no record of an earlier year than the row's is
    // written (./year-order.ts), and the statement answers which it left so (`earlier`).
    earlier:
      years.length > 0 ? laterYearKeys(t.table, t.key, keys, `$${m + 3 + extras.length}::text[]`) : undefined,
    notDeletedSince: timed === undefined ? undefined : notDeletedSince(t, `$${dataAt - 1}::jsonb`),
  };
  const params = [
    ...arrays,
    source.system,
    source.mappingVersion,
    ...extras,
    ...years,
    ...times,
    jsonArrayBytes(part),
  ];
  return [source.stored ? updateSql(shape, source) : insertSql(shape, source), params];
}

/** SQLSTATE of a pull's write that found a tombstone newer than its copy committed since its read (migration 1050). */
const DELETED_SINCE_READ = 'TR411';

/** The error of a pull's write that found a tombstone newer than its copy ({@link UpsertSource} `sourceAt`). */
export function isDeletedSinceRead(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DELETED_SINCE_READ;
}

/**
 * The rows an upsert did not write: `left`, a vendor batch's rows left to a newer word or to a later school year
 * (./word-arrival.ts, ./year-order.ts); `earlier`, the rows (a vendor batch's or a pull's) left to a later school
 * year, of `left` for a vendor batch. Each in the rows' order.
 */
export interface UpsertLeft {
  left: string[];
  earlier: string[];
}

/** Writes: records inserted or updated, their source fingerprints noted. */
export function recordWrites(q: Queryable) {
  return {
    /**
     * Inserts or updates rows (the caller has already dropped unchanged ones). `fresh`: the caller read
     * that none of the rows' keys is stored (a first sync's page), so they are inserted without
     * `ON CONFLICT` (issue 7: PostgreSQL's conflict check, and the change feed's UPDATE trigger that
     * `ON CONFLICT DO UPDATE` fires even when nothing conflicts, cost ~11 % of a first-sync page's
     * upsert); a row another transaction stored meanwhile fails the statement (unique violation, see
     * ./db-errors.ts `isUniqueViolation`), and the caller writes again without `fresh`. `stored`: the caller
     * read every row's key stored in its transaction (a changed batch of known records), so they are
     * updated in place (`UPDATE … FROM`; issue 7: `ON CONFLICT DO UPDATE` first tries each row as an insert
     * and locks the row it meets, ~30 % of a changed batch's upsert); a row not found to update (none is
     * ever removed) fails the call. New rows are COPYed where the connection can (PostgreSQL, see
     * {@link copyStatement}), inserted elsewhere (the embedded database).
     */
    async upsert(entity: EntityName, rows: readonly UpsertRow[], source: UpsertSource): Promise<UpsertLeft> {
      const t = TABLES[entity];
      const none: UpsertLeft = { left: [], earlier: [] };
      const copyIn = source.fresh && !source.arrival ? q.copyIn?.bind(q) : undefined;
      if (copyIn) {
        // Every chunk's COPY made at once (see db.ts sendWrite).
        await Promise.all([...chunks(rows)].map((part) => copyIn(...copyStatement(t, part, source))));
        return none;
      }
      // A pull's rows into a table whose writes school years order (./year-order.ts) answer the keys left so.
      if (!source.arrival && (t.yearOrdered !== true || source.fresh === true)) {
        await queryAll(
          q,
          [...chunks(rows)].map((part) => upsertStatement(entity, part, source)),
        );
        return none;
      }
      // The rows left to a newer word (a vendor batch's) or to a later school year (not written), in the rows' order.
      const parts = [...chunks(rows)];
      // A vendor batch's statements prepared (issue 7, perfpg: one text an entity and shape, planned once per connection
      // under its generic plan, the same nested loop by the primary key: PostgreSQL's CPU for a changed 1000-student
      // chunk's UPDATE 20.17 -> 19.22 ms, a new one's INSERT 17.69 -> 16.54).
      const prepared = source.arrival !== undefined;
      const send = () =>
        Promise.all(
          parts.map((part) =>
            q.query<{ written?: string[] | null; earlier: string[] | null }>(
              ...upsertStatement(entity, part, source),
              { prepared },
            ),
          ),
        );
      // A vendor batch's statements probe once a row (its carries' keys, a later school year's rows): under INDEX_PROBES,
      // as the quality facts before them and the closing statement after them are, so that a transaction sends the
      // setting once and not three times (issue 7, perf10b: a changed batch's `SET LOCAL … TO DEFAULT` before its
      // `UPDATE` and `SET LOCAL … = off` after it, 2 of its 11 statements).
      const answers = prepared ? await withLocalSettings(q, INDEX_PROBES, send) : await send();
      const earlier = new Set(answers.flatMap((a) => a.rows[0]?.earlier ?? []));
      const left = parts.flatMap((part, i) => {
        const written = answers[i]!.rows[0]?.written;
        if (written === null || written === undefined) return [];
        const done = new Set(written);
        return part.flatMap((r) => (done.has(r.key) ? [] : [r.key]));
      });
      return { left, earlier: rows.flatMap((r) => (earlier.has(r.key) ? [r.key] : [])) };
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
