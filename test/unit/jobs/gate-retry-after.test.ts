/**
 * fix35f item 3 (issue 7 item 4): a Retry-After shorter than the pause of a circuit the writes opened was not kept (the
 * row said "circuit-open" to its end), and the reads passing that circuit (fix34d) went on calling inside the wait the
 * system had asked for. It is kept apart now: the reads wait for it, handed back for 'retry-after' (what they wait
 * for), and go on past the writes' circuit once it is over; the writes still wait for their circuit.
 */
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../../src/jobs/gate-failure.js';
import { decideEnter } from '../../../src/jobs/gate-rules.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings, T0 } from './gate-state.js';

const longPause = { ...settings, openMs: 30_000, maxOpenMs: 60_000 };
const writeDown = { code: 'ERR_ADAPTER_UNAVAILABLE', transient: true, write: true, probe: false };
const readAskedToWait = {
  code: 'ERR_ADAPTER_RATE_LIMITED',
  transient: true,
  retryAfterSeconds: 5,
  probe: false,
};
const enter = (paced: boolean) => ({
  intervalMs: paced ? 50 : 0,
  probeLeaseMs: settings.probeLeaseMs,
  failureThreshold: settings.failureThreshold,
});
const apply = (s: GateState, change: Partial<GateState> | undefined): GateState => ({ ...s, ...change });

describe("gate decisions, a Retry-After shorter than the writes' pause", () => {
  it('holds the reads for the Retry-After, said as such; the writes wait for their circuit', () => {
    let s = apply(closed(), decideFailure(closed({ writeFailures: 2 }), T0, writeDown, longPause).change);
    expect(s).toMatchObject({ circuit: 'open', pauseReason: 'circuit-open', pausedUntil: at(30_000) });
    // A read past the writes' circuit is told to wait 5 s.
    const d = decideFailure(s, at(100), readAskedToWait, longPause);
    expect(d.result).toMatchObject({ pauseMs: 5000, reason: 'retry-after' });
    s = apply(s, d.change);
    // The circuit's pause is its own still; the Retry-After is kept beside it.
    expect(s).toMatchObject({
      pauseReason: 'circuit-open',
      pausedUntil: at(30_000),
      retryAfterUntil: at(5100),
    });
    // Red before: { go: true, pastWrites: true } (the reads called inside the Retry-After).
    expect(decideEnter(s, at(200), enter(false)).result).toEqual({
      go: false,
      waitMs: 4900,
      reason: 'retry-after',
    });
    expect(decideEnter(s, at(200), enter(true)).result).toMatchObject({ go: false, reason: 'circuit-open' });
    // Over: the reads pass the writes' circuit again.
    expect(decideEnter(s, at(5200), enter(false)).result).toMatchObject({ go: true, pastWrites: true });
  });

  it('keeps the later of two Retry-Afters', () => {
    const s = closed({ retryAfterUntil: at(10_000) });
    expect(decideFailure(s, T0, readAskedToWait, longPause).change.retryAfterUntil).toBeUndefined();
    expect(decideFailure(s, at(8000), readAskedToWait, longPause).change.retryAfterUntil).toEqual(at(13_000));
  });
});
