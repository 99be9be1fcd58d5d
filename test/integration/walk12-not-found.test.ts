/**
 * walk12: a vendor's GET of a record, a batch or a webhook truc holds none of answered 404 with the bare
 * "The resource was not found": neither what was not found nor what to do. Now the detail names the kind of thing,
 * the school (or the id truc gave), and where to look, in both languages; never the record's key (a provisional
 * student code carries a personal ID).
 */
import { describe, expect, it } from 'vitest';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { bearer, expectProblem, S1, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const NO_BATCH = '00000000-0000-4000-8000-000000000000';

describe('walk12: a 404 says what was not found and what to do (PostgreSQL)', () => {
  const h = useApiHarness(backends()[2]!);

  it('an unknown record code of a school truc holds names the entity and the school, not the code', async () => {
    // The school holds one pupil (written as the worker would: the harness runs no worker).
    const r = student('W12A');
    await createRecordsRepo(h.env.deps.db).upsert(
      'students',
      [{ key: 'W12A', scope: S1, data: r, fingerprint: fingerprint(r) }],
      { system: 'vendor', mappingVersion: 'canonical@1' },
    );
    expect((await h.get(`/v1/schools/${S1}/students/W12A`, h.tokens.vendor)).statusCode).toBe(200);
    const cases = [
      ['students', 'TAM-079220001234', 'học sinh', 'student'],
      ['classes', 'NOPE1', 'lớp', 'class'],
      ['staff', 'GV-NOPE', 'cán bộ, giáo viên', 'staff member'],
    ] as const;
    for (const [entity, key, vi, en] of cases) {
      const p = expectProblem(
        await h.get(`/v1/schools/${S1}/${entity}/${key}`, h.tokens.vendor),
        404,
        'ERR_NOT_FOUND',
      );
      expect(p.detail, entity).toContain(`trường ${S1} không có ${vi} nào mang mã này`);
      expect(p.detail, entity).toContain(`school ${S1} has no ${en} by this code`);
      expect(p.detail, entity).toContain('GET /v1/changes');
      expect(p.detail, entity).not.toContain(key);
    }
  });

  it('an unknown batch id names the id and where a batch id comes from', async () => {
    for (const url of [`/v1/batches/${NO_BATCH}`, `/v1/batches/${NO_BATCH}/findings`]) {
      const p = expectProblem(await h.get(url, h.tokens.vendor), 404, 'ERR_NOT_FOUND');
      expect(p.detail, url).toContain(`no batch ${NO_BATCH} you may read`);
      expect(p.detail, url).toContain(`không có lô ${NO_BATCH}`);
    }
  });

  it('an unknown webhook id names the id and the list of the caller’s subscriptions', async () => {
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${NO_BATCH}`],
      ['DELETE', `/v1/webhooks/${NO_BATCH}`],
      ['GET', `/v1/webhooks/${NO_BATCH}/deliveries`],
      ['POST', `/v1/webhooks/${NO_BATCH}/ping`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: bearer(h.tokens.vendor) });
      const p = expectProblem(res, 404, 'ERR_NOT_FOUND');
      expect(p.detail, url).toContain('GET /v1/webhooks');
      expect(p.detail, url).toContain(`webhook subscription ${NO_BATCH}`);
    }
  });
});
