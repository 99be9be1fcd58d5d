/**
 * fix34c item 1: a school an approval left out of a run is not decided yet, and is asked again next time. Before,
 * the run's watermark moved past the school's changes (not applied): the next incremental run started after them,
 * and they were lost until a full run. Now a run that left schools out keeps no watermark past them: an
 * incremental run leaves the scope's watermark as it was (the next run reads those changes again, and the guard
 * holds them again), a full run drops it (the next run is full: `no_watermark`).
 * Two schools of 50 students; a run renames 30 of each (over `changeRatio`), held, approved except S2.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { requestSync } from '../../../src/jobs/requests.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  fullStudentsRun,
  hcmStudent,
  runNextPull,
  runNextReconcile,
  useStudentsSource,
  type TestContext,
} from './fixtures.js';

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('XA'), keysOf('XB')];
const RENAMED = 'Trần Văn Bình';

/** The students of both schools, the first 30 of each renamed when `renamed`. */
const students = (renamed: boolean) => [
  ...a.map((k, i) => hcmStudent(k, { school: S1, ...(renamed && i < 30 ? { name: RENAMED } : {}) })),
  ...b.map((k, i) => hcmStudent(k, { school: S2, ...(renamed && i < 30 ? { name: RENAMED } : {}) })),
];

const renamedAt = async (ctx: TestContext, school: string) =>
  (
    await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.students WHERE school_code = $1 AND data->>'fullName' = $2`,
      [school, RENAMED],
    )
  ).rows[0]!.n;

const request = (ctx: TestContext, full: boolean) =>
  ctx.db.tx((q) =>
    requestSync(q, { system: 'hcm-csdl', entity: 'students', full, requestedBy: 'admin', at: ctx.now() }),
  );

/** The schools the open hold of run `run` shows over a threshold. */
const heldSchools = async (ctx: TestContext, run: number) => {
  const [hold] = await ctx.db.rows<{ id: number }>(
    'truc.guard_holds',
    `sync_run_id = ${run} AND status = 'held'`,
  );
  const got = hold && (await createGuardHoldsRepo(ctx.db).get(hold.id));
  return { id: got?.id, schools: [...new Set(got?.reasons.map((r) => r.school))].sort() };
};

/**
 * Loads both schools, keeps watermark w1, then has `full` (or incremental) run renaming 30 of each school held and
 * approved except S2, run to its end (and reconciled): the run's id.
 */
async function approvedExceptS2(
  ctx: TestContext,
  source: ReturnType<typeof useStudentsSource>['source'],
  full: boolean,
) {
  await fullStudentsRun(ctx, source, [students(false)]);
  while (await runNextReconcile(ctx));
  const runs = createSyncRunsRepo(ctx.db);
  await runs.saveWatermark('hcm-csdl', 'students', '', 'w1');
  source.page = async () => ({
    items: students(true),
    deletedKeys: [],
    nextCursor: undefined,
    watermark: 'w2',
  });
  const run = await request(ctx, full);
  expect(await runNextPull(ctx)).toMatchObject({ held: true });
  const held = await heldSchools(ctx, run);
  expect(held.schools).toEqual([S1, S2].sort());
  await ctx.db.tx((q) =>
    decideHold(q, {
      holdId: held.id!,
      decision: 'approved',
      by: 'city-admin-1',
      at: ctx.now(),
      exceptSchools: [S2],
    }),
  );
  expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
  while (await runNextReconcile(ctx));
  expect((await runs.get(run))?.status).toBe('done');
  expect(await renamedAt(ctx, S1)).toBe(30);
  expect(await renamedAt(ctx, S2)).toBe(0);
  return run;
}

describe('an incremental run approved except a school', () => {
  const { ctx, source } = useStudentsSource();

  it('keeps the watermark before the school left out: the next run reads its changes again, held again', async () => {
    await approvedExceptS2(ctx, source, false);
    const runs = createSyncRunsRepo(ctx.db);
    expect(await runs.watermark('hcm-csdl', 'students', '')).toBe('w1');
    // The next incremental run starts where this one did: S2's renames come again, and are asked again.
    const next = await request(ctx, false);
    expect((await runs.get(next))?.since).toBe('w1');
    expect(await runNextPull(ctx)).toMatchObject({ held: true });
    expect((await heldSchools(ctx, next)).schools).toEqual([S2]);
    expect(await renamedAt(ctx, S2)).toBe(0);
  });
});

describe('a full run approved except a school', () => {
  const { ctx, source } = useStudentsSource();

  it('drops the watermark: the next run is full, and asks about the school again', async () => {
    await approvedExceptS2(ctx, source, true);
    const runs = createSyncRunsRepo(ctx.db);
    expect(await runs.watermark('hcm-csdl', 'students', '')).toBeUndefined();
    const next = await request(ctx, false);
    expect(await runs.get(next)).toMatchObject({ since: null, fullBecause: 'no_watermark' });
    expect(await runNextPull(ctx)).toMatchObject({ held: true });
    expect((await heldSchools(ctx, next)).schools).toEqual([S2]);
  });
});
