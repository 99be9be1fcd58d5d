/**
 * The admin API of API clients (issue 9), on embedded PGlite: city admins create, list, rotate,
 * disable and re-scope clients, each change audited; a change acts on tokens already issued at once.
 */
import { describe, expect, it } from 'vitest';
import { expectOauthError, expectProblem, goodBody, S1, S2, useApiHarness } from '../helpers/api.js';
import { backends, countRows } from '../helpers/env.js';
import { addClient, listClients, rotateClientSecret, setClientSchools } from '../../src/ops.js';

const h = useApiHarness(backends()[0]!);

const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, token = h.tokens.admin) =>
  h.send(method, url, token, payload);
const audits = (action: string) => h.audits(action);
const login = (clientId: string, clientSecret: string) =>
  h.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  });

interface Created {
  clientId: string;
  clientSecret: string;
}

/** A vendor of its own for one test, created by the city admin through the API (as the first test checks). */
async function newVendor(schools = [S1]): Promise<Created> {
  const res = await admin('POST', '/v1/admin/clients', { name: 'Vendor C', role: 'vendor', schools });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Created>();
}

const tokenOf = (c: Created): Promise<string> => h.tokenOf(c);

// Every test works on a client of its own: none reads what another one left.
describe('admin API of clients', () => {
  it('a city admin creates a vendor (secret shown once, audited); the vendor logs in and pushes', async () => {
    const before = await audits('client.created');
    const res = await admin('POST', '/v1/admin/clients', { name: 'Vendor C', role: 'vendor', schools: [S1] });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<Created>();
    expect(res.json()).toMatchObject({ role: 'vendor', schools: [S1], disabled: false });
    expect(res.json<{ scopes: string[] }>().scopes).toContain('batches:write');
    expect(await audits('client.created')).toBe(before + 1);
    expect((await h.pushBatch(await tokenOf(created), S1, goodBody(['ADM1']))).statusCode).toBe(202);
  });

  it('the list shows clients without secrets', async () => {
    const created = await newVendor();
    const res = await admin('GET', '/v1/admin/clients');
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Array<Record<string, unknown>> }>().items;
    expect(items.map((c) => c.clientId)).toContain(created.clientId);
    expect(res.body).not.toMatch(/secret|scrypt/i);
  });

  it('bad input and non-admins are refused, changing nothing', async () => {
    const created = await newVendor();
    const before = await countRows(h.env.deps.db, 'truc.api_clients');
    expectProblem(
      await admin('POST', '/v1/admin/clients', { name: 'X', role: 'vendor' }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await admin('POST', '/v1/admin/clients', { name: 'X', role: 'root', schools: [S1] }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await admin('POST', '/v1/admin/clients', {
        name: 'X',
        role: 'vendor',
        schools: [S1],
        scopes: ['everything'],
      }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await admin('POST', '/v1/admin/clients', { name: 'X', role: 'city-admin' }, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(
      await admin('GET', '/v1/admin/clients', undefined, h.tokens.vendor),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(
      await admin('PATCH', '/v1/admin/clients/cl_nobody', { disabled: true }),
      404,
      'ERR_NOT_FOUND',
    );
    expectProblem(await admin('PATCH', `/v1/admin/clients/${created.clientId}`, {}), 400, 'ERR_VALIDATION');
    expect(await countRows(h.env.deps.db, 'truc.api_clients')).toBe(before);
  });

  // fix30a: without `overlapSeconds: 0` the old secret keeps working auth.secretOverlapSeconds (client-secret-overlap)
  it('rotating the secret with no overlap: the old one stops working, the new one works, audited', async () => {
    const created = await newVendor();
    const before = await audits('client.secret_rotated');
    const res = await admin('POST', `/v1/admin/clients/${created.clientId}/secret`, { overlapSeconds: 0 });
    expect(res.statusCode, res.body).toBe(200);
    const fresh = res.json<{ clientSecret: string }>().clientSecret;
    expect(fresh).not.toBe(created.clientSecret);
    expectOauthError(
      await login(created.clientId, created.clientSecret),
      401,
      'invalid_client',
      'ERR_INVALID_CLIENT',
    );
    expect((await login(created.clientId, fresh)).statusCode).toBe(200);
    expect(await audits('client.secret_rotated')).toBe(before + 1);
  });

  it('disabling stops a token already issued at once; enabling lets it in again', async () => {
    const created = await newVendor();
    const token = await tokenOf(created);
    expect((await h.get('/v1/batches/00000000-0000-4000-8000-000000000000', token)).statusCode).toBe(404);
    const off = await admin('PATCH', `/v1/admin/clients/${created.clientId}`, { disabled: true });
    expect(off.json()).toMatchObject({ disabled: true });
    expectProblem(
      await h.get('/v1/batches/00000000-0000-4000-8000-000000000000', token),
      401,
      'ERR_TOKEN_INVALID',
    );
    expectOauthError(
      await login(created.clientId, created.clientSecret),
      401,
      'invalid_client',
      'ERR_INVALID_CLIENT',
    );
    await admin('PATCH', `/v1/admin/clients/${created.clientId}`, { disabled: false });
    expect((await h.get('/v1/batches/00000000-0000-4000-8000-000000000000', token)).statusCode).toBe(404);
  });

  it('review11: an admin client cannot disable itself nor drop its own admin scope (409, bilingual, nothing changed)', async () => {
    const res = await admin('POST', '/v1/admin/clients', { name: 'City B', role: 'city-admin' });
    expect(res.statusCode, res.body).toBe(201);
    const self = res.json<Created>();
    const token = await tokenOf(self);
    const url = `/v1/admin/clients/${self.clientId}`;
    for (const patch of [{ disabled: true }, { scopes: ['audit:read'] }]) {
      const p = expectProblem(await admin('PATCH', url, patch, token), 409, 'ERR_SELF_LOCKOUT');
      expect(p.detail).toContain('do it from another admin client, or with `truc clients` on the host');
      expect(p.detail).toContain('hãy làm từ một ứng dụng quản trị khác');
    }
    // still in, still admin; another admin may do it
    const listed = await admin('GET', '/v1/admin/clients', undefined, token);
    expect(listed.statusCode, listed.body).toBe(200);
    expect((await admin('PATCH', url, { name: 'City B2' }, token)).statusCode).toBe(200);
    expect((await admin('PATCH', url, { disabled: true })).json()).toMatchObject({ disabled: true });
  });

  it('a change of schools acts on a token already issued, without waiting for it to expire', async () => {
    const created = await newVendor();
    const token = await tokenOf(created);
    expectProblem(await h.pushBatch(token, S2, goodBody(['ADM2'], S2)), 403, 'ERR_FORBIDDEN_SCHOOL');
    const before = await audits('client.updated');
    const res = await admin('PATCH', `/v1/admin/clients/${created.clientId}`, { schools: [S2] });
    expect(res.json()).toMatchObject({ schools: [S2] });
    expect(await audits('client.updated')).toBe(before + 1);
    expect((await h.pushBatch(token, S2, goodBody(['ADM3'], S2))).statusCode).toBe(202);
    expectProblem(await h.pushBatch(token, S1, goodBody(['ADM4'])), 403, 'ERR_FORBIDDEN_SCHOOL');
  });

  // priv28 item 3: a vendor is bound to its schools; a city scope (admin, guard, audit:read, pcgd:*) given to its client
  // read every school's ops pages, the guard's holds and the audit log, and could decide holds. Refused at creation
  // and change (API and CLI, nothing written); a vendor row holding one from before is never granted it.
  it('a vendor client may not hold a city scope: refused when created or changed, never granted', async () => {
    const clients = await countRows(h.env.deps.db, 'truc.api_clients');
    const created = await admin('POST', '/v1/admin/clients', {
      name: 'Vendor over-scoped',
      role: 'vendor',
      schools: [S1],
      scopes: ['batches:write', 'admin', 'guard', 'audit:read'],
    });
    expectProblem(created, 400, 'ERR_VALIDATION');
    expect(created.body).toMatch(
      /phạm vi của thành phố: admin, guard, audit:read \/ .*city scopes: admin, guard/,
    );
    await expect(
      addClient(h.env.deps.db, { name: 'CLI over-scoped', role: 'vendor', schools: [S1], scopes: ['admin'] }),
    ).rejects.toThrow(/city scopes: admin/);
    expect(await countRows(h.env.deps.db, 'truc.api_clients')).toBe(clients);
    const vendor = await newVendor();
    const before = await audits('client.updated');
    expectProblem(
      await admin('PATCH', `/v1/admin/clients/${vendor.clientId}`, { scopes: ['batches:read', 'guard'] }),
      400,
      'ERR_VALIDATION',
    );
    expect(await audits('client.updated')).toBe(before);
    // A vendor row given a city scope before this rule (written straight into the table): its token is refused there.
    await h.env.deps.db.query(
      `UPDATE truc.api_clients SET scopes = array_append(scopes, 'admin') WHERE id = $1`,
      [vendor.clientId],
    );
    expectProblem(
      await admin('GET', '/v1/admin/clients', undefined, await tokenOf(vendor)),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
  });

  it('the same through the operator functions behind `truc clients list | rotate-secret | set-schools`', async () => {
    const created = await newVendor([S2]);
    const db = h.env.deps.db;
    const listed = await listClients(db);
    expect(listed.find((c) => c.clientId === created.clientId)).toMatchObject({ schools: [S2] });
    expect(JSON.stringify(listed)).not.toMatch(/secret|scrypt/i);
    const rotated = await rotateClientSecret(db, created.clientId, { overlapSeconds: 0 });
    expect(rotated).toBeDefined();
    expect((await login(created.clientId, rotated!.clientSecret)).statusCode).toBe(200);
    expect(await rotateClientSecret(db, 'cl_nobody', { overlapSeconds: 0 })).toBeUndefined();
    expect(await setClientSchools(db, created.clientId, [S1])).toMatchObject({
      warnings: [expect.any(String)],
    });
    await expect(setClientSchools(db, created.clientId, [])).rejects.toThrow(/at least one school/);
    await expect(setClientSchools(db, created.clientId, ['../x'])).rejects.toThrow(/not school codes/);
    expect((await listClients(db)).find((c) => c.clientId === created.clientId)?.schools).toEqual([S1]);
  });
});
