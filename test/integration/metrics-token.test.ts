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
