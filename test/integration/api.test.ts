/**
 * The HTTP API over real storage (embedded PGlite), through `buildApp` + `app.inject()`: every bad
 * input gets a clear bilingual RFC 9457 answer and changes nothing; health, metrics and the OpenAPI
 * document. Accepted batches, idempotency and tenancy on reads are in api-flows.test.ts, OAuth in api-oauth.test.ts.
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import { expectProblem, goodBody, OTHER, S1, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!); // PGlite
beforeAll(async () => {
  expired = await makeExpiredToken();
});

/** A token signed with the right key that expired a minute ago. */
let expired = '';
async function makeExpiredToken(): Promise<string> {
  const key = h.env.deps.tokens.keys[0]!;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'vendor', schools: [S1], units: [], scope: 'batches:write' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
    .setSubject(h.clients.vendor.clientId)
    .setJti('x')
    .setIssuer(h.env.deps.tokens.issuer)
    .setAudience(h.env.deps.tokens.audience)
    .setIssuedAt(now - 600)
    .setExpirationTime(now - 60)
    .sign(key.privateKey);
}
const expiredToken = () => expired;

type Case = [
  name: string,
  send: () => Promise<LightMyRequestResponse>,
  status: number,
  code: ErrorCode,
  pointer?: string,
];
const push =
  (token: () => string | undefined, body: unknown, school = S1, headers: Record<string, string> = {}) =>
  () =>
    h.pushBatch(token(), school, body, headers);
const vendor = () => h.tokens.vendor;
const many = (n: number) => Array.from({ length: n }, () => ({}));

const cases: Case[] = [
  ['malformed JSON', push(vendor, '{"entity":"students",'), 400, 'ERR_MALFORMED_JSON'],
  ['empty body', push(vendor, ''), 400, 'ERR_MALFORMED_JSON'],
  [
    'body over the limit',
    () =>
      h.pushBatch(vendor(), S1, {
        entity: 'students',
        records: [{ pad: 'x'.repeat(h.env.config.server.bodyLimitBytes) }],
      }),
    413,
    'ERR_BODY_TOO_LARGE',
  ],
  [
    'unsupported content type',
    push(vendor, '<batch/>', S1, { 'content-type': 'application/xml' }),
    415,
    'ERR_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'unknown envelope field',
    push(vendor, { ...goodBody(), priority: 'high' }),
    400,
    'ERR_VALIDATION',
    '/body',
  ],
  [
    'wrong entity',
    push(vendor, { ...goodBody(), entity: 'teachers' }),
    400,
    'ERR_VALIDATION',
    '/body/entity',
  ],
  ['missing entity', push(vendor, { records: [student('A')] }), 400, 'ERR_VALIDATION', '/body/entity'],
  ['unknown format', push(vendor, { ...goodBody(), format: 'xlsx' }), 400, 'ERR_VALIDATION', '/body/format'],
  [
    'records not objects',
    push(vendor, { entity: 'students', records: [student('A'), 42, 'x', null] }),
    400,
    'ERR_VALIDATION',
    '/body/records/1',
  ],
  [
    'records not an array',
    push(vendor, { entity: 'students', records: { 0: student('A') } }),
    400,
    'ERR_VALIDATION',
    '/body/records',
  ],
  ['zero records', push(vendor, { entity: 'students', records: [] }), 400, 'ERR_VALIDATION', '/body/records'],
  [
    'too many records',
    () =>
      h.pushBatch(vendor(), S1, {
        entity: 'students',
        records: many(h.env.config.server.maxBatchRecords + 1),
      }),
    413,
    'ERR_BATCH_TOO_LARGE',
    '/body/records',
  ],
  [
    '__proto__ at the top',
    push(vendor, '{"entity":"students","records":[{}],"__proto__":{"admin":true}}'),
    400,
    'ERR_FORBIDDEN_KEY',
  ],
  [
    '__proto__ in a record',
    push(vendor, '{"entity":"students","records":[{"__proto__":{"admin":true}}]}'),
    400,
    'ERR_FORBIDDEN_KEY',
  ],
  [
    'constructor.prototype in a record',
    push(vendor, '{"entity":"students","records":[{"constructor":{"prototype":{"a":1}}}]}'),
    400,
    'ERR_FORBIDDEN_KEY',
  ],
  // Tenancy runs before validation (issue 9): a code the token does not cover is 403, whatever its shape.
  // api27: an ill-formed code is no one's school, a 400 for every caller (was 403 for a vendor, 400 for an admin).
  [
    'school code too long',
    push(vendor, goodBody(), 'S'.repeat(40)),
    400,
    'ERR_VALIDATION',
    '/params/schoolCode',
  ],
  [
    'school code with odd characters',
    push(vendor, goodBody(), encodeURIComponent("79 0'; --")),
    400,
    'ERR_VALIDATION',
    '/params/schoolCode',
  ],
  [
    'bad Idempotency-Key',
    push(vendor, goodBody(), S1, { 'idempotency-key': 'has space' }),
    400,
    'ERR_VALIDATION',
    '/headers/idempotency-key',
  ],
  ['school the token does not cover', push(vendor, goodBody(), OTHER), 403, 'ERR_FORBIDDEN_SCHOOL'],
  ['missing token', push(() => undefined, goodBody()), 401, 'ERR_UNAUTHENTICATED'],
  [
    'Basic instead of Bearer',
    push(() => undefined, goodBody(), S1, { authorization: 'Basic dXNlcjpwYXNz' }),
    401,
    'ERR_UNAUTHENTICATED',
  ],
  ['garbage token', push(() => 'not.a.jwt', goodBody()), 401, 'ERR_TOKEN_INVALID'],
  ['expired token', push(expiredToken, goodBody()), 401, 'ERR_TOKEN_INVALID'],
  ['token of a disabled client', push(() => h.tokens.disabled, goodBody()), 401, 'ERR_TOKEN_INVALID'],
  ['token without the write scope', push(() => h.tokens.reader, goodBody()), 403, 'ERR_FORBIDDEN_SCOPE'],
  ['city-admin token (read-only)', push(() => h.tokens.admin, goodBody()), 403, 'ERR_FORBIDDEN_SCOPE'],
];

describe('bad input: a clear bilingual problem, and nothing changes', () => {
  it.each(cases)('%s', async (_name, send, status, code, pointer) => {
    const before = await h.snapshot();
    const res = await send();
    const body = expectProblem(res, status, code);
    if (pointer)
      expect(
        body.errors?.map((e) => e.pointer),
        res.body,
      ).toContain(pointer);
    expect(await h.snapshot()).toEqual(before);
  });

  it('a school code longer than the router allows is refused and changes nothing', async () => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, 'S'.repeat(300), goodBody());
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(await h.snapshot()).toEqual(before);
  });

  // BUG (src/app.ts): a path parameter over routerOptions.maxParamLength (200) is answered by
  // fastify's default 414 handler with plain application/json {error, code: FST_ERR_MAX_PARAM_LENGTH,
  // message} that echoes the whole URL — not our bilingual problem+json. Flip to `it` once
  // `frameworkErrors` (or the error handler) maps it.
  it('a school code longer than the router allows gets a problem+json answer', async () => {
    const res = await h.pushBatch(h.tokens.vendor, 'S'.repeat(300), goodBody());
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('Accept-Language picks the title language; messages always carry both', async () => {
    const ask = (lang?: string) =>
      h.pushBatch(h.tokens.vendor, OTHER, goodBody(), lang ? { 'accept-language': lang } : {});
    expect(expectProblem(await ask('en-US,en;q=0.9'), 403, 'ERR_FORBIDDEN_SCHOOL').title).toBe(
      ERRORS.ERR_FORBIDDEN_SCHOOL.en,
    );
    expect(expectProblem(await ask('vi-VN'), 403, 'ERR_FORBIDDEN_SCHOOL').title).toBe(
      ERRORS.ERR_FORBIDDEN_SCHOOL.vi,
    );
    expect(expectProblem(await ask(), 403, 'ERR_FORBIDDEN_SCHOOL').title).toBe(
      ERRORS.ERR_FORBIDDEN_SCHOOL.vi,
    );
  });

  it('a well-formed X-Correlation-Id is echoed; a hostile one is replaced', async () => {
    const ok = await h.pushBatch(undefined, S1, goodBody(), { 'x-correlation-id': 'vendor-req-42' });
    expect(ok.headers['x-correlation-id']).toBe('vendor-req-42');
    expect(ok.json().correlationId).toBe('vendor-req-42');
    const hostile = await h.pushBatch(undefined, S1, goodBody(), { 'x-correlation-id': 'a'.repeat(65) });
    expect(hostile.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unknown route is a problem too', async () => {
    expectProblem(await h.get('/v1/nothing-here'), 404, 'ERR_ROUTE_NOT_FOUND');
  });
});

describe('operations endpoints', () => {
  it('/healthz and /readyz answer 200 when the database and queue backend are up', async () => {
    expect((await h.get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await h.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: {
        database: { ok: true },
        queue: { ok: true, backend: 'postgres' },
        outbox: { ok: true, pending: 0 },
      },
    });
  });

  it('/metrics exposes the request histogram with bounded labels', async () => {
    // a refused batch of its own (4xx), so the test does not lean on the ones earlier tests sent
    const refused = await h.pushBatch(h.tokens.vendor, S1, { entity: 'students', records: 'none' });
    expect(refused.statusCode).toBe(400);
    const res = await h.get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('truc_http_request_duration_seconds');
    expect(res.body).toMatch(
      /truc_http_request_duration_seconds_count\{method="POST",route="\/v1\/schools\/:schoolCode\/batches",status_class="4xx"\} \d+/,
    );
    expect(res.body).toContain('truc_auth_failures_total');
    expect(res.body).not.toContain(S1); // route patterns, never school codes
  });

  it('/openapi.json is a valid OpenAPI 3.1 document describing the routes', async () => {
    const res = await h.get('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/oauth/token',
        '/v1/schools/{schoolCode}/batches',
        '/v1/batches/{batchId}',
        '/v1/batches/{batchId}/findings',
      ]),
    );
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('/docs serves the interactive documentation', async () => {
    const res = await h.get('/docs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
