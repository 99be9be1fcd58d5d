/**
 * What holds a system's calls now, as its delivery gate's rules (./gate-rules.ts `decideEnter`) would answer a call
 * arriving now, for those who show it (fix36c item 1: a sync run's `waiting`, the operations overview): the reads (a
 * pull's pages), the system's writes (its deliveries) and its endpoints' own circuits (./endpoint-circuits.ts). A read
 * passes a circuit the writes alone opened (fix34d), so a pull is not said to wait on it; nothing holds: null. Pure.
 */
import type { Config } from '../config.js';
import {
  isReadEndpoint,
  readEndpoint,
  type GateState,
  type OpenedFor,
  type PauseReason,
  type ProbeBy,
} from '../store/delivery-gates.js';
import { openTime } from './endpoint-circuits.js';
import { decideEnter } from './gate-rules.js';

type Settings = Pick<Config['sync']['delivery'], 'failureThreshold' | 'probeLeaseMs'>;

/**
 * What holds a call: why, since when (a circuit's opening; null for a Retry-After) and until when; `endpoint`: the
 * endpoint whose own circuit or Retry-After holds it (a write's, fix35f/fix37b), absent when the system's holds it.
 */
export interface Hold {
  reason: PauseReason;
  since: Date | null;
  until: Date;
  endpoint?: string;
}

function held(
  state: GateState,
  now: Date,
  settings: Settings,
  intervalMs: number,
  endpoint?: string,
): Hold | null {
  const { result } = decideEnter(state, now, {
    intervalMs,
    probeLeaseMs: settings.probeLeaseMs,
    failureThreshold: settings.failureThreshold,
    endpoint,
  });
  if (result.go) return null;
  const own = result.endpoint === undefined ? undefined : state.endpointCircuits?.[result.endpoint];
  const opened = own ? new Date(own.openedAt) : state.openedAt;
  const since = result.reason === 'retry-after' ? null : opened;
  const until = new Date(now.getTime() + result.waitMs);
  return { reason: result.reason, since, until, ...(result.endpoint ? { endpoint: result.endpoint } : {}) };
}

/**
 * What holds the system's reads (a pull's pages) now; null: they go. `entity`: a pull's, whose reads their own
 * Retry-After holds alone too (issue 7 item 4, ./endpoint-retry-after.ts `enterRead`); none: the system's reads.
 */
export const readsHeld = (state: GateState, now: Date, settings: Settings, entity?: string): Hold | null =>
  held(state, now, settings, 0, entity === undefined ? undefined : readEndpoint(entity));

/**
 * What holds the system's writes (its deliveries) now; null: they go (at their pace). Without `endpoint`, what holds
 * every endpoint's; with it (`students:upsert`, a push set's), what holds that one's, its own circuit and Retry-After
 * included (a vendor batch's delivery: ./delivery-waiting.ts).
 */
export const writesHeld = (state: GateState, now: Date, settings: Settings, endpoint?: string): Hold | null =>
  held(state, now, settings, 1, endpoint);

/**
 * An endpoint's own circuit, as shown: open or half-open (its probe out), since when, and what holds the writes to it
 * now by the gate's rules (`writesHeld`, as a vendor batch's `waiting` says: ./delivery-waiting.ts). gates2 (walk2 F1):
 * its own pause was shown as `until` though it had passed while the system's circuit held the endpoint's writes longer
 * (13 min in the past, next to the system's real pause). `held` null: nothing holds them, the next write to it is its
 * probe; `held.endpoint` absent: the system's pause holds them (its circuit, probe or Retry-After).
 */
export interface EndpointCircuitShown {
  endpoint: string;
  circuit: 'open' | 'half-open';
  since: Date;
  held: Hold | null;
}

/** The system's endpoints whose own circuit is not closed, by name, with what holds their writes at `now`. */
export function endpointCircuitsOf(state: GateState, now: Date, settings: Settings): EndpointCircuitShown[] {
  return Object.entries(state.endpointCircuits ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([endpoint, c]) => ({
      endpoint,
      circuit: c.circuit,
      since: new Date(c.openedAt),
      held: writesHeld(state, now, settings, endpoint),
    }));
}

/** A Retry-After running: the system's (`endpoint` null: every call waits) or one endpoint's alone (fix37b). */
export interface RetryAfterShown {
  endpoint: string | null;
  until: Date;
}

/**
 * The Retry-Afters running now, where they apply (fix37b): the system's (its reads and writes wait, by the gate's row
 * `retry_after_until`), then its endpoints' own by name (only the calls to them wait, a write's endpoint or a read's:
 * ./endpoint-retry-after.ts).
 */
export function retryAfterWaits(
  state: Pick<GateState, 'retryAfterUntil' | 'endpointRetryAfter'>,
  now: Date,
): RetryAfterShown[] {
  const system = state.retryAfterUntil && state.retryAfterUntil > now ? [state.retryAfterUntil] : [];
  const endpoints = Object.entries(state.endpointRetryAfter ?? {})
    .map(([endpoint, until]) => ({ endpoint, until: new Date(until) }))
    .filter((w) => w.until > now)
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  return [...system.map((until) => ({ endpoint: null, until })), ...endpoints];
}

/**
 * Whether the system's probe is out at `now`: its circuit half-open and its lease (or a longer pause met meanwhile)
 * running. One whose lease ran out is not (words6 item 5b): nobody probes until the next caller takes the probe, and
 * the gate's `probeBy` still names the last, until then.
 */
export const probeOut = (state: Pick<GateState, 'circuit' | 'pausedUntil'>, now: Date): boolean =>
  state.circuit === 'half-open' && state.pausedUntil !== null && state.pausedUntil > now;

/** What a failure of the system's probe will do ({@link probeFailureForeseen}). */
export interface ProbeFailureForeseen {
  /** retried: truc probes again by itself; city-admin: refused credentials; handed-over: see `handsOverTo`. */
  outcome: 'city-admin' | 'retried' | 'handed-over';
  openedFor: OpenedFor;
  reopensForMs: number;
  /**
   * Who probes (the gate's `probeBy`, gates5): null when not recorded (a probe taken before migration 1436), or when
   * its lease ran out ({@link probeOut}: the next caller probes, whoever it is).
   */
  probeBy: ProbeBy | null;
  /** The endpoint whose writes the failure leaves alone at the circuit's openers: handed over at the next probe. */
  handsOverTo: string | null;
}

type ForeseenSettings = Pick<Config['sync']['delivery'], 'openMs' | 'maxOpenMs' | 'failureThreshold'> & {
  endpointCircuits?: readonly string[] | undefined;
};

/**
 * What a failure of the system's probe will do, while its circuit is probing (half-open: a probe out, or due now its
 * lease ran out), foreseen from the kind of failure that opened it (gates3 item 3, the gate's `openedFor`) and who
 * probes (gates5, the gate's `probeBy`, while its lease runs): the circuit opens again for its next open time (./gate-failure.ts: doubled, up
 * to `maxOpenMs`; a 429 keeps it open for its Retry-After) and truc probes again after it. Refused credentials
 * (`city-admin`) fail again until a city admin fixes truc's credentials for the system, and they are never handed over
 * to one endpoint's own circuit (./endpoint-circuits.ts `handOver`); an outage is retried (`retried`), unless the
 * failed probe leaves one endpoint's writes alone at the circuit's openers, at the threshold, in a system whose
 * endpoints fail apart (`handed-over`: at the next probe its writes get a circuit of their own and wait alone, and
 * another endpoint's write or a read probes the system). Null while it is not probing.
 */
export function probeFailureForeseen(
  state: GateState,
  settings: ForeseenSettings,
  now: Date,
): ProbeFailureForeseen | null {
  if (state.circuit !== 'half-open') return null;
  const openedFor = state.openedFor ?? 'outage';
  const probeBy = probeOut(state, now) ? (state.probeBy ?? null) : null;
  const handsOverTo = openedFor === 'outage' && probeBy ? handedOverAfter(state, probeBy, settings) : null;
  return {
    outcome: openedFor === 'credentials' ? 'city-admin' : handsOverTo !== null ? 'handed-over' : 'retried',
    openedFor,
    reopensForMs: openTime(state.openings + 1, settings),
    probeBy,
    handsOverTo,
  };
}

/**
 * The endpoint ./endpoint-circuits.ts `handOver` gives the system's circuit to at the probe after this one fails: the
 * circuit's openers then (its `openedBy` with the probe's caller: ./gate-openers.ts `failedBy`) are that endpoint
 * alone, a write endpoint without a circuit of its own, whose run (one longer: the probe was a write to it) is at the
 * threshold. Null: none.
 */
function handedOverAfter(state: GateState, probeBy: ProbeBy, settings: ForeseenSettings): string | null {
  if (!(settings.endpointCircuits ?? []).includes(state.system)) return null;
  const openers = new Set([...(state.openedBy ?? []), probeBy.caller]);
  const endpoint = probeBy.caller;
  if (openers.size !== 1 || endpoint === 'writes' || endpoint === 'reads') return null;
  if (isReadEndpoint(endpoint) || state.endpointCircuits?.[endpoint]) return null;
  const run = (state.endpointFailures[endpoint] ?? 0) + 1;
  return run >= settings.failureThreshold ? endpoint : null;
}
