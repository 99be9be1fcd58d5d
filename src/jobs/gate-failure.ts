/**
 * The rules of a delivery gate (./gates.ts) for a failed call, as pure decisions over the gate's row: the failures
 * counted (every call's, the writes', an endpoint's), a Retry-After honoured, the circuit opened (at the threshold, on
 * its probe's failure) or a stray failure only counted while it is open. Split from ./gate-rules.ts (entry and
 * success), whose helpers it shares.
 */
import type { GateChange, GateState, PauseReason } from '../store/delivery-gates.js';
import { endpointFailure, endpointProbeTold, endpointsApart, openTime } from './endpoint-circuits.js';
import { endpointRetryAfter } from './endpoint-retry-after.js';
import { failedBy } from './gate-openers.js';
import { readAfter, retryAfterKept, withRetryAfter } from './gate-retry-after.js';
import { ms, probeOver, writeRun, writesAlone, type DeliverySettings, type Runs } from './gate-rules.js';
/** A failed call as the gate sees it. */
export interface CallFailure {
  code: string;
  /** Transient (5xx, timeout, network, 429) or refused credentials: counts toward the breaker. */
  transient: boolean;
  /**
   * The system refused truc's credentials (401, its token endpoint refused the client): no call can succeed
   * until they are fixed (a rotated secret), whatever it carries, so the circuit opens at once and the
   * system's work waits, as in an outage, instead of each call failing and being dead-lettered.
   */
  credentials?: boolean;
  retryAfterSeconds?: number | undefined;
  /** The call was a write (paced): it counts toward the writes' own run of failures too (review33a F6). */
  write?: boolean;
  /** A write's endpoint: it counts toward that endpoint's own run too (fix34d). */
  endpoint?: string | undefined;
  /** The write was let through as its endpoint's probe (fix35f). */
  endpointProbe?: boolean | undefined;
  /**
   * Whether the call was let through as the circuit's probe; false: it was not (a call on its way from
   * before the circuit opened); undefined: not known (taken as the probe while one is out).
   */
  probe?: boolean | undefined;
}

/** What a failed call leaves: a pause every caller must wait out (0 = none: retry as usual). */
export interface AfterFailure {
  pauseMs: number;
  reason: PauseReason | undefined;
  /** This failure opened the circuit. */
  opened: boolean;
  /** The pause is its endpoint's alone (fix35f): only the jobs writing to it wait. */
  endpoint?: string | undefined;
  /** This failure opened the endpoint's circuit. */
  endpointOpened?: boolean;
}

/**
 * A failure of a call that was not the probe while the circuit is open or probing: a call on its way from
 * before it opened (another worker's, a pull's page read ahead, a timeout landing late). It is counted and
 * its Retry-After honoured, but it neither opens the circuit again nor doubles or extends its pause, nor
 * ends a probe's lease (README: the pause doubles per failed probe; review15 BUG 4).
 */
function decideStrayFailure(
  state: GateState,
  now: Date,
  failure: CallFailure,
  counts: { failures: number } & Partial<Runs>,
  settings: DeliverySettings,
): { change: GateChange; result: AfterFailure } {
  // A read that passed a circuit the writes opened (fix34d) is not held back by the writes' pause: retried as
  // usual, or after its own Retry-After; once the reads' failures reach the threshold too, they wait as every call.
  const readPasses =
    failure.write !== true && writesAlone({ ...state, ...counts }, settings.failureThreshold);
  const running = state.pausedUntil && state.pausedUntil > now ? state.pausedUntil : null;
  const { until, reason } = withRetryAfter(
    running,
    running ? state.pauseReason : null,
    failure,
    now,
    settings,
  );
  const left = until ? ms(until, now) : 0;
  return {
    change: {
      ...counts,
      lastErrorCode: failure.code,
      lastErrorAt: now,
      pausedUntil: until,
      pauseReason: reason,
    },
    // While a probe is out: the rest of its lease. Its caller waits for the probe's outcome as one that meets
    // the probe at the gate does, woken by the circuit's close (fix33a: it looked again after a second, met the
    // probe, and only then waited; a PCGD-XMC submission recorded a delivery attempt each time).
    result: readPasses
      ? readAfter(failure, settings)
      : { pauseMs: left, reason: reason ?? undefined, opened: false },
  };
}

/** The runs a transient failure makes longer: a 429 counts toward none; a write toward the writes' and its endpoint's. */
function countedFailure(state: GateState, now: Date, failure: CallFailure, settings: DeliverySettings) {
  const rateLimited = failure.code === 'ERR_ADAPTER_RATE_LIMITED';
  const failures = rateLimited ? state.failures : state.failures + 1;
  const writes = failure.write === true && !rateLimited;
  const writeFailures = writes ? state.writeFailures + 1 : state.writeFailures;
  const runs = state.endpointFailures ?? {};
  const endpointFailures =
    writes && failure.endpoint !== undefined
      ? { ...runs, [failure.endpoint]: (runs[failure.endpoint] ?? 0) + 1 } // its endpoint's run one longer
      : undefined;
  const counts = {
    failures,
    writeFailures,
    ...(endpointFailures ? { endpointFailures } : {}),
    ...(rateLimited ? {} : failedBy(state, failure)), // its caller's last call failed (gate-openers.ts)
    ...retryAfterKept(state, now, failure, settings),
  };
  return { rateLimited, writes, counts };
}

/**
 * A call failed transiently: count it, honour its Retry-After, open the circuit when due: from closed at
 * the threshold, or on its probe's failure (open time doubled per failed probe, up to `maxOpenMs`).
 */
export function decideFailure(
  state: GateState,
  now: Date,
  failure: CallFailure,
  settings: DeliverySettings,
): { change: GateChange; result: AfterFailure } {
  const waits = endpointRetryAfter(state, now, failure, settings); // one endpoint's 429 (fix37b)
  if (waits) return waits;
  const counted = countedFailure(state, now, failure, settings);
  const apart = counted.writes && failure.endpoint !== undefined && endpointsApart(state.system, settings);
  const own = apart ? endpointFailure(state, now, failure, counted.counts, settings) : undefined;
  const systemProbe = state.circuit === 'half-open' && failure.probe !== false;
  if (own && !systemProbe) return own;
  const system = systemFailure(state, now, failure, counted, apart, settings);
  // fix36c item 4: the system's probe too reopens the system's circuit (its lease ran on: the next probe came after
  // probeLeaseMs); an endpoint's probe told to wait (429) leaves it open for the Retry-After, not its lease.
  const endpointCircuits =
    own?.change.endpointCircuits ?? endpointProbeTold(state, now, failure, settings)?.endpointCircuits;
  return endpointCircuits ? { ...system, change: { ...system.change, endpointCircuits } } : system;
}

/** The system's rules for a failed call (`decideFailure` once an endpoint's circuit has not decided). */
function systemFailure(
  state: GateState,
  now: Date,
  failure: CallFailure,
  { rateLimited, counts }: ReturnType<typeof countedFailure>,
  apart: boolean,
  settings: DeliverySettings,
): { change: GateChange; result: AfterFailure } {
  const { failures, writeFailures } = counts;
  const wasProbe = state.circuit === 'half-open' && failure.probe !== false;
  if (state.circuit !== 'closed' && !wasProbe)
    return decideStrayFailure(state, now, failure, counts, settings);
  const threshold = settings.failureThreshold;
  const open =
    !rateLimited &&
    (wasProbe ||
      failure.credentials === true ||
      failures >= threshold ||
      (apart ? writeFailures : writeRun({ ...state, ...counts })) >= threshold);
  // A probe's lease is not a pause worth keeping; any other pause still running is.
  const running =
    state.pausedUntil && state.pausedUntil > now && state.pauseReason !== 'probe' ? state.pausedUntil : null;
  let { until, reason } = withRetryAfter(running, running ? state.pauseReason : null, failure, now, settings);
  const change: GateChange = { ...counts, lastErrorCode: failure.code, lastErrorAt: now };
  if (wasProbe) Object.assign(change, probeOver(state)); // the probe ended: nobody probes until the next (gates5)
  let openings = state.openings;
  if (open) {
    openings += 1;
    const openMs = openTime(openings, settings);
    const at = new Date(now.getTime() + openMs);
    if (!until || at > until) {
      until = at;
      reason = 'circuit-open';
    }
    Object.assign(change, {
      circuit: 'open',
      openings,
      openedFor: failure.credentials === true ? 'credentials' : 'outage', // its kind, kept until it closes (gates3)
      ...(state.circuit === 'closed' ? { openedAt: now } : {}),
    });
  } else if (wasProbe) {
    // The probe was told to wait (429): the circuit stays open until the wait is over, then probes again.
    change.circuit = 'open';
  }
  if (wasProbe && !until) {
    // A probe that failed without a pause (cannot happen with the rules above, kept total).
    until = new Date(now.getTime() + settings.openMs);
    reason = 'circuit-open';
  }
  change.pausedUntil = until;
  change.pauseReason = reason;
  return {
    change,
    result: {
      pauseMs: until ? ms(until, now) : 0,
      reason: reason ?? undefined,
      opened: open && state.circuit === 'closed',
    },
  };
}
