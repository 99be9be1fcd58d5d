/**
 * What job processors run with: the worker's dependencies plus the external systems (pull sources,
 * push targets and the routing of changes between them), built once per worker process. A processor
 * declares the part it needs, e.g. `Pick<WorkerContext, 'db' | 'logger'>`, so tests hand it just that.
 */
import type { Logger } from 'pino';
import type { Config, EntityName, SystemName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { MoetPcgdClient } from '../adapters/moet-pcgd/index.js';
import type { Db } from '../store/db.js';
import { buildAdapters } from './adapters.js';
import { createDeliveryGates, type DeliveryGates } from './gates.js';
import { buildSources, type PullSources } from './sources.js';
import { buildTargets, routingFor, type PushTargets } from './targets.js';

export interface WorkerContext {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Configured systems a sync run can pull from. */
  readonly sources: PullSources;
  /** Configured systems truc delivers changes to. */
  readonly targets: PushTargets;
  /** Targets that receive every accepted change of an entity, never the system the change came from. */
  readonly routes: (entity: EntityName, sourceSystem: string) => readonly SystemName[];
  /** The Ministry's PCGD-XMC system, when configured: where approved PCGD figures are delivered (issue 10). */
  readonly ministry?: Pick<MoetPcgdClient, 'submitFigures' | 'workingYear'> | undefined;
  /** Every call to an external system passes its gate: pacing, Retry-After, circuit breaker. */
  readonly gates: DeliveryGates;
}

export function createWorkerContext(deps: {
  config: Config;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}): WorkerContext {
  // Adapters get only what they use: their own clock is a number (token expiry, Retry-After).
  const adapters = buildAdapters(deps.config, { logger: deps.logger, metrics: deps.metrics });
  const targets = buildTargets(adapters, { now: deps.now });
  return {
    config: deps.config,
    db: deps.db,
    logger: deps.logger,
    metrics: deps.metrics,
    now: deps.now,
    sources: buildSources(adapters),
    targets,
    routes: routingFor(targets),
    ministry: adapters['moet-pcgd']?.client,
    gates: createDeliveryGates(deps),
  };
}
