/**
 * Dead letters, on a real in-memory database: a job that failed for good fails the batch or sync run
 * it was about and closes its outbox row as dead; a replay queues the same work again, re-opens what
 * the failure closed, marks the letter replayed (once) and is audited.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueBatch, requestSync } from '../../../src/jobs/contracts.js';
import { recordDeadLetter, replayDeadLetters } from '../../../src/jobs/dead-letters.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { student } from '../../helpers/api.js';
import { MEMORY_DB_TIMEOUT_MS } from '../../helpers/memory-db.js';
import { openWork, testContext, type TestContext } from './fixtures.js';

describe('dead letters: record and replay', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await testContext();
  }, MEMORY_DB_TIMEOUT_MS);

  const failed = (row: {
    id: number;
    queue: string;
    job_name: string;
    payload: Record<string, unknown>;
  }) => ({
    outboxId: row.id,
    queue: row.queue,
    name: row.job_name,
    jobId: `job-${row.id}`,
    payload: row.payload,
    code: 'ERR_MAPPING_INVALID',
    message: 'bad data',
    attempts: 1,
  });

  it('a failed ingest fails its batch; a replay re-queues it and re-opens the batch', async () => {
    const batchId = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: 'v',
        schoolCode: 'S',
        entity: 'students',
        format: 'canonical',
        records: [student('X')],
      }),
    );
    const row = (await openWork(ctx.db)).find((r) => r.payload.batchId === batchId)!;
    await recordDeadLetter(ctx.db, failed(row));
    expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_MAPPING_INVALID',
    });
    expect((await openWork(ctx.db)).map((r) => r.id)).not.toContain(row.id);
    const [letter] = await createDeadLettersRepo(ctx.db).list({ queue: 'ingest' }, 10, 0);
    expect(letter).toMatchObject({ outboxId: row.id, jobName: 'ingest-batch', payload: { batchId } });

    expect(await replayDeadLetters(ctx.db, { queue: 'ingest' }, 'admin')).toEqual([letter!.id]);
    expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({ status: 'queued', errorCode: null });
    const again = (await openWork(ctx.db)).filter((r) => r.payload.batchId === batchId);
    expect(again).toEqual([expect.objectContaining({ queue: 'ingest', job_name: 'ingest-batch' })]);
    expect(again[0]!.id).not.toBe(row.id);
    expect(await replayDeadLetters(ctx.db, { queue: 'ingest' }, 'admin')).toEqual([]); // once
    expect(await ctx.db.rows('truc.audit_log', `action = 'dead_letters.replayed'`)).toHaveLength(1);
  });

  it('a failed pull fails its sync run; a replay sets it running again', async () => {
    const runId = await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'staff', requestedBy: 'admin' }),
    );
    const row = (await openWork(ctx.db)).find((r) => r.payload.syncRunId === runId)!;
    await recordDeadLetter(ctx.db, { ...failed(row), code: 'ERR_ADAPTER_AUTH' });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_ADAPTER_AUTH',
    });
    const replayed = await replayDeadLetters(ctx.db, { errorCode: 'ERR_ADAPTER_AUTH' }, 'admin');
    expect(replayed).toHaveLength(1);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'running', errorCode: null });
  });

  it('a letter without an outbox row has nothing to replay', async () => {
    await recordDeadLetter(ctx.db, {
      outboxId: undefined,
      queue: 'pull',
      name: 'pull-page',
      jobId: 'scheduled-1',
      payload: {},
      code: 'ERR_INTERNAL',
      message: 'boom',
      attempts: 8,
    });
    expect(await replayDeadLetters(ctx.db, { queue: 'pull', errorCode: 'ERR_INTERNAL' }, 'admin')).toEqual(
      [],
    );
  });
});
