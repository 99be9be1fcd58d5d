/**
 * review16 BUG 12: a vendor's class snapshot deletes its school's classes of other school years. Classes are
 * keyed by school/year/code, and a vendor's "every class of my school" is this year's; but the snapshot's
 * omissions are read over the school's live classes of every year, so last year's classes (kept for the
 * records that name them) are deleted.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { classGroup } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { drain, useTestContext } from './fixtures.js';

describe("a vendor's class snapshot (review16 BUG 12)", () => {
  const ctx = useTestContext();

  async function classBatch(records: unknown[], mode: 'delta' | 'snapshot') {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'classes',
        format: 'canonical',
        records,
        mode,
      }),
    );
    await drain(ctx, 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }
  const live = async () =>
    (
      await ctx.db.rows<{ class_key: string }>(
        'truc.classes',
        `school_code = '${S1}' AND deleted_at IS NULL ORDER BY class_key`,
      )
    ).map((r) => r.class_key);

  it("deletes none of the school's classes of another school year", async () => {
    const codes = ['1A1', '1A2', '2A1'];
    const last = codes.map((c) => classGroup(c, { schoolYear: '2024-2025' }));
    const current = codes.map((c) => classGroup(c));
    const first = await classBatch([...last, ...current], 'delta');
    expect(first).toMatchObject({ status: 'done', accepted: 6 });
    expect(await live()).toHaveLength(6);
    // This year's classes, every one of them, as a snapshot: nothing is missing from this year.
    const snapshot = await classBatch(current, 'snapshot');
    expect(snapshot).toMatchObject({ status: 'done', deleted: 0 });
    expect(await live()).toHaveLength(6);
  });
});
