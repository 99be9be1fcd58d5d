/**
 * Per-client rate limits on /v1 backed by Redis (issue 9): RateLimit-* headers on every answer, 429
 * problem + Retry-After past the limit, counted per client (another client is not affected) and
 * never on the public endpoints; security headers on every answer.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { bearer, expectProblem, S1, tokenFor } from '../helpers/api.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';

const MAX = 3;
let env: TestEnv;
let app: FastifyInstance;
let a: NewClient;
let b: NewClient;

const token = (c: NewClient): Promise<string> => tokenFor(app, c);

beforeAll(async () => {
  env = await makeDeps(backends()[1]!, {
    env: { TRUC_API_RATE_LIMIT_MAX: String(MAX), TRUC_API_RATE_LIMIT_WINDOW_MS: '600000' },
  }); // PostgreSQL + Redis
  app = await buildApp(env.deps);
  await app.ready();
  a = await addClient(env.deps.db, { name: 'A', role: 'vendor', schools: [S1] });
  b = await addClient(env.deps.db, { name: 'B', role: 'vendor', schools: [S1] });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await env?.cleanup();
});

describe('rate limits on /v1', () => {
  it('RateLimit-* headers count down; past the limit: 429 problem with Retry-After; per client', async () => {
    const ta = await token(a);
    const get = (t: string) =>
      app.inject({
        method: 'GET',
        url: '/v1/batches/00000000-0000-4000-8000-000000000000',
        headers: bearer(t),
      });
    const remaining: number[] = [];
    for (let i = 0; i < MAX; i++) {
      const res = await get(ta);
      expect(res.statusCode).toBe(404);
      expect(res.headers['ratelimit-limit']).toBe(String(MAX));
      expect(res.headers['ratelimit-reset']).toBeDefined();
      remaining.push(Number(res.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual([2, 1, 0]);
    const limited = await get(ta);
    expectProblem(limited, 429, 'ERR_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600);
    // another client has its own budget
    expect((await get(await token(b))).statusCode).toBe(404);
  });

  it('the token endpoint, health and docs are not counted against /v1', async () => {
    for (let i = 0; i < MAX + 2; i++) {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});

describe('security headers', () => {
  it('every answer carries helmet headers; /docs gets a CSP Swagger UI can run under', async () => {
    for (const url of ['/healthz', '/v1/nothing', '/openapi.json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['strict-transport-security'], url).toMatch(/max-age=/);
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
    }
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });
});
