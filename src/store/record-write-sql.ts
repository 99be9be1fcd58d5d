/**
 * The SQL of a chunk's write that is not a COPY (./record-writes.ts `upsertStatement` builds its parameters): the
 * `UPDATE … FROM` of stored rows and the `INSERT` (`ON CONFLICT DO UPDATE` unless fresh), each with what a vendor
 * batch's write answers (the keys it left) and what a pull's checks; and where the rows come from ({@link UpsertSource}).
 */
import type { EntityName } from '../config.js';
import type { TableDef } from './record-tables.js';
import { writableBy } from './word-arrival.js';
import { notEarlierYear } from './year-order.js';

/**
 * The keys a vendor batch's chunk wrote (CTE `cte`), when some were not (left to a newer word, or to a later school
 * year: `earlier`, SQL text[] query of those, ./year-order.ts): `written` is NULL when all were. The chunk's row count
 * is its keys' (SQL text[] `keys`), not written into the text: a vendor batch's statements are one text whatever the
 * batch's size, so they are prepared (./record-writes.ts `upsert`).
 */
const writtenOf = (cte: string, keys: string, earlier: string | undefined) =>
  `SELECT CASE WHEN count(*) < cardinality(${keys}) THEN coalesce(array_agg(key), '{}') END AS written,
          ${earlier ? `CASE WHEN count(*) < cardinality(${keys}) THEN ${earlier} END` : 'NULL::text[]'} AS earlier
     FROM ${cte}`;

/** What the statement of a chunk is made of (./record-writes.ts `upsertStatement`). */
export interface Shape {
  entity: EntityName;
  t: TableDef;
  cols: string[];
  /** How many text columns: the system is `$m+1`, the mapping version `$m+2`, the extra parameters after. */
  m: number;
  /** The chunk's row count. */
  n: number;
  /** The chunk's rows, a subquery of the parameters (./param-rows.ts), to alias. */
  rows: string;
  /** SQL timestamp: the rows' arrival. */
  arrival: string;
  /** SQL text[]: the chunk's keys. */
  keys: string;
  /** SQL text[] query: the chunk's keys whose row holds a later school year (./year-order.ts), where compared. */
  earlier: string | undefined;
  /** SQL boolean of the stored row `r`: no tombstone newer than the pull's copy, else it fails (rel29), where checked. */
  notDeletedSince: string | undefined;
}

/** `UPDATE … FROM` of a chunk every row of which is stored (`upsert`'s `stored`). */
export function updateSql(s: Shape, source: UpsertSource): string {
  const { entity, t, cols, m, arrival, keys, earlier } = s;
  const update = `UPDATE ${t.table} r SET ${cols
    .slice(1)
    .map((c) => `${c} = v.${c}`)
    .join(', ')},
       source_system = $${m + 1}::text, mapping_version = $${m + 2}::text,
       updated_at = now(), deleted_at = NULL, arrived_at = ${arrival}
       FROM ${s.rows} AS v
      WHERE r.${t.key} = v.${t.key}
        ${source.arrival ? `AND ${writableBy(entity, 'r', arrival, `$${m + 4}`, keys, `v.${t.key}`)}` : ''}
        ${earlier ? `AND ${notEarlierYear('r', 'v.data')}` : ''}
        ${s.notDeletedSince ? `AND ${s.notDeletedSince}` : ''}
      RETURNING r.${t.key} AS key`;
  // A vendor batch's, every one read stored in its transaction (none is ever removed, so a row not written is one
  // left to a newer word or a later school year: the first counted unchanged).
  if (source.arrival) return `WITH u AS (${update}) ${writtenOf('u', keys, earlier)}`;
  // A pull's: every row must be found, checked inside PostgreSQL (migration 380) so the transaction aborts even
  // with its COMMIT already sent behind this statement; a row left to a later school year is found.
  const n = `$${m + 3}::bigint`;
  const what = `'records: stored ${t.table}'`;
  if (!earlier) return `WITH u AS (${update}) SELECT truc.rows_found(count(*), ${n}, ${what}) FROM u`;
  return `WITH u AS (${update}),
            e AS (SELECT CASE WHEN (SELECT count(*) FROM u) < ${n} THEN ${earlier} END AS keys)
       SELECT truc.rows_found((SELECT count(*) FROM u) + coalesce(cardinality(e.keys), 0), ${n}, ${what}) AS found,
              e.keys AS earlier FROM e`;
}

/** `INSERT` of a chunk: `ON CONFLICT DO UPDATE` unless none of its rows is stored (`upsert`'s `fresh`). */
export function insertSql(s: Shape, source: UpsertSource): string {
  const { entity, t, cols, m, arrival, keys, earlier } = s;
  const insert = `INSERT INTO ${t.table} AS r (${cols.join(', ')}, source_system, mapping_version, arrived_at)
     SELECT *, $${m + 1}::text, $${m + 2}::text, ${arrival} FROM ${s.rows} AS v`;
  if (source.fresh) return insert;
  const upsert = `${insert}
     ON CONFLICT (${t.key}) DO UPDATE SET
       ${t.scope !== t.key ? `${t.scope} = EXCLUDED.${t.scope},` : '' /* schools are their own scope */}
       ${t.hasPersonalId ? 'personal_id = EXCLUDED.personal_id,' : ''}
       data = EXCLUDED.data, fingerprint = EXCLUDED.fingerprint, source_fp = EXCLUDED.source_fp,
       ${t.hasTwinKey === true ? 'twin_key = EXCLUDED.twin_key,' : ''}
       source_system = EXCLUDED.source_system, mapping_version = EXCLUDED.mapping_version,
       updated_at = now(), deleted_at = NULL, arrived_at = EXCLUDED.arrived_at`;
  const yearOk = earlier ? notEarlierYear('r', 'EXCLUDED.data') : undefined;
  if (!source.arrival) {
    // A pull's copy checked against a tombstone committed since its page's read (rel29): on the row as it is now.
    const unless = s.notDeletedSince ? ` WHERE ${s.notDeletedSince}` : '';
    if (!yearOk) return `${upsert}${unless}`;
    return `WITH w AS (${upsert} WHERE ${yearOk}${s.notDeletedSince ? ` AND ${s.notDeletedSince}` : ''}
                RETURNING r.${t.key} AS key)
       SELECT CASE WHEN count(*) < ${s.n} THEN ${earlier!} END AS earlier FROM w`;
  }
  return `WITH w AS (${upsert}
        WHERE ${writableBy(entity, 'r', arrival, `$${m + 4}`, keys)} ${yearOk ? `AND ${yearOk}` : ''}
        RETURNING r.${t.key} AS key)
     ${writtenOf('w', keys, earlier)}`;
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
   * where no word newer than that arrival is (./word-arrival.ts `writableBy`); `upsert` answers the keys left
   * ({@link UpsertLeft}).
   */
  arrival?: { batchId: string; school: string } | undefined;
  /**
   * A pull's copies' times by its source's own clock (an ISO time by key, where told; rel29): a stored row the write
   * finds to be a tombstone whose source deleted it no earlier than the row's copy (migration 985) is one committed
   * since the page's stored rows were read (the caller gives the times of the rows that read found live or not
   * stored only): the statement fails ({@link isDeletedSinceRead}, migration 1050), checked on the row as it is when
   * written, so the page's transaction writes nothing and the page is stored again, read anew.
   */
  sourceAt?: ReadonlyMap<string, string> | undefined;
}
