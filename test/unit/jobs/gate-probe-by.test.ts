/**
 * gates5 item 1: the delivery gate records who probes a system's circuit (`probeBy`, migration 1436): the caller as
 * `openedBy` names it and the process, set when a call is let through as the probe, cleared when the probe ends (its
 * answer, closing the circuit or leaving it open, or its failure reopening it); a call on its way failing meanwhile
 * leaves it. And what the overview foresees from it (src/jobs/gate-view.ts `probeFailureForeseen`): the failed
 * probe's hand-over, exactly when the probe's caller is the one endpoint left at the circuit's openers.
 */
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../../src/jobs/gate-failure.js';
import { decideEnter, decideSuccess } from '../../../src/jobs/gate-rules.js';
import { probeFailureForeseen } from '../../../src/jobs/gate-view.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings } from './gate-state.js';

const PROCESS = 'worker-1:4242';
const down = { code: 'ERR_ADAPTER_UNAVAILABLE', transient: true };
/** A circuit open whose pause is over (opened by `openedBy`), at 10 s. */
const due = (over: Partial<GateState> = {}): GateState =>
  closed({
    circuit: 'open',
    failures: 3,
    openings: 1,
    openedFor: 'outage',
    openedBy: ['reads'],
    pausedUntil: at(5_000),
    pauseReason: 'circuit-open',
    openedAt: at(0),
    ...over,
  });
const enter = (state: GateState, endpoint?: string, intervalMs = 1) =>
  decideEnter(state, at(10_000), {
    intervalMs,
    probeLeaseMs: settings.probeLeaseMs,
    endpoint,
    process: PROCESS,
  });
const probing = (state: GateState, endpoint?: string, intervalMs = 1): GateState => {
  const { change, result } = enter(state, endpoint, intervalMs);
  expect(result).toMatchObject({ go: true, probe: true });
  return { ...state, ...change };
};

describe('gates5: who probes a circuit', () => {
  it('a write to an endpoint, a write without one, a read: recorded as openedBy names callers', () => {
    // Red before: no probeBy in the probe's change.
    expect(probing(due(), 'staff:upsert').probeBy).toEqual({ caller: 'staff:upsert', process: PROCESS });
    expect(probing(due()).probeBy).toEqual({ caller: 'writes', process: PROCESS });
    expect(probing(due(), undefined, 0).probeBy).toEqual({ caller: 'reads', process: PROCESS });
    expect(probing(due(), 'students:read', 0).probeBy).toEqual({ caller: 'students:read', process: PROCESS });
  });

  it('cleared when the probe is answered and the circuit closes', () => {
    const state = probing(due(), 'staff:upsert');
    const call = { failureThreshold: 3, probe: true, write: true, endpoint: 'staff:upsert' };
    const { change } = decideSuccess(state, at(11_000), call);
    expect(change).toMatchObject({ circuit: 'closed', probeBy: null });
  });

  it("cleared when a read's answer ends the probe but the writes' run keeps the circuit open", () => {
    const state = probing(due({ openedBy: ['writes'], writeFailures: 3, failures: 3 }), undefined, 0);
    const { change } = decideSuccess(state, at(11_000), { failureThreshold: 3, probe: true });
    expect(change).toMatchObject({ circuit: 'open', probeBy: null });
  });

  it('cleared when the probe fails (the circuit reopens); kept when a call on its way fails meanwhile', () => {
    const state = probing(due(), 'staff:upsert');
    const stray = decideFailure(state, at(11_000), { ...down, probe: false, write: true }, settings);
    expect(stray.change.probeBy).toBeUndefined();
    const failed = decideFailure(state, at(11_000), { ...down, probe: true, write: true }, settings);
    expect(failed.change).toMatchObject({ circuit: 'open', probeBy: null });
  });

  it('a probe whose lease ran out: the next caller is recorded', () => {
    const state = probing(due(), 'staff:upsert');
    const later = decideEnter({ ...state, pausedUntil: at(9_000) }, at(10_000), {
      intervalMs: 0,
      probeLeaseMs: settings.probeLeaseMs,
      process: 'api-2:7',
    });
    expect(later.change?.probeBy).toEqual({ caller: 'reads', process: 'api-2:7' });
  });
});

describe('gates5: what a failed probe will do, foreseen from who probes', () => {
  const apart = { ...settings, endpointCircuits: ['hcm-csdl' as const] };
  const half = (over: Partial<GateState>) =>
    closed({
      circuit: 'half-open',
      openings: 1,
      openedFor: 'outage',
      pauseReason: 'probe',
      pausedUntil: at(30_000), // the probe's lease runs (words6 item 5b: foreseen at 10 s)
      ...over,
    });

  it('the probe is the one endpoint left at the openers, its run at the threshold once it fails: handed over', () => {
    const state = half({
      openedBy: [],
      endpointFailures: { 'students:upsert': 2 },
      probeBy: { caller: 'students:upsert', process: PROCESS },
    });
    expect(probeFailureForeseen(state, apart, at(10_000))).toMatchObject({
      outcome: 'handed-over',
      handsOverTo: 'students:upsert',
      probeBy: { caller: 'students:upsert', process: PROCESS },
    });
    // The same circuit without endpoints failing apart, or with refused credentials: no hand-over.
    expect(probeFailureForeseen(state, settings, at(10_000))).toMatchObject({
      outcome: 'retried',
      handsOverTo: null,
    });
    expect(probeFailureForeseen({ ...state, openedFor: 'credentials' }, apart, at(10_000))).toMatchObject({
      outcome: 'city-admin',
      handsOverTo: null,
    });
  });

  it('another caller probes, or a read of the endpoint: retried (the failure adds its caller to the openers)', () => {
    const alone = { openedBy: ['students:upsert'], endpointFailures: { 'students:upsert': 3 } };
    const by = (caller: string) => half({ ...alone, probeBy: { caller, process: PROCESS } });
    expect(probeFailureForeseen(by('staff:upsert'), apart, at(10_000))).toMatchObject({
      outcome: 'retried',
      handsOverTo: null,
    });
    expect(probeFailureForeseen(by('students:read'), apart, at(10_000))).toMatchObject({
      outcome: 'retried',
    });
    // Not recorded (a probe taken before migration 1436): nothing foreseen beyond a retry.
    expect(probeFailureForeseen(half(alone), apart, at(10_000))).toMatchObject({
      outcome: 'retried',
      probeBy: null,
    });
  });
});
