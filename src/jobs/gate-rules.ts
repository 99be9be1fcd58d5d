/**
 * The rules of a delivery gate (./gates.ts), as pure decisions over the gate's row: whether a call may
 * start (pacing, a pause, the circuit's probe), and what a call's success changes (the failures set back, the
 * circuit closed). What a failure changes is ./gate-failure.ts.
 */
import type { Config } from '../config.js';
import type { GateChange, GateState, PauseReason } from '../store/delivery-gates.js';
import { endpointsAnswered } from './endpoint-circuits.js';
import { enterRead, enterWrite } from './endpoint-retry-after.js';
import { answeredBy, callerOf } from './gate-openers.js';

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

/** The change that forgets who probed once the probe ends (gates5): none when nobody is recorded. */
export const probeOver = (state: Pick<GateState, 'probeBy'>): Pick<GateChange, 'probeBy'> =>
  state.probeBy ? { probeBy: null } : {};

/** Milliseconds from `b` to `a` (0 when `a` is not later). */
export const ms = (a: Date, b: Date): number => Math.max(0, a.getTime() - b.getTime());

/**
 * The circuit is open for the writes alone: their own run of failures is at the threshold, while reads answer (a
 * system taking no writes, review33a F6). Reads go on without probing it, through its pause and while a write is out
 * as its probe (fix34d); a write probes it.
 */
export const writesAlone = (state: GateState, failureThreshold: number | undefined): boolean =>
  failureThreshold !== undefined && writeRun(state) >= failureThreshold && state.failures < failureThreshold;

/**
 * The writes' longest run of failures: of all the system's writes (any answered write sets it back), or of one
 * endpoint's (only its own answers set it back: fix34d, students:batch down while staff:batch answers).
 */
export const writeRun = (runs: Pick<GateState, 'writeFailures' | 'endpointFailures'>): number =>
  Math.max(runs.writeFailures, ...Object.values(runs.endpointFailures ?? {}));

/** The runs of failures a call changes. */
export type Runs = Pick<GateState, 'writeFailures' | 'endpointFailures'>;

/** What an answered call is to its gate's runs: a read, a write (to an endpoint, or not said), or not known. */
export interface Answered {
  failureThreshold: number;
  /** Whether the call was let through as the probe (false: it was not; undefined: not known). */
  probe?: boolean | undefined;
  /** A write; without it, a read. */
  write?: boolean;
  /** A write's endpoint (its runs set back), or a read's (`students:read`: only its caller in `openedBy`). */
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
    /** The process deciding (host:pid), kept as the probe's (`probeBy`, gates5) when the call is let through as it. */
    process?: string;
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
        // Who probes (gates5, migration 1436): the caller as openedBy names it, and this process.
        probeBy: {
          caller: callerOf({ endpoint: opts.endpoint, write: opts.intervalMs > 0 }),
          process: opts.process ?? '',
        },
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
  const own = answeredBy(state, call, false); // its caller out of openedBy (gate-openers.ts)
  const same = Object.keys(runs).length === 0 && own.openedBy === undefined;
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
        ...own,
        ...(endsProbe
          ? { circuit: 'open' as const, pausedUntil: null, pauseReason: null, ...probeOver(state) }
          : {}),
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
      ...(closing ? { closedAt: now, openedFor: null } : {}),
      ...(probing ? { pausedUntil: null, pauseReason: null } : {}),
      ...(closing || probing ? probeOver(state) : {}),
      ...(closing ? answeredBy(state, call, true) : own),
      ...ends?.change,
    },
    result: closing,
    ...(ends?.closed !== undefined ? { endpointClosed: ends.closed } : {}),
    ...(ends?.opened.length ? { endpointsOpened: ends.opened } : {}),
  };
}
