/**
 * priv28: what a vendor reads of its school's quality never tells it another school's records (Decree 13/2023).
 * Two vendors on real PostgreSQL and Redis: vendor B's school (OTHER) holds a pupil with a personal ID and one
 * without (name, father's name, birth date); vendor A pushes, at its school S1, a pupil with the same personal ID
 * and a twin of the other. Those records' verdicts hold findings resting on B's records (SACH_ACTIVE_AT_TWO_SCHOOLS,
 * SACH_PROBABLE_DUPLICATE_STORED elsewhere: src/quality/sender-view.ts): the city reads them, vendor A does not,
 * in its school's findings nor in its school's scorecard.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeScorecards } from '../../src/jobs/scorecards.js';
import { startWorkerRole } from '../../src/roles.js';
import { createQualityRepo } from '../../src/store/quality.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school, student } from '../factories/records.js';
import { verdict, verdictFinding } from '../factories/verdicts.js';
import { OTHER, S1, S2, useApiHarness, type ApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

/** The rules whose findings rest on another school's records here. */
const ELSEWHERE = ['SACH_ACTIVE_AT_TWO_SCHOOLS', 'SACH_PROBABLE_DUPLICATE_STORED'];
const B_ID = '079219004242';

interface BatchView {
  status: string;
  counts: { accepted: number; rejected: number };
}

/** Pushes `records` for `school` with `token` on `hh` and waits until the batch is done. */
async function pushAndWait(
  hh: ApiHarness,
  token: string,
  school: string,
  records: unknown[],
): Promise<BatchView> {
  const res = await hh.pushBatch(token, school, { entity: 'students', records });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json<{ batchId: string }>().batchId;
  const batch = await waitFor(
    async () => {
      const b = (await hh.get(`/v1/batches/${id}`, token)).json<BatchView>();
      return ['done', 'held', 'failed'].includes(b.status) ? b : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
  );
  expect(batch.status).toBe('done');
  return batch;
}

/** Vendor A's pupils at `at`: one with B's pupil's personal ID (`id`), one B's other pupil's twin, one clean. */
const pupilsOfA = (id = B_ID, at = S1) => [
  student('A-BINH', { schoolCode: at, schoolYear: '2026-2027', birthDate: '2019-04-02', personalId: id }),
  student('A-HOA', {
    schoolCode: at,
    schoolYear: '2026-2027',
    fullName: 'Lê Thị Hoa',
    fatherName: 'Lê Văn Nam',
    sex: 'female',
    birthDate: '2019-09-14',
  }),
  student('A-AN', { schoolCode: at, schoolYear: '2026-2027', personalId: '079219001111' }),
];

/** The schools, and vendor B's pupils at its school OTHER (through the worker); returns A's batch when pushed. */
async function storePupils(hh: ApiHarness, withA: boolean): Promise<BatchView | undefined> {
  const schools = [
    school(S1, { communeCode: '26734' }),
    school(S2, { communeCode: '26734' }),
    school(OTHER, { communeCode: '26737' }),
  ];
  await createRecordsRepo(hh.env.deps.db).upsert(
    'schools',
    schools.map((s) => ({ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) })),
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
  const worker = startWorkerRole(hh.env.deps);
  try {
    await pushAndWait(hh, hh.tokens.other, OTHER, [
      student('B-HOA1', {
        schoolCode: OTHER,
        schoolYear: '2026-2027',
        fullName: 'Lê Thị Hoa',
        fatherName: 'Lê Văn Nam',
        sex: 'female',
        birthDate: '2019-09-14',
      }),
      student('B-BINH1', {
        schoolCode: OTHER,
        schoolYear: '2026-2027',
        fullName: 'Phạm Văn Bình',
        birthDate: '2019-04-02',
        personalId: B_ID,
      }),
    ]);
    return withA ? await pushAndWait(hh, hh.tokens.vendor, S1, pupilsOfA()) : undefined;
  } finally {
    await worker.stop();
  }
}

beforeAll(async () => {
  await storePupils(h, true);
  await computeScorecards(h.env.deps, 'test');
}, 120_000);

interface FindingItem {
  recordKey: string;
  rule: string;
}

/** Every finding of `code`'s records as `token` reads them (GET /v1/schools/{code}/quality/findings). */
async function schoolFindings(
  token: string,
  query = '',
  code = S1,
): Promise<{ body: string; items: FindingItem[] }> {
  const res = await h.get(`/v1/schools/${code}/quality/findings?limit=1000${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return { body: res.body, items: res.json<{ items: FindingItem[] }>().items };
}

describe("priv28 item 1: a vendor's school findings leave out those resting on another school's records", () => {
  it('the city admin reads them on the verdicts of A’s records', async () => {
    const { items } = await schoolFindings(h.tokens.admin);
    const elsewhere = items.filter((f) => ELSEWHERE.includes(f.rule)).map((f) => `${f.recordKey} ${f.rule}`);
    expect(elsewhere.sort()).toEqual([
      'A-BINH SACH_ACTIVE_AT_TWO_SCHOOLS',
      'A-HOA SACH_PROBABLE_DUPLICATE_STORED',
    ]);
  });

  it('vendor A does not: no such finding, nor B’s school code, record keys or personal ID', async () => {
    const { body, items } = await schoolFindings(h.tokens.vendor);
    expect(items.filter((f) => ELSEWHERE.includes(f.rule))).toEqual([]);
    for (const secret of [OTHER, 'B-BINH1', 'B-HOA1', B_ID]) expect(body).not.toContain(secret);
    for (const rule of ELSEWHERE) {
      const one = await schoolFindings(h.tokens.vendor, `&rule=${rule}`);
      expect(one.items).toEqual([]);
    }
  });
});

describe('priv28 item 1: verdicts kept before the mark (migration 996)', () => {
  it('their findings of the two rules that can rest elsewhere are marked, and a vendor is not told them', async () => {
    const db = h.env.deps.db;
    // Kept by an earlier version: no `elsewhere` mark on the verdicts' findings.
    await createQualityRepo(db).saveVerdicts('students', '00000000-0000-4000-8000-000000000996', new Date(), [
      verdict('OLD-BINH', S2, [
        verdictFinding('SACH_ACTIVE_AT_TWO_SCHOOLS', 'sach', 'warning', '/personalId'),
      ]),
      verdict('OLD-HOA', S2, [
        verdictFinding('DU_FIELD_MISSING', 'du', 'warning', '/motherName'),
        verdictFinding('SACH_PROBABLE_DUPLICATE_STORED', 'sach', 'warning', ''),
      ]),
    ]);
    const sql = new URL('../../src/store/migrations/996_verdict_findings_elsewhere.sql', import.meta.url);
    await db.query(readFileSync(sql, 'utf8'));
    const rules = async (token: string) =>
      (await schoolFindings(token, '', S2)).items.map((f) => `${f.recordKey} ${f.rule}`).sort();
    expect(await rules(h.tokens.admin)).toEqual([
      'OLD-BINH SACH_ACTIVE_AT_TWO_SCHOOLS',
      'OLD-HOA DU_FIELD_MISSING',
      'OLD-HOA SACH_PROBABLE_DUPLICATE_STORED',
    ]);
    expect(await rules(h.tokens.vendor)).toEqual(['OLD-HOA DU_FIELD_MISSING']);
  });
});

interface Card {
  criteria: Record<'dung' | 'du' | 'sach' | 'song', { passed: number; total: number; percent: number }>;
  overall: { passed: number; percent: number; band: string };
  topRules: { rule: string; records: number }[];
  history: { overall: number; band: string }[];
}

/** S1's scorecard as `token` reads it (GET /v1/schools/{code}/quality). */
async function scorecardOf(token: string): Promise<{ body: string; card: Card }> {
  const res = await h.get(`/v1/schools/${S1}/quality`, token);
  expect(res.statusCode, res.body).toBe(200);
  return { body: res.body, card: res.json<Card>() };
}

describe("priv28 item 2: a vendor's school scorecard counts only the findings its sender is told", () => {
  it('the city counts the findings resting on B’s records; vendor A’s figures are without them', async () => {
    const city = (await scorecardOf(h.tokens.admin)).card;
    const { body, card: told } = await scorecardOf(h.tokens.vendor);
    // The city's top rules (at most 5) name the one A-BINH fails.
    expect(city.topRules).toContainEqual(
      expect.objectContaining({ rule: 'SACH_ACTIVE_AT_TWO_SCHOOLS', records: 1 }),
    );
    expect(told.topRules.filter((r) => ELSEWHERE.includes(r.rule))).toEqual([]);
    // A-BINH and A-HOA fail sạch only by those findings: the vendor's card counts them as passing it.
    expect(told.criteria.sach.passed).toBe(city.criteria.sach.passed + 2);
    expect(told.criteria.sach.total).toBe(city.criteria.sach.total);
    expect(told.criteria.dung).toEqual(city.criteria.dung);
    expect(told.overall.passed).toBeGreaterThanOrEqual(city.overall.passed);
    // Its history is of its own figures too.
    expect(told.history[0]).toMatchObject({ overall: told.overall.percent, band: told.overall.band });
    expect(city.history[0]).toMatchObject({ overall: city.overall.percent, band: city.overall.band });
    for (const secret of [OTHER, 'B-BINH1', 'B-HOA1', B_ID]) expect(body).not.toContain(secret);
  });
});

describe('priv28 item 2: a city policy that makes those rules errors refuses no record of a vendor for them', () => {
  const e = useApiHarness(
    { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
    {
      configure: (c) => ({
        ...c,
        quality: {
          ...c.quality,
          policy: { '*': Object.fromEntries(ELSEWHERE.map((r) => [r, 'error' as const])) },
        },
      }),
    },
  );
  let pushed: BatchView | undefined;
  beforeAll(async () => {
    pushed = await storePupils(e, true);
  }, 120_000);

  /** A dry run of vendor A's pupils at its other school S2 (it holds none), the first with personal ID `id`. */
  async function dryRun(id: string): Promise<unknown> {
    const res = await e.send('POST', `/v1/schools/${S2}/batches?dryRun=true`, e.tokens.vendor, {
      entity: 'students',
      records: pupilsOfA(id, S2),
    });
    expect(res.statusCode, res.body).toBe(200);
    const { counts, findings } = res.json<{ counts: unknown; findings: unknown }>();
    return { counts, findings };
  }

  it('a dry run answers the same whether the personal ID is B’s pupil’s or not', async () => {
    expect(await dryRun(B_ID)).toEqual(await dryRun('079219004243'));
  });

  it('a push is accepted whole; the city’s verdict keeps the finding as an error', async () => {
    expect(pushed!.counts).toMatchObject({ accepted: 3, rejected: 0 });
    expect((await e.get(`/v1/schools/${S1}/students/A-BINH`, e.tokens.vendor)).statusCode).toBe(200);
    const res = await e.get(
      `/v1/schools/${S1}/quality/findings?rule=SACH_ACTIVE_AT_TWO_SCHOOLS`,
      e.tokens.admin,
    );
    expect(res.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ recordKey: 'A-BINH', severity: 'error', accepted: true }),
    ]);
  });
});
