/**
 * review18 BUG R4 (fixed): the mass-change guard weighed a vendor's class snapshot against every live class
 * of the school, of every school year, though the snapshot speaks only of the years it carries (review16
 * BUG 12, src/jobs/snapshot-missing.ts): last year's classes, kept for the records that name them, swelled
 * the school. A snapshot that leaves out half of this year's classes was weighed as a quarter when the
 * school keeps as many of last year's, under `guard.deleteRatio` (30 %): not held, the classes deleted.
 * Now the deletions (src/jobs/guard.ts guardChange), the whole batch (guardBatch: its changes and the
 * deletions its hold shows) and the dry run weigh a class snapshot against the school's classes of its years.
 * (Weighed against the years it carries, a class snapshot needs `guard.minRecords` classes of those years.)
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { dryRunBatch } from '../../../src/jobs/dry-run.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { classGroup } from '../../factories/records.js';
import { S1, S2 } from '../../helpers/api.js';
import { drain, useTestContext } from './fixtures.js';

describe('the guard over a vendor’s class snapshot (review18 BUG R4)', () => {
  const ctx = useTestContext();

  async function classBatch(records: unknown[], mode: 'delta' | 'snapshot', schoolCode = S1) {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode,
        entity: 'classes',
        format: 'canonical',
        records,
        mode,
      }),
    );
    await drain(ctx, 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }
  const liveThisYear = async (school = S1) =>
    (
      await ctx.db.rows<{ class_key: string }>(
        'truc.classes',
        `school_code = '${school}' AND deleted_at IS NULL AND data->>'schoolYear' = '${classGroup('X').schoolYear}'`,
      )
    ).length;
  const codes = Array.from({ length: 24 }, (_, i) => `${(i % 5) + 1}A${i + 1}`);

  it('holds a snapshot that leaves out half of this year’s classes', async () => {
    const last = codes.map((c) => classGroup(c, { schoolYear: '2024-2025' }));
    const current = codes.map((c) => classGroup(c));
    expect(await classBatch([...last, ...current], 'delta')).toMatchObject({ status: 'done', accepted: 48 });
    // This year's snapshot carries 12 of its 24 classes: 50 % of this year's, 25 % of the school's 48 (both
    // years over `guard.minRecords`, 20). The dry run says so first.
    const dry = await ctx.db.tx((q) =>
      // Asked now (the records were written at the database's clock, after the context's fixed NOW).
      dryRunBatch(
        q,
        { ...ctx, now: () => new Date() },
        {
          clientId: 'vendor-1',
          schoolCode: S1,
          entity: 'classes',
          format: 'canonical',
          records: current.slice(0, 12),
          mode: 'snapshot',
        },
      ),
    );
    expect(dry.snapshot).toEqual({ wouldDelete: 12, skipped: null, guardWouldHold: true });
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

  it('holds whole a snapshot that changes most of this year’s classes, its hold weighed within the year', async () => {
    const last = codes.map((c) => classGroup(c, { schoolCode: S2, schoolYear: '2024-2025' }));
    const current = codes.map((c) => classGroup(c, { schoolCode: S2 }));
    expect(await classBatch([...last, ...current], 'delta', S2)).toMatchObject({
      status: 'done',
      accepted: 48,
    });
    // 14 of this year's 24 renamed (58 % of the year, over `guard.changeRatio` 50 %; 29 % of the school's 48),
    // the other 10 left out (42 % of the year, over `guard.deleteRatio`; 21 % of the school's).
    const renamed = current.slice(0, 14).map((c) => ({ ...c, name: `${c.name} mới` }));
    const snapshot = await classBatch(renamed, 'snapshot', S2);
    const [hold] = await ctx.db.rows<{ diff: Array<{ live: number; changed: number; deleted: number }> }>(
      'truc.guard_holds',
      `batch_id = '${snapshot.id}'`,
    );
    const renamedLive = await ctx.db.rows<{ class_key: string }>(
      'truc.classes',
      `school_code = '${S2}' AND deleted_at IS NULL AND data->>'name' LIKE '% mới'`,
    );
    expect({
      status: snapshot.status,
      diff: hold?.diff.map(({ live, changed, deleted }) => ({ live, changed, deleted })),
      renamed: renamedLive.length,
      liveThisYear: await liveThisYear(S2),
    }).toEqual({
      status: 'held',
      diff: [{ live: 24, changed: 14, deleted: 10 }],
      renamed: 0,
      liveThisYear: 24,
    });
  });
});
