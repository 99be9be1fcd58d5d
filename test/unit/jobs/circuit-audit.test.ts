/**
 * gates3 item 2: a `circuit.opened` entry says who opened the circuit (`openedBy`), as the gate's `opened_by` and the
 * overview's `systems[].openedBy` do: the system's, the callers whose last call failed after the change; an endpoint's
 * own, that endpoint. A `circuit.closed` entry has none (the circuit closing empties it).
 */
import { describe, expect, it } from 'vitest';
import { circuitTransitions } from '../../../src/jobs/circuit-audit.js';
import { at, closed } from './gate-state.js';

describe('circuit.opened says who opened it (gates3 item 2)', () => {
  it("the system's: the callers whose last call failed, with the one whose failure opened it", () => {
    const before = closed({ failures: 2, openedBy: ['students:read'] });
    const change = {
      circuit: 'open' as const,
      openedBy: ['staff:upsert', 'students:read'],
      lastErrorCode: 'ERR_ADAPTER_UNAVAILABLE',
    };
    // Red before: details without openedBy.
    expect(circuitTransitions(before, change)).toEqual([
      {
        actor: 'system:gate',
        action: 'circuit.opened',
        subject: 'circuit:hcm-csdl',
        details: {
          system: 'hcm-csdl',
          endpoint: null,
          from: 'closed',
          to: 'open',
          reason: 'ERR_ADAPTER_UNAVAILABLE',
          openedBy: ['staff:upsert', 'students:read'],
        },
      },
    ]);
  });

  it("the system's when the change leaves who failed as it was (the caller in already)", () => {
    const before = closed({ failures: 2, openedBy: ['students:upsert'], lastErrorCode: 'ERR_ADAPTER_AUTH' });
    const [opened] = circuitTransitions(before, { circuit: 'open' });
    expect(opened?.details).toMatchObject({ reason: 'ERR_ADAPTER_AUTH', openedBy: ['students:upsert'] });
  });

  it("an endpoint's own: that endpoint; a closing names none", () => {
    const circuit = {
      circuit: 'open' as const,
      pausedUntil: at(1000).toISOString(),
      openings: 1,
      openedAt: at(0).toISOString(),
    };
    const opened = circuitTransitions(closed(), { endpointCircuits: { 'students:upsert': circuit } });
    expect(opened.map((e) => e.details)).toEqual([
      {
        system: 'hcm-csdl',
        endpoint: 'students:upsert',
        from: 'closed',
        to: 'open',
        reason: 'unknown',
        openedBy: ['students:upsert'],
      },
    ]);
    const open = closed({ circuit: 'half-open', openedBy: ['reads'] });
    const shut = circuitTransitions(open, { circuit: 'closed', openedBy: [] });
    expect(shut.map((e) => e.details)).toEqual([
      { system: 'hcm-csdl', endpoint: null, from: 'half-open', to: 'closed', reason: 'answered' },
    ]);
  });
});
