import { describe, expect, it } from 'vitest';
import { probeWaiters } from '../../../src/jobs/probe-waiters.js';

/** A delayed job that counts its promotions (or fails them, as BullMQ does for a job no longer delayed). */
const job = (id: string, fails = false) => {
  const j = {
    id,
    promoted: 0,
    promote: () => {
      j.promoted++;
      return fails ? Promise.reject(new Error('not delayed')) : Promise.resolve();
    },
  };
  return j;
};

describe('probe waiters (review32 F1, pulls)', () => {
  it("promotes the jobs delayed for the system's probe once, when its circuit closes, and no other system's", () => {
    const waiters = probeWaiters(() => undefined);
    const a = job('a');
    const b = job('b');
    const other = job('c');
    waiters.add('hcm-csdl', a, Date.now() + 600_000);
    waiters.add('hcm-csdl', b, Date.now() + 600_000);
    waiters.add('smas', other, Date.now() + 600_000);
    waiters.wake('hcm-csdl');
    waiters.wake('hcm-csdl');
    expect([a.promoted, b.promoted, other.promoted]).toEqual([1, 1, 0]);
    expect(waiters.count('hcm-csdl')).toBe(0);
    expect(waiters.count('smas')).toBe(1);
  });

  it('leaves a job whose delay is over, forgets it, and reports a promotion that fails', async () => {
    const errors: Array<string | undefined> = [];
    const waiters = probeWaiters((_err, id) => errors.push(id));
    const past = job('past');
    waiters.add('hcm-csdl', past, Date.now() - 1);
    waiters.add('hcm-csdl', job('gone', true), Date.now() + 600_000);
    expect(waiters.count('hcm-csdl')).toBe(1);
    waiters.wake('hcm-csdl');
    await new Promise((r) => setImmediate(r));
    expect(past.promoted).toBe(0);
    expect(errors).toEqual(['gone']);
  });
});
