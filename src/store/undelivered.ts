/**
 * Records a target should have and does not (migration 810): written when a push set dead-letters and
 * cleared when a delivery of the record to that target succeeds (both in ./push-sets.ts). Read here: which
 * of a batch's records wait for which target, so that its ingest sends them again (../jobs/resend-undelivered.ts).
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from './db.js';
import { OPEN } from './dead-letters.js';

/** Of `keys` of `entity`, those undelivered to each of `systems` (a system with none is absent), in key order. */
export async function undeliveredOf(
  q: Queryable,
  entity: EntityName,
  keys: readonly string[],
  systems: readonly SystemName[],
): Promise<Array<{ system: SystemName; keys: string[] }>> {
  if (keys.length === 0 || systems.length === 0) return [];
  const res = await q.query<{ system: SystemName; keys: string[] }>(
    `SELECT system, array_agg(DISTINCT key ORDER BY key) AS keys FROM truc.undelivered
      WHERE system = ANY($1::text[]) AND entity = $2 AND key = ANY($3::text[])
      GROUP BY system ORDER BY system`,
    [[...systems], entity, [...keys]],
  );
  return res.rows;
}

/**
 * A target removed from the configuration is forgotten (`truc targets forget`, migration 850): its undelivered
 * rows go (a re-push of their schools is judged at once again) and the open dead letters of its push sets are
 * abandoned (no longer open, not replayable), in one statement. Counts: the records that were undelivered to
 * it, and the letters abandoned.
 */
export async function forgetTarget(
  q: Queryable,
  system: SystemName,
): Promise<{ records: number; deadLetters: number }> {
  const res = await q.query<{ records: number; deadLetters: number }>(
    `WITH gone AS (
       DELETE FROM truc.undelivered WHERE system = $1 RETURNING entity, key
     ), letters AS (
       UPDATE truc.dead_letters l SET abandoned_at = now()
         FROM truc.outbox o, truc.push_sets s
        WHERE o.id = l.outbox_id AND o.payload->>'pushSetId' = s.id::text AND s.system = $1
          AND l.replayed_at IS NULL AND l.resolved_at IS NULL AND l.abandoned_at IS NULL
       RETURNING l.id
     )
     SELECT (SELECT count(DISTINCT (entity, key)) FROM gone)::int AS records,
            (SELECT count(*) FROM letters)::int AS "deadLetters"`,
    [system],
  );
  return res.rows[0] ?? { records: 0, deadLetters: 0 };
}

/**
 * What each of `systems` was left with (counts only): the records undelivered to it and the open dead letters
 * of its push sets, what `forgetTarget` would drop and abandon. Asked for the push targets no longer configured
 * (../jobs/dead-letters.ts `removedTargetsLeft`).
 */
export async function leftByTargets(
  q: Queryable,
  systems: readonly SystemName[],
): Promise<Array<{ system: SystemName; records: number; deadLetters: number }>> {
  if (systems.length === 0) return [];
  const res = await q.query<{ system: SystemName; records: number; deadLetters: number }>(
    `SELECT t.system,
            (SELECT count(*) FROM (SELECT DISTINCT entity, key FROM truc.undelivered u
                                    WHERE u.system = t.system) k)::int AS records,
            (SELECT count(*) FROM truc.dead_letters d
               JOIN truc.outbox o ON o.id = d.outbox_id
               JOIN truc.push_sets s ON o.payload->>'pushSetId' = s.id::text
              WHERE s.system = t.system AND ${OPEN})::int AS "deadLetters"
       FROM unnest($1::text[]) AS t(system) ORDER BY t.system`,
    [[...systems]],
  );
  return res.rows;
}
