/**
 * Refused source records (issue 7, migrations 116 and 185): a pulled record refused for reasons of its
 * own is remembered by its source key with the source fingerprint and rules stamp it was refused under,
 * so the next pull of the same record under the same rules is counted refused without being judged
 * again. A refusal for a personal ID other live records of the school hold is remembered with those
 * holders (`depends`: entity → key → fingerprint) and stands only while each is live with that fingerprint.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { TABLES } from './record-tables.js';
import type { ExistingRow } from './records.js';
import { copiesRead, parseCopies, type CopiesOf } from './system-copies.js';

/** What {@link storedAndStanding} reads of a pulled page's candidates. */
export interface StoredAndStanding {
  /** Stored rows that are not unchanged, by key. */
  rows: Map<string, ExistingRow>;
  /** Unchanged rows: key → school. */
  unchanged: Map<string, string>;
  /** Refusals still standing, by source key. */
  standing: Map<string, Refusal>;
  /** Source keys whose refusals no longer stand. */
  lapsed: string[];
}

/** A refusal as kept: the record's natural key and school when it mapped. */
export interface Refusal {
  readonly recordKey: string | null;
  readonly scope: string | null;
  /** It stands on other records (still as they were: checked): only while its page brings nothing else to judge. */
  readonly dependent?: boolean;
}

/** A refusal to remember; `heldId`: the personal ID its school's other live records hold (its holders are read). */
export type RefusalRow = { sourceKey: string; sourceFp: string; heldId?: string | null } & Refusal;

/** Where refusals are kept: the source system and entity, under the rules stamp they were judged by. */
export interface RefusalTarget {
  readonly system: string;
  readonly entity: EntityName;
  readonly rules: string;
}

/** SQL: whether every record the refusal `rs` depends on is still live with the fingerprint it had. */
const DEPENDS_HOLD = Object.entries(TABLES)
  .map(
    ([entity, t]) => `NOT EXISTS (
       SELECT 1 FROM jsonb_each_text(rs.depends -> '${entity}') AS d(k, fp)
        WHERE NOT EXISTS (SELECT 1 FROM ${t.table} x
                           WHERE x.${t.key} = d.k AND x.fingerprint = d.fp AND x.deleted_at IS NULL))`,
  )
  .join(' AND ');

/**
 * SQL (a LATERAL on `r`: its key `rk`, school `sc`, held personal ID `pid`): the other live records of
 * the school holding the personal ID, as `depends` (null when none, or no `pid`).
 */
function holdersOf(entity: EntityName): string {
  const t = TABLES[entity];
  if (!t.hasPersonalId) return 'SELECT NULL::jsonb AS depends';
  return `SELECT jsonb_build_object('${entity}', jsonb_object_agg(x.${t.key}, x.fingerprint)) AS depends
            FROM ${t.table} x
           WHERE r.pid IS NOT NULL AND x.personal_id = r.pid AND x.${t.scope} = r.sc
             AND x.${t.key} IS DISTINCT FROM r.rk AND x.deleted_at IS NULL
          HAVING count(*) > 0`;
}

/**
 * The records a pulled page's skip asks about: source keys unique in the page and their source
 * fingerprints, in the same order. Sent as two JSON arrays (issue 7: `JSON.stringify` of two arrays costs
 * truc ~0.2 ms a 1000-record page; of one object keyed by source key, built with `Object.fromEntries`,
 * 0.9-5 ms).
 */
export interface Candidates {
  readonly keys: string[];
  readonly fps: string[];
}

/**
 * SQL of {@link storedAndStanding}: $1 system, $2 entity, $3 and $4 the candidates as two JSON arrays
 * (source keys, and their source fingerprints in the same order). The unchanged rows as one row
 * (`scope`: their keys by school, JSON), the other stored rows whole, then the refusals of keys not
 * unchanged. The refusals are looked up key by key, only for the keys not unchanged (each `OFFSET 0` keeps
 * PostgreSQL from flattening the lookup into a join): on a table never analysed PostgreSQL expects one
 * refusal in all and hashed every refusal of the system and entity on every page (issue 7, the city:
 * 5,339 rows late in a first sync, 5,657 on each page of the re-sync that followed, growing with the run).
 * `copies` (the city database's page, review18 R2): the other stored rows come with the system's copies that
 * count as older as of $5 (./system-copies.ts `copiesRead`), read for them only (none on an unchanged page).
 */
function storedReadSql(entity: EntityName, copies?: CopiesOf): string {
  const t = TABLES[entity];
  const cp =
    copies && copiesRead(copies, 'cp', 'e', { key: 'key', scope: 'scope' }, { s: '$1', e: '$2', asOf: '$5' });
  return `WITH v AS (SELECT key, fp FROM ROWS FROM (json_array_elements_text($3::json), json_array_elements_text($4::json)) AS v(key, fp)),
     e AS (SELECT r.${t.key} AS key, r.${t.scope} AS scope, r.fingerprint, r.deleted_at IS NOT NULL AS deleted,
                  r.source_fp, (r.deleted_at IS NULL AND r.source_fp IS NOT DISTINCT FROM v.fp) AS same,
                  CASE WHEN r.deleted_at IS NOT NULL THEN r.source_deleted_at END AS source_deleted_at${
                    cp ? ', r.deleted_at, r.source_system' : ''
                  }
             FROM ${t.table} r JOIN v ON v.key = r.${t.key})
     SELECT true AS unchanged, false AS refusal, NULL::text AS key,
            (SELECT json_object_agg(s.scope, s.keys) FROM (SELECT scope, json_agg(key) AS keys FROM e WHERE same GROUP BY scope) s)::text AS scope,
            NULL::text AS fingerprint, NULL::boolean AS deleted, NULL::text AS "sourceFp",
            NULL::text AS rules, NULL::text AS "recordKey", NULL::boolean AS dependent, NULL::boolean AS holds,
            NULL::timestamptz AS "sourceDeletedAt"${cp ? ', NULL::text AS "copyFps"' : ''}
     UNION ALL
     SELECT false, false, e.key, e.scope, e.fingerprint, e.deleted, e.source_fp, NULL, NULL, NULL, NULL,
            e.source_deleted_at${cp ? `, ${cp.column}` : ''}
       FROM e ${cp ? cp.join : ''} WHERE NOT e.same
     UNION ALL
     SELECT false, true, rs.source_key, rs.scope, NULL, NULL, rs.source_fp, rs.rules, rs.record_key,
            rs.depends IS NOT NULL, (rs.depends IS NULL OR (${DEPENDS_HOLD})), NULL${cp ? ', NULL' : ''}
       FROM (SELECT v.key FROM v LEFT JOIN e ON e.key = v.key AND e.same WHERE e.key IS NULL OFFSET 0) n
      CROSS JOIN LATERAL (SELECT * FROM truc.refused_sources x
                           WHERE x.system = $1 AND x.entity = $2 AND x.source_key = n.key OFFSET 0) rs`;
}

/**
 * What skipping a pulled page reads, in one statement (issue 7: an unchanged page costs one read): the
 * stored rows of `candidates`' keys (source keys unique in the page, with their source fingerprints),
 * and the refusals still standing of those not unchanged (no live row made from that source
 * fingerprint): same source fingerprint and same rules stamp, and every record they depend on as it
 * was. A row that is live and made from the candidate's source fingerprint is compared in the
 * statement; the unchanged rows come back together as one row, their keys by school as JSON (issue 7:
 * on an unchanged night that is every row, and a row each, with the candidates sent as two text
 * arrays, cost truc ~3.7 ms of CPU a 1000-record page against ~1 ms so; the candidates go as two JSON
 * arrays, which PostgreSQL plans without a 1000-element `= ANY`); the others come back whole (`rows`).
 * It only reads: the refusals of those keys that no longer stand (the record, the rules or what it
 * depended on changed) are `lapsed`, for the caller to drop ({@link dropLapsed}) in a transaction.
 */
async function storedAndStanding(
  q: Queryable,
  target: RefusalTarget,
  candidates: Candidates,
  copies?: CopiesOf,
): Promise<StoredAndStanding> {
  const rows = new Map<string, ExistingRow>();
  const unchanged = new Map<string, string>();
  const standing = new Map<string, Refusal>();
  const lapsed: string[] = [];
  if (candidates.keys.length === 0) return { rows, unchanged, standing, lapsed };
  const res = await q.query<
    Omit<ExistingRow, 'fingerprint' | 'deleted'> & {
      unchanged: boolean;
      refusal: boolean;
      fingerprint: string | null;
      deleted: boolean | null;
      rules: string | null;
      recordKey: string | null;
      dependent: boolean | null;
      holds: boolean | null;
      sourceDeletedAt: Date | null;
      copyFps?: string | null;
    }
  >(
    storedReadSql(target.entity, copies),
    [
      target.system,
      target.entity,
      JSON.stringify(candidates.keys),
      JSON.stringify(candidates.fps),
      ...(copies ? [copies.asOf] : []),
    ],
    { prepared: true },
  );
  // Read only for refusals (none on most pages).
  let fps: Map<string, string> | undefined;
  const fpOf = (key: string) =>
    (fps ??= new Map(candidates.keys.map((k, i) => [k, candidates.fps[i]!]))).get(key);
  for (const { unchanged: same, refusal, rules, recordKey, dependent, holds, copyFps, ...read } of res.rows) {
    const { sourceDeletedAt, ...row } = read;
    if (same) {
      const bySchool = row.scope === null ? {} : (JSON.parse(row.scope) as Record<string, string[]>);
      for (const [scope, keys] of Object.entries(bySchool)) for (const k of keys) unchanged.set(k, scope);
    } else if (!refusal) {
      const copied = parseCopies(copyFps);
      const stored: ExistingRow = { ...row, fingerprint: row.fingerprint!, deleted: row.deleted! };
      if (sourceDeletedAt !== null) stored.sourceDeletedAt = sourceDeletedAt;
      rows.set(row.key, copied ? { ...stored, copies: copied } : stored);
    } else if (row.sourceFp === fpOf(row.key) && rules === target.rules && holds)
      standing.set(row.key, { recordKey, scope: row.scope, dependent: dependent === true });
    else lapsed.push(row.key);
  }
  return { rows, unchanged, standing, lapsed };
}

/** Drops refusals that no longer stand (see {@link storedAndStanding}). */
async function dropLapsed(q: Queryable, target: RefusalTarget, lapsed: readonly string[]): Promise<void> {
  if (lapsed.length === 0) return;
  await q.query(
    'DELETE FROM truc.refused_sources WHERE system = $1 AND entity = $2 AND source_key = ANY($3::text[])',
    [target.system, target.entity, [...lapsed]],
  );
}

/**
 * Remembers refusals (a later refusal of the same source key replaces the earlier one). One with a
 * `heldId` is remembered with the other live records of its school that hold it, as they are now (in
 * the caller's transaction, after the page's writes), and not at all when none does (it was refused
 * for a holder the page brought and did not store there: judged again).
 */
async function noteRefusals(q: Queryable, target: RefusalTarget, rows: readonly RefusalRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO truc.refused_sources (system, entity, source_key, source_fp, rules, record_key, scope, depends)
     SELECT $1, $2, r.k, r.fp, $3, r.rk, r.sc, h.depends
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS r (k, fp, rk, sc, pid)
       LEFT JOIN LATERAL (${holdersOf(target.entity)}) AS h ON true
      WHERE r.pid IS NULL OR h.depends IS NOT NULL
     ON CONFLICT (system, entity, source_key) DO UPDATE
       SET source_fp = EXCLUDED.source_fp, rules = EXCLUDED.rules, record_key = EXCLUDED.record_key,
           scope = EXCLUDED.scope, depends = EXCLUDED.depends, refused_at = now()`,
    [
      target.system,
      target.entity,
      target.rules,
      rows.map((r) => r.sourceKey),
      rows.map((r) => r.sourceFp),
      rows.map((r) => r.recordKey),
      rows.map((r) => r.scope),
      rows.map((r) => r.heldId ?? null),
    ],
  );
}

/** The refusals kept per source system and entity: what a pulled page's skip reads, and new ones noted. */
export function createRefusalsRepo(q: Queryable) {
  return {
    storedAndStanding: (target: RefusalTarget, candidates: Candidates, copies?: CopiesOf) =>
      storedAndStanding(q, target, candidates, copies),
    dropLapsed: (target: RefusalTarget, lapsed: readonly string[]) => dropLapsed(q, target, lapsed),
    note: (target: RefusalTarget, rows: readonly RefusalRow[]) => noteRefusals(q, target, rows),
  };
}
