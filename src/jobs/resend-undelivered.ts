/**
 * A vendor's re-push of records a target did not get (issue 7 item 4, undel24): a push set of theirs
 * dead-lettered (the target refused it, or an outage outlasted the attempts), so the records are undelivered
 * there (migration 810). The re-push is the vendor saying "make sure the city has this": the records it
 * carries unchanged that are undelivered to a target it routes to are sent there again, in a new push set of
 * the batch (paced, claimed per key and idempotent like every push: ./push.ts reads the records at delivery
 * time). The batch's deliveries show that set (pending, then delivered or failed); when it delivers, the
 * failed set is settled and its letter marked resolved (../store/push-sets.ts `markDelivered`).
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { undeliveredOf } from '../store/undelivered.js';
import { enqueue, pushSet } from './contracts.js';

/** Sends again `keys` (records the batch left unchanged) undelivered to any of `routed`; the push sets made. */
export async function resendUndelivered(
  q: Queryable,
  batchId: string,
  entity: EntityName,
  keys: readonly string[],
  routed: readonly SystemName[],
): Promise<number[]> {
  const made: number[] = [];
  for (const { system, keys: undelivered } of await undeliveredOf(q, entity, keys, routed)) {
    const id = await createPushSetsRepo(q).create({ system, entity, keys: undelivered, batchId });
    made.push(id);
    await enqueue(q, pushSet(system), { pushSetId: id });
  }
  return made;
}
