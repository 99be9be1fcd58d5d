/**
 * fix35b (fix34c item 2): a held full run's reconciliation — the deletions its end makes for records the source no
 * longer has — is weighed ahead, into the run's one hold, from what the held and weighed pages saw
 * (src/jobs/reconcile-ahead.ts, src/store/weigh-seen.ts). Before, it was counted only at the run's end: a run
 * approved for its changes was held a second time for its deletions. Two schools of 50 students; a full run of the
 * city whose first page renames 30 of S1's (over changeRatio: held) and whose second lists 30 of S2's 50 (the 20 it
 * no longer lists are the reconciliation's: over deleteRatio). (Memory database and a fake source.)
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import type { PulledPage } from '../../../src/jobs/sources.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
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

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('RA'), keysOf('RB')];
const renamed = (k: string, i: number) =>
  hcmStudent(k, { school: S1, name: i < 30 ? 'Trần Văn Bình' : undefined });

function useRun() {
  const { ctx, source } = useStudentsSource();
  const live = (school: string) => createRecordsRepo(ctx.db).count('students', school);
  const decide = (holdId: number) =>
    ctx.db.tx((q) => decideHold(q, { holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }));
  const runHolds = (run: number) =>
    ctx.db.rows<{ id: number; kind: string; status: string }>(
      'truc.guard_holds',
      `sync_run_id = ${run} ORDER BY id`,
    );
  /** Loads both schools' 50 students; then `pages` (by cursor) serve the next runs. */
  const load = async (pages: Record<string, PulledPage>) => {
    await requestFullStudentsSync(ctx);
    const items = [
      ...a.map((k) => hcmStudent(k, { school: S1 })),
      ...b.map((k) => hcmStudent(k, { school: S2 })),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    source.page = async (_entity, opts) => pages[opts.cursor ?? '']!;
  };
  /** A full run held at its first page: its id and its hold. */
  const held = async () => {
    const run = await requestFullStudentsSync(ctx);
    const out = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(out).toMatchObject({ held: true, holdId: expect.any(Number) });
    return { run, hold: (await createGuardHoldsRepo(ctx.db).get(out.holdId))! };
  };
  /** The pulls of the run after its approval, to its end, and the reconciliations (the loading run's too). */
  const drain = async () => {
    for (let i = 0; i < 5; i += 1) if ((await runNextPull(ctx)) === undefined) break;
    for (let i = 0; i < 3; i += 1) if ((await runNextReconcile(ctx)) === undefined) break;
  };
  return { ctx, live, decide, runHolds, load, held, drain };
}

const twoPages = (s2Listed: number): Record<string, PulledPage> => ({
  '': { items: a.map(renamed), deletedKeys: [], nextCursor: 'c1', watermark: undefined },
  c1: {
    items: b.slice(0, s2Listed).map((k) => hcmStudent(k, { school: S2 })),
    deletedKeys: [],
    nextCursor: undefined,
    watermark: 'w2',
  },
});

describe("a held full run's reconciliation weighed ahead", () => {
  const { ctx, live, decide, runHolds, load, held, drain } = useRun();

  it('is in the one hold with the changes; one approval applies the run whole, no second hold', async () => {
    await load(twoPages(30));
    const { run, hold } = await held();
    expect(hold.weighing).toMatchObject({ state: 'whole', pages: 1 });
    expect(hold.reasons.map((r) => [r.school, r.kind, r.count]).sort()).toEqual(
      [
        [S1, 'changed', 30],
        [S2, 'deleted', 20],
      ].sort(),
    );
    const s2 = hold.diff.find((d) => d.school === S2)!;
    expect([s2.deleted, s2.reconciled, s2.keys.deleted.length]).toEqual([20, 20, 20]);
    expect(await live(S2)).toBe(50);

    await decide(hold.id);
    await drain();
    expect((await createSyncRunsRepo(ctx.db).get(run))?.reconcile).toBe('done');
    expect(await live(S2)).toBe(30);
    expect(await live(S1)).toBe(50);
    expect((await runHolds(run)).map((h) => [h.kind, h.status])).toEqual([['run', 'approved']]);
  });
});

describe('a full run whose source lost more records between the weighing and the run’s end', () => {
  const { ctx, live, decide, runHolds, load, held, drain } = useRun();

  it('is held again for what it was not shown (nothing unweighed applied)', async () => {
    const pages = twoPages(30);
    await load(pages);
    const { run, hold } = await held();
    expect(hold.reasons.find((r) => r.school === S2)).toMatchObject({ kind: 'deleted', count: 20 });
    // The source now lists 25 of S2's: 25 would go, more than the 20 the admin approved.
    Object.assign(pages, twoPages(25));
    await decide(hold.id);
    await drain();
    expect(await live(S2)).toBe(50);
    const holds = await runHolds(run);
    expect(holds.map((h) => [h.kind, h.status])).toEqual([
      ['run', 'approved'],
      ['reconcile', 'held'],
    ]);
    const again = (await createGuardHoldsRepo(ctx.db).get(holds[1]!.id))!;
    expect(again.reasons.find((r) => r.school === S2)).toMatchObject({ kind: 'deleted', count: 25 });
  });
});

describe('a full run held at its last page', () => {
  const { live, runHolds, load, held } = useRun();

  it('has its reconciliation weighed into its hold too', async () => {
    // One page: S1's renamed, S2 not listed at all (its 50 would go).
    await load({ '': { items: a.map(renamed), deletedKeys: [], nextCursor: undefined, watermark: 'w2' } });
    const { run, hold } = await held();
    expect(hold.weighing).toMatchObject({ state: 'whole', pages: 0 });
    expect(hold.reasons.map((r) => [r.school, r.kind, r.count]).sort()).toEqual(
      [
        [S1, 'changed', 30],
        [S2, 'deleted', 50],
      ].sort(),
    );
    expect(await live(S2)).toBe(50);
    expect(await runHolds(run)).toHaveLength(1);
  });
});
