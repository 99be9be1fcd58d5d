/**
 * The ingest job through the registry's shape (`ingestJob.run(ctx, payload, run)`), on a real
 * in-memory database: what it accepts, rejects and skips, the findings it stores, the push sets and
 * outbox rows it leaves for the targets, and that it is idempotent.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainPending, verifyAudit } from '../../../src/audit/chain.js';
import { PULL_CLIENT, queueBatch } from '../../../src/jobs/contracts.js';
import { ingestJob } from '../../../src/jobs/ingest.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { student, S1, OTHER } from '../../helpers/api.js';
import { fakeTarget, nextRow, ofBatch, openWork, runOf, runRow, useTestContext } from './fixtures.js';

describe('ingest job', () => {
  const ctx = useTestContext({ targets: { 'hcm-csdl': fakeTarget('hcm-csdl', ['students', 'staff']) } });

  /** Stores a batch with its ingest row, runs the job on that row; returns the batch id and the result. */
  async function ingest(records: unknown[], opts: { clientId?: string; school?: string } = {}) {
    const batchId = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: opts.clientId ?? 'vendor-1',
        schoolCode: opts.clientId === PULL_CLIENT ? '*' : (opts.school ?? S1),
        entity: 'students',
        format: 'canonical',
        records,
      }),
    );
    const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
    const result = await runRow(ctx, row, ingestJob);
    return { batchId, result, outboxId: row.id };
  }

  it('accepts valid records, rejects broken and foreign ones with findings, queues one push set', async () => {
    const { batchId, result, outboxId } = await ingest([
      student('A1'),
      student('A2'),
      { ...student('A3'), birthDate: '2019-02-30' },
      student('A4', OTHER),
      student('A1'),
    ]);
    expect(result).toEqual({ accepted: 2, rejected: 3, unchanged: 0, pushSets: [expect.any(Number)] });
    const batch = await createBatchesRepo(ctx.db).get(batchId);
    expect(batch).toMatchObject({ status: 'done', accepted: 2, rejected: 3, unchanged: 0 });
    const findings = await createBatchesRepo(ctx.db).findings(batchId, 100, 0);
    const errors = findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => [f.recordIndex, f.criterion, f.rule])).toEqual([
      [2, 'dung', 'DUNG_DATE_INVALID'],
      [3, 'tenancy', 'TENANCY_OTHER_SCHOOL'],
      [4, 'sach', 'SACH_DUPLICATE_IN_BATCH'],
    ]);
    for (const f of findings) expect(f.messageVi && f.messageEn && f.messageVi !== f.messageEn).toBeTruthy();
    // Its own outbox row is closed; the one row it queued (after its own; earlier tests' rows may be
    // open) is a push for the city database, carrying the set id only.
    const open = await openWork(ctx.db);
    expect(open.find((r) => r.id === outboxId)).toBeUndefined();
    expect(open.filter((r) => r.id > outboxId)).toEqual([
      expect.objectContaining({
        queue: 'push.hcm-csdl',
        job_name: 'push-set',
        payload: { pushSetId: result.pushSets[0] },
      }),
    ]);
    const [set] = await ctx.db.rows<{ keys: string[]; system: string }>(
      'truc.push_sets',
      `id = ${result.pushSets[0]}`,
    );
    expect(set).toMatchObject({ system: 'hcm-csdl', keys: ['A1', 'A2'] });
    // Recorded with the batch off the chain's lock (issue 7), chained later by the chainer, and verified.
    const ingested = `action = 'batch.ingested' AND subject = 'batch:${batchId}'`;
    expect(await ctx.db.rows('truc.audit_log', ingested)).toHaveLength(0);
    expect(await ctx.db.rows('truc.audit_pending', ingested)).toHaveLength(1);
    await ctx.db.tx((q) => chainPending(q));
    expect(await ctx.db.rows('truc.audit_log', ingested)).toHaveLength(1);
    expect((await verifyAudit(ctx.db)).ok).toBe(true);
  });

  it("carries the batch's record count in its job, so the worker reads no size before the ingest (issue 7)", async () => {
    const batchId = randomUUID();
    const records = [student('C1'), student('C2')];
    const batch = {
      id: batchId,
      clientId: 'vendor-1',
      schoolCode: S1,
      entity: 'students' as const,
      format: 'canonical',
      records,
    };
    await ctx.db.tx((q) => queueBatch(q, batch));
    const row = (await nextRow(ctx.db, ofBatch(batchId)))!;
    expect(row.payload).toEqual({ batchId, received: 2 });
    // Every statement sent outside a transaction (the ingest slot's size read was one: ../../../src/jobs/ingest-slots.ts).
    const alone: string[] = [];
    const db = new Proxy(ctx.db, {
      get(target, prop) {
        if (prop === 'query')
          return (sql: string, params?: readonly unknown[]) => (alone.push(sql), target.query(sql, params));
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const result = await ingestJob.run({ ...ctx, db }, row.payload, runOf('ingest', 'ingest-batch', row.id));
    expect(result).toMatchObject({ accepted: 2 });
    expect(alone.filter((sql) => /truc\.batches/.test(sql))).toEqual([]);
  });

  it('is a no-op on a batch already done', async () => {
    const { batchId, outboxId } = await ingest([student('B1')]);
    const before = await ctx.db.rows('truc.push_sets');
    const again = await ingestJob.run(ctx, { batchId }, runOf('ingest', 'ingest-batch', outboxId));
    expect(again).toEqual({ accepted: 1, rejected: 0, unchanged: 0, pushSets: [] });
    expect(await ctx.db.rows('truc.push_sets')).toHaveLength(before.length);
  });

  it('the same records again are unchanged: no push set', async () => {
    await ingest([student('C1')]);
    const sets = (await ctx.db.rows('truc.push_sets')).length;
    const { result } = await ingest([student('C1')]);
    expect(result).toEqual({ accepted: 0, rejected: 0, unchanged: 1, pushSets: [] });
    expect(await ctx.db.rows('truc.push_sets')).toHaveLength(sets);
  });

  it("a vendor cannot move another school's record; a pull from the system of record may", async () => {
    await ingest([student('D1')]);
    const moved = student('D1', OTHER);
    const vendor = await ingest([moved], { school: OTHER });
    expect(vendor.result).toMatchObject({ accepted: 0, rejected: 1 });
    const rules = (await createBatchesRepo(ctx.db).findings(vendor.batchId, 10, 0)).map((f) => f.rule);
    expect(rules).toContain('TENANCY_OWNED_ELSEWHERE');

    const pulled = await ingest([moved], { clientId: PULL_CLIENT });
    expect(pulled.result).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('refuses a payload that breaks the contract, before touching anything', async () => {
    const before = await ctx.db.rows('truc.batches');
    await expect(
      ingestJob.run(ctx, { batchId: 'not-a-uuid' }, runOf('ingest', 'ingest-batch', 1)),
    ).rejects.toMatchObject({ code: 'ERR_JOB_PAYLOAD_INVALID', retryable: false });
    expect(await ctx.db.rows('truc.batches')).toHaveLength(before.length);
  });
});
