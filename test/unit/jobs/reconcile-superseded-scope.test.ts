/**
 * review18b R1: a held reconciliation of a full run of everything (scope '') approved after a newer full
 * run of ONE school fetched its last page. The newer run saw the school's students unchanged (rows not
 * rewritten), yet `supersededByNewer` only counts a newer run of the same scope or of everything, so the
 * older run's late reconciliation deletes students of that school the newer run saw (review16 BUG 10, the
 * narrower-scope case).
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { S1, S2 } from '../../helpers/api.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import {
  byQueue,
  hcmStudent,
  nextRow,
  requestFullStudentsSync,
  runRow,
  useStudentsSource,
} from './fixtures.js';

describe('a held reconciliation of everything approved after a newer full run of one school (review18b R1)', () => {
  const { ctx, source } = useStudentsSource();
  const run = async (queue: string) => runRow(ctx, (await nextRow(ctx.db, byQueue(queue)))!);
  async function fullRunSeeing(seen: number, scope?: string, other = 0): Promise<number> {
    const runId = await requestFullStudentsSync(ctx, scope);
    const items = [
      ...Array.from({ length: seen }, (_, i) => hcmStudent(`G${String(i).padStart(2, '0')}`, { school: S1 })),
      ...Array.from({ length: other }, (_, i) =>
        hcmStudent(`H${String(i).padStart(2, '0')}`, { school: S2 }),
      ),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w' });
    await run('pull');
    return runId;
  }
  const liveCount = (school = S1) => createRecordsRepo(ctx.db).count('students', school);

  it('approving the older whole-city hold does not delete what the newer school run saw', async () => {
    await fullRunSeeing(50, undefined, 10);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    // The city's full listing shows 30 of S1's 50 one night (a glitch on its side): held.
    // S2's own 2 of 10 really left: the part of the hold no newer run overtook.
    await fullRunSeeing(30, undefined, 8);
    const held = (await run('pull')) as { skipped: string; holdId: number };
    expect(held).toMatchObject({ skipped: 'held' });
    // A full run of S1 alone then lists all 50 again, unchanged: nothing to delete.
    await fullRunSeeing(50, S1);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    expect(await liveCount()).toBe(50);
    // Approving the older hold: S1's part of it was overtaken by the newer run of S1.
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    const queued = await nextRow(ctx.db, byQueue('pull'));
    if (queued) await runRow(ctx, queued);
    expect(await liveCount()).toBe(50);
    // S2, which no newer run covered, loses the 2 the whole-city run no longer listed.
    expect(await liveCount(S2)).toBe(8);
  });
});
