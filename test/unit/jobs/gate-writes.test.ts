/**
 * review33a F6: a system whose writes fail while its reads answer (a city database in read-only maintenance while a
 * pull reads it). The writes' failures are counted apart: an answered read does not set them back, so the circuit
 * opens at the threshold of failed writes; reads go on past its pause without probing it (a read cannot prove writes
 * work) and their answers do not close it; a write probes it, and its answer closes it.
 */
import { describe, expect, it } from 'vitest';
import { decideFailure } from '../../../src/jobs/gate-failure.js';
import { decideEnter, decideSuccess } from '../../../src/jobs/gate-rules.js';
import type { GateState } from '../../../src/store/delivery-gates.js';
import { at, closed, settings, T0 } from './gate-state.js';

const fresh: GateState = closed();
const writeDown = { code: 'ERR_ADAPTER_UNAVAILABLE', transient: true, write: true, probe: false };
const read = { failureThreshold: settings.failureThreshold };
const enterOpts = (paced: boolean) => ({
  intervalMs: paced ? 50 : 0,
  probeLeaseMs: settings.probeLeaseMs,
  failureThreshold: settings.failureThreshold,
});
const apply = (s: GateState, change: Partial<GateState> | undefined): GateState => ({ ...s, ...change });

describe('gate decisions, writes failing while reads answer', () => {
  it('opens the circuit at the threshold of failed writes, answered reads in between', () => {
    let s = fresh;
    for (let i = 1; i <= settings.failureThreshold; i++) {
      s = apply(s, decideSuccess(s, at(i * 10), read).change);
      const d = decideFailure(s, at(i * 10 + 5), writeDown, settings);
      s = apply(s, d.change);
      expect(d.result.opened).toBe(i === settings.failureThreshold);
    }
    expect(s).toMatchObject({ circuit: 'open', writeFailures: 3, failures: 1, pauseReason: 'circuit-open' });
    // A write's answer sets its run back; a read's does not.
    expect(decideSuccess({ ...fresh, writeFailures: 2 }, T0, read)).toEqual({ result: false });
    expect(decideSuccess({ ...fresh, writeFailures: 2 }, T0).change).toMatchObject({ writeFailures: 0 });
  });

  it('lets reads past the pause of a circuit the writes opened without probing it; a write probes and closes it', () => {
    let s = apply(fresh, decideFailure({ ...fresh, writeFailures: 2 }, T0, writeDown, settings).change);
    expect(s.circuit).toBe('open');
    // During the pause the writes wait; a read goes, not as the probe, and changes nothing (fix34d: it waited).
    expect(decideEnter(s, at(500), enterOpts(true)).result.go).toBe(false);
    expect(decideEnter(s, at(500), enterOpts(false))).toEqual({
      result: { go: true, waitMs: 0, probe: false, startAt: at(500), pastWrites: true },
    });
    // A Retry-After the system asked for holds the reads back too.
    const asked = { ...s, pauseReason: 'retry-after' as const };
    expect(decideEnter(asked, at(500), enterOpts(false)).result).toMatchObject({ go: false });
    // The pause over: a read goes, not as the probe; its answer keeps the circuit open.
    const r = decideEnter(s, at(1000), enterOpts(false));
    expect(r).toEqual({ result: { go: true, waitMs: 0, probe: false, startAt: at(1000), pastWrites: true } });
    s = apply(s, decideSuccess(s, at(1010), read).change);
    expect(s).toMatchObject({ circuit: 'open', failures: 0, writeFailures: 3 });
    // A write is the probe.
    const w = decideEnter(s, at(1020), enterOpts(true));
    expect(w.result).toMatchObject({ go: true, probe: true });
    s = apply(s, w.change);
    // A read meeting the write's probe goes on (fix34d), and its answer leaves the write's lease as it is.
    expect(decideEnter(s, at(1030), enterOpts(false)).result).toMatchObject({ go: true, probe: false });
    expect(decideSuccess(s, at(1040), { ...read, probe: false })).toEqual({ result: false });
    // Another write waits for the probe's outcome.
    expect(decideEnter(s, at(1030), enterOpts(true)).result).toMatchObject({ go: false, reason: 'probe' });
    const ok = decideSuccess(s, at(1100));
    expect(ok.result).toBe(true);
    expect(apply(s, ok.change)).toMatchObject({
      circuit: 'closed',
      failures: 0,
      writeFailures: 0,
      openings: 0,
    });
  });

  it("a read that was a probe does not close a circuit the writes' run keeps open: a write probes next", () => {
    const s: GateState = {
      ...fresh,
      circuit: 'half-open',
      failures: 3,
      writeFailures: 3,
      openings: 1,
      pausedUntil: at(30_000),
      pauseReason: 'probe',
    };
    const d = decideSuccess(s, at(100), read);
    expect(d.result).toBe(false);
    const after = apply(s, d.change);
    expect(after).toMatchObject({
      circuit: 'open',
      failures: 0,
      writeFailures: 3,
      openings: 1,
      pausedUntil: null,
    });
    expect(decideEnter(after, at(200), enterOpts(false)).result).toMatchObject({ go: true, probe: false });
    expect(decideEnter(after, at(200), enterOpts(true)).result).toMatchObject({ go: true, probe: true });
  });

  it('fix34d: one endpoint failing opens at its threshold, another answering between; all failing, at the threshold', () => {
    const to = (endpoint: string) => ({ ...writeDown, endpoint });
    let s = fresh;
    for (let i = 1; i <= settings.failureThreshold; i++) {
      s = apply(s, decideSuccess(s, at(i * 10), { ...read, write: true, endpoint: 'staff:upsert' }).change);
      const d = decideFailure(s, at(i * 10 + 5), to('students:upsert'), settings);
      s = apply(s, d.change);
      expect(d.result.opened).toBe(i === settings.failureThreshold);
    }
    expect(s).toMatchObject({
      circuit: 'open',
      writeFailures: 1,
      endpointFailures: { 'students:upsert': 3 },
    });
    // The endpoints failing in turn (the write service down): the writes' own run opens it at the threshold.
    let all = fresh;
    const opened = ['students:upsert', 'staff:upsert', 'classes:upsert'].map((e, i) => {
      const d = decideFailure(all, at(i), to(e), settings);
      all = apply(all, d.change);
      return d.result.opened;
    });
    expect(opened).toEqual([false, false, true]);
  });
});
