/**
 * fix30a (review29 F7): rotating a client's secret no longer cuts a vendor with several servers off at once. The
 * secret a rotation replaces, and the tokens issued with it, keep working for a window (auth.secretOverlapSeconds,
 * 24 h by default, or the rotation's `overlapSeconds`), then stop; a city admin ends the window early
 * (`DELETE /v1/admin/clients/{id}/old-secret`); the client's read shows when the old secret stops (never a secret);
 * both are audited. After the window a login with the old secret is answered as a wrong secret is (no oracle), and
 * it counts in the token limit as any login does (sec28/sec29 rules unchanged). On PostgreSQL + Redis.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { addClient, endClientOldSecret, rotateClientSecret } from '../../src/ops.js';
import { expectOauthError, expectProblem, S1, useApiHarness } from '../helpers/api.js';

const BACKEND = { name: 'postgres+redis', database: 'postgres', queue: 'redis' } as const;

interface Rotated {
  clientId: string;
  clientSecret: string;
  oldCredentialExpiresAt: string | null;
}

/** A login's answer with what differs between any two requests blanked (as token-limit.test.ts compares them). */
const alike = (res: LightMyRequestResponse) => ({
  status: res.statusCode,
  body: { ...res.json<Record<string, unknown>>(), correlationId: '', instance: '' },
  headers: Object.keys(res.headers)
    .filter((k) => !['x-correlation-id', 'date', 'content-length'].includes(k))
    .sort()
    .map((k) => [k, k.startsWith('ratelimit') ? '' : res.headers[k]]),
});

describe('review29 F7: a rotated secret keeps working for its window', () => {
  /** How far truc's clock (deps.now: the window is judged by it) is ahead of this process's. */
  let ahead = 0;
  const h = useApiHarness(BACKEND, { now: () => new Date(Date.now() + ahead) });
  const login = (clientId: string, secret: string, remoteAddress = '127.0.0.1') =>
    h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      remoteAddress,
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });
  const tokenWith = async (clientId: string, secret: string) => {
    const res = await login(clientId, secret);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ access_token: string }>().access_token;
  };
  const works = async (token: string) => (await h.get('/v1/changes?limit=1', token)).statusCode;
  const rotate = async (clientId: string, body?: unknown) => {
    const res = await h.send('POST', `/v1/admin/clients/${clientId}/secret`, h.tokens.admin, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Rotated>();
  };
  const vendor = (name: string) => addClient(h.env.deps.db, { name, role: 'vendor', schools: [S1] });
  const lastAudit = async (action: string, clientId: string) =>
    (
      await h.env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
        `SELECT actor, details FROM truc.audit_log WHERE action = $1 AND subject = $2 ORDER BY seq DESC LIMIT 1`,
        [action, `client:${clientId}`],
      )
    ).rows[0];

  it('by default for 24 h: old and new secrets and their tokens work, the read shows when the old stops, audited', async () => {
    const c = await vendor('Several servers');
    const before = await tokenWith(c.clientId, c.clientSecret);
    const at = Date.now();
    const rotated = await rotate(c.clientId);
    expect(rotated.clientSecret).not.toBe(c.clientSecret);
    const expiresAt = Date.parse(rotated.oldCredentialExpiresAt!);
    expect(expiresAt - at).toBeGreaterThanOrEqual(86_400_000 - 60_000);
    expect(expiresAt - at).toBeLessThanOrEqual(86_400_000 + 60_000);
    // the servers not yet moved: their token, and new tokens from the old secret
    expect(await works(before)).toBe(200);
    expect(await works(await tokenWith(c.clientId, c.clientSecret))).toBe(200);
    // the servers moved
    expect(await works(await tokenWith(c.clientId, rotated.clientSecret))).toBe(200);
    // the client's read: when the old one stops, never a secret
    const list = await h.get('/v1/admin/clients', h.tokens.admin);
    const read = list
      .json<{ items: Array<{ clientId: string }> }>()
      .items.find((i) => i.clientId === c.clientId);
    expect(read).toMatchObject({ oldCredentialExpiresAt: rotated.oldCredentialExpiresAt });
    expect(list.body).not.toContain(c.clientSecret);
    expect(list.body).not.toContain(rotated.clientSecret);
    expect(list.body).not.toMatch(/secret|scrypt/i);
    expect(await lastAudit('client.secret_rotated', c.clientId)).toEqual({
      actor: h.clients.admin.clientId,
      details: { overlapSeconds: 86_400, oldCredentialExpiresAt: rotated.oldCredentialExpiresAt },
    });
  });

  it('after its window the old secret is refused as a wrong one is, and its tokens stop', async () => {
    const c = await vendor('Window ends');
    // A minute's window, ended by moving truc's clock past it: a login's scrypt on a loaded machine took longer than
    // the second this test's window was, and the steps "within the window" failed.
    const rotated = await rotate(c.clientId, { overlapSeconds: 60 });
    const oldToken = await tokenWith(c.clientId, c.clientSecret); // within the window
    expect(await works(oldToken)).toBe(200);
    ahead = Date.parse(rotated.oldCredentialExpiresAt!) - Date.now() + 1000;
    try {
      const refused = await login(c.clientId, c.clientSecret, '10.30.7.1');
      expectOauthError(refused, 401, 'invalid_client', 'ERR_INVALID_CLIENT');
      expect(alike(refused)).toEqual(alike(await login(c.clientId, 'never-its-secret', '10.30.7.2')));
      expect(alike(refused)).toEqual(alike(await login('cl_nobody_fix30a', c.clientSecret, '10.30.7.3')));
      expectProblem(await h.get('/v1/changes?limit=1', oldToken), 401, 'ERR_TOKEN_INVALID');
      expect(await works(await tokenWith(c.clientId, rotated.clientSecret))).toBe(200);
    } finally {
      ahead = 0;
    }
  });

  it('the admin ends the old secret early: it and its tokens stop at once, audited; ending it again changes nothing', async () => {
    const c = await vendor('Moved early');
    const rotated = await rotate(c.clientId);
    const oldToken = await tokenWith(c.clientId, c.clientSecret);
    const ended = await h.send('DELETE', `/v1/admin/clients/${c.clientId}/old-secret`, h.tokens.admin);
    expect(ended.statusCode, ended.body).toBe(200);
    const endedAt = ended.json<{ oldCredentialExpiresAt: string }>().oldCredentialExpiresAt;
    expect(Date.parse(endedAt)).toBeLessThanOrEqual(Date.now());
    expect(ended.body).not.toContain(c.clientSecret);
    expect(await lastAudit('client.old_secret_ended', c.clientId)).toMatchObject({
      actor: h.clients.admin.clientId,
    });
    expectOauthError(await login(c.clientId, c.clientSecret), 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expectProblem(await h.get('/v1/changes?limit=1', oldToken), 401, 'ERR_TOKEN_INVALID');
    expect(await works(await tokenWith(c.clientId, rotated.clientSecret))).toBe(200);
    const audits = await h.audits('client.old_secret_ended');
    const again = await h.send('DELETE', `/v1/admin/clients/${c.clientId}/old-secret`, h.tokens.admin);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json<{ oldCredentialExpiresAt: string }>().oldCredentialExpiresAt).toBe(endedAt);
    expect(await h.audits('client.old_secret_ended')).toBe(audits);
    expectProblem(
      await h.send('DELETE', '/v1/admin/clients/cl_nosuch/old-secret', h.tokens.admin),
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('overlapSeconds 0 stops the old secret at once (a leak); a bad window is refused and changes nothing', async () => {
    const c = await vendor('Leaked');
    const oldToken = await tokenWith(c.clientId, c.clientSecret);
    for (const overlapSeconds of [-1, 2_592_001, 1.5, '60'])
      expectProblem(
        await h.send('POST', `/v1/admin/clients/${c.clientId}/secret`, h.tokens.admin, { overlapSeconds }),
        400,
        'ERR_VALIDATION',
      );
    expect(await works(await tokenWith(c.clientId, c.clientSecret))).toBe(200);
    const rotated = await rotate(c.clientId, { overlapSeconds: 0 });
    expect(Date.parse(rotated.oldCredentialExpiresAt!)).toBeLessThanOrEqual(Date.now());
    expectOauthError(await login(c.clientId, c.clientSecret), 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expectProblem(await h.get('/v1/changes?limit=1', oldToken), 401, 'ERR_TOKEN_INVALID');
  });

  it('a second rotation within the window: the first secret stops, the one it replaces gets the window', async () => {
    const c = await vendor('Rotated twice');
    const first = await rotate(c.clientId);
    const firstToken = await tokenWith(c.clientId, c.clientSecret);
    const second = await rotate(c.clientId);
    expect(await lastAudit('client.secret_rotated', c.clientId)).toMatchObject({
      details: { earlierOldSecretEnded: true },
    });
    expectOauthError(await login(c.clientId, c.clientSecret), 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expectProblem(await h.get('/v1/changes?limit=1', firstToken), 401, 'ERR_TOKEN_INVALID');
    expect(await works(await tokenWith(c.clientId, first.clientSecret))).toBe(200);
    expect(await works(await tokenWith(c.clientId, second.clientSecret))).toBe(200);
  });

  it('the same by the operator functions behind `truc clients rotate-secret --overlap` and `end-old-secret`', async () => {
    const c = await vendor('By the CLI');
    const db = h.env.deps.db;
    const rotated = await rotateClientSecret(db, c.clientId, { overlapSeconds: 3600 });
    expect(Date.parse(rotated!.oldCredentialExpiresAt!) - Date.now()).toBeGreaterThan(3_500_000);
    expect(await works(await tokenWith(c.clientId, c.clientSecret))).toBe(200);
    expect(await endClientOldSecret(db, c.clientId)).toBe('ended');
    expectOauthError(await login(c.clientId, c.clientSecret), 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expect(await endClientOldSecret(db, c.clientId)).toBe('none');
    expect(await endClientOldSecret(db, 'cl_nobody')).toBeUndefined();
    expect(await rotateClientSecret(db, 'cl_nobody', { overlapSeconds: 0 })).toBeUndefined();
  });
});

describe('review29 F7: the old secret’s logins count in the client’s token limit (sec28)', () => {
  const h = useApiHarness(BACKEND, {
    configure: (c) => ({ ...c, auth: { ...c.auth, maxTokensPerMinute: 2 } }),
  });
  const login = (clientId: string, secret: string) =>
    h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });

  it('old and new secrets share one allowance: past it either is 429 slow_down', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Shared allowance', role: 'vendor', schools: [S1] });
    const res = await h.send('POST', `/v1/admin/clients/${c.clientId}/secret`, h.tokens.admin);
    const fresh = res.json<Rotated>().clientSecret;
    expect((await login(c.clientId, c.clientSecret)).statusCode).toBe(200);
    expect((await login(c.clientId, fresh)).statusCode).toBe(200);
    expectOauthError(await login(c.clientId, c.clientSecret), 429, 'slow_down', 'ERR_RATE_LIMITED');
    expectOauthError(await login(c.clientId, fresh), 429, 'slow_down', 'ERR_RATE_LIMITED');
  });
});
