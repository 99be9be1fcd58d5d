/**
 * Records a target should have and does not (migration 810): written when a push set dead-letters and
 * cleared when a delivery of the record to that target succeeds (both in ./push-sets.ts). Read here: which
 * of a batch's records wait for which target, so that its ingest sends them again (../jobs/resend-undelivered.ts).
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from './db.js';

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
