/**
 * polish6 item 3: the Quality page's commune scorecard linked to its schools as a search (`#/schools?q=<commune>`), and
 * a search finds the five digits in a school's code or name too: commune 26995's link listed school 26995001 of
 * another commune, and one named "Trường 26995". `GET /v1/ops/schools?commune=` lists the commune's schools exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school } from '../factories/records.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!); // PGlite
const COMMUNE = '26995';

beforeAll(async () => {
  const rows = [
    school('79000591', { communeCode: COMMUNE }),
    school('79000592', { communeCode: COMMUNE }),
    school('26995001', { communeCode: '26734' }),
    school('79000593', { communeCode: '26734', name: `Trường Tiểu học ${COMMUNE}` }),
  ];
  await createRecordsRepo(h.env.deps.db).upsert(
    'schools',
    rows.map((s) => ({ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) })),
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
});

const codes = async (query: string) => {
  const res = await h.get(`/v1/ops/schools?${query}`, h.tokens.admin);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ total: number; items: { schoolCode: string; communeCode: string | null }[] }>();
  return { total: body.total, codes: body.items.map((s) => s.schoolCode) };
};

describe('the operations schools list of one commune (polish6)', () => {
  it('a search for the commune code over-matches; commune= lists its schools alone', async () => {
    expect((await codes(`q=${COMMUNE}`)).codes).toEqual(['26995001', '79000591', '79000592', '79000593']);
    expect(await codes(`commune=${COMMUNE}`)).toEqual({ total: 2, codes: ['79000591', '79000592'] });
    expect(await codes(`commune=${COMMUNE}&q=79000592`)).toEqual({ total: 1, codes: ['79000592'] });
    expect(await codes(`commune=${COMMUNE}&limit=1&offset=1`)).toEqual({ total: 2, codes: ['79000592'] });
    expect(await codes('commune=')).toMatchObject({ total: 4 });
  });

  it('a commune code not of five digits is a 400 that says so (review6: it listed nothing)', async () => {
    for (const bad of ['2699', '269950', 'abcde', `${'9'.repeat(21)}`, '26995%20']) {
      const res = await h.get(`/v1/ops/schools?commune=${bad}`, h.tokens.admin);
      expectProblem(res, 400, 'ERR_VALIDATION');
      expect(res.body, bad).toContain('phải là mã xã 5 chữ số / must be a 5-digit commune code');
    }
  });
});
