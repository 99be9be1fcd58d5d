/**
 * review18 BUG R4 (not fixed yet: `it.fails`): the mass-change guard weighs a vendor's class snapshot against
 * every live class of the school, of every school year, though the snapshot speaks only of the years it
 * carries (review16 BUG 12, src/jobs/snapshot-missing.ts): last year's classes, kept for the records that name
 * them, swell the school. A snapshot that leaves out half of this year's classes is weighed as a quarter when
 * the school keeps as many of last year's, under `guard.deleteRatio` (30 %): not held, the classes deleted.
 * (Weighed against the years it carries, a class snapshot needs `guard.minRecords` classes of those years.)
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { classGroup } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { drain, useTestContext } from './fixtures.js';

describe('the guard over a vendor’s class snapshot (review18 BUG R4)', () => {
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
  const liveThisYear = async () =>
    (
      await ctx.db.rows<{ class_key: string }>(
        'truc.classes',
        `school_code = '${S1}' AND deleted_at IS NULL AND data->>'schoolYear' = '${classGroup('X').schoolYear}'`,
      )
    ).length;

  it.fails('holds a snapshot that leaves out half of this year’s classes', async () => {
    const codes = Array.from({ length: 24 }, (_, i) => `${(i % 5) + 1}A${i + 1}`);
    const last = codes.map((c) => classGroup(c, { schoolYear: '2024-2025' }));
    const current = codes.map((c) => classGroup(c));
    expect(await classBatch([...last, ...current], 'delta')).toMatchObject({ status: 'done', accepted: 48 });
    // This year's snapshot carries 12 of its 24 classes: 50 % of this year's, 25 % of the school's 48 (both
    // years over `guard.minRecords`, 20).
    const snapshot = await classBatch(current.slice(0, 12), 'snapshot');
    const [hold] = await ctx.db.rows<{ id: number }>('truc.guard_holds', `batch_id = '${snapshot.id}'`);
    expect({
      held: hold !== undefined,
      deleted: snapshot.deleted,
      liveThisYear: await liveThisYear(),
    }).toEqual({
      held: true,
      deleted: 0,
      liveThisYear: 24,
    });
  });
});
