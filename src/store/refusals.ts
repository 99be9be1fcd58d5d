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

/** A refusal as kept: the record's natural key and school when it mapped. */
export interface Refusal {
  readonly recordKey: string | null;
  readonly scope: string | null;
  /** It stands on other records (still as they were: checked): only while its page brings nothing else to judge. */
  readonly dependent?: boolean;
}

/** A refusal to remember; `heldId`: the personal ID its school's other live records hold (its holders are read). */
export type RefusalRow = { sourceKey: string; sourceFp: string; heldId?: string | null } & Refusal;

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

export function createRefusalsRepo(q: Queryable) {
  return {
    /**
     * The refusals of `candidates` still standing: same source fingerprint and same rules stamp, and every
     * record they depend on as it was. Refusals of those keys that no longer stand (the record, the rules or
     * what it depended on changed) are dropped.
     */
    async standing(
      target: { system: string; entity: EntityName; rules: string },
      candidates: ReadonlyArray<{ sourceKey: string; sourceFp: string }>,
    ): Promise<Map<string, Refusal>> {
      const out = new Map<string, Refusal>();
      if (candidates.length === 0) return out;
      const res = await q.query<{
        sourceKey: string;
        sourceFp: string;
        rules: string;
        recordKey: string | null;
        scope: string | null;
        dependent: boolean;
        holds: boolean;
      }>(
        `SELECT source_key AS "sourceKey", source_fp AS "sourceFp", rules, record_key AS "recordKey", scope,
                depends IS NOT NULL AS dependent, (depends IS NULL OR (${DEPENDS_HOLD})) AS holds
           FROM truc.refused_sources rs
          WHERE system = $1 AND entity = $2 AND source_key = ANY($3::text[])`,
        [target.system, target.entity, candidates.map((c) => c.sourceKey)],
      );
      if (res.rows.length === 0) return out;
      const fpOf = new Map(candidates.map((c) => [c.sourceKey, c.sourceFp]));
      const lapsed: string[] = [];
      for (const r of res.rows) {
        if (r.sourceFp === fpOf.get(r.sourceKey) && r.rules === target.rules && r.holds)
          out.set(r.sourceKey, { recordKey: r.recordKey, scope: r.scope, dependent: r.dependent });
        else lapsed.push(r.sourceKey);
      }
      if (lapsed.length > 0)
        await q.query(
          'DELETE FROM truc.refused_sources WHERE system = $1 AND entity = $2 AND source_key = ANY($3::text[])',
          [target.system, target.entity, lapsed],
        );
      return out;
    },
    /**
     * Remembers refusals (a later refusal of the same source key replaces the earlier one). One with a
     * `heldId` is remembered with the other live records of its school that hold it, as they are now (in
     * the caller's transaction, after the page's writes), and not at all when none does (it was refused
     * for a holder the page brought and did not store there: judged again).
     */
    async note(
      target: { system: string; entity: EntityName; rules: string },
      rows: readonly RefusalRow[],
    ): Promise<void> {
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
    },
  };
}
