/**
 * Tombstones travel: records truc marks deleted (a source's tombstones, a full run's reconciliation, a
 * vendor snapshot) become a delete push set for every target that receives the entity's changes and
 * deletes by key — in the caller's transaction, like any other change. A school's own system (smas,
 * vnedu) gets the keys of the schools it serves only, each with its school. The city database's copies of
 * them are noted; the deleting system's own copies (the city's, a school's own system's) are forgotten.
 */
import { classKeyParts } from '../canonical/entities.js';
import { CITY_SYSTEM, SCHOOL_SYSTEMS } from '../canonical/systems.js';
import type { EntityName, SystemName } from '../config.js';
import { createClassKeysRepo } from '../store/class-keys.js';
import type { Queryable } from '../store/db.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo } from '../store/records.js';
import { createSystemCopiesRepo } from '../store/system-copies.js';
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
 * When the source deleted each of `keys` (the natural keys its tombstones name: ./deletes.ts `tombstonedKeys`), by
 * its own clock, where it told (rel28: kept with the record, so a copy it served before the deletion is no
 * restore). A class's tombstone names its code: each of the classes of that code gets its time.
 */
export function tombstoneTimes(
  run: { entity: EntityName },
  page: { deletedKeys: readonly string[]; deletedAt?: readonly (string | undefined)[] | undefined },
  keys: readonly string[],
): Map<string, string> | undefined {
  const { deletedAt } = page;
  if (!deletedAt) return undefined;
  const byId = new Map<string, string>();
  page.deletedKeys.forEach((id, i) => {
    const at = deletedAt[i];
    if (at !== undefined) byId.set(id, at);
  });
  const idOf = (key: string) => (run.entity === 'classes' ? classKeyParts(key).code : key);
  const times = new Map<string, string>();
  for (const key of keys) {
    const at = byId.get(idOf(key));
    if (at !== undefined) times.set(key, at);
  }
  return times.size > 0 ? times : undefined;
}

/**
 * The time a full run's reconciliation deletes at, by key (rel29): the run's start, for a source that tells its
 * records' times by its own clock (`sourceTime`: hcm-csdl). The run's pages no longer listed the records, so the
 * source deleted each before the page that would have listed it was read, and after any copy of it changed before the
 * run began: such a copy (a page of an older run, held on its way) is one it served before deleting it, no restore.
 * Not the run's end: a copy changed after the run began may be the record made again after its page was read, and
 * restores. Truc's clock stands for the source's here: a source whose clock is behind truc's by d has a copy changed
 * within d after the start taken for older. None for another source (its deletions keep no time, as before).
 */
export function reconcileTimes(
  run: { system: string; entity: EntityName; createdAt: Date },
  keys: readonly string[],
  sourceTime: ((raw: unknown) => string | undefined) | undefined,
): Map<string, string> | undefined {
  if (!sourceTime || keys.length === 0) return undefined;
  const at = run.createdAt.toISOString();
  return new Map(keys.map((k) => [k, at]));
}

/**
 * The system whose own word a deletion is, of those whose copies truc keeps (../store/system-copies.ts): the
 * city database, or a school's own system (a pull of it; its vendor's batch in its format, `format`); else none
 * (a vendor's batch in truc's canonical format: no system known, as ./judge.ts `copiesOf` has it).
 */
function deletingHolder(sourceSystem: string, format: string | undefined): string | undefined {
  const holders: readonly string[] = [CITY_SYSTEM, ...SCHOOL_SYSTEMS];
  if (format !== undefined)
    return (SCHOOL_SYSTEMS as readonly string[]).includes(format) ? format : undefined;
  return holders.includes(sourceSystem) ? sourceSystem : undefined;
}

/**
 * Queues the deletion of `keys` (records just marked deleted, in `q`'s transaction) at every target that
 * holds the entity's records but the source. `format`: a vendor's batch's wire format (its system is the
 * deleting one when it is a school's own system's).
 */
export async function sendDeletes(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets'>,
  change: {
    entity: EntityName;
    keys: readonly string[];
    sourceSystem: string;
    format?: string;
    batchId?: string | null;
    /**
     * The run whose page or reconciliation made the deletions: its delete sets carry it (its deliveries and errors
     * count them), a page of tombstones only (no batch) and a reconciliation (no batch) included.
     */
    syncRunId?: number;
  },
): Promise<number[]> {
  if (change.keys.length === 0) return [];
  const copies = createSystemCopiesRepo(q);
  // The deleting system's own copies are forgotten: a later copy of one from it is its own restore (a record
  // enrolled there again as it was), never "its older copy, no change" (the city's: review18 R2; a school's
  // own system's, whose copies prec16 weighs, likewise).
  const holder = deletingHolder(change.sourceSystem, change.format);
  if (holder !== undefined) await copies.forgetOwnDeletions(holder, change.entity, change.keys);
  // The city database's copies (review18 R2): what it holds of records another source deleted, which it wrote
  // last (its copy is no restore until it hears of the deletion).
  if (change.sourceSystem !== CITY_SYSTEM) await copies.noteHeldBy(CITY_SYSTEM, change.entity, change.keys);
  const systems = deletingTargets(ctx.targets, ctx.routes(change.entity, change.sourceSystem), change.entity);
  if (systems.length === 0) return [];
  // The school of each deleted record, as it was when deleted (only a school's own system needs it).
  const rows = systems.some((s) => perSchool(ctx, s))
    ? await createRecordsRepo(q).deletedScopes(change.entity, change.keys)
    : change.keys.map((key) => ({ key, scope: '' }));
  return queueDeleteSets(q, ctx, { ...change, systems, rows });
}

/**
 * Precedence (c) (precc17): records a source moved to another school (`moved`: each key with the school it
 * left) are deleted at the school's own system (smas, vnedu) serving the school they left, with that school:
 * such a system holds records per school and would keep listing them there. Their new school's system gets
 * the upsert, as any change. Other targets (the city database) key records without their school: the
 * upsert moves them there, no delete goes.
 */
export async function sendMovedAway(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets'>,
  change: {
    entity: EntityName;
    moved: ReadonlyArray<{ key: string; scope: string }>;
    sourceSystem: string;
    batchId?: string | null;
  },
): Promise<number[]> {
  if (change.moved.length === 0) return [];
  const systems = deletingTargets(
    ctx.targets,
    ctx.routes(change.entity, change.sourceSystem),
    change.entity,
  ).filter((s) => perSchool(ctx, s));
  if (systems.length === 0) return [];
  return queueDeleteSets(q, ctx, { ...change, systems, rows: change.moved });
}

/** Whether `system` is a school's own system (takes the records of the schools it serves, deletes per school). */
const perSchool = (ctx: Pick<WorkerContext, 'targets'>, system: string) =>
  ctx.targets[system as keyof typeof ctx.targets]?.servedSchoolsOnly === true;

/**
 * One delete set per target of `systems` that holds some of `rows`: all of them, or (a school's own system)
 * those of the schools it serves, each with its school.
 */
async function queueDeleteSets(
  q: Queryable,
  ctx: Pick<WorkerContext, 'targets'>,
  change: {
    entity: EntityName;
    systems: readonly SystemName[];
    rows: ReadonlyArray<{ key: string; scope: string }>;
    batchId?: string | null;
    syncRunId?: number;
  },
): Promise<number[]> {
  const schoolOf = new Map(change.rows.map((r) => [r.key, r.scope]));
  const sets: number[] = [];
  for (const { system, keys } of await deliveriesFor(q, ctx.targets, change.systems, change.rows)) {
    const id = await createPushSetsRepo(q).create({
      system,
      entity: change.entity,
      keys,
      schools: perSchool(ctx, system) ? keys.map((k) => schoolOf.get(k) ?? '') : null,
      batchId: change.batchId ?? null,
      syncRunId: change.syncRunId ?? null,
      operation: 'delete',
    });
    await enqueue(q, pushSet(system), { pushSetId: id });
    sets.push(id);
  }
  return sets;
}
