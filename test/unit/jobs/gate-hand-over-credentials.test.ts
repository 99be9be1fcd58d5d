/**
 * gates2 item 2 (review): refused credentials are the system's, not one endpoint's. A failure with refused credentials
 * (a 401, `ERR_ADAPTER_AUTH`) opens the system's circuit at once and never an endpoint's own from a closed gate
 * (src/jobs/endpoint-circuits.ts `endpointFailure`); the hand-over at the system's probe (`handOver`) did not exclude
 * them: once one endpoint's writes had failed with a 401 `failureThreshold` times (its probes), its own circuit opened
 * and another endpoint's write probed the system, refused as well, reopening it. Now the hand-over leaves such a circuit
 * to the system's rules, as a 5xx outage of that endpoint alone is still handed over.
 */
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../../src/jobs/gate-failure.js';
import { decideEnter, decideSuccess } from '../../../src/jobs/gate-rules.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings } from './gate-state.js';

const apart = { ...settings, endpointCircuits: ['hcm-csdl' as const] };
const ENDPOINT = 'students:upsert';

/** `students:upsert`'s writes failing with `code`: one from the closed gate, then each the system's probe. */
function failedProbes(code: string, credentials: boolean): { state: GateState; now: number } {
  let state = closed();
  let now = 0;
  for (let i = 0; i < settings.failureThreshold; i += 1) {
    const entered = decideEnter(state, at(now), { intervalMs: 1, probeLeaseMs: settings.probeLeaseMs });
    expect(entered.result.go).toBe(true);
    state = { ...state, ...entered.change };
    const failure = {
      code,
      transient: true,
      write: true,
      endpoint: ENDPOINT,
      ...(credentials ? { credentials } : {}),
    };
    state = { ...state, ...decideFailure(state, at(now), failure, apart).change };
    now = (state.pausedUntil?.getTime() ?? 0) - at(0).getTime() + 1;
  }
  return { state, now };
}

const enter = ({ state, now }: { state: GateState; now: number }) =>
  decideEnter(state, at(now), {
    intervalMs: 1,
    probeLeaseMs: settings.probeLeaseMs,
    failureThreshold: settings.failureThreshold,
    endpoint: ENDPOINT,
    apart: {
      failureThreshold: settings.failureThreshold,
      openMs: settings.openMs,
      maxOpenMs: settings.maxOpenMs,
    },
  });

describe('hand-over and refused credentials (gates2 item 2)', () => {
  it("an endpoint's 5xx outage alone is handed over to its own circuit at the system's probe", () => {
    const down = failedProbes('ERR_ADAPTER_UNAVAILABLE', false);
    expect(down.state).toMatchObject({ circuit: 'open', openedBy: [ENDPOINT] });
    const { change, result } = enter(down);
    expect(result).toMatchObject({ go: false, reason: 'circuit-open', endpoint: ENDPOINT });
    expect(change?.endpointCircuits?.[ENDPOINT]).toMatchObject({ circuit: 'open' });
  });

  it("refused credentials are not handed over: the endpoint's write is the system's probe, no circuit of its own", () => {
    const refused = failedProbes('ERR_ADAPTER_AUTH', true);
    expect(refused.state).toMatchObject({ circuit: 'open', openedBy: [ENDPOINT] });
    expect(refused.state.endpointFailures[ENDPOINT]).toBe(settings.failureThreshold);
    const { change, result } = enter(refused);
    // Red before: held for students:upsert's own circuit (the hand-over), which endpointFailure never opens for them.
    expect(result).toMatchObject({ go: true, probe: true });
    expect(change?.endpointCircuits).toBeUndefined();
  });

  it('gates3 item 1: a circuit refused credentials opened is not handed over after a later failure of another kind', () => {
    const refused = failedProbes('ERR_ADAPTER_AUTH', true);
    expect(refused.state.openedFor).toBe('credentials');
    // A write to the endpoint on its way from before (not the probe) times out while the circuit is open.
    const stray = {
      code: 'ERR_ADAPTER_TIMEOUT',
      transient: true,
      write: true,
      endpoint: ENDPOINT,
      probe: false,
    };
    const later = decideFailure(refused.state, at(refused.now - 2), stray, apart).change;
    const state = { ...refused.state, ...later };
    expect(state).toMatchObject({
      circuit: 'open',
      lastErrorCode: 'ERR_ADAPTER_TIMEOUT',
      openedBy: [ENDPOINT],
    });
    expect(state.openedFor).toBe('credentials');
    const { change, result } = enter({ state, now: refused.now });
    // Red before (judged from lastErrorCode): held for students:upsert's own circuit, the system's left to another probe.
    expect(result).toMatchObject({ go: true, probe: true });
    expect(change?.endpointCircuits).toBeUndefined();
  });

  it("gates3 item 1: the kind is an outage's when a 5xx run opened it, and none once the circuit closes", () => {
    const down = failedProbes('ERR_ADAPTER_UNAVAILABLE', false);
    expect(down.state.openedFor).toBe('outage');
    const probe = decideEnter(down.state, at(down.now), {
      intervalMs: 0,
      probeLeaseMs: settings.probeLeaseMs,
    });
    const state = { ...down.state, ...probe.change };
    const answered = decideSuccess(state, at(down.now), undefined).change;
    expect(answered).toMatchObject({ circuit: 'closed', openedFor: null });
  });
});
