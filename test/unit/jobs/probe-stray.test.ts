/**
 * fix33a (issue 7 item 4): a call that fails while another call is out as the system's probe (a call on its way from
 * before the circuit opened, a timeout landing late) is handed back to wait for the probe's outcome, as a call that
 * meets the probe at the gate is: until the probe's lease ends, woken when the circuit closes (src/jobs/worker.ts
 * `wakeOnClose`). It was handed back for a second (gate-rules `PROBE_WAIT_MS`, removed), came back, met the probe, and only
 * then waited. A push (its queue paused) and a pull (the job delayed); the PCGD-XMC submission is in pcgd.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DeferJob } from '../../../src/jobs/define.js';
import { fetchPage } from '../../../src/jobs/pull-ahead.js';
import { throughGate } from '../../../src/jobs/through-gate.js';
import type { SyncRun } from '../../../src/store/sync-run-reads.js';
import { down, PROBE_LEASE_MS, probeGoesOut, probingGates } from '../../helpers/probe-out.js';
import { fakeSource, useTestContext } from './fixtures.js';

/** Most of the probe's lease is left: the job waits for the probe's outcome, not a second. */
const waitsForTheProbe = (err: unknown, scope: 'queue' | 'job') => {
  expect(err).toBeInstanceOf(DeferJob);
  expect(err).toMatchObject({ scope, reason: 'probe', system: 'hcm-csdl' });
  expect((err as DeferJob).delayMs).toBeGreaterThan(PROBE_LEASE_MS / 2);
};

describe('a call failing while the probe is out', () => {
  const ctx = useTestContext();

  it("a push: its queue waits for the probe's outcome", async () => {
    await ctx.db.query('DELETE FROM truc.delivery_gates');
    const gates = probingGates(ctx);
    expect(await gates.probing('hcm-csdl')).toBe(false);
    const err = await throughGate({ gates }, 'hcm-csdl', async () => {
      await probeGoesOut(gates, 'hcm-csdl');
      throw down();
    }).catch((e: unknown) => e);
    waitsForTheProbe(err, 'queue');
    // What the worker looks at once the job waits (src/jobs/worker.ts `unlessProbeOver`).
    expect(await gates.probing('hcm-csdl')).toBe(true);
  });

  it("a pull: its job waits for the probe's outcome", async () => {
    await ctx.db.query('DELETE FROM truc.delivery_gates');
    const gates = probingGates(ctx);
    const source = fakeSource('hcm-csdl', ['students']);
    source.page = async () => {
      await probeGoesOut(gates, 'hcm-csdl');
      throw down();
    };
    const run = { id: 1, system: 'hcm-csdl', entity: 'students' } as SyncRun;
    const err = await fetchPage({ ...ctx, gates, sources: { 'hcm-csdl': source } }, run).catch(
      (e: unknown) => e,
    );
    waitsForTheProbe(err, 'job');
  });
});
