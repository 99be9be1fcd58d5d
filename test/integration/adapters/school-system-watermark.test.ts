/**
 * The watermark a smas/vnedu listing ends with (BUG 6): the latest change time it saw, but never later than
 * the listing's start by the system's clock (its first page's `Date`, never later than truc's clock) less
 * `watermarkOverlapSeconds`, and never earlier than `since`. The simulators send their injected clock in
 * `Date`. A listing resumed from a cursor issued before the fix (no start in it) keeps `since`.
 */
import nock from 'nock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createSmasAdapter,
  createSmasClient,
  type SmasAdapterOptions,
  type SmasStudent,
} from '../../../src/adapters/smas/index.js';
import { createVneduAdapter, createVneduClient } from '../../../src/adapters/vnedu/index.js';
import type { ListChangesOptions } from '../../../src/adapters/types.js';
import { startSmasSimulator, type SmasSimulator } from '../../../src/simulators/smas/simulator.js';
import { startVneduSimulator } from '../../../src/simulators/vnedu/simulator.js';

const API_KEY = 'walk17-wm-key';
const T0 = Date.parse('2026-12-01T01:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const SINCE = iso(T0 - 3_600_000);

/** An SMAS simulator whose clock is `clock.at` (the population's change times lie before `since`). */
async function smasAt(clock: { at: number }) {
  const sim = await startSmasSimulator({
    seed: 'walk17-watermark',
    schools: 6,
    studentsPerSchool: 3,
    staffPerSchool: 1,
    apiKey: API_KEY,
    asOf: '2026-11-30T00:00:00.000Z',
    now: () => clock.at,
  });
  const opts = { baseURL: sim.url, apiKey: API_KEY };
  const client = createSmasClient(opts);
  /** Changes the first student of `school` at the simulator's clock now. */
  const touch = async (school: string, n: number) => {
    const [rec] = (await client.fetchPage('students', school, { page: 1, pageSize: 1 })).items;
    await client.upsert('students', school, [{ ...rec!, DienThoaiLienHe: `09010000${n}` }], `w17-wm-${n}`);
  };
  const adapter = (o: Partial<SmasAdapterOptions> = {}) => createSmasAdapter({ ...opts, ...o });
  return { sim, touch, adapter };
}

/** Every page of a listing; `between` runs after each page is handed over. */
async function listing(
  adapter: ReturnType<typeof createSmasAdapter>,
  opts: ListChangesOptions,
  between: (page: number) => Promise<void> | void = () => undefined,
) {
  const keys: string[] = [];
  const watermarks: Array<string | undefined> = [];
  let n = 0;
  for await (const page of adapter.listChanges('students', opts)) {
    keys.push(...page.items.map((r: SmasStudent) => r.MaHocSinh));
    watermarks.push(page.watermark);
    await between(n++);
  }
  return { keys, watermark: watermarks.at(-1) };
}

const sims: SmasSimulator[] = [];
afterAll(async () => {
  for (const sim of sims) await sim.close();
});

describe('SMAS listing watermark', () => {
  it('is the start by the system clock less the overlap, when a later change was seen; never later than it', async () => {
    const clock = { at: T0 + 10_000 };
    const { sim, touch, adapter } = await smasAt(clock);
    sims.push(sim);
    const [s1, , s3] = sim.schoolCodes;
    await touch(s1!, 1);
    clock.at = T0 + 30_000; // the listing starts
    const { watermark } = await listing(adapter(), { since: SINCE }, () => {
      if (clock.at === T0 + 30_000) {
        clock.at = T0 + 120_000;
        return touch(s3!, 2); // a school not walked yet changes: seen by this listing
      }
    });
    // The rule before: the latest change seen (T0 + 120 s); a change at s1 at T0 + 60 s would be lost.
    expect(watermark).toBe(iso(T0 + 30_000 - 60_000));

    // No overlap: the start itself; never later than the latest change seen.
    clock.at = T0 + 200_000;
    expect((await listing(adapter({ watermarkOverlapSeconds: 0 }), { since: SINCE })).watermark).toBe(
      iso(T0 + 120_000),
    );
    expect((await listing(adapter({ watermarkOverlapSeconds: 100 }), { since: SINCE })).watermark).toBe(
      iso(T0 + 100_000),
    );
  });

  it('is never earlier than since (review16 blocker 1)', async () => {
    const clock = { at: T0 + 120_000 };
    const { sim, touch, adapter } = await smasAt(clock);
    sims.push(sim);
    await touch(sim.schoolCodes[1]!, 3);
    clock.at = T0 + 150_000;
    const since = iso(T0 + 100_000);
    const { keys, watermark } = await listing(adapter(), { since });
    expect(keys).toHaveLength(1);
    expect(watermark).toBe(since); // not T0 + 90 s
    // Nothing changed since: since, as before.
    expect((await listing(adapter(), { since: iso(T0 + 130_000) })).watermark).toBe(iso(T0 + 130_000));
  });

  it("a Date far in the future is bounded by truc's clock", async () => {
    const clock = { at: T0 + 86_400_000 };
    const { sim, touch, adapter } = await smasAt(clock);
    sims.push(sim);
    await touch(sim.schoolCodes[0]!, 4); // stamped a day ahead, as the system's clock says
    const { watermark } = await listing(adapter({ now: () => T0 + 300_000 }), { since: SINCE });
    expect(watermark).toBe(iso(T0 + 300_000 - 60_000));
  });

  it('one call a page, as the pull job walks: the start is the first page’s, kept in the cursor', async () => {
    const clock = { at: T0 + 10_000 };
    const { sim, touch, adapter } = await smasAt(clock);
    sims.push(sim);
    for (const [i, school] of sim.schoolCodes.entries()) await touch(school, 10 + i);
    clock.at = T0 + 400_000;
    const a = adapter();
    let cursor: string | undefined;
    let watermark: string | undefined;
    do {
      const it = a.listChanges('students', { since: SINCE, pageSize: 1, ...(cursor ? { cursor } : {}) });
      const page = (await it[Symbol.asyncIterator]().next()).value!;
      if (clock.at !== T0 + 2_000_000) {
        clock.at = T0 + 2_000_000; // later pages are served later
        await touch(sim.schoolCodes[2]!, 20);
      }
      ({ nextCursor: cursor, watermark } = page);
    } while (cursor !== undefined);
    expect(watermark).toBe(iso(T0 + 400_000 - 60_000));
  });

  it('a cursor issued before the fix (no start in it) keeps since; a full listing, the latest change seen', async () => {
    const clock = { at: T0 + 10_000 };
    const { sim, touch, adapter } = await smasAt(clock);
    sims.push(sim);
    for (const [i, school] of sim.schoolCodes.entries()) await touch(school, 30 + i);
    clock.at = T0 + 500_000;
    const legacyCursorOf = async (opts: ListChangesOptions) => {
      const it = adapter().listChanges('students', { ...opts, pageSize: 1 });
      const first = (await it[Symbol.asyncIterator]().next()).value;
      const c = JSON.parse(Buffer.from(first!.nextCursor, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      expect(c.st).toBe(T0 + 500_000);
      delete c.st;
      return Buffer.from(JSON.stringify(c)).toString('base64url');
    };
    const incremental = await listing(adapter(), { cursor: await legacyCursorOf({ since: SINCE }) });
    expect(incremental.watermark).toBe(SINCE);
    const full = await listing(adapter(), { cursor: await legacyCursorOf({}) });
    expect(full.watermark).toBe(iso(T0 + 10_000)); // the latest change time seen, as before the fix
  });
});

describe('vnEdu listing watermark', () => {
  it('is the start by the system clock less the overlap, when a later change was seen', async () => {
    const clock = { at: T0 + 30_000 };
    const sim = await startVneduSimulator({
      seed: 'walk17-watermark',
      schools: 4,
      studentsPerSchool: 3,
      staffPerSchool: 1,
      token: 'walk17-wm-token',
      asOf: '2026-11-30T00:00:00.000Z',
      now: () => clock.at,
    });
    try {
      const opts = { baseURL: sim.url, token: 'walk17-wm-token' };
      const client = createVneduClient(opts);
      const [s1, s2] = sim.schoolCodes;
      const touch = async (school: string, n: number) => {
        const [rec] = (await client.fetchPage('students', school, { limit: 1 })).items;
        await client.upsert('students', school, [{ ...rec!, contact_phone: `09010000${n}` }], `w17-v${n}`);
      };
      clock.at = T0 + 10_000;
      await touch(s1!, 1);
      clock.at = T0 + 30_000;
      let watermark: string | undefined;
      for await (const page of createVneduAdapter(opts).listChanges('students', { since: SINCE })) {
        watermark = page.watermark;
        if (clock.at === T0 + 30_000) {
          clock.at = T0 + 120_000;
          await touch(s2!, 2); // a school not walked yet: seen by this listing
        }
      }
      expect(watermark).toBe(iso(T0 - 30_000));
    } finally {
      await sim.close();
    }
  });
});

describe('a system that sends no Date header', () => {
  afterEach(() => nock.cleanAll());

  it("takes the start from truc's clock", async () => {
    const base = 'http://smas-no-date.test';
    nock(base)
      .get('/schools')
      .query(true)
      .reply(200, {
        Data: [{ MaTruong: 'S1', TenTruong: 'Trường 1' }],
        TotalRecord: 1,
        Page: 1,
        PageSize: 500,
      })
      .get('/schools/S1/students')
      .query(true)
      .reply(200, { Data: [], TotalRecord: 0, Page: 1, PageSize: 500 });
    const adapter = createSmasAdapter({ baseURL: base, apiKey: API_KEY, now: () => T0 });
    const pages = [];
    for await (const page of adapter.listChanges('students', {})) pages.push(page);
    expect(pages).toEqual([{ items: [], watermark: iso(T0 - 60_000) }]);
  });
});
