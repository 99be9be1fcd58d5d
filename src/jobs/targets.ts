/**
 * Push targets: each composes the system's outbound mapping (canonical → wire) with its adapter
 * (built once in ./adapters.ts).
 */
import type { SystemName } from '../config.js';
import { HCM_CSDL_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import type { RecordEntity } from '../store/records.js';
import type { SystemAdapters } from './adapters.js';
import type { PushTarget } from './push.js';

/** Push targets over the shared adapters. */
export function buildTargets(adapters: SystemAdapters, deps: { now: () => Date }) {
  const targets: Partial<Record<SystemName, PushTarget>> = {};
  const adapter = adapters['hcm-csdl'];
  if (adapter) {
    const entities = ['students', 'staff', 'classes', 'schools'] as const;
    targets['hcm-csdl'] = {
      system: 'hcm-csdl',
      entities,
      async write(entity, records, opts) {
        if (!(entities as readonly string[]).includes(entity))
          throw new Error(`hcm-csdl does not take ${entity}`);
        const e = entity as (typeof entities)[number];
        const mapping = HCM_CSDL_MAPPINGS[e];
        const ctx = { now: deps.now };
        const wire = records.map((r) => mapping.fromCanonical!(r as never, ctx));
        return adapter.write(e, wire, opts);
      },
    };
  }
  return targets;
}

/** Which targets receive accepted changes of each entity. */
export function routingFor(targets: Partial<Record<SystemName, PushTarget>>) {
  return (entity: RecordEntity, sourceSystem: string): SystemName[] =>
    Object.values<PushTarget>(targets as Record<string, PushTarget>)
      .filter((t) => t.entities.includes(entity) && t.system !== sourceSystem)
      .map((t) => t.system);
}
