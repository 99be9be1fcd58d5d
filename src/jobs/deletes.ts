/**
 * Tombstones travel: records truc marks deleted (a source's tombstones, a full run's reconciliation, a
 * vendor snapshot) become a delete push set for every target that receives the entity's changes and
 * deletes by key — in the caller's transaction, like any other change.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { enqueue, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { deletingTargets } from './targets.js';

/** Queues the deletion of `keys` at every target that holds the entity's records but the source. */
export async function sendDeletes(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets'>,
  change: { entity: EntityName; keys: readonly string[]; sourceSystem: string; batchId?: string | null },
): Promise<number[]> {
  if (change.keys.length === 0) return [];
  const sets: number[] = [];
  for (const system of deletingTargets(
    ctx.targets,
    ctx.routes(change.entity, change.sourceSystem),
    change.entity,
  )) {
    const id = await createPushSetsRepo(q).create({
      system,
      entity: change.entity,
      keys: change.keys,
      batchId: change.batchId ?? null,
      operation: 'delete',
    });
    await enqueue(q, pushSet(system), { pushSetId: id });
    sets.push(id);
  }
  return sets;
}
