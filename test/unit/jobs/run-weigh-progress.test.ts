/**
 * fix34e (review33a, issue 7 items 1 and 3): a held run's weighing of its next pages (src/jobs/run-weigh.ts) says
 * how far it got: `weighing` on the hold, `whole` when every page to the run's end was weighed, else `partial` with
 * why (`time-cap`: guard.weighing.maxSeconds, configurable; the weighing's bound is its progress, not 120 s), and a
 * worker stopped mid-way leaves the hold `interrupted` (truthful while it is decidable) and the weighing's outbox row
 * open, which the relay queues once its lease runs out: its job (src/jobs/weigh-resume.ts) resumes the weighing from
 * the hold's last widening. Two schools of 50 students; a full run of three pages: the first deletes 20 of S1's
 * (held), the second 20 of S2's, the third nothing. (Memory database and a fake source, as run-weigh.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { PulledPage } from '../../../src/jobs/sources.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createOutboxRepo } from '../../../src/store/outbox.js';
import { S1, S2 } from '../../helpers/api.js';
import { hcmStudent, requestFullStudentsSync, runNextPull, runRow, useStudentsSource } from './fixtures.js';

const keysOf = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
const [a, b] = [keysOf('PA'), keysOf('PB')];
const PAGES: Record<string, PulledPage> = {
  '': { items: [], deletedKeys: a.slice(0, 20), nextCursor: 'c1', watermark: undefined },
  c1: { items: [], deletedKeys: b.slice(0, 20), nextCursor: 'c2', watermark: undefined },
  c2: { items: [], deletedKeys: [], nextCursor: undefined, watermark: 'w2' },
};

function useHeldRun() {
  const { ctx, source } = useStudentsSource();
  /** Loads both schools; `read` answers the run's pages by cursor (the held page's is always PAGES['']). */
  const load = async () => {
    await requestFullStudentsSync(ctx);
    const items = [
      ...a.map((k) => hcmStudent(k, { school: S1 })),
      ...b.map((k) => hcmStudent(k, { school: S2 })),
    ];
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    expect(await runNextPull(ctx)).toEqual({ records: 100, last: true });
  };
  const serve = (read: (cursor: string) => Promise<PulledPage>) => {
    source.page = async (_entity, opts) => read(opts.cursor ?? '');
  };
  const hold = (id: number) => createGuardHoldsRepo(ctx.db).get(id);
  return { ctx, load, serve, hold };
}

describe('a held run weighed to its end', () => {
  const { ctx, load, serve, hold } = useHeldRun();

  it('says so: weighing whole, the pages weighed and the last one', async () => {
    await load();
    serve(async (c) => PAGES[c]!);
    await requestFullStudentsSync(ctx);
    const held = (await runNextPull(ctx)) as { holdId: number };
    const h = (await hold(held.holdId))!;
    expect(h.reasons.map((r) => r.school).sort()).toEqual([S1, S2].sort());
    expect(h.weighingUntil).toBeNull();
    expect(h.weighing).toMatchObject({
      state: 'whole',
      pages: 2,
      heldPage: 0,
      throughPage: 2,
      stoppedBy: null,
    });
    // Its outbox row (what resumes a stopped weighing) is done.
    const open = await ctx.db.rows('truc.outbox', `job_name = 'weigh-hold' AND done_at IS NULL`);
    expect(open).toEqual([]);
  });
});

describe('a held run weighed at a slow source, past guard.weighing.maxSeconds', () => {
  const { ctx, load, serve, hold } = useHeldRun();

  it('stops at the cap and the hold says it is partial, why and how far it got', async () => {
    await load();
    const start = ctx.now();
    let clock = start.getTime();
    Object.assign(ctx, { now: () => new Date(clock) });
    try {
      serve(async (c) => {
        // Each later page takes the source 31 minutes (past the default cap of 30 after the first).
        if (c !== '') clock += 31 * 60_000;
        return PAGES[c]!;
      });
      await requestFullStudentsSync(ctx);
      const held = (await runNextPull(ctx)) as { holdId: number };
      const h = (await hold(held.holdId))!;
      expect(h.weighingUntil).toBeNull();
      expect(h.weighing).toMatchObject({
        state: 'partial',
        stoppedBy: 'time-cap',
        pages: 1,
        heldPage: 0,
        throughPage: 1,
      });
      // What it weighed is in the hold: S2 of the page weighed.
      expect(h.reasons.map((r) => r.school).sort()).toEqual([S1, S2].sort());
    } finally {
      Object.assign(ctx, { now: () => start });
    }
  });
});

/**
 * A held run whose worker stopped mid-weighing, its bound and its outbox row's lease run out: the hold (interrupted),
 * and the relay's claim of its weighing's row.
 */
async function interruptedWeighing(w: ReturnType<typeof useHeldRun>) {
  const { ctx, load, serve, hold } = w;
  await load();
  let hang = true;
  serve(async (c) => {
    // The weighed page's reads never answer: its worker is as good as stopped.
    if (c === 'c1' && hang) return new Promise<PulledPage>(() => undefined);
    return PAGES[c]!;
  });
  await requestFullStudentsSync(ctx);
  void runNextPull(ctx);
  const holds = () => ctx.db.rows<{ id: number }>('truc.guard_holds', `kind = 'run' ORDER BY id DESC`);
  const deadline = Date.now() + 30_000;
  let holdId = 0;
  while (Date.now() < deadline) {
    holdId = (await holds())[0]?.id ?? 0;
    if (holdId && (await hold(holdId))?.weighing) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const weighing = (await hold(holdId))!;
  expect(weighing.weighing).toMatchObject({ state: 'weighing', pages: 0, throughPage: 0 });
  expect(weighing.weighingUntil).not.toBeNull();

  // Its bound and its row's lease run out (the worker stopped): the hold says so, and the relay takes the row.
  await ctx.db.query(
    `UPDATE truc.guard_holds SET weighing_until = now() - interval '1 second' WHERE id = $1`,
    [holdId],
  );
  await ctx.db.query(
    `UPDATE truc.outbox SET claimed_until = now() - interval '1 second' WHERE job_name = 'weigh-hold'`,
  );
  expect((await hold(holdId))!.weighing).toMatchObject({ state: 'interrupted', pages: 0 });
  const claimed = (await createOutboxRepo(ctx.db).claimPending(50)).filter(
    (r) => r.job_name === 'weigh-hold',
  );
  expect(claimed.map((r) => r.payload)).toEqual([{ holdId }]);
  const resume = async () => {
    // Its job resumes the weighing (the source answers again).
    hang = false;
    await runRow(ctx, { ...claimed[0]!, payload: claimed[0]!.payload });
  };
  return { holdId, resume };
}

/** The hold weighed whole, with S2, its weighing's outbox row done. */
async function weighedWhole(w: ReturnType<typeof useHeldRun>, holdId: number) {
  const h = (await w.hold(holdId))!;
  expect(h.weighing).toMatchObject({ state: 'whole', pages: 2, throughPage: 2, stoppedBy: null });
  expect(h.weighingUntil).toBeNull();
  expect(h.reasons.map((r) => r.school).sort()).toEqual([S1, S2].sort());
  const open = await w.ctx.db.rows('truc.outbox', `job_name = 'weigh-hold' AND done_at IS NULL`);
  expect(open).toEqual([]);
}

describe('a held run whose worker stopped mid-weighing', () => {
  const w = useHeldRun();

  it('is interrupted (decidable, saying so) and resumed from its last widening by the relay’s job', async () => {
    const { holdId, resume } = await interruptedWeighing(w);
    await resume();
    await weighedWhole(w, holdId);
  });
});

describe('a held run whose weighing a worker before restoreguard stopped (review)', () => {
  const w = useHeldRun();

  it('resumes: the counts kept before migration 1457 have no restored, taken as none', async () => {
    const { holdId, resume } = await interruptedWeighing(w);
    // The weighing's point to resume from as a truc before 5649a481 kept it: its counts without `restored`.
    await w.ctx.db.query(
      `UPDATE truc.guard_holds
          SET weigh_resume = jsonb_set(weigh_resume, '{rows}',
                (SELECT jsonb_agg(r - 'restored') FROM jsonb_array_elements(weigh_resume -> 'rows') r))
        WHERE id = $1`,
      [holdId],
    );
    const [kept] = await w.ctx.db.rows<{ weigh_resume: { rows: object[] } }>(
      'truc.guard_holds',
      `id = ${holdId}`,
    );
    expect(kept!.weigh_resume.rows.length).toBeGreaterThan(0);
    expect(kept!.weigh_resume.rows.every((r) => !('restored' in r))).toBe(true);
    await resume();
    // Was 'partial': its first page's counts were written with restored NULL (the column is NOT NULL).
    await weighedWhole(w, holdId);
  });
});
