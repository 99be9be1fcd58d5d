/**
 * fix30f item 2: whether a vendor still uses the secret a rotation replaced, which decides ending its window early.
 * The client's read (`GET /v1/admin/clients`, `truc clients list`) shows `oldCredentialLastUsedAt`: when the old
 * secret last issued a token, null before it issued one and again after the next rotation; never a secret. Written
 * at most once a minute per client: a burst of logins with the old secret writes it once. On PostgreSQL + Redis.
 */
import { describe, expect, it } from 'vitest';
import { addClient, listClients } from '../../src/ops.js';
import { S1, useApiHarness } from '../helpers/api.js';

const BACKEND = { name: 'postgres+redis', database: 'postgres', queue: 'redis' } as const;

interface Read {
  clientId: string;
  oldCredentialExpiresAt: string | null;
  oldCredentialLastUsedAt: string | null;
}

describe('fix30f: when the old secret last issued a token', () => {
  const h = useApiHarness(BACKEND);
  const tokenWith = async (clientId: string, secret: string) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const rotate = async (clientId: string) => {
    const res = await h.send('POST', `/v1/admin/clients/${clientId}/secret`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ clientSecret: string }>().clientSecret;
  };
  const read = async (clientId: string) => {
    const list = await h.get('/v1/admin/clients', h.tokens.admin);
    expect(list.statusCode, list.body).toBe(200);
    return list.json<{ items: Read[] }>().items.find((i) => i.clientId === clientId)!;
  };
  const stored = async (clientId: string) =>
    (
      await h.env.deps.db.query<{ at: Date | null }>(
        'SELECT old_secret_last_used_at AS at FROM truc.api_clients WHERE id = $1',
        [clientId],
      )
    ).rows[0]!.at;

  it('null until the old secret issues a token; then its time, on the API read and the CLI list; never a secret', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Two servers', role: 'vendor', schools: [S1] });
    expect((await read(c.clientId)).oldCredentialLastUsedAt).toBeNull();
    const fresh = await rotate(c.clientId);
    await tokenWith(c.clientId, fresh); // the new secret: not the old one's use
    expect((await read(c.clientId)).oldCredentialLastUsedAt).toBeNull();
    const before = Date.now();
    await tokenWith(c.clientId, c.clientSecret); // a server not yet moved
    const seen = await read(c.clientId);
    const at = Date.parse(seen.oldCredentialLastUsedAt!);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    const cli = (await listClients(h.env.deps.db)).find((x) => x.clientId === c.clientId)!;
    expect(cli.oldCredentialLastUsedAt).toBe(seen.oldCredentialLastUsedAt);
    const body = JSON.stringify(await read(c.clientId));
    expect(body).not.toContain(c.clientSecret);
    expect(body).not.toContain(fresh);
    expect(body).not.toMatch(/secret|scrypt/i);
    // the next rotation's old secret is another: it has issued nothing yet
    await rotate(c.clientId);
    expect((await read(c.clientId)).oldCredentialLastUsedAt).toBeNull();
  });

  it('written at most once a minute per client: a burst of logins writes it once, a login a minute later again', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Busy vendor', role: 'vendor', schools: [S1] });
    await rotate(c.clientId);
    await tokenWith(c.clientId, c.clientSecret);
    const first = await stored(c.clientId);
    expect(first).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) await tokenWith(c.clientId, c.clientSecret);
    expect(await stored(c.clientId)).toEqual(first);
    // a minute on (the stored use moved back rather than the clock forward)
    await h.env.deps.db.query(
      `UPDATE truc.api_clients SET old_secret_last_used_at = old_secret_last_used_at - interval '61 seconds' WHERE id = $1`,
      [c.clientId],
    );
    const moved = (await stored(c.clientId))!;
    await tokenWith(c.clientId, c.clientSecret);
    const later = (await stored(c.clientId))!;
    expect(later.getTime()).toBeGreaterThan(moved.getTime() + 60_000);
  });
});
