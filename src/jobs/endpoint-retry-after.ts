/**
 * A Retry-After of one endpoint (fix37b): a 429 with Retry-After on a write to an endpoint that has its own circuit
 * (`sync.delivery.endpointCircuits`, ./endpoint-circuits.ts) holds that endpoint's writes alone until it is over, while
 * the system's other writes and its reads go on at their pace: a system limiting each route apart (hcm-csdl's modelled
 * 429s are per route) asked only that route to wait. So does a 429 on a read (a pull's page) of such a system
 * (endpoint: ../store/delivery-gates.ts `readEndpoint`, `students:read`): the reads of that entity wait alone, the system's writes and its
 * other reads go on (issue 7 item 4). A system whose rate limit is its client's (`sync.delivery.systemWideRateLimits`: moet-pcgd's
 * token bucket) still pauses as a whole, as does a 429 on the system's probe (./gate-rules.ts). A 429 counts toward no
 * run of failures and opens no circuit. Pure decisions over the gate's row (`endpoint_retry_after`, migration 1441).
 */
import type { GateChange, GateState, PauseReason } from '../store/delivery-gates.js';
import {
  endpointProbeTold,
  endpointsApart,
  enterEndpoint,
  handOver,
  type Apart,
  type EndpointPause,
} from './endpoint-circuits.js';

/** The settings these rules read (./gate-rules.ts `DeliverySettings`). */
interface Settings {
  failureThreshold: number;
  maxRetryAfterSeconds: number;
  openMs: number;
  maxOpenMs: number;
  endpointCircuits?: readonly string[] | undefined;
  systemWideRateLimits?: readonly string[] | undefined;
}

/** A failed call as these rules see it (./gate-failure.ts `CallFailure`). */
interface Failed {
  code: string;
  write?: boolean | undefined;
  endpoint?: string | undefined;
  endpointProbe?: boolean | undefined;
  probe?: boolean | undefined;
  retryAfterSeconds?: number | undefined;
}

/**
 * The endpoint a failed call's Retry-After holds alone, or undefined (the system's rules: it holds every call): a 429
 * with Retry-After on a call to an endpoint (a write's, or a read's: issue 7 item 4) of a system whose endpoints fail apart and
 * whose rate limit is not its client's, the call not the system's probe (a probe told to wait keeps the system's
 * circuit open for it).
 */
export function endpointWaits(system: string, failure: Failed, settings: Settings): string | undefined {
  if (failure.code !== 'ERR_ADAPTER_RATE_LIMITED' || failure.retryAfterSeconds === undefined)
    return undefined;
  if (failure.probe === true || failure.endpoint === undefined) return undefined;
  if (!endpointsApart(system, settings) || (settings.systemWideRateLimits ?? []).includes(system))
    return undefined;
  return failure.endpoint;
}

/** What is left of `endpoint`'s Retry-After (ms; 0: none). */
export function endpointWaitLeft(
  state: Pick<GateState, 'endpointRetryAfter'>,
  now: Date,
  endpoint: string,
): number {
  const until = state.endpointRetryAfter?.[endpoint];
  return until === undefined ? 0 : Math.max(0, Date.parse(until) - now.getTime());
}

/** A read of `endpoint` at the gate (issue 7 item 4): held back while its own Retry-After runs; else undefined. */
export function enterRead(
  state: GateState,
  now: Date,
  endpoint: string | undefined,
): { go: false; waitMs: number; reason: 'retry-after'; endpoint: string } | undefined {
  const waitMs = endpoint === undefined ? 0 : endpointWaitLeft(state, now, endpoint);
  return waitMs > 0 ? { go: false, waitMs, reason: 'retry-after', endpoint: endpoint! } : undefined;
}

/**
 * A write to `endpoint` at the gate: held back while its Retry-After runs (longer than its circuit's pause, if any),
 * else as its own circuit says (./endpoint-circuits.ts `enterEndpoint`): held, its probe, or undefined (no circuit);
 * `apart` (a system whose endpoints fail apart): its circuit opened first if it alone opened the system's (`handOver`).
 */
export function enterWrite(
  state: GateState,
  now: Date,
  endpoint: string | undefined,
  probeLeaseMs: number,
  apart?: Apart,
): ReturnType<typeof enterEndpoint> {
  const own = handOver(state, now, endpoint, apart) ?? enterEndpoint(state, now, endpoint, probeLeaseMs);
  const waitMs = endpoint === undefined ? 0 : endpointWaitLeft(state, now, endpoint);
  if (waitMs > 0 && waitMs >= (own?.held?.waitMs ?? 0)) return { held: { waitMs, reason: 'retry-after' } };
  return own;
}

/**
 * A call (a write, or a read: issue 7 item 4) told to wait by its endpoint alone ({@link endpointWaits}): the endpoint's wait is set (the longer of the one
 * it had and this one, capped at `maxRetryAfterSeconds`; waits over are dropped), its probe told to wait leaves its
 * circuit open until then (./endpoint-circuits.ts `endpointProbeTold`), and the system's pause, runs and circuit are
 * left as they are. The failed call's job waits for the longer of the wait and its circuit's pause. Undefined: the
 * system's rules decide.
 */
export function endpointRetryAfter(
  state: GateState,
  now: Date,
  failure: Failed,
  settings: Settings,
): { change: GateChange; result: EndpointPause } | undefined {
  const systemProbe = state.circuit === 'half-open' && failure.probe !== false;
  const endpoint = systemProbe ? undefined : endpointWaits(state.system, failure, settings);
  if (endpoint === undefined) return undefined;
  const asked = Math.min(failure.retryAfterSeconds!, settings.maxRetryAfterSeconds) * 1000;
  const waits = Object.fromEntries(
    Object.entries(state.endpointRetryAfter ?? {}).filter(([, until]) => Date.parse(until) > now.getTime()),
  );
  const waitMs = Math.max(asked, endpointWaitLeft(state, now, endpoint));
  waits[endpoint] = new Date(now.getTime() + waitMs).toISOString();
  const told = endpointProbeTold(state, now, { ...failure, endpoint }, settings);
  const circuit = (told?.endpointCircuits ?? state.endpointCircuits ?? {})[endpoint];
  const circuitMs = circuit ? Math.max(0, Date.parse(circuit.pausedUntil) - now.getTime()) : 0;
  const circuitReason: PauseReason = circuit?.circuit === 'half-open' ? 'probe' : 'circuit-open';
  return {
    change: { lastErrorCode: failure.code, lastErrorAt: now, endpointRetryAfter: waits, ...told },
    result: {
      pauseMs: Math.max(waitMs, circuitMs),
      reason: circuitMs > waitMs ? circuitReason : 'retry-after',
      opened: false,
      endpoint,
      endpointOpened: false,
    },
  };
}
