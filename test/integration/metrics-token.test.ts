/**
 * sec28 item 4: /metrics was open to anyone reaching the API port (volumes per school and system). With metrics.token
 * (TRUC_METRICS_TOKEN) set, every role's /metrics answers only `Authorization: Bearer <token>` (401 otherwise, with
 * a challenge and words in both languages); unset, it is open as before (the other metrics tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startMetricsServer, type Running } from '../../src/roles.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';

const TOKEN = 'sec28-metrics-token-0123456789';

describe('/metrics with metrics.token', () => {
  let env: TestEnv;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let ops: Running & { url: string };
  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      { env: { TRUC_METRICS_TOKEN: TOKEN } },
    );
    app = await buildApp(env.deps);
    await app.ready();
    ops = await startMetricsServer(env.deps, {
      port: 0,
      host: '127.0.0.1',
      metricsToken: env.config.metrics.token,
    });
  });
  afterAll(async () => {
    await ops?.stop();
    await app?.close();
    await env?.cleanup();
  });

  const refusals = [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`];

  it('the API answers only the token; anything else is 401 with a challenge, in both languages', async () => {
    expect(env.config.metrics.token).toBe(TOKEN);
    for (const authorization of refusals) {
      const res = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.json()).toMatchObject({
        code: 'ERR_UNAUTHENTICATED',
        detail: expect.stringContaining(' / '),
      });
      expect(res.body).not.toContain('truc_');
    }
    const ok = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('truc_build_info');
  });

  it("a worker's or scheduler's /metrics asks for the same token", async () => {
    for (const authorization of refusals) {
      const res = await fetch(`${ops.url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.text()).not.toContain('truc_');
    }
    const ok = await fetch(`${ops.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('truc_build_info');
    expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
  });
});

/**
 * sec29 item 2: wrong /metrics tokens were never slowed. Each one counts as a failed authentication of its address
 * (api.failedAuthLimit, here 3 a minute; the same count as /v1's bad bearer tokens, in Redis, so every role's port
 * shares it); past the limit 429 ERR_RATE_LIMITED with Retry-After, in both languages. The right token is never
 * counted nor refused, from any address.
 */
describe('/metrics wrong-token guesses are limited per address', () => {
  let env: TestEnv;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let ops: Running & { url: string };
  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        env: { TRUC_METRICS_TOKEN: TOKEN },
        configure: (c) => ({ ...c, api: { ...c.api, failedAuthLimit: { max: 3, windowMs: 60_000 } } }),
      },
    );
    app = await buildApp(env.deps);
    await app.ready();
    ops = await startMetricsServer(env.deps, { port: 0, host: '127.0.0.1', metricsToken: TOKEN });
  });
  afterAll(async () => {
    await ops?.stop();
    await app?.close();
    await env?.cleanup();
  });

  const scrape = (authorization: string, remoteAddress: string) =>
    app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers: { authorization } });

  it('the API: 401 up to the limit, then 429 with Retry-After; the right token is still served', async () => {
    const guesser = '10.29.2.1';
    for (let i = 0; i < 3; i++)
      expect((await scrape(`Bearer guess-${i}-0123456789`, guesser)).statusCode).toBe(401);
    const limited = await scrape('Bearer guess-3-0123456789', guesser);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({
      code: 'ERR_RATE_LIMITED',
      detail: expect.stringContaining(' / '),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body).not.toContain('truc_');
    const ok = await scrape(`Bearer ${TOKEN}`, guesser);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('truc_build_info');
    // another address is not affected
    expect((await scrape('Bearer guess-4-0123456789', '10.29.2.2')).statusCode).toBe(401);
  });

  it("a worker's port counts the same way, with the API's count of the address", async () => {
    const wrong = { authorization: 'Bearer guess-0123456789' };
    for (let i = 0; i < 2; i++)
      expect((await fetch(`${ops.url}/metrics`, { headers: wrong })).status).toBe(401);
    // the API's refusal of the same address (127.0.0.1) is its third failure
    expect((await scrape('Bearer guess-0123456789', '127.0.0.1')).statusCode).toBe(401);
    const limited = await fetch(`${ops.url}/metrics`, { headers: wrong });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { code: string; detail: string };
    expect(body).toMatchObject({ code: 'ERR_RATE_LIMITED', detail: expect.stringContaining(' / ') });
    const ok = await fetch(`${ops.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('truc_build_info');
  });
});
