/**
 * left19 item 2: a held page of a whole-city full run, approved after a newer full run of the held school alone
 * (requested after the hold) fetched every page. The hold's decision is moot: the newer run brought that school
 * up to date through the guard, and the whole-city run's reconciliation leaves the school to it
 * (`schoolsOvertaken`). But the rest of the city is still the old run's to pull, so it is not failed (as a run
 * overtaken by a newer run of its whole scope is: run-guard-superseded.test.ts): the hold is closed as
 * `superseded` (audited, the API answers 409 ERR_GUARD_SUPERSEDED_SCHOOLS) and the run goes on from its cursor, the
 * held page fetched again, still guarded: approving a diff that no longer stands lets nothing through
 * unguarded. A hold with a school no newer run covered is an admin's real decision: approved as before.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  guardAudit,
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  useStudentsSource,
} from './fixtures.js';

const codes = (prefix: string) =>
  Array.from({ length: 50 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const atS1 = codes('WA');
const atS2 = codes('WB');

/** A database of its own (each case below runs its runs from the start), with its steps. */
function world() {
  const { ctx, source } = useStudentsSource();

  const live = (school: string) => createRecordsRepo(ctx.db).count('students', school);
  const page = (items: unknown[], deletedKeys: string[], nextCursor?: string) =>
    source.pages.push({ items, deletedKeys, nextCursor, watermark: undefined });
  const approve = (holdId: number) =>
    ctx.db.tx((q) => decideHold(q, { holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }));

  /** Both schools stored (50 students each); a whole-city run held at its first page (`deleted` of S1 and S2 gone). */
  async function heldCityRun(deleted: string[]): Promise<{ run: number; holdId: number }> {
    await requestFullStudentsSync(ctx);
    page(
      [...atS1, ...atS2].map((k) => hcmStudent(k, { school: k.startsWith('WA') ? S1 : S2 })),
      [],
    );
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    const run = await requestFullStudentsSync(ctx);
    page([], deleted, 'c1');
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });
    return { run, holdId: held.holdId };
  }

  /** A full run of S1 alone, every page fetched: S1 served whole. */
  async function newerRunOfS1(): Promise<void> {
    const newer = await requestFullStudentsSync(ctx, S1);
    page(
      atS1.map((k) => hcmStudent(k, { school: S1 })),
      [],
    );
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(newer)).toMatchObject({ status: 'done' });
  }

  return { ctx, page, live, approve, heldCityRun, newerRunOfS1 };
}

describe('a held page of a whole-city run approved after a newer full run of the held school', () => {
  const { ctx, page, live, approve, heldCityRun, newerRunOfS1 } = world();

  it('closes the hold as superseded and runs on from its cursor, still guarded', async () => {
    const { run, holdId } = await heldCityRun(atS1.slice(0, 20)); // 40% of S1
    await newerRunOfS1();

    // The API answers 409 ERR_GUARD_SUPERSEDED_SCHOOLS for it (src/api/routes/guard.ts).
    expect(await approve(holdId)).toMatchObject({ status: 'superseded', overtaken: 'schools' });
    expect(await createSyncRunsRepo(ctx.db).get(run)).toMatchObject({ status: 'running', errorCode: null });
    expect(await guardAudit(ctx.db, holdId)).toEqual([
      ['guard.held', 'system:guard'],
      ['guard.superseded', 'city-admin-1'],
    ]);

    // The held page fetched again: the source now says 20 of S2's 50 students are gone (40%). The run is
    // still guarded (nothing was approved): held again, a new hold, S2 untouched.
    page([], atS2.slice(0, 20), 'c1');
    const again = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(again).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(again.holdId).not.toBe(holdId);
    expect([await live(S1), await live(S2)]).toEqual([50, 50]);

    // That hold is a real decision (no newer run covered S2 since): approved, the run goes on through it.
    expect(await approve(again.holdId)).toMatchObject({ status: 'approved' });
    page([], atS2.slice(0, 20));
    expect(await runNextPull(ctx)).toMatchObject({ last: true });
    expect(await createSyncRunsRepo(ctx.db).get(run)).toMatchObject({ status: 'done' });
    expect(await live(S2)).toBe(30);
  });
});

describe('a held page of a whole-city run with a school no newer run covered', () => {
  const { ctx, page, live, approve, heldCityRun, newerRunOfS1 } = world();

  it('is approved as before when a school of the hold was not covered by a newer run', async () => {
    const { run, holdId } = await heldCityRun([...atS1.slice(0, 20), ...atS2.slice(0, 20)]);
    await newerRunOfS1();
    const approved = await approve(holdId);
    expect(approved).toMatchObject({ status: 'approved' });
    expect(approved).not.toHaveProperty('overtaken');
    expect(await createSyncRunsRepo(ctx.db).get(run)).toMatchObject({ status: 'running' });
    page([], atS2.slice(0, 20));
    expect(await runNextPull(ctx)).toMatchObject({ last: true });
    expect(await live(S2)).toBe(30);
  });
});

describe('a held page of a whole-city run and a run of its school requested before the hold', () => {
  const { ctx, page, approve } = world();

  it('is approved as before when the run of the school was requested before the hold', async () => {
    await requestFullStudentsSync(ctx);
    page(
      [...atS1, ...atS2].map((k) => hcmStudent(k, { school: k.startsWith('WA') ? S1 : S2 })),
      [],
    );
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    const run = await requestFullStudentsSync(ctx);
    const older = await requestFullStudentsSync(ctx, S1); // requested before the whole-city run's page is held
    page([], atS1.slice(0, 20), 'c1');
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true });
    page(
      atS1.map((k) => hcmStudent(k, { school: S1 })),
      [],
    );
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(older)).toMatchObject({ status: 'done' });
    expect(await approve(held.holdId)).toMatchObject({ status: 'approved' });
    expect((await createGuardHoldsRepo(ctx.db).get(held.holdId))?.status).toBe('approved');
    expect(await createSyncRunsRepo(ctx.db).get(run)).toMatchObject({ status: 'running' });
  });
});
