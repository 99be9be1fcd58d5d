/**
 * Push targets: each composes the system's outbound mapping (canonical → wire) with its adapter
 * (built once in ./adapters.ts). What each system takes is in src/canonical/systems.ts.
 */
import { SYSTEMS } from '../canonical/systems.js';
import type { EntityName, SystemName } from '../config.js';
import { AppError } from '../errors.js';
import { HCM_CSDL_DELETABLE, type HcmCsdlDeletable } from '../adapters/hcm-csdl/index.js';
import { HCM_CSDL_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import type { SystemAdapters } from './adapters.js';

export interface PushReceipt {
  accepted: number;
  rejected: Array<{ index: number; code: string; message: string }>;
  receiptId?: string | undefined;
}

/** A target as the push job sees it: canonical records in, receipt out (mapping included). */
export interface PushTarget {
  readonly system: SystemName;
  readonly entities: readonly EntityName[];
  write(
    entity: EntityName,
    records: readonly unknown[],
    opts: { idempotencyKey: string },
  ): Promise<PushReceipt>;
  /** Entities the target deletes by natural key (tombstones travel there); none when absent. */
  readonly deletes?: readonly EntityName[];
  /** Deletes records by natural key; idempotent by key and by `opts.idempotencyKey`. */
  remove?(
    entity: EntityName,
    keys: readonly string[],
    opts: { idempotencyKey: string },
  ): Promise<PushReceipt>;
}

export type PushTargets = Partial<Record<SystemName, PushTarget>>;

type HcmCsdlEntity = keyof typeof HCM_CSDL_MAPPINGS;

/** Push targets over the shared adapters. */
export function buildTargets(adapters: SystemAdapters, deps: { now: () => Date }): PushTargets {
  const targets: PushTargets = {};
  const adapter = adapters['hcm-csdl'];
  if (adapter) {
    const entities = SYSTEMS['hcm-csdl'].push;
    targets['hcm-csdl'] = {
      system: 'hcm-csdl',
      entities,
      async write(entity, records, opts) {
        if (!entities.includes(entity) || !(entity in HCM_CSDL_MAPPINGS)) {
          throw new AppError('ERR_ENTITY_UNSUPPORTED', `hcm-csdl does not take ${entity}`);
        }
        const e = entity as HcmCsdlEntity;
        const mapping = HCM_CSDL_MAPPINGS[e];
        const ctx = { now: deps.now };
        const wire = records.map((r) => mapping.fromCanonical!(r as never, ctx));
        return adapter.write(e, wire, opts);
      },
      // hcm-csdl keys students and staff by maDinhDanh, which is their natural key in truc.
      deletes: HCM_CSDL_DELETABLE,
      async remove(entity, keys, opts) {
        if (!(HCM_CSDL_DELETABLE as readonly string[]).includes(entity)) {
          throw new AppError('ERR_ENTITY_UNSUPPORTED', `hcm-csdl does not delete ${entity}`);
        }
        return adapter.remove(entity as HcmCsdlDeletable, keys, opts);
      },
    };
  }
  return targets;
}

/** Targets that delete an entity's records, of those `routes` sends its changes to. */
export function deletingTargets(
  targets: PushTargets,
  systems: readonly SystemName[],
  entity: EntityName,
): SystemName[] {
  return systems.filter((s) => targets[s]?.deletes?.includes(entity) === true);
}

/** Which targets receive accepted changes of each entity: every one that takes it but the source. */
export function routingFor(targets: PushTargets) {
  return (entity: EntityName, sourceSystem: string): SystemName[] =>
    Object.values(targets)
      .filter((t) => t.entities.includes(entity) && t.system !== sourceSystem)
      .map((t) => t.system);
}
