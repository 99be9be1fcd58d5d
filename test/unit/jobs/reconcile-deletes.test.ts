/**
 * Reconciliation and deletes (issue 7, sync-data), through the jobs' registry shape on a real in-memory database: a
 * full run with a record that did not map deletes nothing, a source's tombstones and a vendor snapshot's omissions
 * are deleted and travel to the targets, and a deleted record that comes back is restored even when it is unchanged.
 * A full run's reconciliation itself: ./reconcile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S2, student } from '../../helpers/api.js';
import { requestFullStudentsSync, vendorBatch } from './fixtures.js';
import { reconcileWorld, wire } from './reconcile-world.js';

describe('reconciliation and deletes', () => {
  const { city, ctx, source, drain, seed, live, deleteSets } = reconcileWorld();

  it('a full run with a record that did not map deletes nothing, and says why', async () => {
    await seed(['U1', 'U2'], 'hcm-csdl', S2);
    const runId = await requestFullStudentsSync(ctx, S2);
    source.pages.push({
      items: [wire('U1', S2), { ...wire('U9', S2), ngaySinh: 'not a date' }],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w-2',
    });
    expect((await drain('pull')).at(-1)).toEqual({ deleted: 0, skipped: 'unkeyed-records' });
    expect(await live('U2')).toBe(true);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      reconcile: 'done',
      reconciled: 0,
      reconcileNote: 'unkeyed-records',
    });
  });

  it("a source's tombstones travel; an incremental run reconciles nothing", async () => {
    await seed(['T1', 'T2'], 'hcm-csdl');
    // An earlier run's watermark, so the run below is incremental (a first run is a full one).
    await createSyncRunsRepo(ctx.db).saveWatermark('hcm-csdl', 'students', '', 'w-0');
    const before = (await deleteSets()).length;
    const runId = await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push({
      items: [],
      deletedKeys: ['T1', 'NEVER-HELD'],
      nextCursor: undefined,
      watermark: 'w-3',
    });
    await drain('pull');
    expect(await live('T1')).toBe(false);
    expect(await live('T2')).toBe(true);
    const sets = (await deleteSets()).slice(before);
    expect(sets.map((s) => [s.system, s.keys])).toEqual([['vnedu', ['T1']]]);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBeNull();
  });

  it('a deleted record that comes back unchanged is restored and delivered again', async () => {
    const first = await vendorBatch(ctx, [student('R1')]);
    expect(first).toMatchObject({ accepted: 1, unchanged: 0 });
    await createRecordsRepo(ctx.db).tombstone('students', ['R1']);
    expect(await live('R1')).toBe(false);
    const again = await vendorBatch(ctx, [student('R1')]);
    expect(again).toMatchObject({ accepted: 1, unchanged: 0 });
    expect(await live('R1')).toBe(true);
    const upserts = await ctx.db.rows<{ system: string; keys: string[] }>(
      'truc.push_sets',
      `operation = 'upsert' AND batch_id = '${again.id}' ORDER BY system`,
    );
    expect(upserts.map((s) => [s.system, s.keys])).toEqual([
      ['hcm-csdl', ['R1']],
      ['vnedu', ['R1']],
    ]);
    // Unchanged and live: unchanged, as before.
    expect(await vendorBatch(ctx, [student('R1')])).toMatchObject({ accepted: 0, unchanged: 1 });
  });

  it("a vendor snapshot deletes the school's records it omits; a delta batch never does", async () => {
    // Its own records; one a pull wrote in S1, one in S2 (whatever earlier tests left is not relied on).
    await seed(['NH1'], 'hcm-csdl');
    await seed(['NU1'], 'hcm-csdl', S2);
    await vendorBatch(ctx, [student('N1'), student('N2'), student('N3')]);
    const delta = await vendorBatch(ctx, [student('N1')]);
    expect(delta).toMatchObject({ mode: 'delta', deleted: 0 });
    expect(await live('N3')).toBe(true);

    const before = (await deleteSets()).length;
    const snap = await vendorBatch(ctx, [student('N1'), student('N2')], 'snapshot');
    expect(snap).toMatchObject({ mode: 'snapshot', deleted: expect.any(Number), unchanged: 2 });
    expect(await live('N3')).toBe(false);
    // A record the city wrote that the vendor never carried is not one it left out (precedence (b):
    // test/unit/jobs/snapshot-transfer-in.test.ts): kept. Other schools are untouched.
    expect(await live('NH1')).toBe(true);
    expect(await live('NU1')).toBe(true);
    const sets = (await deleteSets()).slice(before);
    expect(sets.map((s) => s.system)).toEqual(['hcm-csdl', 'vnedu']);
    expect(sets[0]!.keys).toContain('N3');
    expect(sets[0]!.keys).toHaveLength(snap.deleted);
    await drain('push.hcm-csdl');
    expect(city.removals.at(-1)).toMatchObject({ entity: 'students', keys: sets[0]!.keys });

    // A snapshot with a record that does not map deletes nothing.
    const unsafe = await vendorBatch(
      ctx,
      [student('N1'), { ...student('N2'), birthDate: 'bad' }],
      'snapshot',
    );
    expect(unsafe).toMatchObject({ deleted: 0 });
    expect(await live('N2')).toBe(true);
  });
});
