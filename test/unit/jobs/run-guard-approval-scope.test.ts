/**
 * review23 (was it.fails; fixed by scope23, src/jobs/run-guard.ts `approvedAlready`): issue 7 item 3 — a run over the thresholds "is held with its diff; a
 * city admin inspects it (counts and keys …), approves or rejects it". truc's approval of any hold of a run lets
 * the rest of that run through unguarded (src/store/guard-holds.ts `approved({ syncRunId })`, read by
 * src/jobs/run-guard.ts for every later page and for the reconciliation: "one decision covers a run"). So the
 * admin approves the diff shown (here: a full run of the city renames 16 of school S1's 30 students, a correction
 * the admin checks and accepts), and the same run's reconciliation then deletes every student of school S2,
 * which the source no longer lists (the failure issue 7 names: "a source that suddenly returns half its
 * students"): 30 of 30 deleted, no hold, the deletions sent on to the targets; the admin never saw S2.
 * Expected: an approval covers what its diff showed (its schools, its kinds and counts); a later page or the
 * reconciliation that takes a school the admin was not shown over a threshold is held again with its own diff.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { coveredBy } from '../../../src/jobs/run-guard.js';
import type { HoldReason } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  runNextReconcile,
  useStudentsSource,
} from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('an approved hold of a run covers schools its diff did not show (review23)', () => {
  const { ctx, source } = useStudentsSource();
  const page = (items: unknown[]) =>
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
  const liveCount = (school: string) => createRecordsRepo(ctx.db).count('students', school);

  it('the reconciliation deleting all of another school is shown in the hold, never let through unseen', async () => {
    const a = codes('SA', 30);
    const b = codes('SB', 30);
    // The city database holds both schools; a first full run brings them.
    await requestFullStudentsSync(ctx);
    page([...a.map((k) => hcmStudent(k, { school: S1 })), ...b.map((k) => hcmStudent(k, { school: S2 }))]);
    expect(await runNextPull(ctx)).toEqual({ records: 60, last: true });
    expect(await runNextReconcile(ctx)).toMatchObject({ deleted: 0 });

    // The next full run lists S1 only, 16 of its 30 students renamed (53%): held, the diff shows S1, and S2 whose
    // 30 students its reconciliation would delete (weighed ahead into the same hold, fix35b; before, S1 alone).
    const runId = await requestFullStudentsSync(ctx);
    const s1Page = a.map((k, i) =>
      hcmStudent(k, { school: S1, ...(i < 16 ? { name: 'Trần Văn Nam' } : {}) }),
    );
    page(s1Page);
    const first = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(first).toMatchObject({ held: true });
    const [hold] = await ctx.db.rows<{ diff: Array<{ school: string; reconciled?: number }> }>(
      'truc.guard_holds',
      `id = ${first.holdId}`,
    );
    expect(hold!.diff.map((d) => [d.school, d.reconciled ?? 0]).sort()).toEqual(
      [
        [S1, 0],
        [S2, 30],
      ].sort(),
    );
    // The admin checks S1's renames and S2's deletions, and approves them: one decision.
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: first.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    page(s1Page);
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: true });

    // review23: S2's students were deleted under S1's approval, never shown; now they were shown and approved.
    expect(await runNextReconcile(ctx)).toMatchObject({ deleted: 30, skipped: null });
    expect(await liveCount(S2)).toBe(0);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('done');
    expect(await ctx.db.rows('truc.guard_holds', `sync_run_id = ${runId}`)).toHaveLength(1);
  });
});

describe('coveredBy: what an approval lets through (review23)', () => {
  const reason = (
    school: string,
    kind: 'deleted' | 'changed',
    count: number,
    schoolYear?: string,
  ): HoldReason => ({
    school,
    kind,
    count,
    live: 50,
    ratio: count / 50,
    threshold: 0.3,
    ...(schoolYear ? { schoolYear } : {}),
  });
  const approved = [reason('S1', 'changed', 16), reason('S2', 'deleted', 20, '2026-2027')];

  it('covers the same school, kind and school year up to the count shown', () => {
    expect(coveredBy([reason('S1', 'changed', 16)], approved)).toBe(true);
    expect(coveredBy([reason('S1', 'changed', 12), reason('S2', 'deleted', 20, '2026-2027')], approved)).toBe(
      true,
    );
  });
  it('does not cover another school, another kind, another school year or a larger count', () => {
    expect(coveredBy([reason('S3', 'changed', 16)], approved)).toBe(false);
    expect(coveredBy([reason('S1', 'deleted', 16)], approved)).toBe(false);
    expect(coveredBy([reason('S2', 'deleted', 20, '2025-2026')], approved)).toBe(false);
    expect(coveredBy([reason('S1', 'changed', 17)], approved)).toBe(false);
    expect(coveredBy([reason('S1', 'changed', 1), reason('S3', 'deleted', 1)], approved)).toBe(false);
    expect(coveredBy([reason('S1', 'changed', 1)], [])).toBe(false);
  });
});
