/**
 * Push claims (issue 7, per-key ordered delivery): while a push set is being sent, it holds a claim on
 * each of its keys at its target (migrations 115, 117). A set that cannot claim every key waits: two sends of
 * one key are never in flight at once. Claims lapse at `until` (a killed worker's), and a set takes its
 * own claims again (a retry of the same set).
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from './db.js';

export interface ClaimOutcome {
  /** True when the set holds a claim on every key it asked for. */
  readonly held: boolean;
  /** How many claims the set holds when held (one per key, keys of one hash counted once). */
  readonly count: number;
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
      if (wanted.length === 0) return { held: true, count: 0, waitMs: 0 };
      // One 64-bit hash per (system, entity, key): a collision only makes a set wait.
      const hashes = `SELECT DISTINCT hashtextextended($1::text || '/' || $2::text || '/' || k, 0) AS h
                        FROM unnest($4::text[]) AS k`;
      const res = await q.query<{ asked: number; got: number }>(
        `WITH d AS (${hashes}),
              ins AS (
                INSERT INTO truc.push_claims AS c (key_hash, push_set_id, until)
                SELECT h, $3::bigint, now() + $5 * interval '1 millisecond' FROM d ORDER BY h
                ON CONFLICT (key_hash) DO UPDATE SET push_set_id = EXCLUDED.push_set_id, until = EXCLUDED.until
                  WHERE c.push_set_id = EXCLUDED.push_set_id OR c.until < now()
                RETURNING 1)
         SELECT (SELECT count(*) FROM d)::int AS asked, (SELECT count(*) FROM ins)::int AS got`,
        [target.system, target.entity, pushSetId, wanted, leaseMs],
      );
      const { asked, got } = res.rows[0]!;
      if (got === asked) return { held: true, count: got, waitMs: 0 };
      await this.release(pushSetId);
      const left = await q.query<{ ms: number }>(
        `SELECT coalesce(min(extract(epoch FROM (until - now())) * 1000), 0)::float8 AS ms
           FROM truc.push_claims
          WHERE key_hash IN (${hashes}) AND push_set_id <> $3::bigint`,
        [target.system, target.entity, pushSetId, wanted],
      );
      return { held: false, count: 0, waitMs: Math.max(0, left.rows[0]?.ms ?? 0) };
    },
    /**
     * Extends the set's claims to `leaseMs` from now (a set sent as several paced calls can outlast its
     * first lease); answers how many it still holds (fewer than it claimed: one lapsed and another set took it).
     */
    async renew(pushSetId: number, leaseMs: number): Promise<number> {
      const res = await q.query<{ n: number }>(
        `WITH r AS (
           UPDATE truc.push_claims SET until = now() + $2 * interval '1 millisecond'
            WHERE push_set_id = $1 RETURNING 1)
         SELECT count(*)::int AS n FROM r`,
        [pushSetId, leaseMs],
      );
      return res.rows[0]?.n ?? 0;
    },
    /** Gives back every claim of the set (its send is over, answered or failed). */
    async release(pushSetId: number): Promise<void> {
      await q.query('DELETE FROM truc.push_claims WHERE push_set_id = $1', [pushSetId]);
    },
  };
}
export type PushClaimsRepo = ReturnType<typeof createPushClaimsRepo>;
