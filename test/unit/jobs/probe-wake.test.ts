import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { wakePulls } from '../../../src/jobs/probe-wake.js';
import { useTestContext } from './fixtures.js';

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

describe("the pulls woken when a system's circuit closes (fix33a)", () => {
  const ctx = useTestContext();
  const run = (system: 'hcm-csdl' | 'smas') =>
    ctx.db.tx((q) =>
      requestSync(q, { system, entity: 'students', full: true, requestedBy: 'test', at: ctx.now() }),
    );

  it("promotes the delayed pulls of the system's runs, whichever process delayed them, and no other job", async () => {
    const [city, school] = [await run('hcm-csdl'), await run('smas')];
    const mine = job('1', 'pull-page', { syncRunId: city, page: 0 });
    const gone = job('2', 'pull-page', { syncRunId: city, page: 3 }, true);
    const other = job('3', 'pull-page', { syncRunId: school, page: 0 });
    const reconcile = job('4', 'reconcile-run', { syncRunId: city });
    const queue = { getDelayed: async () => [mine, gone, other, reconcile] as never };
    const errors: Array<string | undefined> = [];
    const woken = await wakePulls(queue, ctx.db, 'hcm-csdl', (_err, id) => errors.push(id));
    expect(woken).toBe(1);
    expect([mine, gone, other, reconcile].map((j) => j.promoted)).toEqual([1, 1, 0, 0]);
    expect(errors).toEqual(['2']);
    expect(await wakePulls({ getDelayed: async () => [] }, ctx.db, 'hcm-csdl', () => undefined)).toBe(0);
  });
});
