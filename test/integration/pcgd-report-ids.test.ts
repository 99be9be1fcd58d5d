/**
 * A PCGD report id of a unit the caller may not even read answers what an id that names nothing answers (404
 * ERR_NOT_FOUND, no unit named), on every report-id route (review32b F3): report ids are sequential, and a 403
 * naming the unit let an officer of any commune walk them to learn which ids exist and whose each is. A caller who
 * may read the report but not do the action keeps the refusal that names the unit and who may (review31 F5).
 * PostgreSQL + Redis, no worker: a pending report is enough, access is decided before its status.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, expectProblem, tokensFor } from '../helpers/api.js';
import { countRows, makeDeps, type TestEnv } from '../helpers/env.js';
import { seedFixture } from '../helpers/pcgd.js';

interface Route {
  method: 'GET' | 'POST';
  /** The path after `/v1/pcgd/reports/<id>`. */
  tail: string;
  body?: object;
}
const get = (tail: string): Route => ({ method: 'GET', tail });
const post = (tail: string, body?: object): Route => ({ method: 'POST', tail, ...(body ? { body } : {}) });
/** Every route that takes a report id. */
const ROUTES: readonly Route[] = [
  get(''),
  post('/check'),
  post('/approve'),
  post('/submit'),
  post('/reopen', { reason: 'sửa số liệu' }),
  get('/figures/primary_grade1_entry_age6/records'),
  get('/enrolment-mismatches'),
  get('/package'),
  get('/package.p7s'),
  get('/certificate.pem'),
  get('/forms.xlsx'),
  get('/forms.pdf'),
];

describe('PCGD report ids of a unit the caller may not read', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const tokens: Record<'officerA' | 'officerB' | 'province', string> = {
    officerA: '',
    officerB: '',
    province: '',
  };
  let reportOfA = 0;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    await seedFixture(env.deps.db);
    app = await buildApp(env.deps);
    await app.ready();
    const officer = (units: string[]) => ({ role: 'pcgd-officer', units });
    Object.assign(
      tokens,
      await tokensFor(app, env.deps.db, {
        officerA: officer([A]),
        officerB: officer([B]),
        province: officer(['79']),
      }),
    );
    const made = await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR });
    expect(made.statusCode, made.body).toBe(202);
    reportOfA = made.json<{ reportId: number }>().reportId;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  function call(
    who: keyof typeof tokens,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<LightMyRequestResponse> {
    return app.inject({ method, url, headers: bearer(tokens[who]), ...(payload ? { payload } : {}) });
  }

  it.each(ROUTES)(
    '$method <A’s report>$tail as the officer of B: 404 as an unknown id, no unit named',
    async (r) => {
      const before = await countRows(env.deps.db, 'truc.audit_log');
      const foreign = await call('officerB', r.method, `/v1/pcgd/reports/${reportOfA}${r.tail}`, r.body);
      const unknown = await call(
        'officerB',
        r.method,
        `/v1/pcgd/reports/${reportOfA + 1000}${r.tail}`,
        r.body,
      );
      expectProblem(foreign, 404, 'ERR_NOT_FOUND');
      const { instance: _i, correlationId: _c, ...rest } = foreign.json<Record<string, unknown>>();
      const { instance: _j, correlationId: _d, ...restUnknown } = unknown.json<Record<string, unknown>>();
      expect(rest).toEqual(restUnknown);
      expect(JSON.stringify(rest)).not.toContain(A);
      expect(await countRows(env.deps.db, 'truc.audit_log')).toBe(before);
    },
  );

  it('a caller who may read the report but not do the action is still refused by name', async () => {
    // A province officer reads its commune's report but approves only its own units' figures.
    const approve = await call('province', 'POST', `/v1/pcgd/reports/${reportOfA}/approve`);
    expectProblem(approve, 403, 'ERR_FORBIDDEN_UNIT');
    expect(approve.json<{ detail: string }>().detail).toContain(`unit ${A}`);
    // A commune's officer reads its own report but reopens nothing: its province's officer does.
    const reopen = await call('officerA', 'POST', `/v1/pcgd/reports/${reportOfA}/reopen`, { reason: 'sửa' });
    expectProblem(reopen, 403, 'ERR_FORBIDDEN_UNIT');
    expect(reopen.json<{ detail: string }>().detail).toContain('province');
    expect((await call('province', 'GET', `/v1/pcgd/reports/${reportOfA}`)).statusCode).toBe(200);
  });
});
