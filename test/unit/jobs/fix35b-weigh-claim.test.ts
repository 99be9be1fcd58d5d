/**
 * fix35b (fix34e's leftovers): a held run's weighing is claimed from its hold's commit to its end.
 * 1. Its resume point and its leased `weigh-hold` outbox row are written in the hold's transaction
 *    (src/jobs/weigh-start.ts): they were written just after, so a worker stopped between left a hold whose weighing
 *    never resumed.
 * 2. Its claim (the row's lease, the hold's bound) is renewed by a heartbeat while a page is read
 *    (src/jobs/weigh-heartbeat.ts): a page read longer than `guard.weighing.boundSeconds` let the lease run out, and
 *    the relay started a second weigher beside the first. The heartbeat's clock is vitest's (fake intervals).
 * Two schools of 50 students; a full run of three pages: the first deletes 20 of S1's (held), the second 20 of S2's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PulledPage } from '../../../src/jobs/sources.js';
import type { Queryable } from '../../../src/store/db.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createOutboxRepo } from '../../../src/store/outbox.js';
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
const [a, b] = [keysOf('CA'), keysOf('CB')];
const rest = (keys: string[], school: string) => keys.slice(20).map((k) => hcmStudent(k, { school }));
const PAGES: Record<string, PulledPage> = {
  '': { items: rest(a, S1), deletedKeys: a.slice(0, 20), nextCursor: 'c1', watermark: undefined },
  c1: { items: rest(b, S2), deletedKeys: b.slice(0, 20), nextCursor: undefined, watermark: 'w2' },
};

function useHeldRun() {
  const { ctx, source } = useStudentsSource();
  const load = async (read: (cursor: string) => Promise<PulledPage>) => {
    await requestFullStudentsSync(ctx);
    const items = [
      ...a.map((k) => hcmStudent(k, { school: S1 })),
      ...b.map((k) => hcmStudent(k, { school: S2 })),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
    source.page = async (_entity, opts) => read(opts.cursor ?? '');
    await requestFullStudentsSync(ctx);
  };
  const hold = (id: number) => createGuardHoldsRepo(ctx.db).get(id);
  const holdIds = async () =>
    (await ctx.db.rows<{ id: number }>('truc.guard_holds', `kind = 'run' ORDER BY id`)).map((h) => h.id);
  /** The weighing's claim run out, as after its bound (the worker stopped, or so it seems). */
  const expire = async () => {
    await ctx.db.query(`UPDATE truc.guard_holds SET weighing_until = now() - interval '1 second'`);
    await ctx.db.query(
      `UPDATE truc.outbox SET claimed_until = now() - interval '1 second' WHERE job_name = 'weigh-hold'`,
    );
  };
  const weighRows = async () =>
    (await createOutboxRepo(ctx.db).claimPending(50)).filter((r) => r.job_name === 'weigh-hold');
  return { ctx, load, hold, holdIds, expire, weighRows };
}

/** Waits (bounded, no timing asserted) until `done` is true. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await done()); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(await done()).toBe(true);
}

/** `ctx`'s database as a worker that dies once a hold is committed: nothing after that answers. */
function dyingAfterHold(ctx: TestContext): { at: TestContext; died: () => boolean } {
  let dead = false;
  const never = () => new Promise<never>(() => undefined);
  const db = Object.assign(Object.create(ctx.db) as TestContext['db'], {
    query: (sql: string, params?: readonly unknown[]) => (dead ? never() : ctx.db.query(sql, params)),
    tx: async <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => {
      if (dead) return never();
      const out = await ctx.db.tx(fn);
      const holds = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.guard_holds');
      if ((holds.rows[0]?.n ?? 0) > 0) dead = true;
      return out;
    },
  });
  return { at: { ...ctx, db }, died: () => dead };
}

describe('a worker that stops right after a hold’s commit', () => {
  const { ctx, load, hold, holdIds, expire, weighRows } = useHeldRun();

  it('leaves the hold’s weighing to resume (its row and resume point written with the hold)', async () => {
    await load(async (c) => PAGES[c]!);
    const { at, died } = dyingAfterHold(ctx);
    void runNextPull(ctx, at);
    await until(died);
    const [holdId] = await holdIds();
    expect((await hold(holdId!))!.weighing).toMatchObject({ state: 'weighing', pages: 0 });
    await expire();
    expect((await hold(holdId!))!.weighing).toMatchObject({ state: 'interrupted' });
    const rows = await weighRows();
    expect(rows.map((r) => r.payload)).toEqual([{ holdId }]);
    // Its job, on a live worker, weighs the run to its end.
    await runRow(ctx, rows[0]!);
    expect((await hold(holdId!))!.weighing).toMatchObject({ state: 'whole', pages: 1 });
    expect((await hold(holdId!))!.reasons.map((r) => r.school).sort()).toEqual([S1, S2].sort());
  });
});

describe('a page read longer than the weighing’s bound', () => {
  const { ctx, load, hold, holdIds, expire, weighRows } = useHeldRun();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the weighing’s claim (a heartbeat): no second weigher, the hold still weighing', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let answer: (p: PulledPage) => void = () => undefined;
    let reading = false;
    await load(async (c) => {
      if (c !== 'c1') return PAGES[c]!;
      reading = true;
      return new Promise<PulledPage>((resolve) => (answer = resolve));
    });
    const pulled = runNextPull(ctx);
    await until(() => reading);
    const [holdId] = await holdIds();
    // The read outlasts the bound (its claim as it would be by then), and the heartbeat's quarter of it passes.
    await expire();
    vi.advanceTimersByTime((ctx.config.guard.weighing.boundSeconds * 1000) / 4);
    const claimed = async () =>
      (
        await ctx.db.rows<{ ok: boolean }>(
          'truc.outbox',
          `job_name = 'weigh-hold' AND claimed_until > now() AND done_at IS NULL`,
        )
      ).length === 1;
    await until(claimed);
    expect(await weighRows()).toEqual([]);
    expect((await hold(holdId!))!.weighing).toMatchObject({ state: 'weighing' });
    answer(PAGES.c1!);
    await pulled;
    expect((await hold(holdId!))!.weighing).toMatchObject({ state: 'whole', pages: 1 });
  });
});
