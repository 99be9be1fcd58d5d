import { describe, expect, it } from 'vitest';
import { PROBE_WAIT, wakePulls } from '../../../src/jobs/probe-wake.js';

/** A delayed job of the pull queue that counts its promotions (or fails them, as BullMQ does for one no longer delayed). */
const job = (id: string, name: string, data: Record<string, unknown>, fails = false) => {
  const j = {
    id,
    name,
    data,
    promoted: 0,
    promote: () => {
      j.promoted++;
      return fails ? Promise.reject(new Error('not delayed')) : Promise.resolve();
    },
  };
  return j;
};

describe("the pulls woken when a system's circuit closes (fix33a, fix34d)", () => {
  it("promotes the pulls delayed for the system's probe, whichever process delayed them, and no other job", async () => {
    const mine = job('1', 'pull-page', { syncRunId: 1, page: 0, [PROBE_WAIT]: 'hcm-csdl' });
    const gone = job('2', 'pull-page', { syncRunId: 1, page: 3, [PROBE_WAIT]: 'hcm-csdl' }, true);
    const other = job('3', 'pull-page', { syncRunId: 2, page: 0, [PROBE_WAIT]: 'smas' });
    // Delayed for another reason (a retry's backoff, a Retry-After): not waiting for the probe.
    const backoff = job('4', 'pull-page', { syncRunId: 3, page: 1 });
    const reconcile = job('5', 'reconcile-run', { syncRunId: 1, [PROBE_WAIT]: 'hcm-csdl' });
    const queue = { getDelayed: async () => [mine, gone, other, backoff, reconcile] as never };
    const errors: Array<string | undefined> = [];
    const woken = await wakePulls(queue, 'hcm-csdl', (_err, id) => errors.push(id));
    expect(woken).toBe(1);
    expect([mine, gone, other, backoff, reconcile].map((j) => j.promoted)).toEqual([1, 1, 0, 0, 0]);
    expect(errors).toEqual(['2']);
    expect(await wakePulls({ getDelayed: async () => [] }, 'hcm-csdl', () => undefined)).toBe(0);
  });
});
