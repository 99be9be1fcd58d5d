/**
 * Quality scorecards end to end on PGlite (issue 8): verdicts stored by the ingest are counted per
 * school, summed per commune and province, kept as a run with its history; the API serves a school's
 * scorecard, the findings behind it and commune/province scorecards to the roles allowed to read them;
 * Prometheus gauges exist for provinces and communes, never for a school.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { computeScorecards } from '../../src/jobs/scorecards.js';
import { addClient } from '../../src/ops.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createWebsiteProbesRepo } from '../../src/store/website-probes.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { bearer, expectProblem, S1, S2, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { schoolRecord, storeSchools } from '../helpers/quality-world.js';

const h = useApiHarness(backends()[0]!);
let tokens: Record<'auditor' | 'officer' | 'otherOfficer', string>;
/** The latest run's clock (the worker's `now`), which its scorecards say they were computed at (fix35d). */
const COMPUTED_AT = new Date();

beforeAll(async () => {
  const db = h.env.deps.db;
  await storeSchools(db, [schoolRecord(S1, '26734'), schoolRecord(S2, '26737')]);
  const batchId = '00000000-0000-4000-8000-000000000001';
  const warn = verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/fatherName');
  const info = verdictFinding('SACH_TEXT_NORMALISED', 'sach', 'info', '/fullName');
  // S1: 10 records, 2 with a đủ warning, 1 with only an info finding (passes). S2: 4 records, all failing đúng.
  await createQualityRepo(db).saveVerdicts(
    'students',
    batchId,
    new Date(),
    Array.from({ length: 10 }, (_, i) => verdict(`A${i}`, S1, i < 2 ? [warn] : i === 2 ? [info] : [])),
  );
  await createQualityRepo(db).saveVerdicts(
    'students',
    batchId,
    new Date(),
    Array.from({ length: 4 }, (_, i) =>
      verdict(`B${i}`, S2, [verdictFinding('DUNG_PHONE_FORMAT', 'dung', 'warning', '/phone', '0903')], i > 0),
    ),
  );
  await computeScorecards(h.env.deps, 'test');
  await computeScorecards({ ...h.env.deps, now: () => COMPUTED_AT }, 'test');
  const auditor = await addClient(db, { name: 'Auditor', role: 'auditor' });
  const officer = await addClient(db, { name: 'Commune officer', role: 'pcgd-officer', units: ['26734'] });
  const other = await addClient(db, { name: 'Other officer', role: 'pcgd-officer', units: ['26740'] });
  tokens = {
    auditor: await h.tokenOf(auditor),
    officer: await h.tokenOf(officer),
    otherOfficer: await h.tokenOf(other),
  };
}, 180_000);

describe('GET /v1/schools/{code}/quality', () => {
  it('the school’s scorecard: ratios per criterion and overall with bands, top rules linking to findings, history', async () => {
    const res = await h.get(`/v1/schools/${S1}/quality`, h.tokens.vendor);
    expect(res.statusCode, res.body).toBe(200);
    const card = res.json();
    expect(card).toMatchObject({ level: 'school', code: S1, parentCode: '26734', records: 10 });
    expect(card.criteria.du).toEqual({ passed: 8, total: 10, percent: 80, band: 'yellow' });
    expect(card.criteria.sach).toMatchObject({ percent: 100, band: 'green' }); // info never fails
    expect(card.overall).toMatchObject({ passed: 8, percent: 80 });
    expect(card.topRules).toEqual([
      expect.objectContaining({
        rule: 'DU_FIELD_MISSING',
        records: 2,
        findingsUrl: `/v1/schools/${S1}/quality/findings?rule=DU_FIELD_MISSING`,
      }),
    ]);
    expect(card.history).toHaveLength(2);
    // fix35d: when its run computed it (the worker's clock) and who asked; a vendor reads "city", not the client.
    expect(card).toMatchObject({ computedAt: COMPUTED_AT.toISOString(), requestedBy: 'city' });
    expect(card.runId).toBe(Math.max(...card.history.map((x: { runId: number }) => x.runId)));
    // Explainable: the findings behind the figure.
    const f = await h.get(card.topRules[0].findingsUrl, h.tokens.vendor);
    expect(f.statusCode, f.body).toBe(200);
    expect(f.json().items.map((i: { recordKey: string }) => i.recordKey)).toEqual(['A0', 'A1']);
  });

  it('findings are filterable and in the caller’s language', async () => {
    const en = await h.app.inject({
      method: 'GET',
      url: `/v1/schools/${S2}/quality/findings?criterion=dung&severity=warning`,
      headers: { ...bearer(h.tokens.vendor), 'accept-language': 'en' },
    });
    expect(en.statusCode, en.body).toBe(200);
    const body = en.json();
    expect(body.total).toBe(4);
    expect(body.items[0]).toMatchObject({ rule: 'DUNG_PHONE_FORMAT', value: '0903', pointer: '/phone' });
    expect(body.items[0].text).toBe(body.items[0].message.en);
    const vi = await h.get(
      `/v1/schools/${S2}/quality/findings?rule=DUNG_PHONE_FORMAT&limit=1`,
      h.tokens.vendor,
    );
    expect(vi.json().items[0].text).toBe(vi.json().items[0].message.vi);
    expect(vi.json().items).toHaveLength(1);
    const none = await h.get(`/v1/schools/${S2}/quality/findings?criterion=sach`, h.tokens.vendor);
    expect(none.json()).toMatchObject({ total: 0, items: [] });
  });

  it('bad filters are problems, not 500s', async () => {
    expectProblem(
      await h.get(`/v1/schools/${S1}/quality/findings?severity=fatal`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await h.get(`/v1/schools/${S1}/quality/findings?limit=0`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
  });

  it('roles: a vendor its schools only; officers their units; auditors and the city all', async () => {
    expectProblem(await h.get(`/v1/schools/${S1}/quality`, h.tokens.other), 403, 'ERR_FORBIDDEN_SCHOOL');
    expect((await h.get(`/v1/schools/${S1}/quality`, tokens.officer)).statusCode).toBe(200);
    expectProblem(await h.get(`/v1/schools/${S2}/quality`, tokens.officer), 403, 'ERR_FORBIDDEN_SCHOOL');
    expect((await h.get(`/v1/schools/${S2}/quality`, tokens.auditor)).statusCode).toBe(200);
    expect((await h.get(`/v1/schools/${S2}/quality`, h.tokens.admin)).statusCode).toBe(200);
    expectProblem(await h.get(`/v1/schools/79000777/quality`, h.tokens.admin), 404, 'ERR_NOT_FOUND');
  });
});

describe('GET /v1/schools/{code}/website', () => {
  it('the last probe of the school’s website with the rules it breaks; 404 before any probe; same roles', async () => {
    await createWebsiteProbesRepo(h.env.deps.db).save([
      {
        schoolCode: S1,
        website: 'https://th-s1.hcm.edu.vn',
        probedAt: new Date('2025-10-15T02:30:00Z'),
        answered: true,
        httpStatus: 200,
        rss: false,
      },
    ]);
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/schools/${S1}/website`,
      headers: { ...bearer(tokens.officer), 'accept-language': 'en' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      schoolCode: S1,
      website: 'https://th-s1.hcm.edu.vn',
      probedAt: '2025-10-15T02:30:00.000Z',
      answered: true,
      httpStatus: 200,
      rss: false,
      rules: [{ rule: 'SONG_WEBSITE_NO_RSS', title: 'Website without RSS' }],
    });
    expectProblem(await h.get(`/v1/schools/${S2}/website`, h.tokens.admin), 404, 'ERR_NOT_FOUND');
    expectProblem(await h.get(`/v1/schools/${S1}/website`, h.tokens.other), 403, 'ERR_FORBIDDEN_SCHOOL');
    expect((await h.get(`/v1/schools/${S1}/website`, tokens.auditor)).statusCode).toBe(200);
  });
});

describe('GET /v1/quality/scorecards', () => {
  it('communes and the province sum their schools', async () => {
    const res = await h.get('/v1/quality/scorecards?level=province&code=79', tokens.auditor);
    expect(res.statusCode, res.body).toBe(200);
    const [p] = res.json().items;
    // 14 records: S1 8 pass, S2 0 pass.
    expect(p).toMatchObject({ level: 'province', code: '79', records: 14, schools: 2 });
    expect(p.overall).toMatchObject({ passed: 8, total: 14, percent: 57.14, band: 'red' });
    expect(p.history).toHaveLength(2);
    const communes = await h.get('/v1/quality/scorecards?level=commune', h.tokens.admin);
    expect(communes.json().items.map((c: { code: string }) => c.code)).toEqual(['26734', '26737']);
  });

  it('a PCGD officer sees its units only; a vendor none', async () => {
    const mine = await h.get('/v1/quality/scorecards?level=commune', tokens.officer);
    expect(mine.json().items.map((c: { code: string }) => c.code)).toEqual(['26734']);
    expectProblem(
      await h.get('/v1/quality/scorecards?level=commune&code=26737', tokens.officer),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    const vendor = expectProblem(
      await h.get('/v1/quality/scorecards?level=commune', h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    // told what it may read instead (walk10 W10-10), in both languages
    expect(vendor.detail).toContain('GET /v1/schools/{code}/quality');
    expect(vendor.detail).toContain('nhà cung cấp');
    expect((await h.get('/v1/quality/scorecards?level=commune', tokens.otherOfficer)).json().items).toEqual(
      [],
    );
    expectProblem(await h.get('/v1/quality/scorecards?level=school', h.tokens.admin), 400, 'ERR_VALIDATION');
  });

  it('gauges exist for the province and communes, never for a school', async () => {
    const text = await h.env.deps.metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('truc_quality_pass_ratio{'));
    expect(lines).toContainEqual(expect.stringContaining('level="province",unit="79"'));
    expect(lines).toContainEqual(expect.stringContaining('level="commune",unit="26734"'));
    expect(lines.some((l) => l.includes(S1) || l.includes('level="school"'))).toBe(false);
  });
});

// fix30b items 6 and 8: a top rule's title in both languages (it was the caller's language alone: Vietnamese to a
// caller naming none), and a scorecard read after the city changed quality.colourBands in its colours of today, as
// the schools page reads its ratios (it kept the band of its run's day until the next run).
describe('fix30b: a scorecard in both languages, in the city’s bands of today', () => {
  it("a top rule's title: the caller's language, and both", async () => {
    const card = (await h.get(`/v1/schools/${S1}/quality`, h.tokens.vendor)).json();
    expect(card.topRules[0]).toMatchObject({
      rule: 'DU_FIELD_MISSING',
      title: card.topRules[0].titles.vi,
      titles: { vi: expect.stringMatching(/[À-ỿ]/), en: expect.any(String) },
    });
    expect(card.topRules[0].titles.en).not.toBe(card.topRules[0].titles.vi);
    const units = (await h.get('/v1/quality/scorecards?level=commune&code=26734', tokens.auditor)).json();
    expect(units.items[0].topRules[0].titles).toEqual(card.topRules[0].titles);
  });

  it('the bands changed (green 95, yellow 85): an 80 % đủ is red, on the scorecard and its history', async () => {
    const before = (await h.get(`/v1/schools/${S1}/quality`, h.tokens.vendor)).json();
    expect(before.criteria.du).toMatchObject({ percent: 80, band: 'yellow' });
    const config = h.env.deps.config;
    const app = await buildApp({
      ...h.env.deps,
      config: { ...config, quality: { ...config.quality, colourBands: { green: 95, yellow: 85 } } },
    });
    try {
      await app.ready();
      const read = (url: string, token: string) => app.inject({ method: 'GET', url, headers: bearer(token) });
      const card = (await read(`/v1/schools/${S1}/quality`, h.tokens.vendor)).json();
      expect(card.criteria.du).toEqual({ passed: 8, total: 10, percent: 80, band: 'red' });
      expect(card.criteria.sach).toMatchObject({ percent: 100, band: 'green' });
      expect(card.overall).toMatchObject({ percent: 80, band: 'red' });
      expect(card.history.map((x: { band: string }) => x.band)).toEqual(['red', 'red']);
      const commune = (await read('/v1/quality/scorecards?level=commune&code=26734', tokens.auditor)).json();
      expect(commune.items[0].overall.band).toBe('red');
    } finally {
      await app.close();
    }
  });
});
