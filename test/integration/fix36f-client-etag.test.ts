/**
 * fix36f item 6 (review35b F7): an API client's admin changes have optimistic concurrency. GET sends a weak ETag;
 * PATCH and DELETE …/old-secret honour If-Match (412 ERR_PRECONDITION_FAILED, bilingual, nothing changed, on a
 * mismatch); without If-Match they work as before.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';

describe('fix36f item 6: ETag and If-Match on an API client', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let vendor: NewClient;
  beforeAll(async () => {
    app = await buildApp({ ...env().deps, config: env().config });
    await app.ready();
    admin = bearer(await tokenFor(app, await addClient(env().deps.db, { name: 'City', role: 'city-admin' })));
    vendor = await addClient(env().deps.db, { name: 'Vendor', role: 'vendor', schools: ['79000001'] });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  const url = () => `/v1/admin/clients/${vendor.clientId}`;
  const read = () => app.inject({ method: 'GET', url: url(), headers: admin });
  const patch = (name: string, ifMatch?: string) =>
    app.inject({
      method: 'PATCH',
      url: url(),
      headers: { ...admin, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
      payload: { name },
    });

  it('GET sends a weak ETag; a PATCH under it changes the client and answers the new one', async () => {
    const first = await read();
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"[0-9a-f]{20}"$/);
    const ok = await patch('Vendor 2', etag);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).not.toBe(etag);
    expect((await read()).headers.etag).toBe(ok.headers.etag);
  });

  it('a PATCH or DELETE old-secret under a stale ETag is 412, bilingual, and changes nothing', async () => {
    const stale = (await read()).headers.etag as string;
    expect((await patch('Vendor 3')).statusCode).toBe(200); // without If-Match: as before
    const before = await read();
    const refused = await patch('Vendor 4', stale);
    expect(refused.statusCode).toBe(412);
    const body = refused.json<{ code: string; title: string; detail: string }>();
    expect(body.code).toBe('ERR_PRECONDITION_FAILED');
    expect(body.detail).toContain('ứng dụng đã đổi từ lần đọc của bạn');
    expect(body.detail).toContain('the client changed since you read it');
    const del = await app.inject({
      method: 'DELETE',
      url: `${url()}/old-secret`,
      headers: { ...admin, 'if-match': `"nope", ${stale}` },
    });
    expect(del.statusCode).toBe(412);
    const after = await read();
    expect(after.json<{ name: string }>().name).toBe('Vendor 3');
    expect(after.headers.etag).toBe(before.headers.etag);
  });

  it('If-Match: * or a list holding the current tag (strong or weak form) is taken', async () => {
    const current = (await read()).headers.etag as string;
    expect((await patch('Vendor 5', `"other", ${current.replace(/^W\//, '')}`)).statusCode).toBe(200);
    const del = await app.inject({
      method: 'DELETE',
      url: `${url()}/old-secret`,
      headers: { ...admin, 'if-match': '*' },
    });
    expect(del.statusCode).toBe(200);
    expect(del.headers.etag).toMatch(/^W\//);
  });
});
