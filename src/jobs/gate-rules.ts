/**
 * The rules of a delivery gate (./gates.ts), as pure decisions over the gate's row: whether a call may
 * start (pacing, a pause, the circuit's probe), and what a call's success or failure changes (the
 * failures counted, a Retry-After honoured, the circuit opened or closed).
 */
import type { Config } from '../config.js';
import type { GateChange, GateState, PauseReason } from '../store/delivery-gates.js';
import {
  endpointFailure,
  endpointProbeTold,
  endpointsAnswered,
  endpointsApart,
} from './endpoint-circuits.js';
import { endpointRetryAfter, enterRead, enterWrite } from './endpoint-retry-after.js';
import { readAfter, retryAfterKept, withRetryAfter } from './gate-retry-after.js';

export type DeliverySettings = Config['sync']['delivery'];

/** What `enter` answers: go (after `waitMs` of pacing), or wait `waitMs` because the gate is paused. */
export type Pass =
  /**
   * `startAt`: when the call may start (database clock). `clean`: the gate was closed, with no failure
   * counted and no probe out, so the call's success has nothing to change ({@link DeliveryGates.succeeded}).
   */
  | {
      go: true;
      waitMs: number;
      probe: boolean;
      startAt: Date;
      clean?: boolean;
      /** When the read of the gate's row that let the call through began (process clock, ms). */
      readAt?: number;
      /** The call is a write (paced: a push, a PCGD-XMC submission); false: a read (a pull's page). */
      paced?: boolean;
      /** A read let through a circuit the writes opened (fix34d): the writes are still held back. */
      pastWrites?: boolean;
      /** The endpoint a write goes to (`students:upsert`), counted apart (fix34d); none: the system's writes. */
      endpoint?: string | undefined;
      /** The write is its endpoint's probe (fix35f, ./endpoint-circuits.ts). */
      endpointProbe?: boolean;
    }
  /** `endpoint`: the write waits for its endpoint's circuit alone (fix35f), `endpointOpened` now (gatefix). */
  | { go: false; waitMs: number; reason: PauseReason; endpoint?: string | undefined; endpointOpened?: true };

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

/** Milliseconds from `b` to `a` (0 when `a` is not later). */
export const ms = (a: Date, b: Date): number => Math.max(0, a.getTime() - b.getTime());

/**
 * The circuit is open for the writes alone: their own run of failures is at the threshold, while reads answer (a
 * system taking no writes, review33a F6). Reads go on without probing it, through its pause and while a write is out
 * as its probe (fix34d); a write probes it.
 */
const writesAlone = (state: GateState, failureThreshold: number | undefined): boolean =>
  failureThreshold !== undefined && writeRun(state) >= failureThreshold && state.failures < failureThreshold;

/**
 * The writes' longest run of failures: of all the system's writes (any answered write sets it back), or of one
 * endpoint's (only its own answers set it back: fix34d, students:batch down while staff:batch answers).
 */
export const writeRun = (runs: Pick<GateState, 'writeFailures' | 'endpointFailures'>): number =>
  Math.max(runs.writeFailures, ...Object.values(runs.endpointFailures ?? {}));

/** The runs of failures a call changes. */
type Runs = Pick<GateState, 'writeFailures' | 'endpointFailures'>;

/** What an answered call is to its gate's runs: a read, a write (to an endpoint, or not said), or not known. */
export interface Answered {
  failureThreshold: number;
  /** Whether the call was let through as the probe (false: it was not; undefined: not known). */
  probe?: boolean | undefined;
  /** A write; without it, a read. */
  write?: boolean;
  endpoint?: string | undefined;
  /** The system's endpoints have circuits of their own (fix35f); `openMs`/`maxOpenMs` time them. */
  apart?: { openMs: number; maxOpenMs: number };
}

/**
 * The runs after an answer: a read's leaves them; a write's sets back the writes' run and its endpoint's (the other
 * endpoints' stay: fix34d); a call not known (`call` undefined) sets them all back.
 */
function runsAnswered(state: GateState, call: Answered | undefined): Partial<Runs> {
  if (call && call.write !== true) return {};
  const runs = state.endpointFailures ?? {};
  const endpoints =
    call === undefined ? Object.keys(runs) : call.endpoint !== undefined ? [call.endpoint] : [];
  const kept = Object.fromEntries(Object.entries(runs).filter(([e]) => !endpoints.includes(e)));
  const changed = Object.keys(kept).length !== Object.keys(runs).length;
  return {
    ...(state.writeFailures !== 0 ? { writeFailures: 0 } : {}),
    ...(changed ? { endpointFailures: kept } : {}),
  };
}

/**
 * Decides whether a call may start now. `intervalMs` 0 = not paced (reads). `failureThreshold`: given, a read passes a
 * circuit opened by writes alone without being its probe (a read cannot prove writes work), through its pause and its
 * write probe's lease (fix34d: a pull stopped because its write endpoint was down); a Retry-After the system asked for
 * still holds it back, as does its own endpoint's (issue 7 item 4: ./endpoint-retry-after.ts `enterRead`).
 */
export function decideEnter(
  state: GateState,
  now: Date,
  opts: {
    intervalMs: number;
    probeLeaseMs: number;
    failureThreshold?: number;
    endpoint?: string | undefined;
    apart?: Parameters<typeof enterWrite>[4];
  },
): { change?: GateChange | undefined; result: Pass } {
  const readWaits = opts.intervalMs <= 0 ? enterRead(state, now, opts.endpoint) : undefined;
  if (readWaits) return { result: readWaits };
  const paused = state.pausedUntil !== null && state.pausedUntil > now;
  if (
    state.circuit !== 'closed' &&
    opts.intervalMs <= 0 &&
    writesAlone(state, opts.failureThreshold) &&
    !(paused && state.pauseReason === 'retry-after')
  ) {
    // A Retry-After shorter than the writes' pause holds the reads back for itself, and says so (fix35f item 3).
    const asked = state.retryAfterUntil && state.retryAfterUntil > now ? state.retryAfterUntil : undefined;
    if (asked) return { result: { go: false, waitMs: ms(asked, now), reason: 'retry-after' } };
    return { result: { go: true, waitMs: 0, probe: false, startAt: now, pastWrites: true } };
  }
  if (state.pausedUntil && paused) {
    return {
      result: { go: false, waitMs: ms(state.pausedUntil, now), reason: state.pauseReason ?? 'retry-after' },
    };
  }
  // A write to an endpoint whose own circuit is open waits for it alone, or is its probe (fix35f).
  const own =
    opts.intervalMs > 0 ? enterWrite(state, now, opts.endpoint, opts.probeLeaseMs, opts.apart) : undefined;
  if (own?.held) return { change: own.change, result: { go: false, ...own.held, endpoint: opts.endpoint } };
  const endpointProbe = own?.change ? { endpointProbe: true } : {};
  if (state.circuit !== 'closed') {
    // The pause is over (or the last probe's lease ran out): this caller is the probe.
    return {
      change: {
        circuit: 'half-open',
        pausedUntil: new Date(now.getTime() + opts.probeLeaseMs),
        pauseReason: 'probe',
        nextSendAt: new Date(now.getTime() + opts.intervalMs),
        ...own?.change,
      },
      result: { go: true, waitMs: 0, probe: true, startAt: now, ...endpointProbe },
    };
  }
  const stale = state.pausedUntil !== null ? { pausedUntil: null, pauseReason: null } : {};
  if (opts.intervalMs <= 0) {
    return { change: stale, result: { go: true, waitMs: 0, probe: false, startAt: now } };
  }
  const slot = state.nextSendAt > now ? state.nextSendAt : now;
  return {
    change: { ...stale, nextSendAt: new Date(slot.getTime() + opts.intervalMs), ...own?.change },
    result: { go: true, waitMs: ms(slot, now), probe: false, startAt: slot, ...endpointProbe },
  };
}

/**
 * A call got an answer that was not a transient failure: the system is up. `call`: what it was (./gates.ts); a read
 * sets back the failures of every call, not the writes' runs (review33a F6), and a write those of the writes and of
 * its own endpoint, not another endpoint's (fix34d). An answer does not close a circuit a write run left at the
 * threshold keeps open (a read, or a write to another endpoint, cannot prove the failing writes work): if it was the
 * probe, the probe's lease ends and a write probes next; one that passed while a write is the probe (`probe: false`)
 * leaves the lease to it. `call` undefined: a call not known, taken as proving every write.
 */
export function decideSuccess(
  state: GateState,
  now: Date,
  call?: Answered,
): { change?: GateChange; result: boolean; endpointClosed?: string; endpointsOpened?: string[] } {
  const probing = state.pauseReason === 'probe';
  const runs = runsAnswered(state, call);
  const same = Object.keys(runs).length === 0;
  if (state.circuit === 'closed' && state.failures === 0 && !probing && same) return { result: false };
  // A system whose endpoints fail apart keeps the system's circuit open for the writes' own run only (fix35f).
  const kept = (r: Runs) => (call?.apart ? r.writeFailures : writeRun(r));
  if (call && state.circuit !== 'closed' && kept({ ...state, ...runs }) >= call.failureThreshold) {
    const endsProbe = probing && call.probe !== false;
    if (state.failures === 0 && !endsProbe && same) return { result: false };
    return {
      change: {
        failures: 0,
        ...runs,
        ...(endsProbe ? { circuit: 'open' as const, pausedUntil: null, pauseReason: null } : {}),
      },
      result: false,
    };
  }
  const closing = state.circuit !== 'closed';
  const ends = call?.apart
    ? endpointsAnswered(state, now, {
        ...call,
        apart: call.apart,
        closing,
        runs: runs.endpointFailures ?? state.endpointFailures,
      })
    : undefined;
  return {
    change: {
      circuit: 'closed',
      failures: 0,
      ...runs,
      openings: 0,
      ...(closing ? { closedAt: now } : {}),
      ...(probing ? { pausedUntil: null, pauseReason: null } : {}),
      ...ends?.change,
    },
    result: closing,
    ...(ends?.closed !== undefined ? { endpointClosed: ends.closed } : {}),
    ...(ends?.opened.length ? { endpointsOpened: ends.opened } : {}),
  };
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

/** The system's rules for a failed call (./gate-rules.ts `decideFailure` once an endpoint's circuit has not decided). */
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
  let openings = state.openings;
  if (open) {
    openings += 1;
    const openMs = Math.min(settings.maxOpenMs, settings.openMs * 2 ** Math.min(openings - 1, 20));
    const at = new Date(now.getTime() + openMs);
    if (!until || at > until) {
      until = at;
      reason = 'circuit-open';
    }
    Object.assign(change, {
      circuit: 'open',
      openings,
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
