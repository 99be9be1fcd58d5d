/**
 * Tombstones travel: records truc marks deleted (a source's tombstones, a full run's reconciliation, a
 * vendor snapshot) become a delete push set for every target that receives the entity's changes and
 * deletes by key — in the caller's transaction, like any other change. A school's own system (smas,
 * vnedu) gets the keys of the schools it serves only, each with its school.
 */
import type { EntityName } from '../config.js';
import { createClassKeysRepo } from '../store/class-keys.js';
import type { Queryable } from '../store/db.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo } from '../store/records.js';
import { enqueue, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { deletingTargets, deliveriesFor } from './targets.js';

/**
 * The natural keys of the records a source's tombstones name. A student's or staff member's tombstone
 * carries its key; a class's carries only the class's code (hcm-csdl's maDinhDanh), so it names the live
 * classes of that code the source itself last wrote, in the run's scope.
 */
export async function tombstonedKeys(
  q: Queryable,
  run: { entity: EntityName; system: string; scope: string },
  ids: readonly string[],
): Promise<string[]> {
  if (run.entity !== 'classes') return [...ids];
  return createClassKeysRepo(q).ofSourceCodes(ids, run);
}

/**
 * Queues the deletion of `keys` (records just marked deleted, in `q`'s transaction) at every target that
 * holds the entity's records but the source.
 */
export async function sendDeletes(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets'>,
  change: { entity: EntityName; keys: readonly string[]; sourceSystem: string; batchId?: string | null },
): Promise<number[]> {
  if (change.keys.length === 0) return [];
  const systems = deletingTargets(ctx.targets, ctx.routes(change.entity, change.sourceSystem), change.entity);
  if (systems.length === 0) return [];
  const perSchool = (s: string) => ctx.targets[s as keyof typeof ctx.targets]?.servedSchoolsOnly === true;
  // The school of each deleted record, as it was when deleted (only a school's own system needs it).
  const rows = systems.some(perSchool)
    ? await createRecordsRepo(q).deletedScopes(change.entity, change.keys)
    : change.keys.map((key) => ({ key, scope: '' }));
  const schoolOf = new Map(rows.map((r) => [r.key, r.scope]));
  const sets: number[] = [];
  for (const { system, keys } of await deliveriesFor(q, ctx.targets, systems, rows)) {
    const id = await createPushSetsRepo(q).create({
      system,
      entity: change.entity,
      keys,
      schools: perSchool(system) ? keys.map((k) => schoolOf.get(k) ?? '') : null,
      batchId: change.batchId ?? null,
      operation: 'delete',
    });
    await enqueue(q, pushSet(system), { pushSetId: id });
    sets.push(id);
  }
  return sets;
}
