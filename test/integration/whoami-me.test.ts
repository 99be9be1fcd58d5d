/**
 * walk2 F5 (whoami): `GET /v1/me` names the calling client as every list does. The dashboard's header read the
 * client's id ("cl_… (Quản trị thành phố)") while its runs and the audit named it "Sở GDĐT IT (demo)": the session
 * was built from the token alone and no API said who the caller is. Any valid token may ask, whatever its scopes; a
 * client sees only itself (a school-bound vendor: its own schools); no token, a bad or a disabled client's: 401.
 * Red on main: 404. Real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { expectProblem, S1, S2, useApiHarness, whileRenamed } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

interface MeBody {
  clientId: string;
  name: string;
  role: string;
  scopes: string[];
  schools: string[];
  units: string[];
}

describe('GET /v1/me: who the caller is (postgres)', () => {
  const h = useApiHarness(backend);

  it('a city admin: its id, display name, role and scopes, and nothing secret', async () => {
    const res = await h.get('/v1/me', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const me = res.json<MeBody>();
    expect(me).toMatchObject({ clientId: h.clients.admin.clientId, name: 'City', role: 'city-admin' });
    expect(me.scopes).toContain('admin');
    expect(Object.keys(me).sort()).toEqual(['clientId', 'name', 'role', 'schools', 'scopes', 'units']);
    expect(res.body).not.toContain(h.clients.admin.clientSecret);
  });

  it('a school-bound vendor sees only itself: its name and its own schools, no other client', async () => {
    const me = (await h.get('/v1/me', h.tokens.vendor)).json<MeBody>();
    expect(me).toEqual({
      clientId: h.clients.vendor.clientId,
      name: 'Vendor A',
      role: 'vendor',
      scopes: expect.arrayContaining(['batches:write']) as string[],
      schools: [S1, S2],
      units: [],
    });
    const other = (await h.get('/v1/me', h.tokens.other)).json<MeBody>();
    expect(other.clientId).toBe(h.clients.other.clientId);
    expect(JSON.stringify(other)).not.toContain(S1);
    expect(JSON.stringify(other)).not.toContain('Vendor A');
  });

  it('any valid token may ask, whatever its scopes (one holding batches:read alone; a PCGD officer)', async () => {
    const reader = (await h.get('/v1/me', h.tokens.reader)).json<MeBody>();
    expect(reader).toMatchObject({ name: 'Reader', scopes: ['batches:read'], schools: [S1] });
    const officer = await addClient(h.env.deps.db, {
      name: 'Phòng GD Q1',
      role: 'pcgd-officer',
      units: ['26734'],
    });
    const me = (await h.get('/v1/me', await h.tokenOf(officer))).json<MeBody>();
    expect(me).toMatchObject({ name: 'Phòng GD Q1', role: 'pcgd-officer', units: ['26734'], schools: [] });
  });

  it('the name is the one lists show now: a renamed client reads its new name', async () => {
    await whileRenamed(h, 'vendor', 'Vendor A (mới)', async () => {
      expect((await h.get('/v1/me', h.tokens.vendor)).json<MeBody>().name).toBe('Vendor A (mới)');
    });
  });

  it('no token, a bad one or a disabled client: 401, no one named', async () => {
    expectProblem(await h.get('/v1/me'), 401, 'ERR_UNAUTHENTICATED');
    expectProblem(await h.get('/v1/me', 'not.a.token'), 401, 'ERR_TOKEN_INVALID');
    const gone = await h.get('/v1/me', h.tokens.disabled);
    expectProblem(gone, 401, 'ERR_TOKEN_INVALID');
    expect(gone.body).not.toContain('Gone');
  });
});
