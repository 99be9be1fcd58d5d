/**
 * guard3 item 2: can a school's vendor window (src/store/vendor-window.ts) take a record deleted at another school and
 * brought back at this one (a move, as the guard weighs one: against the school it left, ./guard.ts `batchEntries`)
 * for a restore of this school's own? Not through a vendor batch: a batch of one school may not write a record truc
 * holds at another, deleted or live (TENANCY_OWNED_ELSEWHERE), so every record a school's vendor batches bring back
 * there is the school's own, a restore. README (Mass-change guard) says why the window stops there.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PULL_CLIENT, queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createVendorWindowRepo } from '../../../src/store/vendor-window.js';
import { S1, S2 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { drain, useTestContext } from './fixtures.js';

describe('a record deleted at one school and sent back by another school’s vendor (guard3 item 2)', () => {
  const ctx = useTestContext();

  async function batchOf(school: string, codes: readonly string[]) {
    const id = randomUUID();
    const records = codes.map((c) => student(c, { schoolCode: school }));
    await ctx.db.tx((q) =>
      queueBatch(q, {
        ...{ id, clientId: 'vendor-1', schoolCode: school, entity: 'students' },
        ...{ format: 'canonical', records, mode: 'delta' },
      }),
    );
    await drain(ctx, 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }

  it('is refused, so the school’s window counts no restore of it', async () => {
    const from = new Date(ctx.now().getTime() - 3_600_000);
    expect(await batchOf(S2, ['WE01', 'WE02'])).toMatchObject({ status: 'done', accepted: 2 });
    await ctx.db.query(`UPDATE truc.students SET deleted_at = now() WHERE student_code = 'WE01'`);
    // S1's vendor sends WE01 (deleted at S2) and WE03 (new).
    const moved = await batchOf(S1, ['WE01', 'WE03']);
    expect(moved).toMatchObject({ status: 'done', accepted: 1, rejected: 1 });
    const errors = await ctx.db.rows<{ rule: string; record_index: number }>(
      'truc.findings',
      `batch_id = '${moved.id}' AND severity = 'error'`,
    );
    expect(errors.map((f) => [f.rule, f.record_index])).toEqual([['TENANCY_OWNED_ELSEWHERE', 0]]);
    const [row] = await ctx.db.rows<{ school_code: string; deleted_at: Date | null }>(
      'truc.students',
      `student_code = 'WE01'`,
    );
    expect(row).toMatchObject({ school_code: S2 });
    expect(row!.deleted_at).not.toBeNull();
    const window = await createVendorWindowRepo(ctx.db).changesOf(S1, 'students', from, PULL_CLIENT);
    expect(window).toMatchObject({ changed: [], deleted: [] });
  });
});
