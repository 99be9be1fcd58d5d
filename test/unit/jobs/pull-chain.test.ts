/**
 * A pull job goes on with its run's next pages in its own process (issue 7, sync speed: no hop through
 * the relay and the queue per page), each page still its own transaction that writes the next page's
 * outbox row. That row is leased to the process, so the relay does not queue it meanwhile; when the
 * chain stops (a page failed) the row is handed to the relay and its job finishes the run.
 */
import { describe, expect, it } from 'vitest';
import { createOutboxRepo, type OutboxRow } from '../../../src/store/outbox.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import {
  requestFullStudentsSync,
  fakeSource,
  hcmStudent as wire,
  nextRow,
  openWork,
  runRow,
  useTestContext,
} from './fixtures.js';

describe('pull jobs chain their run’s pages', () => {
  const source = fakeSource('hcm-csdl', ['students']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, chainMs: 60_000 });
  const firstPage = async () => (await nextRow(ctx.db, (r) => r.job_name === 'pull-page'))!;

  /** Serves `pages` (keys per page) in order; on the given calls (1-based) it fails instead. */
  function serve(
    pages: string[][],
    fail: { calls: readonly number[]; onCall?: (n: number) => Promise<void> },
  ) {
    let calls = 0;
    const queue = pages.map((keys, i) => ({
      items: keys.map((k) => wire(k)),
      deletedKeys: [],
      nextCursor: i < pages.length - 1 ? `c${i + 1}` : undefined,
      watermark: undefined,
    }));
    source.page = async () => {
      calls += 1;
      await fail.onCall?.(calls);
      if (fail.calls.includes(calls)) throw new Error('source unreachable');
      const page = queue.shift();
      if (!page) throw new Error('no page left');
      return page;
    };
  }

  it('stores every page in one job, while the relay leaves the leased next page alone', async () => {
    const claimedDuringRun: OutboxRow[][] = [];
    // When page 2's transaction begins (the run's third page), its row (leased to this job) is open: the relay claims nothing.
    serve([['A1', 'A2'], ['A3'], ['A4']], { calls: [] });
    const tx = ctx.db.tx.bind(ctx.db);
    let txs = 0;
    ctx.db.tx = async (fn) => {
      txs += 1;
      if (txs === 4) claimedDuringRun.push(await createOutboxRepo(ctx.db).claimPending(10));
      return tx(fn);
    };
    const runId = await requestFullStudentsSync(ctx);
    expect(await runRow(ctx, await firstPage())).toEqual({ records: 1, last: true });
    ctx.db.tx = tx;
    expect(claimedDuringRun).toEqual([[]]);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'done',
      pages: 3,
      records: 4,
    });
    // Every page's row is closed by the page's own transaction, and the run reconciled by the same job
    // (./pull-reconcile-inline.test.ts): nothing is left.
    expect((await openWork(ctx.db)).map((r) => r.job_name)).toEqual([]);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('done');
    const pageRows = await ctx.db.rows<{ payload: { page: number }; done_at: Date | null }>(
      'truc.outbox',
      `job_name = 'pull-page' AND (payload->>'syncRunId')::int = ${runId} ORDER BY id`,
    );
    expect(pageRows.map((r) => [r.payload.page, r.done_at !== null])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
  });

  it('hands the next page to the relay when a page fails, and its job finishes the run', async () => {
    // Page 2 fails twice (its prefetch and its own fetch): the chain stops after page 1.
    serve([['B1'], ['B2'], ['B3']], { calls: [2, 3] });
    const runId = await requestFullStudentsSync(ctx);
    expect(await runRow(ctx, await firstPage())).toEqual({ records: 1, last: false });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'running', pages: 1 });
    const handed = await createOutboxRepo(ctx.db).claimPending(10);
    expect(handed.map((r) => r.payload)).toEqual([{ syncRunId: runId, page: 1 }]);

    expect(await runRow(ctx, handed[0]!)).toEqual({ records: 1, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'done',
      pages: 3,
      records: 3,
    });
    // The job that stored the last page reconciled the run: nothing is left.
    expect((await openWork(ctx.db)).map((r) => r.job_name)).toEqual([]);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('done');
  });
});
