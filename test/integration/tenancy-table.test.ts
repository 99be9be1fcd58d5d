/**
 * Tenancy over every route that takes a school (review11 c): a table over the published OpenAPI document, so a
 * route added later is in it. A vendor's token asks for another vendor's school on each route its scopes open:
 * 403 ERR_FORBIDDEN_SCHOOL naming the school, in both languages, nothing read or changed; a batch or a webhook of
 * another client is absent (404), as an id that names nothing. A city admin reads every school and pushes to none.
 *
 * review13 (2c): "the same answer as a missing thing", systematically: each refusal above is compared whole (problem
 * shape: correlation, instance and the id or school asked for blanked) with the answer for something that does not
 * exist (a school nobody holds, a record key, a webhook id), a record of another school is no more found under the
 * vendor's own school than a key that names nothing and is absent from its change feed, and every route a vendor's
 * scopes do not open (dead letters, sync runs, quality runs, schedules, clients, school systems, exports of PCGD
 * reports…) refuses it by its scope whatever it names, nothing changed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../src/store/clients.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { expectProblem, goodBody, OTHER, problemShape, S1, student, useApiHarness } from '../helpers/api.js';
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

/** Every secured operation a vendor's scopes do not open (the city's routes): method, path template. */
const cityRoutes = Object.entries(spec.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      scopes: op.security?.flatMap((s) => Object.values(s).flat()) ?? [],
    }))
    .filter((r) => r.scopes.length > 0 && !r.scopes.some((sc) => DEFAULT_SCOPES.vendor.includes(sc))),
);

/** A school code no client holds and truc has no record of. */
const NOBODYS = '79000097';
/** A student of S1 (stored as ingest stores it) and a key that names nothing. */
const HELD_KEY = 'TEN13-HELD';
const NO_KEY = 'TEN13-NONE';

/** A refusal's shape (problemShape) with the school or key it names blanked: what a caller could compare. */
const shapeOf = (body: { detail?: string }, ...named: string[]) => {
  const shape = problemShape(body) as { detail?: string };
  let detail = shape.detail;
  for (const n of named) detail = detail?.split(n).join('<named>');
  return detail === undefined ? shape : { ...shape, detail };
};

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
  await h.env.deps.db.tx(async (q) => {
    const r = student(HELD_KEY, S1);
    await createRecordsRepo(q).upsert(
      'students',
      [{ key: HELD_KEY, scope: S1, data: r, fingerprint: fingerprint(r) }],
      { system: 'vendor', mappingVersion: 'canonical@1' },
    );
  });
  expect((await h.get(`/v1/schools/${S1}/students/${HELD_KEY}`, h.tokens.vendor)).statusCode).toBe(200);
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

  it.each(vendorSchoolRoutes)(
    "review13: $method $path: another vendor's school answers as a school nobody holds, nothing changed",
    async ({ method, path }) => {
      const before = await h.snapshot();
      const body = method === 'GET' ? undefined : goodBody();
      const theirs = await h.send(method, urlOf(path, S1), h.tokens.other, body);
      const nobodys = await h.send(method, urlOf(path, NOBODYS), h.tokens.other, body);
      expect(theirs.statusCode, theirs.body).toBe(nobodys.statusCode);
      expect(shapeOf(theirs.json(), S1)).toEqual(shapeOf(nobodys.json(), NOBODYS));
      expect(await h.snapshot()).toEqual(before);
    },
  );

  it("review13: another school's record is found neither there nor under the vendor's own school, as a key naming nothing", async () => {
    for (const school of [S1, OTHER]) {
      const held = await h.get(`/v1/schools/${school}/students/${HELD_KEY}`, h.tokens.other);
      const none = await h.get(`/v1/schools/${school}/students/${NO_KEY}`, h.tokens.other);
      expect(held.statusCode, school).toBe(school === S1 ? 403 : 404);
      expect(shapeOf(held.json()), school).toEqual(shapeOf(none.json()));
    }
    const theirs = await h.get(`/v1/changes?schoolCode=${S1}`, h.tokens.other);
    const nobodys = await h.get(`/v1/changes?schoolCode=${NOBODYS}`, h.tokens.other);
    expect(shapeOf(theirs.json(), S1)).toEqual(shapeOf(nobodys.json(), NOBODYS));
    const feed = await h.get('/v1/changes?limit=1000', h.tokens.other);
    expect(feed.statusCode, feed.body).toBe(200);
    expect(feed.body).not.toContain(HELD_KEY);
    expect(feed.body).not.toContain(S1);
  });

  it("review13: another vendor's webhook answers as an id naming nothing, on every route of a subscription", async () => {
    const before = await h.snapshot();
    const missing = '00000000-0000-4000-8000-000000000013';
    for (const [method, sub] of [
      ['GET', ''],
      ['GET', '/deliveries'],
      ['POST', '/ping'],
      ['DELETE', ''],
    ] as const) {
      const theirs = await h.send(method, `/v1/webhooks/${webhookId}${sub}`, h.tokens.other);
      const none = await h.send(method, `/v1/webhooks/${missing}${sub}`, h.tokens.other);
      expect(theirs.statusCode, `${method} ${sub}`).toBe(404);
      expect(shapeOf(theirs.json()), `${method} ${sub}`).toEqual(shapeOf(none.json()));
    }
    expect(await h.snapshot()).toEqual(before);
    expect((await h.get('/v1/webhooks', h.tokens.other)).body).not.toContain(webhookId);
  });

  it('review13: the table holds the city routes (dead letters, sync runs, quality runs, clients, PCGD exports)', () => {
    const paths = cityRoutes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /v1/dead-letters',
        'POST /v1/dead-letters/replay',
        'GET /v1/syncs/{syncRunId}',
        'GET /v1/ops/schools/{schoolCode}',
        'PUT /v1/admin/school-systems/{school}',
        'GET /v1/pcgd/reports/{reportId}/forms.xlsx',
      ]),
    );
  });

  it.each(cityRoutes)(
    'review13: $method $path: a vendor is refused by its scope, whatever the route names, nothing changed',
    async ({ method, path }) => {
      const before = await h.snapshot();
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const named = await h.send(method, urlOf(path, S1), h.tokens.other, body);
      const other = await h.send(method, urlOf(path, NOBODYS).replace(/K1/g, '999999'), h.tokens.other, body);
      expectProblem(named, 403, 'ERR_FORBIDDEN_SCOPE');
      expect(shapeOf(named.json())).toEqual(shapeOf(other.json()));
      expect(await h.snapshot()).toEqual(before);
    },
  );
});
