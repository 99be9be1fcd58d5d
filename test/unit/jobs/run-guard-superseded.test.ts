/**
 * A held page of a full run, approved after a newer full run of its scope fetched every page (left18 item 3):
 * as a reconciliation so overtaken (7754749), the hold is closed as `superseded` (audited `guard.superseded`),
 * nothing of the page is applied and the run ends, failed with ERR_GUARD_SUPERSEDED, without pulling again
 * (the API answers 409 ERR_GUARD_SUPERSEDED). The newer run brought the school up to date through the guard;
 * going on from the old cursor would add nothing, and the approval would let the rest of the old run through
 * unguarded. Through the jobs' registry shape on a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1 } from '../../helpers/api.js';
import {
  fakeTarget,
  guardAudit,
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  useStudentsSource,
} from './fixtures.js';

const keys = Array.from({ length: 50 }, (_, i) => `SP${String(i).padStart(2, '0')}`);
const students = keys.map((k) => hcmStudent(k, { school: S1 }));

describe('a held page of a full run approved after a newer full run', () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const { ctx, source } = useStudentsSource({ vnedu: school });

  const liveCount = () => createRecordsRepo(ctx.db).count('students', S1);

  it('is closed as superseded: nothing applied, the run fails ERR_GUARD_SUPERSEDED, no page pulled again', async () => {
    await requestFullStudentsSync(ctx, S1);
    source.pages.push({ items: students, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await liveCount()).toBe(50);

    // A full run whose page says 20 of the school's 50 students (40%) are gone: held.
    const older = await requestFullStudentsSync(ctx, S1);
    source.pages.push({ items: [], deletedKeys: keys.slice(0, 20), nextCursor: 'c1', watermark: 'w2' });
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(await createGuardHoldsRepo(ctx.db).get(held.holdId)).toMatchObject({
      kind: 'run',
      syncRunId: older,
      status: 'held',
    });

    // The source serves the whole school again; a newer full run fetches every page.
    const newer = await requestFullStudentsSync(ctx, S1);
    source.pages.push({ items: students, deletedKeys: [], nextCursor: undefined, watermark: 'w3' });
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(newer)).toMatchObject({ status: 'done' });

    // The admin approves the older run's hold afterwards.
    const decided = await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(decided).toMatchObject({ status: 'superseded' });
    expect(await createSyncRunsRepo(ctx.db).get(older)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_GUARD_SUPERSEDED',
    });
    // No page of the older run is pulled again (its held tombstones would have gone through unguarded).
    source.pages.push({ items: [], deletedKeys: keys.slice(0, 20), nextCursor: undefined, watermark: 'w4' });
    expect(await runNextPull(ctx)).toBeUndefined();
    expect(await liveCount()).toBe(50);
    expect(await guardAudit(ctx.db, held.holdId)).toEqual([
      ['guard.held', 'system:guard'],
      ['guard.superseded', 'city-admin-1'],
    ]);
  });
});
