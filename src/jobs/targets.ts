/**
 * Push targets: each composes the system's outbound mapping (canonical → wire) with its adapter
 * (built once in ./adapters.ts). What each system takes is in src/canonical/systems.ts.
 */
import { classKeyParts } from '../canonical/entities.js';
import { CITY_SYSTEM, SYSTEMS } from '../canonical/systems.js';
import type { EntityName, SystemName } from '../config.js';
import { AppError } from '../errors.js';
import { HCM_CSDL_DELETABLE, type HcmCsdlDeletable } from '../adapters/hcm-csdl/index.js';
import { HCM_CSDL_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import { smasMappings } from '../mappings/smas/index.js';
import type { EntityMapping } from '../mappings/types.js';
import { vneduMappings } from '../mappings/vnedu/index.js';
import type { Queryable } from '../store/db.js';
import { createSchoolSystemsRepo } from '../store/school-systems.js';
import type { Through } from '../adapters/types.js';
import type { SystemAdapters } from './adapters.js';

export interface PushReceipt {
  accepted: number;
  rejected: Array<{ index: number; code: string; message: string }>;
  receiptId?: string | undefined;
}

/** One record to delete at a target: its key, and the school that held it (null when not known). */
export interface DeleteKey {
  key: string;
  school: string | null;
}

/** What the push job tells a target's write or delete: the set's key, and how to make each call. */
export interface PushOptions {
  idempotencyKey: string;
  /** Each call to the system goes through it (the job's gate), when the target {@link PushTarget.pacesEachCall}. */
  through?: Through | undefined;
}

/** A target as the push job sees it: canonical records in, receipt out (mapping included). */
export interface PushTarget {
  readonly system: SystemName;
  readonly entities: readonly EntityName[];
  /**
   * True when `write` and `remove` make each of their calls to the system through `opts.through` (a set
   * is split by school or into chunks: several calls, each paced); else the job passes its gate once
   * for the whole write or delete.
   */
  readonly pacesEachCall?: boolean;
  write(entity: EntityName, records: readonly unknown[], opts: PushOptions): Promise<PushReceipt>;
  /** Takes only the changes that come from this system (a school's own system: the city's); any when absent. */
  readonly onlyFrom?: SystemName;
  /** Takes only records of the schools it serves (`truc.school_systems`); every record when absent. */
  readonly servedSchoolsOnly?: boolean;
  /** Entities the target deletes by natural key (tombstones travel there); none when absent. */
  readonly deletes?: readonly EntityName[];
  /** Deletes records by natural key; idempotent by key and by `opts.idempotencyKey`. */
  remove?(entity: EntityName, keys: readonly DeleteKey[], opts: PushOptions): Promise<PushReceipt>;
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
      pacesEachCall: true,
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
        return adapter.remove(
          entity as HcmCsdlDeletable,
          keys.map((k) => k.key),
          opts,
        );
      },
    };
  }
  if (adapters.smas) targets.smas = schoolSystemTarget('smas', adapters.smas, smasMappings, deps);
  if (adapters.vnedu) targets.vnedu = schoolSystemTarget('vnedu', adapters.vnedu, vneduMappings, deps);
  return targets;
}

/** What a school-management system's adapter offers a target: batch write and delete (split by school inside). */
interface SchoolSystemWriter {
  write(entity: never, records: never[], opts: PushOptions): Promise<PushReceipt>;
  remove(
    entity: never,
    keys: ReadonlyArray<{ key: string; school: string }>,
    opts: PushOptions,
  ): Promise<PushReceipt>;
}

/**
 * What a school's own system deletes by key: students and staff by truc's natural key (the systems'
 * `MaHocSinh`/`student_id`, `MaCanBo`/`staff_id`), classes by their code within the school (`MaLop`,
 * `class_id`: the code part of truc's composite school/year/code key).
 */
const SCHOOL_SYSTEM_DELETABLE = ['students', 'staff', 'classes'] as const satisfies readonly EntityName[];

/** The key a school's own system holds a record under: a class's code, else truc's natural key. */
const schoolSystemKey = (entity: EntityName, key: string) =>
  entity === 'classes' ? classKeyParts(key).code : key;

/**
 * A school-management system (smas, vnedu) as a target: canonical records mapped to its wire format and
 * written through its batch upsert API, and deletions sent by key to the school that held each record
 * through its batch delete API (split by school and chunked, with derived idempotency keys, in the
 * adapter).
 */
function schoolSystemTarget(
  system: 'smas' | 'vnedu',
  adapter: SchoolSystemWriter,
  mappings: Readonly<Record<string, Pick<EntityMapping<never, never, unknown>, 'fromCanonical'>>>,
  deps: { now: () => Date },
): PushTarget {
  const caps = SYSTEMS[system];
  const entities = caps.push;
  return {
    system,
    entities,
    pacesEachCall: true,
    ...(caps.pushFrom === 'city' ? { onlyFrom: CITY_SYSTEM } : {}),
    servedSchoolsOnly: caps.pushScope === 'served-schools',
    async write(entity, records, opts) {
      const mapping = mappings[entity];
      if (!entities.includes(entity) || !mapping?.fromCanonical) {
        throw new AppError('ERR_ENTITY_UNSUPPORTED', `${system} does not take ${entity}`);
      }
      const ctx = { now: deps.now };
      const wire = records.map((r) => mapping.fromCanonical!(r as never, ctx));
      const receipt = await adapter.write(entity as never, wire as never[], opts);
      return { accepted: receipt.accepted, rejected: receipt.rejected, receiptId: receipt.receiptId };
    },
    deletes: SCHOOL_SYSTEM_DELETABLE,
    async remove(entity, keys, opts) {
      if (!(SCHOOL_SYSTEM_DELETABLE as readonly string[]).includes(entity)) {
        throw new AppError('ERR_ENTITY_UNSUPPORTED', `${system} does not delete ${entity}`);
      }
      const receipt = await adapter.remove(
        entity as never,
        keys.map((k) => ({ key: schoolSystemKey(entity, k.key), school: k.school ?? '' })),
        opts,
      );
      return { accepted: receipt.accepted, rejected: receipt.rejected, receiptId: receipt.receiptId };
    },
  };
}

/** Targets that delete an entity's records, of those `routes` sends its changes to. */
export function deletingTargets(
  targets: PushTargets,
  systems: readonly SystemName[],
  entity: EntityName,
): SystemName[] {
  return systems.filter((s) => targets[s]?.deletes?.includes(entity) === true);
}

/**
 * Which targets receive accepted changes of each entity: every one that takes it but the source; a
 * school's own system (`pushFrom: 'city'`) only the city database's changes, so a vendor's change never
 * goes back to a vendor's system.
 */
export function routingFor(targets: PushTargets) {
  return (entity: EntityName, sourceSystem: string): SystemName[] =>
    Object.values(targets)
      .filter(
        (t) =>
          t.entities.includes(entity) &&
          t.system !== sourceSystem &&
          (t.onlyFrom === undefined || t.onlyFrom === sourceSystem),
      )
      .map((t) => t.system);
}

/**
 * The keys of changed records each routed target gets: all of them, or (a school's own system) those
 * of the schools it serves. Targets left with no key are left out.
 */
export async function deliveriesFor(
  q: Queryable,
  targets: PushTargets,
  systems: readonly SystemName[],
  rows: ReadonlyArray<{ key: string; scope: string }>,
): Promise<Array<{ system: SystemName; keys: string[] }>> {
  const out: Array<{ system: SystemName; keys: string[] }> = [];
  for (const system of systems) {
    if (targets[system]?.servedSchoolsOnly !== true) {
      out.push({ system, keys: rows.map((r) => r.key) });
      continue;
    }
    const served = await createSchoolSystemsRepo(q).servedBy(
      system,
      rows.map((r) => r.scope),
    );
    const keys = rows.filter((r) => served.has(r.scope)).map((r) => r.key);
    if (keys.length > 0) out.push({ system, keys });
  }
  return out;
}
