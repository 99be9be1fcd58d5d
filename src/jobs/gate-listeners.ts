/**
 * What a delivery gate (./gates.ts) says when a call's outcome opens or closes a circuit: its gauges, its log lines
 * (system and endpoint names, never personal data) and the listeners of this process that wake the work waiting for it
 * (./worker.ts): a system's circuit closed wakes its push queue and the pulls delayed for its probe, an endpoint's own
 * circuit closed (fix35f, ./endpoint-circuits.ts) the pushes delayed for that endpoint alone.
 */
import type { Logger } from 'pino';
import type { SystemName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';

/** Who is told of a close: of a system's circuit, of an endpoint's. */
export interface Listeners {
  system: Set<(system: SystemName) => void>;
  endpoint: Set<(system: SystemName, endpoint: string) => void>;
}

export const gateListeners = (): Listeners => ({ system: new Set(), endpoint: new Set() });

interface Say {
  logger: Logger;
  metrics: Pick<Metrics, 'circuitOpen' | 'endpointCircuitOpen'>;
}

/** An endpoint's own circuit opened (fix35f): its gauge and one line naming the endpoint. */
export function endpointOpened(deps: Say, system: SystemName, endpoint: string): void {
  deps.metrics.endpointCircuitOpen.set({ system, endpoint }, 1);
  deps.logger.warn(
    { system, endpoint },
    "endpoint's circuit opened: its writes wait, the system's other calls go on",
  );
}

/**
 * What an answer changed: endpoints' circuits opened (a system circuit one endpoint's writes opened, become its own),
 * the system's circuit closed, an endpoint's closed, or the probe's lease ended; each said, and the listeners told.
 */
export function answerSaid(
  deps: Say,
  listeners: Listeners,
  system: SystemName,
  out: {
    closed: boolean;
    probeOver: boolean;
    endpointClosed?: string | undefined;
    endpointsOpened?: string[];
  },
): void {
  for (const endpoint of out.endpointsOpened ?? []) endpointOpened(deps, system, endpoint);
  if (out.closed) {
    deps.metrics.circuitOpen.set({ system }, 0);
    deps.logger.info({ system }, 'circuit closed: the system answers again');
  }
  const endpoint = out.endpointClosed;
  if (endpoint !== undefined) {
    deps.metrics.endpointCircuitOpen.set({ system, endpoint }, 0);
    deps.logger.info({ system, endpoint }, "endpoint's circuit closed: its writes go again");
    for (const listener of [...listeners.endpoint]) listener(system, endpoint);
  }
  // A read's answer to a probe leaves a circuit the writes opened open: the waiting queues look again (a write probes).
  if (out.closed || out.probeOver) for (const listener of [...listeners.system]) listener(system);
}
