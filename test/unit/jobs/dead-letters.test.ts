/**
 * Dead letters, on a real in-memory database: a job that failed for good fails the batch or sync run
 * it was about and closes its outbox row as dead; a replay queues the same work again, re-opens what
 * the failure closed, marks the letter replayed (once) and is audited.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PULL_CLIENT, queueBatch, requestSync } from '../../../src/jobs/contracts.js';
import { recordDeadLetter, replayDeadLetters } from '../../../src/jobs/dead-letters.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { hcmCsdlStudent } from '../../factories/wire.js';
import { student } from '../../helpers/api.js';
import { nextRow, ofBatch, openWork, runRow, useTestContext, type OutboxRow } from './fixtures.js';

describe('dead letters: record and replay', () => {
  const ctx = useTestContext();

  const failed = (row: OutboxRow) => ({
    outboxId: row.id,
    queue: row.queue,
    name: row.job_name,
    jobId: `job-${row.id}`,
    payload: row.payload,
    code: 'ERR_MAPPING_INVALID',
    message: 'bad data',
    attempts: 1,
    at: ctx.now(),
  });

  it('a failed ingest fails its batch; a replay re-queues it and re-opens the batch', async () => {
    // Replayed by queue and code: the letters of ingests that failed with this code (the other tests'
    // ingest letters carry other codes).
    const mappingFailures = { queue: 'ingest', errorCode: 'ERR_MAPPING_INVALID' };
    const audited = async () =>
      (await ctx.db.rows('truc.audit_log', `action = 'dead_letters.replayed'`)).length;
    const auditedBefore = await audited();
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
    const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
    await recordDeadLetter(ctx.db, failed(row));
    expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_MAPPING_INVALID',
    });
    expect((await openWork(ctx.db)).map((r) => r.id)).not.toContain(row.id);
    const [letter] = await createDeadLettersRepo(ctx.db).list({ queue: 'ingest' }, 10, 0);
    expect(letter).toMatchObject({ outboxId: row.id, jobName: 'ingest-batch', payload: { batchId } });

    expect(
      (await replayDeadLetters(ctx.db, mappingFailures, { actor: 'admin', at: ctx.now() })).replayed,
    ).toEqual([letter!.id]);
    expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({ status: 'queued', errorCode: null });
    const again = (await openWork(ctx.db)).filter((r) => r.payload.batchId === batchId);
    expect(again).toEqual([expect.objectContaining({ queue: 'ingest', job_name: 'ingest-batch' })]);
    expect(again[0]!.id).not.toBe(row.id);
    expect(
      (await replayDeadLetters(ctx.db, mappingFailures, { actor: 'admin', at: ctx.now() })).replayed,
    ).toEqual([]); // once
    expect(await audited()).toBe(auditedBefore + 1);
  });

  it('a failed pull fails its sync run; a replay sets it running again', async () => {
    const runId = await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'staff', requestedBy: 'admin', at: ctx.now() }),
    );
    const row = (await nextRow(ctx.db, (r) => r.payload.syncRunId === runId))!;
    await recordDeadLetter(ctx.db, { ...failed(row), code: 'ERR_ADAPTER_AUTH' });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_ADAPTER_AUTH',
    });
    const { replayed } = await replayDeadLetters(
      ctx.db,
      { errorCode: 'ERR_ADAPTER_AUTH' },
      { actor: 'admin', at: ctx.now() },
    );
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
      at: ctx.now(),
    });
    expect(
      (
        await replayDeadLetters(
          ctx.db,
          { queue: 'pull', errorCode: 'ERR_INTERNAL' },
          { actor: 'admin', at: ctx.now() },
        )
      ).replayed,
    ).toEqual([]);
  });

  describe('replay and the mapping version', () => {
    const V1 = 'hcm-csdl/students@1';
    const V2 = 'hcm-csdl/students@2';
    /** A pulled page of one hcm-csdl student with parents, whose ingest failed for good. */
    async function failedPage(code: string): Promise<{ batchId: string; letterId: number }> {
      const batchId = randomUUID();
      await ctx.db.tx((q) =>
        queueBatch(q, {
          id: batchId,
          clientId: PULL_CLIENT,
          schoolCode: '*',
          entity: 'students',
          format: 'hcm-csdl',
          records: [hcmCsdlStudent(code, { hoTenCha: 'Nguyễn Văn Hùng' })],
        }),
      );
      const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
      await recordDeadLetter(ctx.db, { ...failed(row), code: 'ERR_VALIDATION' });
      const [letter] = await createDeadLettersRepo(ctx.db).list({ queue: 'ingest' }, 1, 0);
      // The letter keeps the version its work ran with: today's.
      expect(letter).toMatchObject({ payload: { batchId }, mappingVersion: V2 });
      return { batchId, letterId: letter!.id };
    }
    /** As if an earlier truc (mapping @1) had recorded the letter. */
    const ranWith = (letterId: number, version: string) =>
      ctx.db.query('UPDATE truc.dead_letters SET mapping_version = $2 WHERE id = $1', [letterId, version]);
    async function ingestReplayed(batchId: string) {
      await runRow(ctx, (await nextRow(ctx.db, ofBatch(batchId)))!);
    }
    const stored = async (code: string) =>
      (
        await ctx.db.query<{ mapping_version: string; data: Record<string, unknown> }>(
          'SELECT mapping_version, data FROM truc.students WHERE student_code = $1',
          [code],
        )
      ).rows[0];

    it('pinned: the work is mapped with the version it first ran with, and the answer says so', async () => {
      const { batchId, letterId } = await failedPage('PIN1');
      await ranWith(letterId, V1);
      const r = await replayDeadLetters(
        ctx.db,
        { ids: [letterId] },
        { actor: 'admin', at: ctx.now() },
        { mapping: 'pinned' },
      );
      expect(r).toEqual({
        replayed: [letterId],
        mapping: 'pinned',
        items: [{ id: letterId, mappingVersion: V1, pinned: true }],
        closed: [],
        skipped: [],
      });
      expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({
        status: 'queued',
        mappingPin: V1,
      });
      await ingestReplayed(batchId);
      const rec = await stored('PIN1');
      expect(rec!.mapping_version).toBe(V1);
      expect(rec!.data).toMatchObject({ studentCode: 'PIN1', fullName: 'Nguyễn Văn An' });
      expect(rec!.data).not.toHaveProperty('fatherName'); // @1 did not read the parents
    });

    it('current (the default): the work is mapped with the current version, and the answer says so', async () => {
      const { batchId, letterId } = await failedPage('CUR1');
      await ranWith(letterId, V1);
      const r = await replayDeadLetters(ctx.db, { ids: [letterId] }, { actor: 'admin', at: ctx.now() });
      expect(r).toEqual({
        replayed: [letterId],
        mapping: 'current',
        items: [{ id: letterId, mappingVersion: V2, pinned: false }],
        closed: [],
        skipped: [],
      });
      await ingestReplayed(batchId);
      const rec = await stored('CUR1');
      expect(rec!.mapping_version).toBe(V2);
      expect(rec!.data).toMatchObject({ fatherName: 'Nguyễn Văn Hùng' });
    });

    it('a pinned version no longer loadable refuses the replay and changes nothing', async () => {
      const { batchId, letterId } = await failedPage('OLD1');
      await ranWith(letterId, 'hcm-csdl/students@0');
      const audit = (await ctx.db.rows('truc.audit_log')).length;
      await expect(
        replayDeadLetters(
          ctx.db,
          { ids: [letterId] },
          { actor: 'admin', at: ctx.now() },
          { mapping: 'pinned' },
        ),
      ).rejects.toMatchObject({ code: 'ERR_MAPPING_VERSION_UNKNOWN' });
      expect(await createBatchesRepo(ctx.db).get(batchId)).toMatchObject({
        status: 'failed',
        mappingPin: null,
      });
      expect((await createDeadLettersRepo(ctx.db).list({ ids: [letterId] }, 1, 0))[0]!.replayedAt).toBeNull();
      expect((await ctx.db.rows('truc.audit_log')).length).toBe(audit);
    });
  });
});
