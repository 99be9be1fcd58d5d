/**
 * words6 item 5b: the gate's `probe_by` (migration 1436) names who took the system's probe; it is cleared when the probe
 * ends, and replaced when the next caller takes the probe after its lease ran out. Between the two (the lease over, no
 * call yet) it stayed: the operations overview said that process was probing (`probeBy`, and `ifProbeFails.probeBy`)
 * and foresaw a hand-over from a probe nobody was making. A probe whose lease ran out is not shown as out: nobody
 * probes until the next caller, whoever it is (src/jobs/gate-view.ts `probeOut`).
 */
import { describe, expect, it } from 'vitest';
import { probeFailureForeseen, probeOut } from '../../../src/jobs/gate-view.js';
import { ifProbeFailsOf } from '../../../src/api/routes/ops/overview-probe.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings } from './gate-state.js';

const apart = { ...settings, endpointCircuits: ['hcm-csdl' as const] };
const BY = { caller: 'students:upsert', process: 'worker-1:4242' };
/** A probe of students:upsert taken at 0 with its 30 s lease; the one endpoint left at the openers. */
const probing: GateState = closed({
  circuit: 'half-open',
  openings: 1,
  openedFor: 'outage',
  openedBy: [],
  endpointFailures: { 'students:upsert': 2 },
  pausedUntil: at(30_000),
  pauseReason: 'probe',
  probeBy: BY,
});

describe('a probe whose lease ran out (words6 item 5b)', () => {
  it('is out while its lease runs, not after', () => {
    expect(probeOut(probing, at(10_000))).toBe(true);
    expect(probeOut(probing, at(31_000))).toBe(false);
    expect(probeOut(closed(), at(10_000))).toBe(false);
  });

  it('is foreseen from who probes while its lease runs; after it, from nobody (red before: the stale probe)', () => {
    expect(probeFailureForeseen(probing, apart, at(10_000))).toMatchObject({
      outcome: 'handed-over',
      handsOverTo: 'students:upsert',
      probeBy: BY,
    });
    expect(probeFailureForeseen(probing, apart, at(31_000))).toMatchObject({
      outcome: 'retried',
      handsOverTo: null,
      probeBy: null,
    });
    expect(ifProbeFailsOf('hcm-csdl', probing, apart, at(31_000))).toMatchObject({
      probeBy: null,
      handsOverTo: null,
    });
  });
});
