/**
 * The systems each running worker is configured for (migration 910: the push targets it delivers to; since
 * review30 F6 the systems it pulls from too), refreshed by its heartbeat (../jobs/served-targets.ts) and read by
 * `truc targets forget` (a target a live worker serves is not forgotten) and by an admin's pull (a system a live
 * worker is configured for can be pulled, whatever the asking shell's environment says).
 * Times are the database's, so workers on other hosts (clock skew) are judged alike.
 */
import type { SystemName } from '../config.js';
import type { Queryable } from './db.js';

/**
 * `worker` serves `systems` now: their rows' seen_at set to now(), the worker's other rows deleted (its
 * configuration is what it serves), and rows no worker refreshed for a day removed (workers that died).
 */
export async function recordServedTargets(
  q: Queryable,
  worker: string,
  systems: readonly SystemName[],
): Promise<void> {
  await q.query(
    `WITH mine AS (
       INSERT INTO truc.served_targets (worker, system, seen_at)
       SELECT $1, s, now() FROM unnest($2::text[]) AS s
       ON CONFLICT (worker, system) DO UPDATE SET seen_at = now()
     )
     DELETE FROM truc.served_targets
      WHERE (worker = $1 AND NOT system = ANY($2::text[])) OR seen_at < now() - interval '1 day'`,
    [worker, [...systems]],
  );
}

/** `worker` stopped cleanly: it serves nothing any more. */
export async function clearServedTargets(q: Queryable, worker: string): Promise<void> {
  await q.query(`DELETE FROM truc.served_targets WHERE worker = $1`, [worker]);
}

/** The last time a worker said it is configured for `system`, if within the last `seconds`; null otherwise. */
export async function servedWithin(q: Queryable, system: SystemName, seconds: number): Promise<Date | null> {
  const res = await q.query<{ at: Date | null }>(
    `SELECT max(seen_at) AS at FROM truc.served_targets
      WHERE system = $1 AND seen_at > now() - make_interval(secs => $2)`,
    [system, seconds],
  );
  return res.rows[0]?.at ?? null;
}
