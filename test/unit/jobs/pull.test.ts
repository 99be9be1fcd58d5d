/**
 * The pull job through the registry's shape, on a real in-memory database and a fake source: each
 * page is ingested as a batch by the pull job (the batch keeps counts, not records), the run advances and queues the next page, the last page
 * finishes the run and keeps its watermark for the next incremental run; tombstones delete records;
 * a page already stored is a no-op.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { pullPageJob } from '../../../src/jobs/pull.js';
import { createRecordsRepo, fingerprint } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { fakeSource, NOW, nextRow, openWork, runOf, runRow, useTestContext } from './fixtures.js';

describe('pull job', () => {
  const source = fakeSource('hcm-csdl', ['schools', 'students']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source } });

  /** Runs the open pull job of run `runId` (it has one at a time) and returns what it answered. */
  async function runNextPage(runId: number) {
    return runRow(
      ctx,
      (await nextRow(ctx.db, (r) => r.job_name === 'pull-page' && r.payload.syncRunId === runId))!,
    );
  }
  /** The id of the newest outbox row: the rows a test queues after it are its own. */
  const lastOutboxId = async () =>
    (await ctx.db.rows<{ id: number }>('truc.outbox', 'true ORDER BY id DESC LIMIT 1'))[0]?.id ?? 0;

  it('stores each page as a batch, advances the run, finishes it with its watermark', async () => {
    const since = await lastOutboxId();
    const sourceCalls = source.calls.length;
    const opened = async () => (await openWork(ctx.db)).filter((r) => r.id > since);
    await createRecordsRepo(ctx.db).upsert(
      'students',
      [{ key: 'GONE1', scope: 'S', data: { x: 1 }, fingerprint: fingerprint({ x: 1 }) }],
      { system: 'hcm-csdl', mappingVersion: 'test@1' },
    );
    const runId = await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push(
      { items: [{ n: 1 }, { n: 2 }], deletedKeys: [], nextCursor: 'c1', watermark: undefined },
      { items: [{ n: 3 }], deletedKeys: ['GONE1'], nextCursor: undefined, watermark: 'w-1' },
    );

    expect(await runNextPage(runId)).toEqual({ records: 2, last: false });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'running',
      cursor: 'c1',
      pages: 1,
      records: 2,
    });
    // The page is ingested by the pull job itself: its batch is done, keeps its counts, not the records.
    const open = await opened();
    expect(open.map((r) => [r.queue, r.payload])).toEqual([['pull', { syncRunId: runId, page: 1 }]]);
    const [batch] = await ctx.db.rows<{
      sync_run_id: number;
      client_id: string;
      format: string;
      status: string;
      received: number;
      records: string;
    }>('truc.batches', `sync_run_id = ${runId}`);
    expect(batch).toMatchObject({
      sync_run_id: runId,
      client_id: 'system:pull',
      format: 'hcm-csdl',
      status: 'done',
      received: 2,
      records: '[]',
    });

    expect(await runNextPage(runId)).toEqual({ records: 1, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'done',
      pages: 2,
      records: 3,
      tombstones: 1,
      watermark: 'w-1',
    });
    expect(
      await ctx.db.rows('truc.students', `student_code = 'GONE1' AND deleted_at IS NOT NULL`),
    ).toHaveLength(1);
    expect(source.calls.slice(sourceCalls).map((c) => c.cursor)).toEqual([undefined, 'c1']);
    // No next page; the run (the first, so it had no watermark: a full one) is due for reconciliation.
    expect((await opened()).filter((r) => r.queue === 'pull').map((r) => r.job_name)).toEqual([
      'reconcile-run',
    ]);

    // The next incremental run starts from the watermark; a full one does not.
    const next = await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
    );
    expect(await createSyncRunsRepo(ctx.db).get(next)).toMatchObject({ since: 'w-1' });
    source.pages.push({ items: [], deletedKeys: [], nextCursor: undefined, watermark: undefined });
    await runNextPage(next);
    expect(source.calls.at(-1)).toMatchObject({ since: 'w-1' });
    // No watermark from the source: the run's end (the worker's clock) becomes it.
    expect(await createSyncRunsRepo(ctx.db).watermark('hcm-csdl', 'students', '')).toBe(NOW.toISOString());
  });

  it('a page already stored is a no-op (a replayed or duplicated job)', async () => {
    const runId = await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'schools',
        full: true,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    const row = (await openWork(ctx.db)).find((r) => r.payload.syncRunId === runId)!;
    source.pages.push({ items: [{ n: 1 }], deletedKeys: [], nextCursor: undefined, watermark: 'w' });
    await pullPageJob.run(ctx, row.payload, runOf('pull', 'pull-page', row.id));
    const calls = source.calls.length;
    expect(
      await pullPageJob.run(ctx, { syncRunId: runId, page: 0 }, runOf('pull', 'pull-page', row.id)),
    ).toEqual({ skipped: true });
    expect(source.calls).toHaveLength(calls);
  });

  it('a system that is not a configured source of the entity fails for good', async () => {
    const runId = await ctx.db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'staff', requestedBy: 'admin', at: ctx.now() }),
    );
    await expect(runNextPage(runId)).rejects.toMatchObject({
      code: 'ERR_ENTITY_UNSUPPORTED',
      retryable: false,
    });
  });
});
