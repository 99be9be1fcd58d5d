/**
 * The token endpoint's form body (src/api/plugins/form-body.ts), read as strictly as a JSON body (review32b F4): a
 * parameter sent twice is `invalid_request` (RFC 6749 §3.1, §5.2), not its first value; bytes that are not UTF-8,
 * raw or percent-encoded, are a 400 `invalid_request`, not a wrong secret: no login tried, none audited as failed.
 * RFC 8707's `resource` may repeat; `+`, valid UTF-8 and a bare `%` read as before. PostgreSQL + Redis.
 */
import { describe, expect, it } from 'vitest';
import { expectOauthError, useApiHarness } from '../helpers/api.js';
import { countRows } from '../helpers/env.js';

const PG = { name: 'postgres+redis', database: 'postgres', queue: 'redis' } as const;

describe('the token endpoint reads its form strictly', () => {
  const h = useApiHarness(PG);
  const form = (payload: string | Buffer) =>
    h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
  const creds = () => `client_id=${h.clients.vendor.clientId}&client_secret=${h.clients.vendor.clientSecret}`;
  const failedLogins = () => countRows(h.env.deps.db, 'truc.audit_log', `action = 'auth.failed'`);
  interface FieldErrors {
    errors: Array<{ pointer: string; rule: string; message: string }>;
  }

  it.each([
    ['grant_type', 'grant_type=client_credentials&grant_type=password&'],
    ['client_secret', 'grant_type=client_credentials&client_secret=x&'],
    ['scope', 'grant_type=client_credentials&scope=batches%3Aread&scope=&'],
    ['x', 'grant_type=client_credentials&x=1&x=1&'],
  ])('a repeated %s is invalid_request naming it', async (name, head) => {
    const before = await failedLogins();
    const res = await form(`${head}${creds()}`);
    const body = expectOauthError(res, 400, 'invalid_request', 'ERR_VALIDATION') as unknown as FieldErrors;
    expect(body.errors).toEqual([
      { pointer: `/body/${name}`, rule: 'repeated', message: expect.stringContaining(' / ') as string },
    ]);
    expect(await failedLogins()).toBe(before);
  });

  it('bytes that are not UTF-8, raw or percent-encoded, are a 400 invalid_request; no failed login', async () => {
    const before = await failedLogins();
    const head = `grant_type=client_credentials&client_id=${h.clients.vendor.clientId}&client_secret=`;
    const raw = await form(Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28])]));
    expectOauthError(raw, 400, 'invalid_request', 'ERR_INVALID_ENCODING');
    for (const [payload, name] of [
      [`${head}%C3%28`, 'client_secret'],
      [`${head}ok&%FF%FE=1`, '*'],
      [`${head}%ED%A0%80`, 'client_secret'], // a lone surrogate's bytes: not UTF-8 either
    ] as const) {
      const res = await form(payload);
      const body = expectOauthError(res, 400, 'invalid_request', 'ERR_VALIDATION') as unknown as FieldErrors;
      expect(body.errors).toEqual([
        { pointer: `/body/${name}`, rule: 'invalid_utf8', message: expect.stringContaining(' / ') as string },
      ]);
    }
    expect(await failedLogins()).toBe(before);
  });

  it('a repeated resource (RFC 8707), +, UTF-8 and a bare % in a parameter truc ignores: a token', async () => {
    const res = await form(
      `grant_type=client_credentials&${creds()}&scope=batches%3Aread+records%3Aread` +
        `&resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example&note=100%&name=tr%C6%B0%E1%BB%9Dng`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ scope: string }>().scope.split(' ').sort()).toEqual(['batches:read', 'records:read']);
  });

  // fix33c: a JSON body (the endpoint takes one too) kept the last value of a repeated key; refused the same way.
  it.each([
    ['grant_type', '"grant_type":"password","grant_type":"client_credentials"'],
    ['client_secret', '"grant_type":"client_credentials","client_secret":"x"'],
    ['scope', '"grant_type":"client_credentials","scope":"batches:read","scope":""'],
  ])('a JSON body with a repeated %s is invalid_request naming it', async (name, head) => {
    const before = await failedLogins();
    const res = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: `{${head},"client_id":"${h.clients.vendor.clientId}","client_secret":"${h.clients.vendor.clientSecret}"}`,
    });
    const body = expectOauthError(res, 400, 'invalid_request', 'ERR_VALIDATION') as unknown as FieldErrors;
    expect(body.errors).toEqual([
      { pointer: `/body/${name}`, rule: 'repeated', message: expect.stringContaining(' / ') as string },
    ]);
    expect(await failedLogins()).toBe(before);
  });

  it('a JSON body with each key once: a token', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: {
        grant_type: 'client_credentials',
        client_id: h.clients.vendor.clientId,
        client_secret: h.clients.vendor.clientSecret,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});
