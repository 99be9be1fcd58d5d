/**
 * The city keeps an active admin client (review13 2b): the self-lockout rule (review11) refuses a client disabling
 * itself, but two admins could disable each other, each passing it, and leave the city no way in but the host's CLI.
 * A change that would take the last active admin's admin away is refused, 409 ERR_LAST_ADMIN, nothing changed.
 *
 * Each process keeps a client's state for `auth.clientStateTtlMs`: a second app on the same database is a second API
 * process, which still takes a client another process just disabled for an active admin (the window is set long here,
 * so the test does not race it). The same holds for two changes at once on PostgreSQL: the active admins are locked
 * first, so the second change sees the first's.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { bearer, expectProblem, useApiHarness, type ApiHarness } from '../helpers/api.js';
import { backends, countRows } from '../helpers/env.js';

const longClientState = {
  configure: <C extends { auth: object }>(c: C): C => ({
    ...c,
    auth: { ...c.auth, clientStateTtlMs: 60_000 },
  }),
};

interface Created {
  clientId: string;
  clientSecret: string;
}

/** A new city admin, created by the harness's admin, and its token. */
async function newAdmin(h: ApiHarness, name: string): Promise<{ id: string; token: string }> {
  const res = await h.send('POST', '/v1/admin/clients', h.tokens.admin, { name, role: 'city-admin' });
  expect(res.statusCode, res.body).toBe(201);
  const c = res.json<Created>();
  return { id: c.clientId, token: await h.tokenOf(c) };
}

const patchOn = (app: FastifyInstance, token: string, id: string, patch: object) =>
  app.inject({
    method: 'PATCH',
    url: `/v1/admin/clients/${id}`,
    headers: { ...bearer(token), 'content-type': 'application/json' },
    payload: JSON.stringify(patch),
  });

const activeAdmins = (h: ApiHarness) =>
  countRows(h.env.deps.db, 'truc.api_clients', `NOT disabled AND 'admin' = ANY(scopes)`);

/** A second API process on the harness's database, which has read (and keeps) the state of the clients of `tokens`. */
function useSecondProcess(h: ApiHarness, ready: () => Promise<void> = async () => undefined) {
  const it = { app: undefined as unknown as FastifyInstance };
  beforeAll(async () => {
    it.app = await buildApp(h.env.deps);
    await it.app.ready();
    await ready();
  });
  afterAll(() => it.app.close());
  return it;
}

/** Both processes read the state of the clients of `tokens` (and keep it: no re-read while the test runs). */
async function warm(apps: FastifyInstance[], tokens: string[]): Promise<void> {
  for (const app of apps)
    for (const t of tokens)
      expect((await app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t) })).statusCode).toBe(200);
}

describe('the last active admin client (review13, two API processes)', () => {
  const h = useApiHarness(backends()[0]!, longClientState);
  const second = useSecondProcess(h);

  it('an admin another process still takes for active cannot disable, nor unscope, the last one: 409, nothing changed', async () => {
    const b = await newAdmin(h, 'City B');
    const a = { id: h.clients.admin.clientId, token: h.tokens.admin };
    await warm([second.app], [a.token, b.token]);
    expect((await patchOn(h.app, a.token, b.id, { disabled: true })).statusCode).toBe(200);
    expect(await activeAdmins(h)).toBe(1);
    const audits = await h.audits('client.updated');

    for (const patch of [{ disabled: true }, { scopes: ['audit:read'] }]) {
      const p = expectProblem(await patchOn(second.app, b.token, a.id, patch), 409, 'ERR_LAST_ADMIN');
      expect(p.detail).toContain('the last active admin client');
      expect(p.detail).toContain('ứng dụng quản trị cuối cùng');
    }
    expect(await activeAdmins(h)).toBe(1);
    expect(await h.audits('client.updated')).toBe(audits);
    // A change that leaves it admin is not refused; the city's admin still gets in.
    expect((await patchOn(h.app, a.token, a.id, { name: 'City' })).statusCode).toBe(200);
    expect((await h.get('/v1/admin/clients', a.token)).statusCode).toBe(200);
    expect((await patchOn(h.app, a.token, b.id, { disabled: false })).statusCode).toBe(200);
  });
});

describe('two admins disabling each other at once (review13, PostgreSQL)', () => {
  const h = useApiHarness(backends()[2]!, longClientState);
  const second = useSecondProcess(h);

  it('one change is made, the other refused 409 ERR_LAST_ADMIN: one admin stays active', async () => {
    const b = await newAdmin(h, 'City B');
    const a = { id: h.clients.admin.clientId, token: h.tokens.admin };
    await warm([h.app, second.app], [a.token, b.token]);
    const answers: LightMyRequestResponse[] = await Promise.all([
      patchOn(h.app, a.token, b.id, { disabled: true }),
      patchOn(second.app, b.token, a.id, { disabled: true }),
    ]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json()).toMatchObject({ code: 'ERR_LAST_ADMIN' });
    expect(await activeAdmins(h)).toBe(1);
  });
});
