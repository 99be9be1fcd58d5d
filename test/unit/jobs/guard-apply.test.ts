/**
 * The guard-apply job (issue 7) through the registry's shape, on a real in-memory database: a vendor
 * snapshot that omits half its school is held; once a city admin approves, the job deletes the omitted
 * records still live and not written since the snapshot arrived (one rewritten meanwhile stays), sends
 * the deletions to the targets that delete, audits it, and does nothing the second time.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { guardApplyJob } from '../../../src/jobs/guard-apply.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { student } from '../../helpers/api.js';
import { drain, fakeTarget, holdOf, liveStudents, runOf, useTestContext, vendorBatch } from './fixtures.js';

describe('guard-apply job', () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const ctx = useTestContext({ targets: { vnedu: school } });

  const live = () => liveStudents(ctx);
  /** The school's 30 students (the guard leaves schools under 20 records alone). */
  const codes = Array.from({ length: 30 }, (_, i) => `GA${String(i).padStart(2, '0')}`);

  it('deletes what the approved snapshot omitted, except a record written since; once', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    const snapshot = await vendorBatch(
      ctx,
      codes.slice(0, 15).map((c) => student(c)),
      'snapshot',
    );
    expect(snapshot).toMatchObject({ deleted: 0 });
    expect(await live()).toEqual(codes);
    const hold = await holdOf(ctx, snapshot.id);
    expect(hold).toBeDefined();

    // GA15 is rewritten by the vendor after the snapshot arrived: it is no longer the snapshot's to delete.
    const rewrite = await vendorBatch(ctx, [{ ...student('GA15'), fullName: 'Trần Văn Nam' }]);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await drain(ctx, 'ingest')).toEqual([{ deleted: 14, skipped: null }]);
    expect(await live()).toEqual([...codes.slice(0, 16)]);
    expect(await createBatchesRepo(ctx.db).get(snapshot.id)).toMatchObject({ deleted: 14 });
    // The hold says it: 14 applied of the 15 held, GA15 kept, written after the snapshot by that batch, then (W5-12).
    const kept = [{ key: 'GA15', why: 'written', at: rewrite.createdAt.toISOString(), batchId: rewrite.id }];
    expect(await createGuardHoldsRepo(ctx.db).get(hold!.id)).toMatchObject({
      applied: 14,
      appliedOf: 15,
      kept,
    });

    // The deletions travel to the school system, and the application is audited.
    const sets = await ctx.db.rows<{ system: string; keys: string[] }>(
      'truc.push_sets',
      `operation = 'delete' AND batch_id = '${snapshot.id}'`,
    );
    expect(sets.map((s) => [s.system, [...s.keys].sort()])).toEqual([['vnedu', codes.slice(16)]]);
    await drain(ctx, 'push.vnedu');
    expect(school.removals.map((r) => [...r.keys].sort())).toEqual([codes.slice(16)]);
    const audit = await ctx.db.rows<{ actor: string; details: Record<string, unknown> }>(
      'truc.audit_log',
      `action = 'guard.applied'`,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'system:guard',
        details: expect.objectContaining({
          batchId: snapshot.id,
          held: 15,
          deleted: 14,
          kept: [`GA15 written batch=${rewrite.id} at=${kept[0]!.at}`],
        }),
      }),
    ]);

    // Applied once: the same job again (a redelivery) deletes nothing more.
    const again = await guardApplyJob.run(
      ctx,
      { holdId: hold!.id },
      runOf('ingest', 'guard-apply', undefined),
    );
    expect(again).toEqual({ deleted: 0, skipped: 'not-due' });
    expect(await live()).toEqual([...codes.slice(0, 16)]);
  });
});
