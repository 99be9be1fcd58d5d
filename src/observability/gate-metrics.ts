/**
 * The delivery gates' stored state as gauges (src/jobs/state-metrics.ts refreshes them from `truc.delivery_gates`
 * before each scrape, on every role: aggregate with max() across instances). Unlike `truc_circuit_open`, set by a
 * process on the openings and closings it saw and flipping through each probe, a series here stays as long as the
 * stored circuit is not closed: what the alert TrucExternalSystemUnavailable reads (review32 F2).
 */
import { Gauge, type Registry } from 'prom-client';

export function gateStateMetrics(registry: Registry) {
  const circuitOpenSince = new Gauge({
    name: 'truc_circuit_open_since_timestamp_seconds',
    help: "When the circuit breaker of an external system opened (Unix time), by system and the last failure's error code (ERR_ADAPTER_AUTH: truc's credentials refused); present only while the circuit is not closed (open, or probing).",
    labelNames: ['system', 'last_error_code'] as const,
    registers: [registry],
  });
  const endpointCircuitOpenSince = new Gauge({
    name: 'truc_endpoint_circuit_open_since_timestamp_seconds',
    help: "When an endpoint's own circuit breaker of an external system opened (Unix time), by system and endpoint (students:upsert); present only while it is not closed (open, or probing): its writes wait, the system's other calls go on (fix36c, the alert TrucExternalEndpointUnavailable).",
    labelNames: ['system', 'endpoint'] as const,
    registers: [registry],
  });
  const retryAfterUntil = new Gauge({
    name: 'truc_retry_after_until_timestamp_seconds',
    help: "When the wait an external system asked for (429/503 with Retry-After) ends (Unix time), by system, and by endpoint when it holds that endpoint alone (fix37b: a 429 on a write to an endpoint of a system whose endpoints have their own circuits, or on a read of one, <entity>:read; the system's other calls go on); no endpoint label: every call to the system waits. Present only while the wait runs.",
    labelNames: ['system', 'endpoint'] as const,
    registers: [registry],
  });
  return { circuitOpenSince, endpointCircuitOpenSince, retryAfterUntil };
}
