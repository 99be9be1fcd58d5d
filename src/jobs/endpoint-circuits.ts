/**
 * Circuits per endpoint (fix35f, issue 7 item 4): the rules of a delivery gate (./gate-rules.ts) for a system whose
 * endpoints fail apart (`sync.delivery.endpointCircuits`: hcm-csdl, whose students:batch may refuse writes while its
 * staff:batch takes them). One endpoint's writes failing `failureThreshold` times in a row while another endpoint
 * answers in between opens that endpoint's own circuit: its writes wait (their jobs delayed, each alone: ./worker.ts)
 * while the system's other writes go on at their pace. After its pause one write to it is its probe: its answer closes
 * it (and wakes the jobs that waited for it alone), its failure opens it again for twice as long (up to `maxOpenMs`).
 * Writes failing across endpoints, or reads failing, still open the system's circuit (the whole system down); a system
 * circuit one endpoint's writes opened (no other endpoint answered in between: the safety floor) becomes that
 * endpoint's circuit as soon as another endpoint's write answers it. Pure decisions over the gate's row.
 */
import type { EndpointCircuit, GateChange, GateState, PauseReason } from '../store/delivery-gates.js';
import { openedAlone } from './gate-openers.js';

/** The settings these rules read (./gate-rules.ts `DeliverySettings`). */
interface Settings {
  failureThreshold: number;
  maxRetryAfterSeconds?: number;
  openMs: number;
  maxOpenMs: number;
  endpointCircuits?: readonly string[] | undefined;
}

/** Whether `system`'s endpoints have circuits of their own. */
export const endpointsApart = (system: string, settings: Pick<Settings, 'endpointCircuits'>): boolean =>
  (settings.endpointCircuits ?? []).includes(system);

const circuitsOf = (state: Pick<GateState, 'endpointCircuits'>): Record<string, EndpointCircuit> =>
  state.endpointCircuits ?? {};
const iso = (ms: number): string => new Date(ms).toISOString();

/** The open time of a circuit's `openings`-th opening in a row (the system's or an endpoint's: doubling, capped). */
export const openTime = (openings: number, settings: Pick<Settings, 'openMs' | 'maxOpenMs'>): number =>
  Math.min(settings.maxOpenMs, settings.openMs * 2 ** Math.min(openings - 1, 20));

/**
 * A write to `endpoint` at the gate: held back while its circuit's pause or its probe's lease runs; the endpoint's
 * probe once its pause is over (`change` leases it); undefined when the endpoint has no circuit.
 */
export function enterEndpoint(
  state: GateState,
  now: Date,
  endpoint: string | undefined,
  probeLeaseMs: number,
): { held?: { waitMs: number; reason: PauseReason }; change?: GateChange } | undefined {
  const circuit = endpoint === undefined ? undefined : circuitsOf(state)[endpoint];
  if (endpoint === undefined || !circuit) return undefined;
  const left = Date.parse(circuit.pausedUntil) - now.getTime();
  if (left > 0)
    return { held: { waitMs: left, reason: circuit.circuit === 'half-open' ? 'probe' : 'circuit-open' } };
  const probe: EndpointCircuit = {
    ...circuit,
    circuit: 'half-open',
    pausedUntil: iso(now.getTime() + probeLeaseMs),
  };
  return { change: { endpointCircuits: { ...circuitsOf(state), [endpoint]: probe } } };
}

/** What a gate knows of a system whose endpoints fail apart when a write enters (./gate-rules.ts `decideEnter`). */
export interface Apart {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
}

/**
 * A write to `endpoint` arriving when the system's probe is due (its circuit open, its pause over), the system's
 * circuit one that endpoint's writes alone opened (the safety floor: its run at the threshold, and its gate's
 * `openedBy` that endpoint alone): it does not probe the system (gatefix). The endpoint's own circuit opens, the write waits for it
 * alone, and another endpoint's write or a read probes the system (whose answer closes it, ./gate-rules.ts
 * `decideSuccess`). When the endpoint's pause is over, a write to it probes both (fix36c item 4). Before, the system's
 * probe was a write to that endpoint whenever its jobs came first in the queue: each failure opened the system's
 * circuit again and it never became the endpoint's own (that needs another endpoint's write to answer), so the
 * system's other writes waited with it. Undefined: the endpoint is not the one (the system's rules decide).
 */
export function handOver(
  state: GateState,
  now: Date,
  endpoint: string | undefined,
  apart: Apart | undefined,
): { held: { waitMs: number; reason: PauseReason; endpointOpened: true }; change: GateChange } | undefined {
  if (endpoint === undefined || !apart || state.circuit === 'closed' || circuitsOf(state)[endpoint])
    return undefined;
  // Its writes reached the threshold, and no other caller's last call failed: the circuit's openers are this endpoint
  // alone (./gate-openers.ts, migration 1432; judged from the counts before, which another endpoint's failure inside
  // the run could match). Not when refused credentials opened it: those are the system's, as `endpointFailure` never
  // opens an endpoint's circuit for them (gates2: a 401 run was handed over, then another endpoint's probe, refused
  // too, reopened the system's circuit). The kind kept from its opening (gates3, migration 1435), not the last error's
  // code, which a call on its way failing otherwise since rewrites.
  const run = state.endpointFailures[endpoint] ?? 0;
  if (run < apart.failureThreshold || !openedAlone(state, endpoint) || state.openedFor === 'credentials')
    return undefined;
  const { endpointCircuits, pauseMs } = openEndpoint(state, now, endpoint, apart);
  return {
    held: { waitMs: pauseMs, reason: 'circuit-open', endpointOpened: true },
    change: { endpointCircuits },
  };
}

/** A failed write as these rules see it. */
interface Failed {
  code: string;
  endpoint?: string | undefined;
  /** The write was let through as its endpoint's probe. */
  endpointProbe?: boolean | undefined;
}

/** What a failure leaves the failed write's job: a pause of its endpoint alone. */
export interface EndpointPause {
  pauseMs: number;
  reason: PauseReason;
  opened: false;
  endpoint: string;
  /** This failure opened the endpoint's circuit. */
  endpointOpened: boolean;
}

/**
 * A write to an endpoint whose circuit is open failed: its probe's failure opens it again for twice as long; another
 * write's (on its way from before it opened) is counted in the endpoint's run alone and waits out the rest of the pause.
 * The system's runs are left as they are: the endpoint's failures are its own. Undefined: the endpoint has no circuit.
 */
export function endpointFailed(
  state: GateState,
  now: Date,
  failure: Failed,
  settings: Settings,
): { change: GateChange; result: EndpointPause } | undefined {
  const endpoint = failure.endpoint;
  const circuit = endpoint === undefined ? undefined : circuitsOf(state)[endpoint];
  if (endpoint === undefined || !circuit) return undefined;
  const runs = { ...state.endpointFailures, [endpoint]: (state.endpointFailures[endpoint] ?? 0) + 1 };
  const noted = { endpointFailures: runs, lastErrorCode: failure.code, lastErrorAt: now };
  if (circuit.circuit === 'half-open' && failure.endpointProbe === true) {
    const openings = circuit.openings + 1;
    const pauseMs = openTime(openings, settings);
    const again: EndpointCircuit = {
      ...circuit,
      circuit: 'open',
      openings,
      pausedUntil: iso(now.getTime() + pauseMs),
    };
    return {
      change: { ...noted, endpointCircuits: { ...circuitsOf(state), [endpoint]: again } },
      result: { pauseMs, reason: 'circuit-open', opened: false, endpoint, endpointOpened: false },
    };
  }
  const pauseMs = Math.max(0, Date.parse(circuit.pausedUntil) - now.getTime());
  const reason: PauseReason = circuit.circuit === 'half-open' ? 'probe' : 'circuit-open';
  return { change: noted, result: { pauseMs, reason, opened: false, endpoint, endpointOpened: false } };
}

/**
 * An endpoint's probe told to wait (a 429: it counts toward no run, fix36c item 4): the endpoint stays open for the
 * Retry-After (capped; none given: its pause as it was), so its next probe comes then, not when the probe's lease
 * (`probeLeaseMs`) runs out. Undefined: the call was not its endpoint's probe, or the endpoint is not half-open.
 */
export function endpointProbeTold(
  state: GateState,
  now: Date,
  failure: Failed & { retryAfterSeconds?: number | undefined },
  settings: Settings,
): Pick<GateChange, 'endpointCircuits'> | undefined {
  const endpoint = failure.endpoint;
  const circuit = endpoint === undefined ? undefined : circuitsOf(state)[endpoint];
  if (endpoint === undefined || circuit?.circuit !== 'half-open' || failure.endpointProbe !== true)
    return undefined;
  const capped =
    failure.retryAfterSeconds === undefined
      ? undefined
      : Math.min(failure.retryAfterSeconds, settings.maxRetryAfterSeconds ?? Infinity) * 1000;
  const waitMs = capped ?? openTime(circuit.openings, settings);
  const told: EndpointCircuit = { ...circuit, circuit: 'open', pausedUntil: iso(now.getTime() + waitMs) };
  return { endpointCircuits: { ...circuitsOf(state), [endpoint]: told } };
}

/**
 * A write to an endpoint of a system whose endpoints fail apart failed: its
 * endpoint's circuit, open, decides; or its run reached the threshold while the system's writes did not (another
 * endpoint answered in between) and the system's circuit is closed: the endpoint's own circuit opens. Undefined: the
 * system's rules decide.
 */
export function endpointFailure(
  state: GateState,
  now: Date,
  failure: Failed & { credentials?: boolean | undefined },
  counts: { failures: number; writeFailures: number; endpointFailures?: Record<string, number> },
  settings: Settings,
): { change: GateChange; result: EndpointPause } | undefined {
  const own = endpointFailed(state, now, failure, settings);
  if (own) return own;
  const endpoint = failure.endpoint!;
  const threshold = settings.failureThreshold;
  const alone =
    state.circuit === 'closed' &&
    failure.credentials !== true &&
    counts.failures < threshold &&
    counts.writeFailures < threshold &&
    (counts.endpointFailures?.[endpoint] ?? 0) >= threshold;
  if (!alone) return undefined;
  const { endpointCircuits, pauseMs } = openEndpoint(state, now, endpoint, settings);
  return {
    change: { ...counts, lastErrorCode: failure.code, lastErrorAt: now, endpointCircuits },
    result: { pauseMs, reason: 'circuit-open', opened: false, endpoint, endpointOpened: true },
  };
}

/** The endpoint's circuit opened now (its first opening in a row). */
export function openEndpoint(
  state: GateState,
  now: Date,
  endpoint: string,
  settings: Settings,
): { endpointCircuits: Record<string, EndpointCircuit>; pauseMs: number } {
  const pauseMs = openTime(1, settings);
  const opened: EndpointCircuit = {
    circuit: 'open',
    pausedUntil: iso(now.getTime() + pauseMs),
    openings: 1,
    openedAt: now.toISOString(),
  };
  return { endpointCircuits: { ...circuitsOf(state), [endpoint]: opened }, pauseMs };
}

/**
 * A write to `endpoint` was answered: its circuit, if it had one, closes. `closing`: the system's circuit closes by
 * this answer; every other endpoint whose run is still at the threshold (a system circuit its writes alone opened)
 * gets a circuit of its own, so its writes go on waiting while the others go. The change (undefined: none), the
 * endpoint closed and the endpoints opened.
 */
export function endpointsAnswered(
  state: GateState,
  now: Date,
  call: {
    write?: boolean;
    endpoint?: string | undefined;
    closing: boolean;
    runs: Record<string, number>;
    failureThreshold: number;
    apart: { openMs: number; maxOpenMs: number };
  },
): { change?: GateChange; closed?: string; opened: string[] } {
  const settings: Settings = { failureThreshold: call.failureThreshold, ...call.apart };
  const circuits = { ...circuitsOf(state) };
  const endpoint = call.write === true ? call.endpoint : undefined;
  const closed = endpoint !== undefined && circuits[endpoint] ? endpoint : undefined;
  if (closed !== undefined) delete circuits[closed];
  const opened: string[] = [];
  if (call.closing) {
    for (const [endpoint, run] of Object.entries(call.runs)) {
      if (run < settings.failureThreshold || circuits[endpoint]) continue;
      Object.assign(circuits, {
        [endpoint]: openEndpoint(state, now, endpoint, settings).endpointCircuits[endpoint],
      });
      opened.push(endpoint);
    }
  }
  if (closed === undefined && opened.length === 0) return { opened };
  return { change: { endpointCircuits: circuits }, ...(closed !== undefined ? { closed } : {}), opened };
}
