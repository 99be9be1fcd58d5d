/**
 * left19 item 3: the mass-change guard weighs a vendor's class DELTA batch within the school years its classes
 * carry, as it weighs a class snapshot (review18 R4, class-snapshot-guard.test.ts). Classes are keyed by school,
 * year and code, and last year's classes stay for the records that name them: weighed against every year's,
 * a delta renaming most of this year's classes was diluted by the years behind it (14 of 24 this year's: 58 %,
 * over `guard.changeRatio` 50 %; 29 % of the school's 48 with last year's: not held), and the more years a
 * school keeps, the less the guard sees — while the very same renames sent as a snapshot were held.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { classGroup } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { drain, useTestContext } from './fixtures.js';

describe('the guard over a vendor’s class delta batch (left19 item 3)', () => {
  const ctx = useTestContext();

  async function classBatch(records: unknown[]) {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: S1,
        entity: 'classes',
        format: 'canonical',
        records,
        mode: 'delta',
      }),
    );
    await drain(ctx, 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }
  const codes = Array.from({ length: 24 }, (_, i) => `${(i % 5) + 1}B${i + 1}`);
  const renamedLive = async () =>
    (
      await ctx.db.rows<{ class_key: string }>(
        'truc.classes',
        `school_code = '${S1}' AND deleted_at IS NULL AND data->>'name' LIKE '% mới'`,
      )
    ).length;

  it('holds a delta that renames most of this year’s classes, weighed within the year', async () => {
    const last = codes.map((c) => classGroup(c, { schoolYear: '2024-2025' }));
    const current = codes.map((c) => classGroup(c));
    expect(await classBatch([...last, ...current])).toMatchObject({ status: 'done', accepted: 48 });
    const renamed = current.slice(0, 14).map((c) => ({ ...c, name: `${c.name} mới` }));
    const delta = await classBatch(renamed);
    const [hold] = await ctx.db.rows<{ diff: Array<{ live: number; changed: number }> }>(
      'truc.guard_holds',
      `batch_id = '${delta.id}'`,
    );
    expect({
      status: delta.status,
      diff: hold?.diff.map(({ live, changed }) => ({ live, changed })),
      renamed: await renamedLive(),
    }).toEqual({ status: 'held', diff: [{ live: 24, changed: 14 }], renamed: 0 });
  });

  it('lets through a delta that renames a few of this year’s classes', async () => {
    const current = codes.map((c) => classGroup(c));
    const renamed = current.slice(14, 20).map((c) => ({ ...c, name: `${c.name} mới` }));
    expect(await classBatch(renamed)).toMatchObject({ status: 'done', accepted: 6 });
    expect(await renamedLive()).toBe(6);
  });
});
