/**
 * fix34b (review33c N2): GET /v1/quality/scorecards at the city's scale. The list of a level came whole, by code (168
 * communes: the dashboard drew them all at once); now it is a page (`limit`, default 200 so that a caller reading the
 * 168 communes in one answer still does; `offset`; `total`), searched by code (`q`), filtered by band in the city's
 * bands of today (`band`), by code or the worst first (`sort=worst`); a PCGD officer's its units only, counted so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminUnitName } from '../../src/canonical/codes/admin-units.js';
import { addClient } from '../../src/ops.js';
import { communeCard, saveScorecards, storedRatio } from '../helpers/dashboard-seed.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!);
/** 168 communes 26001..26168, the overall of commune i: (i * 37) % 101 of 100 records passed. */
const COMMUNES = Array.from({ length: 168 }, (_, i) => ({
  code: String(26001 + i),
  passed: ((i + 1) * 37) % 101 === 0 ? 100 : ((i + 1) * 37) % 101,
}));
let officer: string;

beforeAll(async () => {
  const cards = COMMUNES.map(({ code, passed }) => {
    const r = storedRatio(passed, 100, passed >= 90 ? 'green' : passed >= 75 ? 'yellow' : 'red');
    return communeCard(code, 100, { dung: r, du: r, sach: r, song: r }, r);
  });
  // an older run, a worse one: only the latest is listed
  await saveScorecards(h.env.deps.db, cards.slice(0, 3), '2026-12-01');
  await saveScorecards(h.env.deps.db, cards);
  // an officer of 2 communes, one of them among the 5 worst
  const client = await addClient(h.env.deps.db, {
    name: 'PCGD',
    role: 'pcgd-officer',
    units: ['26011', '26100'],
  });
  officer = await h.tokenOf(client);
}, 180_000);

type Page = {
  total: number;
  limit: number;
  offset: number;
  items: Array<{ code: string; name: string | null; overall: { percent: number; band: string } }>;
};
const list = async (query: string, token = h.tokens.admin): Promise<Page> => {
  const res = await h.get(`/v1/quality/scorecards?level=commune${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Page>();
};
const worst = [...COMMUNES].sort((a, b) => a.passed - b.passed || a.code.localeCompare(b.code));

describe('fix34b: GET /v1/quality/scorecards paged, searched, filtered, the worst first', () => {
  it('without paging asked for: all 168 communes by code, as before, counted', async () => {
    const page = await list('');
    expect(page).toMatchObject({ total: 168, limit: 200, offset: 0 });
    expect(page.items.map((c) => c.code)).toEqual(COMMUNES.map((c) => c.code));
  });

  // walk8 W8-4: a commune was named by its code alone, while the overview's deadlines card names it "Name (code)".
  it("each commune named as the overview's deadlines card names it; a code not on the list: null", async () => {
    const items = (await list('')).items;
    expect(items.find((c) => c.code === '26002')?.name).toBe('Phường Hố Nai');
    for (const c of items) expect(c.name).toBe(adminUnitName(c.code) ?? null);
    expect(items.filter((c) => c.name === null).length).toBeGreaterThan(0);
  });

  it('the worst first, a page at a time', async () => {
    const first = await list('&sort=worst&limit=20');
    expect(first).toMatchObject({ total: 168, limit: 20, offset: 0 });
    expect(first.items.map((c) => c.code)).toEqual(worst.slice(0, 20).map((c) => c.code));
    expect(first.items[0]!.overall.percent).toBeLessThanOrEqual(first.items[19]!.overall.percent);
    const last = await list('&sort=worst&limit=20&offset=160');
    expect(last.items.map((c) => c.code)).toEqual(worst.slice(160).map((c) => c.code));
    expect((await list('&sort=worst&limit=20&offset=200')).items).toEqual([]);
  });

  it('searched by code, filtered by band in the city’s bands', async () => {
    const found = await list('&q=2610');
    expect(found.items.map((c) => c.code)).toEqual(
      COMMUNES.filter((c) => c.code.includes('2610')).map((c) => c.code),
    );
    expect(found.total).toBe(found.items.length);
    const red = await list('&band=red&sort=worst');
    expect(red.total).toBe(COMMUNES.filter((c) => c.passed < 75).length);
    expect(red.items.every((c) => c.overall.band === 'red')).toBe(true);
    const yellow = await list('&band=yellow');
    expect(yellow.items.map((c) => c.overall.percent).every((p) => p >= 75 && p < 90)).toBe(true);
    expect(yellow.total).toBe(COMMUNES.filter((c) => c.passed >= 75 && c.passed < 90).length);
  });

  it('a PCGD officer: its units only, counted so', async () => {
    const mine = await list('&sort=worst&limit=1', officer);
    expect(mine.total).toBe(2);
    const both = await list('', officer);
    expect(both.items.map((c) => c.code)).toEqual(['26011', '26100']);
    expect(mine.items[0]!.code).toBe(
      [...both.items].sort((a, b) => a.overall.percent - b.overall.percent)[0]!.code,
    );
  });

  it('a search or sort it cannot read is a 400 naming the field', async () => {
    for (const [query, field] of [
      ['&q=abc', 'q'],
      ['&sort=best', 'sort'],
      ['&band=blue', 'band'],
      ['&limit=501', 'limit'],
    ]) {
      const res = await h.get(`/v1/quality/scorecards?level=commune${query}`, h.tokens.admin);
      expectProblem(res, 400, 'ERR_VALIDATION');
      expect(JSON.stringify(res.json().errors), query).toContain(field);
    }
  });
});
