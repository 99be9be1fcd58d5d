/**
 * Push claims (issue 7, per-key ordered delivery): while a push set is being sent, it holds a claim on
 * each of its keys at its target (migration 115). A set that cannot claim every key waits: two sends of
 * one key are never in flight at once. Claims lapse at `until` (a killed worker's), and a set takes its
 * own claims again (a retry of the same set).
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from './db.js';

export interface ClaimOutcome {
  /** True when the set holds a claim on every key it asked for. */
  readonly held: boolean;
  /** When not held: how long the first of the other sets' claims has left (ms, database clock). */
  readonly waitMs: number;
}

export function createPushClaimsRepo(q: Queryable) {
  return {
    /**
     * Claims `keys` at `system`/`entity` for push set `pushSetId` for `leaseMs`; all or nothing (a
     * partial claim is given back at once). Keys go in sorted order, so two claimers never wait on
     * each other in a cycle.
     */
    async claim(
      target: { system: SystemName; entity: EntityName },
      pushSetId: number,
      keys: readonly string[],
      leaseMs: number,
    ): Promise<ClaimOutcome> {
      const wanted = [...new Set(keys)].sort();
      if (wanted.length === 0) return { held: true, waitMs: 0 };
      const res = await q.query<{ key: string }>(
        `INSERT INTO truc.push_claims AS c (system, entity, key, push_set_id, until)
         SELECT $1, $2, k, $3, now() + $5 * interval '1 millisecond'
           FROM unnest($4::text[]) AS k ORDER BY k
         ON CONFLICT (system, entity, key) DO UPDATE
           SET push_set_id = EXCLUDED.push_set_id, until = EXCLUDED.until
           WHERE c.push_set_id = EXCLUDED.push_set_id OR c.until < now()
         RETURNING key`,
        [target.system, target.entity, pushSetId, wanted, leaseMs],
      );
      if (res.rows.length === wanted.length) return { held: true, waitMs: 0 };
      await this.release(pushSetId);
      const left = await q.query<{ ms: number }>(
        `SELECT coalesce(min(extract(epoch FROM (until - now())) * 1000), 0)::float8 AS ms
           FROM truc.push_claims
          WHERE system = $1 AND entity = $2 AND key = ANY($3::text[]) AND push_set_id <> $4`,
        [target.system, target.entity, wanted, pushSetId],
      );
      return { held: false, waitMs: Math.max(0, left.rows[0]?.ms ?? 0) };
    },
    /** Gives back every claim of the set (its send is over, answered or failed). */
    async release(pushSetId: number): Promise<void> {
      await q.query('DELETE FROM truc.push_claims WHERE push_set_id = $1', [pushSetId]);
    },
  };
}
export type PushClaimsRepo = ReturnType<typeof createPushClaimsRepo>;
