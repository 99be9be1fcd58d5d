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
import { OTHER, S1, S2, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

/** The rules whose findings rest on another school's records here. */
const ELSEWHERE = ['SACH_ACTIVE_AT_TWO_SCHOOLS', 'SACH_PROBABLE_DUPLICATE_STORED'];
const B_ID = '079219004242';

/** Pushes `records` for `school` with `token` and waits until the batch is done. */
async function pushAndWait(token: string, school: string, records: unknown[]): Promise<void> {
  const res = await h.pushBatch(token, school, { entity: 'students', records });
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json<{ batchId: string }>().batchId;
  const status = await waitFor(
    async () => {
      const b = (await h.get(`/v1/batches/${id}`, token)).json<{ status: string }>();
      return ['done', 'held', 'failed'].includes(b.status) ? b.status : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
  );
  expect(status).toBe('done');
}

beforeAll(async () => {
  const schools = [
    school(S1, { communeCode: '26734' }),
    school(S2, { communeCode: '26734' }),
    school(OTHER, { communeCode: '26737' }),
  ];
  await createRecordsRepo(h.env.deps.db).upsert(
    'schools',
    schools.map((s) => ({ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) })),
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
  const worker = startWorkerRole(h.env.deps);
  try {
    // Vendor B's pupils at its school.
    await pushAndWait(h.tokens.other, OTHER, [
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
    // Vendor A's pupils at S1: one with B's pupil's personal ID, one B's other pupil's twin, one clean.
    await pushAndWait(h.tokens.vendor, S1, [
      student('A-BINH', { schoolYear: '2026-2027', birthDate: '2019-04-02', personalId: B_ID }),
      student('A-HOA', {
        schoolYear: '2026-2027',
        fullName: 'Lê Thị Hoa',
        fatherName: 'Lê Văn Nam',
        sex: 'female',
        birthDate: '2019-09-14',
      }),
      student('A-AN', { schoolYear: '2026-2027', personalId: '079219001111' }),
    ]);
  } finally {
    await worker.stop();
  }
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
