/**
 * Refused source records (issue 7, migration 116): a pulled record refused for reasons of its own is
 * remembered by its source key with the source fingerprint and rules stamp it was refused under, so the
 * next pull of the same record under the same rules is counted refused without being judged again.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';

/** A refusal as kept: the record's natural key and school when it mapped. */
export interface Refusal {
  readonly recordKey: string | null;
  readonly scope: string | null;
}

export function createRefusalsRepo(q: Queryable) {
  return {
    /**
     * The refusals of `candidates` still standing: same source fingerprint and same rules stamp. Refusals
     * of those keys that no longer stand (the record or the rules changed) are dropped.
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
      }>(
        `SELECT source_key AS "sourceKey", source_fp AS "sourceFp", rules, record_key AS "recordKey", scope
           FROM truc.refused_sources
          WHERE system = $1 AND entity = $2 AND source_key = ANY($3::text[])`,
        [target.system, target.entity, candidates.map((c) => c.sourceKey)],
      );
      if (res.rows.length === 0) return out;
      const fpOf = new Map(candidates.map((c) => [c.sourceKey, c.sourceFp]));
      const lapsed: string[] = [];
      for (const r of res.rows) {
        if (r.sourceFp === fpOf.get(r.sourceKey) && r.rules === target.rules)
          out.set(r.sourceKey, { recordKey: r.recordKey, scope: r.scope });
        else lapsed.push(r.sourceKey);
      }
      if (lapsed.length > 0)
        await q.query(
          'DELETE FROM truc.refused_sources WHERE system = $1 AND entity = $2 AND source_key = ANY($3::text[])',
          [target.system, target.entity, lapsed],
        );
      return out;
    },
    /** Remembers refusals (a later refusal of the same source key replaces the earlier one). */
    async note(
      target: { system: string; entity: EntityName; rules: string },
      rows: ReadonlyArray<{ sourceKey: string; sourceFp: string } & Refusal>,
    ): Promise<void> {
      if (rows.length === 0) return;
      await q.query(
        `INSERT INTO truc.refused_sources (system, entity, source_key, source_fp, rules, record_key, scope)
         SELECT $1, $2, r.k, r.fp, $3, r.rk, r.sc
           FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS r (k, fp, rk, sc)
         ON CONFLICT (system, entity, source_key) DO UPDATE
           SET source_fp = EXCLUDED.source_fp, rules = EXCLUDED.rules, record_key = EXCLUDED.record_key,
               scope = EXCLUDED.scope, refused_at = now()`,
        [
          target.system,
          target.entity,
          target.rules,
          rows.map((r) => r.sourceKey),
          rows.map((r) => r.sourceFp),
          rows.map((r) => r.recordKey),
          rows.map((r) => r.scope),
        ],
      );
    },
  };
}
