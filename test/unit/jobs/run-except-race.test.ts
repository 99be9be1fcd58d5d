/**
 * fix34c item 3: a run an approval left a school out of takes that school's records off each page in the page's
 * own transaction, under locks (src/jobs/run-except.ts). Before, the page was filtered as it was fetched (read
 * ahead, outside any transaction): a record moved into the left-out school between that read and the page's write
 * (a vendor of the school, another system's run) was written over, taken from the school the admin left out.
 * Here the move lands between the page's fetch and its transaction (deterministic: the two are called in turn).
 */
import { describe, expect, it } from 'vitest';
import { fetchPage } from '../../../src/jobs/pull-ahead.js';
import { storeOrHold } from '../../../src/jobs/pull-page-tx.js';
import { storeLocked } from '../../../src/jobs/pull-store.js';
import { createRunExceptRepo } from '../../../src/store/run-except.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import { fullStudentsRun, hcmStudent, requestFullStudentsSync, useStudentsSource } from './fixtures.js';

const codes = (p: string) => Array.from({ length: 10 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);

describe('a run with a school left out, a record moved into that school after its page was fetched', () => {
  const { ctx, source } = useStudentsSource();

  it('is left where it was moved, counted as not applied', async () => {
    await fullStudentsRun(ctx, source, [
      [
        ...codes('RA').map((k) => hcmStudent(k, { school: S1 })),
        ...codes('RB').map((k) => hcmStudent(k, { school: S2 })),
      ],
    ]);
    const runId = await requestFullStudentsSync(ctx);
    // An earlier hold of the run was approved except S2.
    await createRunExceptRepo(ctx.db).leaveOut(runId, [S2]);
    const run = (await createSyncRunsRepo(ctx.db).get(runId))!;
    expect(run.rejectedSchools).toEqual([S2]);
    // The source renames RA00 at S1: a change of S1, nothing of S2 (as the page is read).
    source.pages.push({
      items: [hcmStudent('RA00', { school: S1, name: 'Trần Văn Bình' })],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w2',
    });
    const page = await fetchPage(ctx, run);
    // Then, before the page is written, RA00 is moved into S2 (another writer's change of it).
    await ctx.db.query(
      `UPDATE truc.students SET school_code = $2, fingerprint = 'moved-by-another-writer' WHERE student_code = $1`,
      ['RA00', S2],
    );
    const stored = await storeOrHold(ctx, run, 0, { outboxId: undefined }, (q, insertNew) =>
      storeLocked(q, ctx, { run, pageNo: 0, page, ahead: undefined, outboxId: undefined }, insertNew),
    );
    expect(stored).toBeDefined();
    expect(stored).not.toHaveProperty('holdId');
    // Still at S2, as the other writer left it: the page did not take it from the school left out.
    const [row] = (
      await ctx.db.query<{ school_code: string; fingerprint: string }>(
        `SELECT school_code, fingerprint FROM truc.students WHERE student_code = 'RA00'`,
      )
    ).rows;
    expect(row).toEqual({ school_code: S2, fingerprint: 'moved-by-another-writer' });
    const counted = await ctx.db.query<{ school_code: string; records: number }>(
      `SELECT school_code, records FROM truc.sync_run_not_applied WHERE sync_run_id = $1`,
      [runId],
    );
    expect(counted.rows).toEqual([{ school_code: S2, records: 1 }]);
  });
});
