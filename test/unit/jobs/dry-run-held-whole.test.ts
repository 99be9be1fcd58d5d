/**
 * tidy19 item 1: a vendor's dry run (`?dryRun=true`, src/jobs/dry-run.ts) said nothing of the mass-change
 * guard's hold of the whole batch (src/jobs/guard.ts `guardBatch`: its changes or moves go over a school's
 * thresholds, nothing of it applies until a city admin approves): it answered the counts as if the batch would
 * apply, and only a snapshot's deletions could show `guardWouldHold`. Now its `guard` says what the batch's
 * status would show of the hold (`kinds`, no codes) and whether it is held whole.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { dryRunBatch } from '../../../src/jobs/dry-run.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { student } from '../../factories/records.js';
import { S1, S2 } from '../../helpers/api.js';
import { noRolloverRelief } from '../../helpers/guard-rollover.js';
import { drain, useTestContext } from './fixtures.js';

describe('the dry run of a batch the guard would hold whole (tidy19 item 1)', () => {
  const ctx = useTestContext();

  /** The school's 30 students (their codes its own: a code is held by one school). */
  const every = (school: string) =>
    Array.from({ length: 30 }, (_, i) =>
      student(`W${school}${String(i).padStart(2, '0')}`, { schoolCode: school }),
    );
  const renamed = (school: string, n: number) =>
    every(school)
      .slice(0, n)
      .map((s) => ({ ...s, fullName: `${s.fullName} Mới` }));

  async function ingested(schoolCode: string, records: unknown[], mode: 'delta' | 'snapshot') {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode,
        entity: 'students',
        format: 'canonical',
        records,
        mode,
      }),
    );
    await drain(ctx, 'ingest');
    const batch = (await createBatchesRepo(ctx.db).get(id))!;
    const [hold] = await ctx.db.rows<{ reasons: Array<{ kind: string }> }>(
      'truc.guard_holds',
      `batch_id = '${id}'`,
    );
    return { status: batch.status, kinds: hold ? [...new Set(hold.reasons.map((r) => r.kind))] : null };
  }
  const dryRun = (schoolCode: string, records: unknown[], mode: 'delta' | 'snapshot') =>
    ctx.db.tx((q) =>
      // Asked now (the records were written at the database's clock, after the context's fixed NOW), with the
      // thresholds of the ingest's day (NOW) on any day of the real clock's year (no rollover relief).
      dryRunBatch(
        q,
        { ...ctx, now: () => new Date(), config: noRolloverRelief(ctx.config) },
        { clientId: 'vendor-1', schoolCode, entity: 'students', format: 'canonical', records, mode },
      ),
    );

  it('says a delta that changes most of a school would be held whole, as its ingest holds it', async () => {
    expect(await ingested(S1, every(S1), 'delta')).toEqual({ status: 'done', kinds: null });
    // 20 of 30 changed: 67 %, over `guard.changeRatio` (50 %).
    const body = renamed(S1, 20);
    const dry = await dryRun(S1, body, 'delta');
    // Without the fix: no `guard` at all (the counts as if the batch applied).
    expect(dry.guard).toEqual({ whole: true, kinds: ['changed'] });
    const real = await ingested(S1, body, 'delta');
    expect(real).toEqual({ status: 'held', kinds: dry.guard!.kinds });
    // Within the thresholds: nothing held, as the ingest.
    const small = renamed(S1, 5);
    expect((await dryRun(S1, small, 'delta')).guard).toBeNull();
    expect(await ingested(S1, small, 'delta')).toEqual({ status: 'done', kinds: null });
  });

  it('says a snapshot held whole holds its deletions too, with both kinds', async () => {
    expect(await ingested(S2, every(S2), 'delta')).toEqual({ status: 'done', kinds: null });
    // 18 of 30 changed (60 %), the last 10 left out (33 %, over `guard.deleteRatio`, 30 %).
    const body = [...renamed(S2, 18), ...every(S2).slice(18, 20)];
    const dry = await dryRun(S2, body, 'snapshot');
    expect({ guard: dry.guard, snapshot: dry.snapshot }).toEqual({
      guard: { whole: true, kinds: ['deleted', 'changed'] },
      snapshot: { wouldDelete: 10, skipped: null, guardWouldHold: true },
    });
    const real = await ingested(S2, body, 'snapshot');
    expect(real).toEqual({ status: 'held', kinds: dry.guard!.kinds });
  });
});
