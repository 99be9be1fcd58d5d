/**
 * walk3 W3-6: a 429 says when to try again. Each refusal that sends Retry-After (the per-client limit on /v1, failed
 * authentications of an address, tokens per client, the login throttle) names the same wait in its bilingual detail,
 * and the token endpoint's `slow_down` in its `error_description` too.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { bearer, expectOauthError, expectProblem, S1, tokenFor, useApiHarness } from '../helpers/api.js';

const h = useApiHarness(
  { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
  {
    configure: (c) => ({
      ...c,
      api: {
        ...c.api,
        rateLimit: { max: 2, windowMs: 600_000 },
        failedAuthLimit: { max: 2, windowMs: 600_000 },
      },
      auth: { ...c.auth, maxTokensPerMinute: 2, maxFailedLogins: 2 },
    }),
  },
);

/** The wait the answer's Retry-After carries, and that its detail names it in both languages. */
function expectWaitNamed(res: LightMyRequestResponse): number {
  const wait = Number(res.headers['retry-after']);
  expect(wait).toBeGreaterThan(0);
  const detail = res.json<{ detail?: string }>().detail;
  expect(detail).toContain(`thử lại sau ${wait} giây`);
  expect(detail).toContain(`try again in ${wait} s`);
  return wait;
}

const login = (c: { clientId: string }, secret: string, remoteAddress: string) =>
  h.app.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress,
    payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: secret },
  });

describe('a 429 says when to try again, the wait its Retry-After carries', () => {
  it('a client past its /v1 requests: the detail names the wait', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Pushy', role: 'vendor', schools: [S1] });
    const token = await tokenFor(h.app, c);
    const push = () =>
      h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches`,
        headers: bearer(token),
        payload: { entity: 'students', records: [] },
      });
    for (let i = 0; i < 2; i++) expect((await push()).statusCode).not.toBe(429);
    const limited = await push();
    expectProblem(limited, 429, 'ERR_RATE_LIMITED');
    expect(expectWaitNamed(limited)).toBeLessThanOrEqual(600);
  });

  it('an address past its failed authentications: the detail says why and when', async () => {
    const get = () =>
      h.app.inject({
        method: 'GET',
        url: '/v1/me',
        remoteAddress: '10.61.0.1',
        headers: bearer('not-a-token'),
      });
    for (let i = 0; i < 2; i++) expect((await get()).statusCode).toBe(401);
    const limited = await get();
    expectProblem(limited, 429, 'ERR_RATE_LIMITED');
    expectWaitNamed(limited);
    expect(limited.json<{ detail: string }>().detail).toContain('too many failed authentications');
  });

  it('a client past its tokens for the minute: slow_down, its detail and error_description name the wait', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Looping', role: 'vendor', schools: [S1] });
    for (let i = 0; i < 2; i++) expect((await login(c, c.clientSecret, '10.61.1.1')).statusCode).toBe(200);
    const refused = await login(c, c.clientSecret, '10.61.1.1');
    const body = expectOauthError(refused, 429, 'slow_down', 'ERR_RATE_LIMITED');
    const wait = expectWaitNamed(refused);
    expect(body.error_description).toBe(`Too many requests. Try again in ${wait} s.`);
  });

  it('logins throttled after failures: slow_down, its detail and error_description name the wait', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Forgetful', role: 'vendor', schools: [S1] });
    for (let i = 0; i <= 2; i++) expect((await login(c, `wrong-${i}`, '10.61.2.1')).statusCode).toBe(401);
    const waited = await login(c, c.clientSecret, '10.61.2.1');
    const body = expectOauthError(waited, 429, 'slow_down', 'ERR_LOGIN_THROTTLED');
    const wait = expectWaitNamed(waited);
    expect(body.error_description).toBe(`Too many failed logins from this address. Try again in ${wait} s.`);
  });
});
