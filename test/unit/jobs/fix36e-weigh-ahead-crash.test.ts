/**
 * fix36e item 2 (fix35b's leftover): a worker stopped inside the weighing-ahead of a full run held at its last page
 * (src/jobs/reconcile-ahead.ts) left no point to resume from (a run held at its last page has no next cursor), so the
 * weighing's job, queued once its lease ran out, ended it `partial`, `stoppedBy: decided`: a hold nobody had decided,
 * its reconciliation never weighed. Now the resume point says "every page weighed, the reconciliation left" and the
 * job weighs it. A failure inside it (not a stop) ends the weighing `partial` with its error's code, and the hold says
 * its deletions were not weighed. Two schools of 50 students; one page lists S1's 50 (30 renamed) and none of S2's.
 * (Memory database and a fake source.)
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createOutboxRepo } from '../../../src/store/outbox.js';
import { showLines } from '../../../src/cli/commands/hold-show.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  hcmStudent,
  requestFullStudentsSync,
  runNextPull,
  runRow,
  useStudentsSource,
  type TestContext,
} from './fixtures.js';

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('KA'), keysOf('KB')];
const renamed = (k: string, i: number) =>
  hcmStudent(k, { school: S1, name: i < 30 ? 'Trần Văn Bình' : undefined });

/** The statement of the weighing-ahead that reads the weighed pages (src/store/weigh-seen.ts `asRunSeen`). */
const AHEAD = /INSERT INTO truc\.sync_run_seen[\s\S]*FROM truc\.weigh_seen/;

/**
 * `ctx`'s database as a worker that fails inside the weighing-ahead: `stops` — it dies there (its transaction rolled
 * back, nothing after it answers), else the statement throws once and the worker goes on.
 */
function failingAhead(ctx: TestContext, stops: boolean): { at: TestContext; hit: () => boolean } {
  let hit = false;
  const never = () => new Promise<never>(() => undefined);
  const dead = () => stops && hit;
  const inner = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      if (!AHEAD.test(sql) || hit) return q.query(sql, params);
      hit = true;
      return Promise.reject(new Error('the weighing-ahead failed'));
    },
  });
  const db = Object.assign(Object.create(ctx.db) as TestContext['db'], {
    query: (sql: string, params?: readonly unknown[]) => (dead() ? never() : ctx.db.query(sql, params)),
    tx: <T>(fn: (q: Queryable) => Promise<T>): Promise<T> =>
      dead() ? never() : ctx.db.tx((q) => fn(inner(q))),
  });
  return { at: { ...ctx, db }, hit: () => hit };
}

function useHeldAtLastPage() {
  const { ctx, source } = useStudentsSource();
  const load = async () => {
    await requestFullStudentsSync(ctx);
    const items = [
      ...a.map((k) => hcmStudent(k, { school: S1 })),
      ...b.map((k) => hcmStudent(k, { school: S2 })),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    source.page = async () => ({
      items: a.map(renamed),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w2',
    });
    await requestFullStudentsSync(ctx);
  };
  const holdId = async () =>
    (await ctx.db.rows<{ id: number }>('truc.guard_holds', `kind = 'run' ORDER BY id`))[0]!.id;
  const hold = async () => (await createGuardHoldsRepo(ctx.db).get(await holdId()))!;
  /** The weighing's claim run out, as after its bound once its worker stopped. */
  const expire = async () => {
    await ctx.db.query(`UPDATE truc.guard_holds SET weighing_until = now() - interval '1 second'`);
    await ctx.db.query(
      `UPDATE truc.outbox SET claimed_until = now() - interval '1 second' WHERE job_name = 'weigh-hold'`,
    );
  };
  const weighRows = async () =>
    (await createOutboxRepo(ctx.db).claimPending(50)).filter((r) => r.job_name === 'weigh-hold');
  return { ctx, load, hold, expire, weighRows };
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(done()).toBe(true);
}

const reasonsOf = (h: { reasons: Array<{ school: string; kind: string; count: number }> }) =>
  h.reasons.map((r) => [r.school, r.kind, r.count]).sort();

describe('a worker stopped inside the weighing-ahead of a run held at its last page', () => {
  const { ctx, load, hold, expire, weighRows } = useHeldAtLastPage();

  it('leaves the weighing to resume: another worker weighs the reconciliation into the hold', async () => {
    await load();
    const { at, hit } = failingAhead(ctx, true);
    void runNextPull(ctx, at);
    await until(hit);
    expect((await hold()).weighing).toMatchObject({ state: 'weighing', pages: 0 });
    await expire();
    expect((await hold()).weighing).toMatchObject({ state: 'interrupted', deletionsWeighed: false });
    const rows = await weighRows();
    expect(rows).toHaveLength(1);
    await runRow(ctx, rows[0]!);
    const h = await hold();
    expect(h.weighing).toMatchObject({ state: 'whole', pages: 0, stoppedBy: null });
    // item 1: the hold says its reasons include the run's end deletions, and how many per school (counts only).
    expect(h.weighing).toMatchObject({
      deletionsWeighed: true,
      deletions: { records: 50, schools: 1, bySchool: [{ school: S2, records: 50 }] },
    });
    expect(showLines(h).join('')).toContain(`an approval covers them: 50 records at 1 school (${S2}: 50)`);
    expect(reasonsOf(h)).toEqual(
      [
        [S1, 'changed', 30],
        [S2, 'deleted', 50],
      ].sort(),
    );
  });
});

describe('a failure inside the weighing-ahead of a run held at its last page', () => {
  const { ctx, load, hold } = useHeldAtLastPage();

  it('ends the weighing partial with its code, not as decided', async () => {
    await load();
    const { at } = failingAhead(ctx, false);
    await runNextPull(ctx, at);
    const h = await hold();
    expect(h.status).toBe('held');
    expect(h.weighing).toMatchObject({ state: 'partial', pages: 0 });
    expect(h.weighing?.stoppedBy).not.toBe('decided');
    expect(h.weighing).toMatchObject({ deletionsWeighed: false });
    expect(showLines(h).join('')).toContain(
      "the run's end deletions are not weighed: the hold does not cover them",
    );
    expect(reasonsOf(h)).toEqual([[S1, 'changed', 30]]);
  });
});
