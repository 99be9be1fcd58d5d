/**
 * Push targets built from configuration: each composes the system's outbound mapping
 * (canonical → wire) with its adapter. A system without a base URL is not a target.
 */
import type { Logger } from 'pino';
import { createHcmCsdlAdapter } from '../adapters/hcm-csdl/index.js';
import type { Config, SystemName } from '../config.js';
import { HCM_CSDL_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordEntity } from '../store/records.js';
import type { PushTarget } from './push.js';

export function buildTargets(config: Config, deps: { logger: Logger; metrics: Metrics; now: () => Date }) {
  const targets: Partial<Record<SystemName, PushTarget>> = {};
  const hcm = config.systems['hcm-csdl'];
  if (hcm.baseUrl && hcm.clientId && hcm.clientSecret) {
    const adapter = createHcmCsdlAdapter(
      {
        baseURL: hcm.baseUrl,
        clientId: hcm.clientId,
        clientSecret: hcm.clientSecret,
        timeoutMs: hcm.timeoutMs,
      },
      { logger: deps.logger, metrics: deps.metrics },
    );
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
