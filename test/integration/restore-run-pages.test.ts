/**
 * guard2 item 4 (restoreguard's leftover): a sync run whose restores span several pages. A run keeps its restores
 * across pages (src/jobs/run-counts.ts `withRun`, sync_run_guard.restored, migration 1457): each page alone stays
 * within the changed-records threshold, the run's restores with the page's take the school over it, and the run is
 * held at that page (a hold of kind `run`: the run's counts, the page's codes; its reason says restored); approved,
 * the page is applied and the run ends with every record back. And a run held at its first page: its next pages weighed
 * into the hold (src/jobs/run-weighed.ts) sum their restores with it. Through the jobs' registry shape on a real
 * in-memory database, the pages served by the fake source (test/unit/jobs/fixtures.ts), as review33a-weigh-diff.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../src/store/records.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { S1, S2 } from '../helpers/api.js';
import { hcmStudent, requestStudentsSync, runNextPull, useStudentsSource } from '../unit/jobs/fixtures.js';

const codes = Array.from({ length: 40 }, (_, i) => `RP${String(i).padStart(2, '0')}`);
const wire = (code: string) => hcmStudent(code, { school: S1 });

describe('a sync run whose restores span several pages (guard2 item 4)', () => {
  const { ctx, source } = useStudentsSource();
  const liveCount = () => createRecordsRepo(ctx.db).count('students', S1);

  it('is held at the page its restores with the earlier pages’ take over; approved, every record is back', async () => {
    // 40 students, then 24 of them tombstoned by the source (60%: held, approved).
    await requestStudentsSync(ctx, S1);
    source.pages.push({ items: codes.map(wire), deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 40, last: true });
    const gone = codes.slice(16);
    await requestStudentsSync(ctx, S1);
    source.pages.push({ items: [], deletedKeys: gone, nextCursor: undefined, watermark: 'w2' });
    const deleting = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(deleting).toMatchObject({ held: true });
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: deleting.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    source.pages.push({ items: [], deletedKeys: gone, nextCursor: undefined, watermark: 'w2' });
    expect(await runNextPull(ctx)).toEqual({ records: 0, last: true });
    expect(await liveCount()).toBe(16);

    // The source sends the 24 back, 8 a page: 8 of 24 (33%), 16 of 32 (50%, not over), 24 of 40 (60%) restored.
    const runId = await requestStudentsSync(ctx, S1);
    const pages = [gone.slice(0, 8), gone.slice(8, 16), gone.slice(16)];
    pages.forEach((keys, i) =>
      source.pages.push({
        items: keys.map(wire),
        deletedKeys: [],
        nextCursor: i < pages.length - 1 ? `c${i + 1}` : undefined,
        watermark: 'w3',
      }),
    );
    expect(await runNextPull(ctx)).toMatchObject({ records: 8, last: false });
    expect(await runNextPull(ctx)).toMatchObject({ records: 8, last: false });
    // Was it held without the run's restores? Each page alone is 8 of 24 (33%).
    const third = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(third).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(await liveCount()).toBe(32);
    const hold = (await createGuardHoldsRepo(ctx.db).get(third.holdId))!;
    expect(hold).toMatchObject({ kind: 'run', syncRunId: runId, status: 'held' });
    expect(hold.reasons).toEqual([
      { school: S1, kind: 'changed', count: 24, restored: 24, live: 40, ratio: 0.6, threshold: 0.5 },
    ]);
    expect(hold.diff).toEqual([
      expect.objectContaining({
        school: S1,
        live: 16,
        changed: 0,
        restored: 24,
        keys: expect.objectContaining({ restored: pages[2] }),
      }),
    ]);

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: third.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    source.pages.push({
      items: pages[2]!.map(wire),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w3',
    });
    expect(await runNextPull(ctx)).toMatchObject({ records: 8, last: true });
    expect(await liveCount()).toBe(40);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'done' });
  });
  it('held at its first page, its next pages weighed: the hold counts the restores of every page', async () => {
    const keys = codes.map((c) => `W${c}`);
    const wireOf = (code: string) => hcmStudent(code, { school: S2 });
    await requestStudentsSync(ctx, S2);
    source.pages.push({ items: keys.map(wireOf), deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 40, last: true });
    const gone = keys.slice(16);
    await ctx.db.query(`UPDATE truc.students SET deleted_at = now() WHERE student_code = ANY($1::text[])`, [
      gone,
    ]);
    expect(await createRecordsRepo(ctx.db).count('students', S2)).toBe(16);

    // 18 back at the first page (18 of 34, 53%: held), 3 and 3 at the next two, weighed.
    const pages: Record<string, { keys: string[]; nextCursor: string | undefined }> = {
      '': { keys: gone.slice(0, 18), nextCursor: 'c1' },
      c1: { keys: gone.slice(18, 21), nextCursor: 'c2' },
      c2: { keys: gone.slice(21), nextCursor: undefined },
    };
    const served = source.page.bind(source);
    source.page = async (_entity, opts) => {
      const p = pages[opts.cursor ?? '']!;
      return { items: p.keys.map(wireOf), deletedKeys: [], nextCursor: p.nextCursor, watermark: 'w2' };
    };
    try {
      await requestStudentsSync(ctx, S2);
      const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
      expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });
      const hold = (await createGuardHoldsRepo(ctx.db).get(held.holdId))!;
      expect(hold.weighing).toMatchObject({ state: 'whole' });
      expect(hold.reasons).toEqual([
        { school: S2, kind: 'changed', count: 24, restored: 24, live: 40, ratio: 0.6, threshold: 0.5 },
      ]);
      expect(hold.diff).toEqual([expect.objectContaining({ school: S2, live: 16, restored: 24 })]);
      expect(await createRecordsRepo(ctx.db).count('students', S2)).toBe(16);
    } finally {
      source.page = served;
    }
  });
});
