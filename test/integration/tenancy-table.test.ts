/**
 * Tenancy over every route that takes a school (review11 c): a table over the published OpenAPI document, so a
 * route added later is in it. A vendor's token asks for another vendor's school on each route its scopes open:
 * 403 ERR_FORBIDDEN_SCHOOL naming the school, in both languages, nothing read or changed; a batch or a webhook of
 * another client is absent (404), as an id that names nothing. A city admin reads every school and pushes to none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../src/store/clients.js';
import { expectProblem, goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!); // PGlite

interface Operation {
  security?: Array<Record<string, string[]>>;
}
const spec = JSON.parse(readFileSync(join(process.cwd(), 'openapi/truc.v1.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

/** The path parameters that name a school. */
const SCHOOL_PARAM = /\{(schoolCode|school)\}|^\/v1\/schools\/\{code\}/;

/** Every operation with a school in its path a vendor's scopes open: method, path template, its scope. */
const vendorSchoolRoutes = Object.entries(spec.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      scope: op.security?.flatMap((s) => Object.values(s).flat())[0],
    }))
    .filter(
      (r) => SCHOOL_PARAM.test(r.path) && r.scope !== undefined && DEFAULT_SCOPES.vendor.includes(r.scope),
    ),
);

/** The path with the school `school` and a placeholder for any other parameter. */
const urlOf = (path: string, school: string) =>
  path.replace(/\{(schoolCode|school|code)\}/, school).replace(/\{[^}]+\}/g, 'K1');

let batchId: string;
let webhookId: string;
beforeAll(async () => {
  const pushed = await h.pushBatch(h.tokens.vendor, S1, goodBody(['T1']));
  expect(pushed.statusCode, pushed.body).toBe(202);
  batchId = pushed.json<{ batchId: string }>().batchId;
  const hook = await h.send('POST', '/v1/webhooks', h.tokens.vendor, {
    url: 'https://receiver.example.org/hooks',
    events: ['batch.finished'],
  });
  expect(hook.statusCode, hook.body).toBe(201);
  webhookId = hook.json<{ id: string }>().id;
});

describe('tenancy over every route that takes a school (review11)', () => {
  it('the table holds the school routes a vendor calls (batches, records, quality)', () => {
    const paths = vendorSchoolRoutes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /v1/schools/{schoolCode}/batches',
        'GET /v1/schools/{schoolCode}/students/{studentCode}',
        'GET /v1/schools/{code}/quality/findings',
        'GET /v1/schools/{code}/website',
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(12);
  });

  it.each(vendorSchoolRoutes)(
    "$method $path: another vendor's school is 403 naming it, nothing changed",
    async ({ method, path }) => {
      const before = await h.snapshot();
      const res = await h.send(
        method,
        urlOf(path, S1),
        h.tokens.other,
        method === 'GET' ? undefined : goodBody(),
      );
      const p = expectProblem(res, 403, 'ERR_FORBIDDEN_SCHOOL');
      expect(p.detail).toContain(S1);
      expect(await h.snapshot()).toEqual(before);
    },
  );

  it("GET /v1/changes?schoolCode= another vendor's school: 403", async () => {
    expectProblem(await h.get(`/v1/changes?schoolCode=${S1}`, h.tokens.other), 403, 'ERR_FORBIDDEN_SCHOOL');
  });

  it("another vendor's batch and webhook are absent (404), as ids that name nothing", async () => {
    for (const url of [`/v1/batches/${batchId}`, `/v1/batches/${batchId}/findings`])
      expectProblem(await h.get(url, h.tokens.other), 404, 'ERR_NOT_FOUND');
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${webhookId}`],
      ['GET', `/v1/webhooks/${webhookId}/deliveries`],
      ['POST', `/v1/webhooks/${webhookId}/ping`],
      ['DELETE', `/v1/webhooks/${webhookId}`],
    ] as const)
      expectProblem(await h.send(method, url, h.tokens.other), 404, 'ERR_NOT_FOUND');
    expect((await h.get(`/v1/webhooks/${webhookId}`, h.tokens.vendor)).statusCode).toBe(200);
  });

  it('a city admin reads any school but pushes to none (its scopes hold no batches:write)', async () => {
    expect((await h.get(`/v1/batches/${batchId}`, h.tokens.admin)).statusCode).toBe(200);
    const before = await h.snapshot();
    expectProblem(await h.pushBatch(h.tokens.admin, S1, goodBody()), 403, 'ERR_FORBIDDEN_SCOPE');
    expect(await h.snapshot()).toEqual(before);
  });
});
