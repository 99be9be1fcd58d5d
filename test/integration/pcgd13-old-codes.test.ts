/**
 * pcgd13: a PCGD-XMC user who types a code of before the 2025 reform (QĐ 19/2025/QĐ-TTg, 1 July 2025) is told what
 * it became, in Vietnamese and English, on every PCGD route that takes a unit code: a province merged away
 * (`?province=72` was an empty success once), an abolished district's 3-digit code, a commune merged. A current
 * province whose code once named another (80: Long An, Tây Ninh since) is current; a caller who may read none of its
 * units is refused (403) as for its reports, not answered an empty list.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectProblem, tokensFor, useApiHarness } from '../helpers/api.js';
import { PG_QUEUE } from '../helpers/env.js';

describe('pcgd13: old unit codes are told what they became', () => {
  const h = useApiHarness(PG_QUEUE);
  let t: Record<'city' | 'officer79', string>;
  beforeAll(async () => {
    t = await tokensFor(h.app, h.env.deps.db, {
      city: { role: 'city-admin' },
      officer79: { role: 'pcgd-officer', units: ['79'] },
    });
  }, 60_000);
  const get = (url: string, token: string) => h.app.inject({ method: 'GET', url, headers: bearer(token) });
  const post = (url: string, token: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: bearer(token), payload });
  /** The detail's Vietnamese half, then its English half, each naming what the old code became. */
  const says = (detail: string | undefined, vi: string, en: string) => {
    const [viHalf = '', enHalf = ''] = (detail ?? '').split(' / ');
    expect(viHalf).toContain(vi);
    expect(enHalf).toContain(en);
  };

  it("a merged province's code names the province it went to (deadlines, reports, compute)", async () => {
    const deadlines = expectProblem(
      await get('/v1/pcgd/deadlines?province=72', t.city),
      422,
      'ERR_PCGD_UNKNOWN_UNIT',
    );
    says(deadlines.detail, 'đã sáp nhập', 'was merged');
    says(deadlines.detail, '80 Tỉnh Tây Ninh', '80 Tỉnh Tây Ninh');
    const list = expectProblem(await get('/v1/pcgd/reports?unit=74', t.city), 422, 'ERR_PCGD_UNKNOWN_UNIT');
    says(list.detail, '79 Thành phố Hồ Chí Minh', 'into: 79 Thành phố Hồ Chí Minh');
    const compute = await post('/v1/pcgd/reports', t.city, { unitCode: '77', year: 2025 });
    says(expectProblem(compute, 422, 'ERR_PCGD_UNKNOWN_UNIT').detail, 'Bà Rịa', 'into: 79');
  });

  it("an old district's or commune's code names the communes it went to", async () => {
    const district = expectProblem(
      await get('/v1/pcgd/reports?unit=760', t.city),
      422,
      'ERR_PCGD_UNKNOWN_UNIT',
    );
    says(district.detail, 'cấp huyện bỏ', 'districts were abolished');
    says(district.detail, '26740 Phường Sài Gòn', '26740 Phường Sài Gòn');
    const commune = await post('/v1/pcgd/reports', t.city, { unitCode: '26734', year: 2025 });
    says(expectProblem(commune, 422, 'ERR_PCGD_UNKNOWN_UNIT').detail, '26737', 'into: 26737');
    // The officer's pull of an old commune: what it became, not "you may not" (its token covers only current codes).
    const pull = await post('/v1/pcgd/communes/26734/persons-pull', t.officer79, {});
    says(expectProblem(pull, 400, 'ERR_SCOPE_UNKNOWN').detail, '26737 Phường Tân Định', 'into: 26737');
    const read = await get('/v1/pcgd/communes/26734/persons-pull', t.officer79);
    says(expectProblem(read, 400, 'ERR_SCOPE_UNKNOWN').detail, 'đã sáp nhập', 'was merged');
  });

  it('a current province the caller reads nothing of is refused, not an empty list; its own answers', async () => {
    expectProblem(
      await get('/v1/pcgd/deadlines?province=80&year=2026', t.officer79),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    const own = await get('/v1/pcgd/deadlines?province=79&year=2026', t.officer79);
    expect(own.statusCode).toBe(200);
    expect(own.json<{ units: unknown[] }>().units).toHaveLength(169);
    const city = await get('/v1/pcgd/deadlines?province=80&year=2026', t.city);
    expect(city.statusCode).toBe(200);
    expect(city.json<{ units: Array<{ unitName: string }> }>().units.at(-1)?.unitName).toBe('Tỉnh Tây Ninh');
  });
});
