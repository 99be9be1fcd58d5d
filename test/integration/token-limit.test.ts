/**
 * sec28 item 3: a correct login costs a scrypt (~50 ms of CPU), so a client with a valid (or leaked) secret logging
 * in in a loop could keep a core busy. Tokens issued per client are limited (auth.maxTokensPerMinute, here 3): past
 * it, 429 slow_down with Retry-After, refused before the secret is checked, audited once per window; a login
 * without the secret cannot use up a client's allowance, and other clients are not affected. The early refusal (before
 * the secret) answers only at an address where the secret was proven past the allowance (sec29 item 3).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { expectOauthError, S1, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';

const h = useApiHarness(
  { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
  { configure: (c) => ({ ...c, auth: { ...c.auth, maxTokensPerMinute: 3 } }) },
);

const login = (c: { clientId: string }, secret: string, remoteAddress = '127.0.0.1') =>
  h.app.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress,
    payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: secret },
  });

describe('tokens issued per client (auth.maxTokensPerMinute)', () => {
  it('a client gets its tokens for the minute, then 429 slow_down with Retry-After, audited once', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Looping', role: 'vendor', schools: [S1] });
    const before = await h.audits('auth.token-limited');
    for (let i = 0; i < 3; i++) expect((await login(c, c.clientSecret)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      const refused = await login(c, c.clientSecret, `10.28.0.${i + 1}`);
      expectOauthError(refused, 429, 'slow_down', 'ERR_RATE_LIMITED');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // audits are written after the answer: wait for them (bounded), then for any more that should not come
    await waitFor(async () => (await h.audits('auth.token-limited')) > before, {
      what: 'the refusal’s audit',
    });
    await sleep(200);
    expect(await h.audits('auth.token-limited')).toBe(before + 1);
    // another client is not affected
    const other = await addClient(h.env.deps.db, { name: 'Quiet', role: 'vendor', schools: [S1] });
    expect((await login(other, other.clientSecret)).statusCode).toBe(200);
  });

  // sec29 item 3: refused before the secret by client id alone, the limit told anyone guessing that the id is a
  // client's, and a busy one (429 at once; an unknown id: 401 after a scrypt).
  it('a client over its allowance and an unknown id are answered alike, but where its secret was proven', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Busy', role: 'vendor', schools: [S1] });
    const home = '10.29.0.1';
    for (let i = 0; i < 3; i++) expect((await login(c, c.clientSecret, home)).statusCode).toBe(200);
    // from elsewhere: a wrong secret of the busy client, any of an unknown id: the same 401, the same words and headers
    const known = await login(c, 'a-guess', '10.29.1.1');
    const unknown = await login({ clientId: 'cl_nobody_sec29' }, 'a-guess', '10.29.1.2');
    const alike = (res: typeof known) => ({
      status: res.statusCode,
      body: { ...res.json<Record<string, unknown>>(), correlationId: '', instance: '' },
      headers: Object.keys(res.headers)
        .filter((k) => !['x-correlation-id', 'date', 'content-length'].includes(k))
        .sort()
        .map((k) => [k, k.startsWith('ratelimit') ? '' : res.headers[k]]),
    });
    expectOauthError(known, 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expect(alike(known)).toEqual(alike(unknown));
    // the secret proven past the allowance: refused (after the scrypt), and from that address from then on before it,
    // a wrong secret included (the client's own address knows it is a client)
    expectOauthError(await login(c, c.clientSecret, home), 429, 'slow_down', 'ERR_RATE_LIMITED');
    expectOauthError(await login(c, 'a-guess', home), 429, 'slow_down', 'ERR_RATE_LIMITED');
    // a guesser elsewhere still gets the unknown id's answer
    expectOauthError(await login(c, 'a-guess', '10.29.1.3'), 401, 'invalid_client', 'ERR_INVALID_CLIENT');
  });

  it('wrong secrets do not use up a client allowance', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Guessed', role: 'vendor', schools: [S1] });
    for (let i = 0; i < 4; i++)
      expectOauthError(
        await login(c, `wrong-${i}`, `10.28.1.${i + 1}`),
        401,
        'invalid_client',
        'ERR_INVALID_CLIENT',
      );
    for (let i = 0; i < 3; i++) expect((await login(c, c.clientSecret)).statusCode).toBe(200);
  });

  // fix11: each key of the limiter's store names what it counts and whose count it is; they read
  // `<prefix>:rate-limit:undefinedundefined-tokens:<client>` (the plugin's store named a limiter after its route).
  it("its store's keys name what they count and whose count it is: two clients, two budgets", async () => {
    const a = await addClient(h.env.deps.db, { name: 'Keyed A', role: 'vendor', schools: [S1] });
    const b = await addClient(h.env.deps.db, { name: 'Keyed B', role: 'vendor', schools: [S1] });
    for (let i = 0; i < 3; i++) expect((await login(a, a.clientSecret)).statusCode).toBe(200);
    expectOauthError(await login(a, a.clientSecret), 429, 'slow_down', 'ERR_RATE_LIMITED');
    expect((await login(b, b.clientSecret)).statusCode).toBe(200);
    const space = `${h.env.config.jobs.queuePrefix}:rate-limit:`;
    const redis = h.env.deps.redis!;
    const keys = (await redis.keys(`${space}*`)).map((k) => k.slice(space.length));
    expect(keys.filter((k) => k.includes('undefined'))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining([`tokens:${a.clientId}`, `tokens:${b.clientId}`]));
    expect(await redis.get(`${space}tokens:${a.clientId}`)).toBe('4');
    expect(await redis.get(`${space}tokens:${b.clientId}`)).toBe('1');
  });
});
