/**
 * words6 item 5a: a call let through the gate's row as a circuit's probe (the circuit half-open, the probe's lease of
 * `probeLeaseMs`, 30 s, taken, `probeBy` recorded) and then held back in this process by a Retry-After it met that the
 * row did not hold yet (./gates.ts `enter`'s last look, ./through-gate.ts `heldHere`: another call's 429, for the system
 * or for that endpoint alone) never went out, and nothing said so: the circuit stayed half-open, every other caller held
 * back as "a probe is out", until the lease ran out 30 s later. Now the probe that does not go out is the probe told to
 * wait (as one answered 429 is, ./gate-failure.ts): the circuit opens for the wait, nobody recorded as probing.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { DeferJob } from '../../../src/jobs/define.js';
import type { Pass } from '../../../src/jobs/gate-rules.js';
import { throughGate } from '../../../src/jobs/through-gate.js';
import { createDeliveryGatesRepo } from '../../../src/store/delivery-gates.js';
import { useTestContext } from './fixtures.js';

const tooMany = new AppError('ERR_ADAPTER_RATE_LIMITED', 'HTTP 429', { retryAfterSeconds: 5 });
/** A call on its way from before the circuit opened (not the probe). */
const onItsWay: Pass = { go: true, waitMs: 0, probe: false, startAt: new Date(), paced: true };

describe('a probe held back in this process before its call goes out (words6 item 5a)', () => {
  const ctx = useTestContext();
  const repo = () => createDeliveryGatesRepo(ctx.db);
  /** `system`'s circuit opened once, its pause over: the next caller is let through as its probe. */
  const due = (system: string, lastError: { lastErrorCode?: string; lastErrorAt?: Date } = {}) =>
    repo().update(system, (_s, now) => ({
      change: {
        ...{ circuit: 'open', failures: 5, openings: 1, pausedUntil: now, pauseReason: 'circuit-open' },
        ...lastError,
      },
      result: undefined,
    }));
  /** Seconds the row's pause has left, its circuit and who probes. */
  const row = async (system: string) => {
    const seen = (await repo().peek(system))!;
    const left = seen.state.pausedUntil ? (seen.state.pausedUntil.getTime() - seen.now.getTime()) / 1000 : 0;
    return { circuit: seen.state.circuit, reason: seen.state.pauseReason, left, probeBy: seen.state.probeBy };
  };

  it('by a Retry-After met after its pass: the circuit opens for the wait, not half-open for the lease', async () => {
    await due('vnedu');
    // Another call of this process meets a 429 between this job's pass and its call (./through-gate.ts).
    const gates = {
      ...ctx.gates,
      enter: async (...args: Parameters<typeof ctx.gates.enter>) => {
        const pass = await ctx.gates.enter(...args);
        expect(pass).toMatchObject({ go: true, probe: true });
        await ctx.gates.failed('vnedu', tooMany, onItsWay);
        return pass;
      },
    };
    let called = false;
    const out = throughGate({ gates }, 'vnedu', async () => (called = true));
    await expect(out).rejects.toBeInstanceOf(DeferJob);
    expect(called).toBe(false);
    const after = await row('vnedu');
    // Red before: { circuit: 'half-open', reason: 'probe', left: ~30, probeBy: { caller: 'writes', … } }.
    expect(after).toMatchObject({ circuit: 'open', reason: 'retry-after', probeBy: null });
    expect(after.left).toBeGreaterThan(3);
    expect(after.left).toBeLessThanOrEqual(5);
  });

  it('at the gate itself, by a Retry-After this process met that the row does not hold', async () => {
    await due('smas');
    // The 429 is met (noted here at once) and recorded; then the row's pause is over before this process's is (its
    // transaction came first, a clock apart): the row lets the next call through as the probe, this process holds it.
    await ctx.gates.failed('smas', tooMany, onItsWay);
    const lastError = {
      lastErrorCode: 'ERR_ADAPTER_UNAVAILABLE',
      lastErrorAt: new Date('2026-12-01T00:00:00Z'),
    };
    await due('smas', lastError);
    const pass = await ctx.gates.enter('smas', { pace: true });
    expect(pass).toMatchObject({ go: false, reason: 'retry-after' });
    const after = await row('smas');
    expect(after).toMatchObject({ circuit: 'open', probeBy: null });
    expect(after.reason).not.toBe('probe');
    expect(after.left).toBeLessThanOrEqual(5);
    // review6 R6-9: nothing failed (no call went out): the last error stays the last call's that did
    expect((await repo().peek('smas'))!.state).toMatchObject(lastError);
  });
});
