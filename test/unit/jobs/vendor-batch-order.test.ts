/**
 * review18 BUG R1 (fixed by order20, migration 600: src/store/word-arrival.ts): a vendor batch ingested after a newer batch of the same
 * school puts its older copy over the newer one. Ingest jobs run concurrently (`jobs.concurrency` per
 * worker, any number of workers), a batch's ingest may be retried after a transient failure (a deadlock
 * with the newer batch touching the same rows) or replayed from a dead letter, so a vendor's two pushes of
 * one student, seconds apart, can be applied in the other order: truc keeps (and sends on to the city) the
 * state the vendor replaced. Now every vendor batch's write leaves a record whose word arrived after the batch
 * (the rule an approved hold had alone before, as write times: b256672).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { nextRow, ofBatch, runRow, useTestContext } from './fixtures.js';

describe('vendor batches of one school ingested out of order (review18 BUG R1)', () => {
  const ctx = useTestContext();

  const queue = (id: string, fullName: string, code = 'OX1', bodySha256?: string) =>
    ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student(code, { fullName })],
        mode: 'delta',
        ...(bodySha256 ? { bodySha256 } : {}),
      }),
    );
  const names = async (code: string) =>
    (
      await ctx.db.rows<{ data: { fullName: string } }>(
        'truc.students',
        `student_code = '${code}' AND deleted_at IS NULL`,
      )
    ).map((r) => r.data.fullName);
  const ingest = async (id: string) => runRow(ctx, (await nextRow(ctx.db, ofBatch(id)))!);

  it('keeps the newer batch’s copy when the older batch is ingested last', async () => {
    const [older, newer] = [randomUUID(), randomUUID()];
    // The vendor pushes the student, then its correction: two batches, stored in that order.
    await queue(older, 'Nguyễn Văn Cũ');
    await queue(newer, 'Nguyễn Văn Mới');
    // The newer batch's ingest runs first (another worker; or the older one's failed and is retried).
    await ingest(newer);
    await ingest(older);
    const rows = await ctx.db.rows<{ data: { fullName: string } }>(
      'truc.students',
      `student_code = 'OX1' AND deleted_at IS NULL`,
    );
    // truc holds the vendor's latest word, and the older batch counts the student unchanged.
    expect(rows.map((r) => r.data.fullName)).toEqual(['Nguyễn Văn Mới']);
    expect(await createBatchesRepo(ctx.db).get(older)).toMatchObject({ accepted: 0, unchanged: 1 });
  });

  it('keeps what a newer re-push judged at once carried when an older batch is ingested last', async () => {
    const [first, older, repush] = [randomUUID(), randomUUID(), randomUUID()];
    // The vendor's body A (judged, stored), then body B (a change), then body A again: its latest word is A.
    await queue(first, 'Lê Thị Hoa', 'OX2', 'sha-body-a');
    await ingest(first);
    await queue(older, 'Lê Thị Hồng', 'OX2', 'sha-body-b');
    await queue(repush, 'Lê Thị Hoa', 'OX2', 'sha-body-a');
    // A's re-push is judged at once (nothing of the school written since A was judged: B still waits) and
    // writes nothing; B's ingest runs after it.
    await ingest(repush);
    expect(await createBatchesRepo(ctx.db).get(repush)).toMatchObject({ status: 'done', unchanged: 1 });
    await ingest(older);
    expect(await names('OX2')).toEqual(['Lê Thị Hoa']);
  });
});
