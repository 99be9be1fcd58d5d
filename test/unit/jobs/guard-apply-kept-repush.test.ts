/**
 * walk5 W5-12 (guard6): a held snapshot's omitted records carried, after it, by a vendor's re-push of a body pushed
 * before it (judged at once: nothing written, ../../../src/jobs/repeat-carried.ts) are left alone by its approval; the
 * hold says each was carried unchanged by that re-push, at its arrival. On a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { student } from '../../helpers/api.js';
import { drain, holdOf, useTestContext, vendorBatch } from './fixtures.js';
import { repeatPushes } from './repeat-push.js';

const codes = Array.from({ length: 30 }, (_, i) => `GR${String(i).padStart(2, '0')}`);

describe("an approved snapshot hold's records a vendor's re-push carried", () => {
  const ctx = useTestContext();
  const { push } = repeatPushes(ctx);

  it('are kept, each carried unchanged by the re-push, at its arrival', async () => {
    const body = codes.map((c) => student(c));
    const first = await push(body);
    const snapshot = await vendorBatch(
      ctx,
      codes.slice(0, 20).map((c) => student(c)),
      'snapshot',
    );
    const hold = (await holdOf(ctx, snapshot.id))!;
    expect(hold).toBeDefined();
    // The vendor sends its first body again, unchanged: judged at once (a repeat), nothing written.
    const again = await push(body);
    expect(again).toMatchObject({ sameAs: first.batchId, result: { accepted: 0, unchanged: 30 } });
    const [repush] = await ctx.db.rows<{ created_at: Date }>('truc.batches', `id = '${again.batchId}'`);

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await drain(ctx, 'ingest')).toEqual([{ deleted: 0, skipped: null }]);
    const at = repush!.created_at.toISOString();
    expect(await createGuardHoldsRepo(ctx.db).get(hold.id)).toMatchObject({
      applied: 0,
      appliedOf: 10,
      kept: codes.slice(20).map((key) => ({ key, why: 'carried', at, batchId: again.batchId })),
    });
  });
});
