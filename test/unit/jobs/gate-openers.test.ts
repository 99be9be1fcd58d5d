/**
 * Who a system's circuit was opened by (gates, migration 1432, src/jobs/gate-openers.ts): the callers whose last call
 * failed, put in by a counted failure (not a 429 counted toward no run), taken out by their own answer, emptied when
 * the circuit closes; read by the hand-over (src/jobs/endpoint-circuits.ts `handOver`).
 */
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../../src/jobs/gate-failure.js';
import { decideSuccess } from '../../../src/jobs/gate-rules.js';
import { callerOf, openedAlone } from '../../../src/jobs/gate-openers.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings } from './gate-state.js';

const down = { code: 'ERR_ADAPTER_UNAVAILABLE', transient: true };
const apart = { ...settings, endpointCircuits: ['hcm-csdl' as const] };
const fail = (state: GateState, call: { endpoint?: string; write?: boolean }, code = down.code) => ({
  ...state,
  ...decideFailure(state, at(0), { ...down, code, ...call }, apart).change,
});
const answer = (state: GateState, call?: { endpoint?: string; write?: boolean }) => ({
  ...state,
  ...decideSuccess(state, at(0), call && { failureThreshold: 3, ...call }).change,
});

describe('gate openers', () => {
  it('names a call by its endpoint, else writes or reads', () => {
    expect(callerOf({ endpoint: 'students:upsert', write: true })).toBe('students:upsert');
    expect(callerOf({ endpoint: 'students:read' })).toBe('students:read');
    expect(callerOf({ write: true })).toBe('writes');
    expect(callerOf({})).toBe('reads');
  });

  it('a counted failure puts its caller in, once; a 429 without an endpoint of its own does not', () => {
    let s = fail(closed(), { endpoint: 'students:upsert', write: true });
    s = fail(s, { endpoint: 'students:upsert', write: true });
    expect(s.openedBy).toEqual(['students:upsert']);
    s = fail(s, { endpoint: 'students:read' }, 'ERR_ADAPTER_RATE_LIMITED');
    expect(s.openedBy).toEqual(['students:upsert']);
    s = fail(s, { endpoint: 'staff:upsert', write: true });
    expect(s.openedBy).toEqual(['staff:upsert', 'students:upsert']);
    expect(s.circuit).toBe('open');
    expect(openedAlone(s, 'students:upsert')).toBe(false);
  });

  it("a caller's answer takes it out, another's leaves it; the circuit closing, or an unknown call's answer, empties it", () => {
    let s = fail(closed(), { endpoint: 'students:read' });
    s = fail(s, { endpoint: 'students:upsert', write: true });
    s = answer(s, { endpoint: 'students:read' });
    expect(s.openedBy).toEqual(['students:upsert']);
    expect(openedAlone(s, 'students:upsert')).toBe(true);
    expect(answer(s, { endpoint: 'staff:upsert', write: true }).openedBy).toEqual(['students:upsert']);
    expect(answer(s).openedBy).toEqual([]);
    const open = { ...s, circuit: 'open' as const, failures: 0, writeFailures: 0, endpointFailures: {} };
    expect(answer(open, { endpoint: 'staff:upsert', write: true })).toMatchObject({
      circuit: 'closed',
      openedBy: [],
    });
  });

  it('an answer that changes nothing else still takes its caller out (a read after another call set the runs back)', () => {
    const s = closed({ openedBy: ['students:read'] });
    expect(decideSuccess(s, at(0), { failureThreshold: 3, endpoint: 'students:read' }).change).toEqual({
      circuit: 'closed',
      failures: 0,
      openings: 0,
      openedBy: [],
    });
    expect(decideSuccess(s, at(0), { failureThreshold: 3, endpoint: 'schools:read' }).change).toBeUndefined();
  });
});
