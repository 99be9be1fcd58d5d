/**
 * Query and path text through the real HTTP stack, on embedded PGlite (review10's quirks): integers are
 * decimal digits only (`?limit=0x10` was read as 16), a list that takes no query refuses unknown keys
 * as every other list does (GET /v1/schedules ignored them), and a time range whose `from` is after its
 * `to` is a 400, not an empty page. Each refusal is a bilingual problem document naming the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!); // PGlite
let auditor: string;
beforeAll(async () => {
  auditor = await h.tokenOf(await addClient(h.env.deps.db, { name: 'Auditor', role: 'auditor' }));
});

/** A 400 validation problem whose errors name `pointer` with `rule`. */
function expectRefused(res: Awaited<ReturnType<typeof h.get>>, pointer: string, rule?: string): void {
  const body = expectProblem(res, 400, 'ERR_VALIDATION');
  expect(body.errors?.map((e) => e.pointer)).toContain(pointer);
  if (rule) expect(body.errors?.find((e) => e.pointer === pointer)?.rule).toBe(rule);
}

describe('integers in a query or a path: decimal digits only', () => {
  it.each(['0x10', '1e1', '%2016', '16.0', '+16', ''])('GET /v1/syncs?limit=%s → 400', async (text) => {
    expectRefused(await h.get(`/v1/syncs?limit=${text}`, h.tokens.admin), '/querystring/limit');
  });

  it('the same refusal for offset, a findings list, a records page and the change feed', async () => {
    expectRefused(await h.get('/v1/syncs?offset=0x1', h.tokens.admin), '/querystring/offset');
    expectRefused(await h.get('/v1/guard/holds?limit=1e1', h.tokens.admin), '/querystring/limit');
    expectRefused(
      await h.get('/v1/schools/79000001/students?limit=0x10', h.tokens.vendor),
      '/querystring/limit',
    );
    expectRefused(await h.get('/v1/changes?limit=0x10', h.tokens.vendor), '/querystring/limit');
  });

  it('ids in a path: 0x1 and 1e0 are refused, not read as run or hold 1', async () => {
    expectRefused(await h.get('/v1/syncs/0x1', h.tokens.admin), '/params/syncRunId');
    expectRefused(await h.get('/v1/guard/holds/1e0', h.tokens.admin), '/params/id');
  });

  it('decimal digits are read as before (leading zeros too)', async () => {
    const res = await h.get('/v1/syncs?limit=016&offset=0', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    expect((await h.get('/v1/guard/holds?limit=16', h.tokens.admin)).json()).toMatchObject({
      limit: 16,
      offset: 0,
    });
  });
});

describe('a list that takes no query refuses unknown keys', () => {
  it.each([
    ['/v1/schedules?limit=10', 'admin'],
    ['/v1/admin/clients?x=1', 'admin'],
    ['/v1/webhooks?x=1', 'vendor'],
  ] as const)('GET %s → 400', async (url, who) => {
    expectRefused(await h.get(url, h.tokens[who]), '/querystring', 'unrecognized_keys');
  });

  it('without a query they answer as before', async () => {
    expect((await h.get('/v1/admin/clients', h.tokens.admin)).statusCode).toBe(200);
    expect((await h.get('/v1/webhooks', h.tokens.vendor)).statusCode).toBe(200);
  });
});

describe('`from` after `to` is a 400, not an empty page', () => {
  const later = encodeURIComponent('2026-12-03T07:00:01+07:00'); // 00:00:01Z
  const earlier = '2026-12-03T00:00:00Z';

  it('GET /v1/syncs and GET /v1/audit', async () => {
    expectRefused(await h.get(`/v1/syncs?from=${later}&to=${earlier}`, h.tokens.admin), '/querystring/from');
    expectRefused(await h.get(`/v1/audit?from=${later}&to=${earlier}`, auditor), '/querystring/from');
  });

  it('in order, or one end alone, still answers 200', async () => {
    expect((await h.get(`/v1/syncs?from=${earlier}&to=${later}`, h.tokens.admin)).statusCode).toBe(200);
    expect((await h.get(`/v1/audit?from=${earlier}&to=${later}`, auditor)).statusCode).toBe(200);
    expect((await h.get(`/v1/audit?from=${later}`, auditor)).statusCode).toBe(200);
  });
});

describe('a day alone is that day in Vietnam (a city admin lists the runs of a night by its date)', () => {
  it('GET /v1/syncs?from=2020-03-02&to=2020-03-03: from 00:00 +07:00 of the 2nd to before that of the 3rd', async () => {
    const db = h.env.deps.db;
    const runs = createSyncRunsRepo(db);
    const run = () =>
      runs.create({ system: 'smas', entity: 'staff', scope: '', since: null, requestedBy: 'x' });
    const [late1st, early2nd, late2nd] = [await run(), await run(), await run()];
    for (const [id, at] of [
      [late1st, '2020-03-01T16:59:59Z'], // 23:59:59 on the 1st in Vietnam
      [early2nd, '2020-03-01T17:00:00Z'], // 00:00 on the 2nd in Vietnam
      [late2nd, '2020-03-02T16:59:59Z'],
    ] as const)
      await db.query('UPDATE truc.sync_runs SET created_at = $2 WHERE id = $1', [id, at]);
    const ids = async (query: string) => {
      const res = await h.get(`/v1/syncs?${query}`, h.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: Array<{ syncRunId: number }> }>().items.map((i) => i.syncRunId);
    };
    expect(await ids('from=2020-03-02&to=2020-03-03')).toEqual([late2nd, early2nd]);
    expect(await ids('from=2020-03-01&to=2020-03-02')).toEqual([late1st]);
    expectRefused(await h.get('/v1/syncs?from=2020-02-30', h.tokens.admin), '/querystring/from');
    expectRefused(
      await h.get('/v1/syncs?from=2020-03-03&to=2020-03-02', h.tokens.admin),
      '/querystring/from',
    );
    expect((await h.get('/v1/audit?from=2020-03-02', auditor)).statusCode).toBe(200);
  });
});
