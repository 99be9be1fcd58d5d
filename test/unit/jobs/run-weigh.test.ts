/**
 * fix32e (review32 F3): a held run's next pages are weighed (src/jobs/run-weigh.ts), nothing of them applied, and
 * its hold widened to every school they take over a threshold; while weighing, the hold cannot be decided
 * (ERR_GUARD_WEIGHING); one approval lets the run through, a rejection ends it with no school applied.
 * Two schools of 50 students; a full run of the city whose first page deletes 20 of S1's, its second 20 of S2's.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { decideHold } from '../../../src/jobs/contracts.js';
import { RunHeld } from '../../../src/jobs/run-guard.js';
import { weighOn } from '../../../src/jobs/run-weigh.js';
import type { Db } from '../../../src/store/db.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import type { PulledPage } from '../../../src/jobs/sources.js';
import { S1, S2 } from '../../helpers/api.js';
import { captureLog } from '../../helpers/log-lines.js';
import {
  guardAudit,
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  useStudentsSource,
} from './fixtures.js';

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('WA'), keysOf('WB')];

/** A test context of its own: a source of two schools' students, a run held at its first page. */
function useHeldRun() {
  const { ctx, source } = useStudentsSource();
  const live = (school: string) => createRecordsRepo(ctx.db).count('students', school);
  const decide = (holdId: number, decision: 'approved' | 'rejected') =>
    ctx.db.tx((q) => decideHold(q, { holdId, decision, by: 'city-admin-1', at: ctx.now() }));

  /**
   * Loads both schools, then starts a run that deletes 20 of each school's 50 over two pages, held at the first.
   * `second`: what reading the second page does instead (fix33a: a read that fails).
   */
  const heldRun = async (second?: () => Promise<PulledPage>) => {
    await requestFullStudentsSync(ctx);
    const items = [
      ...a.map((k) => hcmStudent(k, { school: S1 })),
      ...b.map((k) => hcmStudent(k, { school: S2 })),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    // Each page carries the rest of its school (unchanged): the run's reconciliation deletes nothing more (fix35b).
    const rest = (keys: string[], school: string) => keys.slice(20).map((k) => hcmStudent(k, { school }));
    const pages: Record<string, PulledPage> = {
      '': { items: rest(a, S1), deletedKeys: a.slice(0, 20), nextCursor: 'c1', watermark: undefined },
      c1: { items: rest(b, S2), deletedKeys: b.slice(0, 20), nextCursor: undefined, watermark: 'w2' },
    };
    source.page = async (_entity, opts) =>
      opts.cursor === 'c1' && second ? second() : pages[opts.cursor ?? '']!;
    const run = await requestFullStudentsSync(ctx);
    const held = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(held).toMatchObject({ held: true, holdId: expect.any(Number) });
    return { run, holdId: held.holdId };
  };
  return { ctx, live, decide, heldRun };
}

describe('a held run weighs its next pages and holds them in one hold', () => {
  const { ctx, live, decide, heldRun } = useHeldRun();

  it('shows both schools in the one hold, applies nothing, and one approval lets the run through', async () => {
    const { run, holdId } = await heldRun();
    const hold = await createGuardHoldsRepo(ctx.db).get(holdId);
    expect(hold?.reasons.map((r) => [r.school, r.kind, r.count]).sort()).toEqual(
      [
        [S1, 'deleted', 20],
        [S2, 'deleted', 20],
      ].sort(),
    );
    expect(hold?.diff.map((d) => d.school).sort()).toEqual([S1, S2].sort());
    expect(hold?.weighingUntil).toBeNull();
    expect(await live(S1)).toBe(50);
    expect(await live(S2)).toBe(50);
    expect((await createSyncRunsRepo(ctx.db).get(run))?.pages).toBe(0);
    expect(await guardAudit(ctx.db, holdId)).toEqual([
      ['guard.held', 'system:guard'],
      ['guard.held', 'system:guard'],
    ]);

    await decide(holdId, 'approved');
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: false });
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: true });
    expect(await live(S1)).toBe(30);
    expect(await live(S2)).toBe(30);
    expect((await createSyncRunsRepo(ctx.db).get(run))?.status).toBe('done');
    const holds = await ctx.db.rows<{ id: number }>(
      'truc.guard_holds',
      `sync_run_id = ${run} AND kind = 'run'`,
    );
    expect(holds).toHaveLength(1);
  });
});

describe('a held run whose next pages are being weighed', () => {
  const { ctx, live, decide, heldRun } = useHeldRun();

  it('cannot be approved while weighing (ERR_GUARD_WEIGHING); rejected then, no school is applied', async () => {
    const { run, holdId } = await heldRun();
    const holds = createGuardHoldsRepo(ctx.db);
    const hold = (await holds.get(holdId))!;
    await holds.widen(holdId, hold.diff, hold.reasons, 120);
    await expect(decide(holdId, 'approved')).rejects.toMatchObject({ code: 'ERR_GUARD_WEIGHING' });
    // A rejection lets nothing through: taken while weighing (review33b F4).
    await decide(holdId, 'rejected');
    expect(await runNextPull(ctx)).toBeUndefined();
    expect(await live(S1)).toBe(50);
    expect(await live(S2)).toBe(50);
    expect((await createSyncRunsRepo(ctx.db).get(run))?.errorCode).toBe('ERR_GUARD_REJECTED');
  });
});

/**
 * fix33a (issue 7): a weighing that fails was silent (`catch {}`, PullContext had no logger): the admin saw a held
 * run's hold without its later schools and no reason. Its code and words are logged (warn), and it ends: the hold
 * is decidable at once, also when its last widening cannot be written.
 */
describe('a held run whose weighing fails', () => {
  const { ctx, decide, heldRun } = useHeldRun();
  const stopped =
    "the weighing of a held run's next pages stopped: its hold shows the pages weighed so far, and can be decided";

  it("logs why (the read's code and words, no record) and leaves the hold decidable, with the held page's school", async () => {
    const log = captureLog();
    Object.assign(ctx, { logger: log.logger });
    const failing = () => Promise.reject(new AppError('ERR_ADAPTER_UNAVAILABLE', 'hcm-csdl answered 502'));
    const { run, holdId } = await heldRun(failing);
    const hold = await createGuardHoldsRepo(ctx.db).get(holdId);
    expect(hold?.weighingUntil).toBeNull();
    expect(hold?.reasons.map((r) => r.school)).toEqual([S1]);
    const lines = log.lines.filter((l) => l.msg === stopped);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        system: 'hcm-csdl',
        entity: 'students',
        syncRunId: run,
        holdId,
        weighedPages: 0,
        code: 'ERR_ADAPTER_UNAVAILABLE',
        reason: expect.stringContaining('hcm-csdl answered 502'),
      }),
    ]);
    expect(JSON.stringify(log.lines)).not.toMatch(/WA\d\d|WB\d\d/);
    await decide(holdId, 'rejected');
  });
});

describe("a held run whose weighing's last widening cannot be written", () => {
  const { ctx, heldRun } = useHeldRun();

  it('ends the weighing when its last widening cannot be written (the hold as it was, decidable at once)', async () => {
    const log = captureLog();
    Object.assign(ctx, { logger: log.logger });
    const { run, holdId } = await heldRun(() =>
      Promise.reject(new AppError('ERR_ADAPTER_TIMEOUT', 'no answer')),
    );
    const holds = createGuardHoldsRepo(ctx.db);
    const before = (await holds.get(holdId))!;
    // Weighed again in a process whose transactions fail (the widening's): its read fails first, as above.
    const db: Db = Object.assign(Object.create(ctx.db) as Db, {
      tx: () => Promise.reject(new Error('the transaction could not begin')),
    });
    const runRow = (await createSyncRunsRepo(ctx.db).get(run))!;
    await weighOn(
      { ...ctx, db },
      runRow,
      {
        pageNo: 0,
        cursor: 'c1',
        holdId,
        held: new RunHeld(before.diff, before.reasons),
      },
      { outboxId: 0, progress: before.weighing! },
    );
    expect((await holds.get(holdId))?.weighingUntil).toBeNull();
    expect(log.lines.map((l) => l.msg)).toContain(
      "a held run's hold could not be widened to its weighed pages: the weighing is ended with the hold as it was",
    );
  });
});

/**
 * review33a F2: a weighed hold kept every code of the rest of the run (a city's recoding: 1.7 M codes, 22 MB of
 * jsonb). It keeps config `guard.weighedKeys` codes a school and kind (the held page's own if more), the counts all.
 */
describe("a weighed hold's codes", () => {
  const { ctx, decide, heldRun } = useHeldRun();

  it('are at most guard.weighedKeys a school and kind beyond the held page, its counts exact, keysTruncated', async () => {
    Object.assign(ctx, { config: { ...ctx.config, guard: { ...ctx.config.guard, weighedKeys: 5 } } });
    const { holdId } = await heldRun();
    const hold = (await createGuardHoldsRepo(ctx.db).get(holdId))!;
    const s1 = hold.diff.find((d) => d.school === S1)!;
    const s2 = hold.diff.find((d) => d.school === S2)!;
    // The held page's school: its page's 20 codes, as a hold of one page shows them.
    expect([s1.deleted, s1.keys.deleted, s1.keysTruncated]).toEqual([20, a.slice(0, 20), undefined]);
    // A school of the weighed page: 5 of its 20 codes, saying so.
    expect([s2.deleted, s2.keys.deleted, s2.keysTruncated]).toEqual([20, b.slice(0, 5), true]);
    expect(hold.reasons.find((r) => r.school === S2)?.count).toBe(20);
    await decide(holdId, 'rejected');
  });
});
