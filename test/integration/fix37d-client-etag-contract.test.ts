/**
 * fix37d item 1: the API client's ETag is in the contract, and sent wherever an admin gets a client to edit next.
 * fix36f gave GET /v1/admin/clients/{id} (and the answers of PATCH and DELETE …/old-secret) a weak ETag and had PATCH
 * and DELETE …/old-secret honour If-Match, but the OpenAPI document described no ETag header (a generated client had
 * nothing to read it from), its 412 read "HTTP 412", and an admin who created or rotated a client got no ETag to send
 * back. Real PostgreSQL; the document checked is the one this app serves and the committed openapi/truc.v1.json.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import committed from '../../openapi/truc.v1.json' with { type: 'json' };
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';

type Op = {
  parameters?: Array<{ in: string; name: string }>;
  responses?: Record<string, { description?: string; headers?: Record<string, unknown> }>;
};
type Doc = { paths: Record<string, Record<string, Op>> };

const CLIENT = '/v1/admin/clients/{clientId}';

describe('fix37d item 1: the API client ETag in the contract', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let admin: Record<string, string>;
  beforeAll(async () => {
    app = await buildApp({ ...env().deps, config: env().config });
    await app.ready();
    admin = bearer(await tokenFor(app, await addClient(env().deps.db, { name: 'City', role: 'city-admin' })));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, more = {}) =>
    app.inject({ method, url, headers: { ...admin, ...more }, ...(payload ? { payload } : {}) });
  const create = () =>
    call('POST', '/v1/admin/clients', { name: 'Vendor E', role: 'vendor', schools: ['79000001'] });

  it('create and rotate-secret send the client’s ETag, the one a read sends and a PATCH under If-Match takes', async () => {
    const created = await create();
    expect(created.statusCode, created.body).toBe(201);
    const url = created.headers.location as string;
    const fromCreate = created.headers.etag as string;
    expect(fromCreate).toMatch(/^W\/"[0-9a-f]{20}"$/);
    expect((await call('GET', url)).headers.etag).toBe(fromCreate);
    const renamed = await call('PATCH', url, { name: 'Vendor E2' }, { 'if-match': fromCreate });
    expect(renamed.statusCode, renamed.body).toBe(200);

    const rotated = await call('POST', `${url}/secret`, { overlapSeconds: 60 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fromRotate = rotated.headers.etag as string;
    expect(fromRotate).not.toBe(renamed.headers.etag); // a new secret generation, a new state
    expect((await call('GET', url)).headers.etag).toBe(fromRotate);
    const stale = await call('DELETE', `${url}/old-secret`, undefined, { 'if-match': renamed.headers.etag });
    expect(stale.statusCode).toBe(412);
    const ended = await call('DELETE', `${url}/old-secret`, undefined, { 'if-match': fromRotate });
    expect(ended.statusCode, ended.body).toBe(200);
  });

  // fix37d item 4: a client's secret (create, rotate) and a token were answered `Cache-Control: no-store`, a webhook
  // subscription's signing secret, shown once too, was not.
  it('every answer showing a secret is not to be cached: a client’s create and rotate, a webhook subscription', async () => {
    const created = await create();
    const rotated = await call('POST', `${created.headers.location as string}/secret`);
    const vendor = await addClient(env().deps.db, { name: 'Hook', role: 'vendor', schools: ['79000001'] });
    const hook = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(await tokenFor(app, vendor)),
      payload: { url: 'http://127.0.0.1:9/fix37d', events: ['batch.finished'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    expect(hook.json<{ secret: string }>().secret).toBeTruthy();
    expect([created, rotated, hook].map((r) => r.headers['cache-control'])).toEqual([
      'no-store',
      'no-store',
      'no-store',
    ]);
  });

  it('every client route documents the ETag it sends, and only those; If-Match and 412 are described', async () => {
    const created = await create();
    const id = created.json<{ clientId: string }>().clientId;
    const url = `/v1/admin/clients/${id}`;
    const answers: Array<[string, string, string, string | undefined]> = [];
    const note = async (
      path: string,
      method: string,
      res: Promise<{ statusCode: number; headers: object }>,
    ) => {
      const r = await res;
      answers.push([path, method, String(r.statusCode), (r.headers as { etag?: string }).etag]);
    };
    answers.push(['/v1/admin/clients', 'post', String(created.statusCode), created.headers.etag]);
    await note('/v1/admin/clients', 'get', call('GET', '/v1/admin/clients'));
    await note(CLIENT, 'get', call('GET', url));
    await note(CLIENT, 'patch', call('PATCH', url, { name: 'Vendor F' }));
    await note(`${CLIENT}/secret`, 'post', call('POST', `${url}/secret`));
    await note(`${CLIENT}/old-secret`, 'delete', call('DELETE', `${url}/old-secret`));
    const sent = answers.map(([p, m, s, etag]) => [p, m, s, etag !== undefined]);
    expect(sent).toEqual([
      ['/v1/admin/clients', 'post', '201', true],
      ['/v1/admin/clients', 'get', '200', false],
      [CLIENT, 'get', '200', true],
      [CLIENT, 'patch', '200', true],
      [`${CLIENT}/secret`, 'post', '200', true],
      [`${CLIENT}/old-secret`, 'delete', '200', true],
    ]);
    for (const doc of [app.swagger() as unknown as Doc, committed as unknown as Doc]) {
      const op = (path: string, method: string) => doc.paths[path]![method]!;
      const documented = sent.map(([p, m, s]) => {
        const headers = op(p as string, m as string).responses?.[s as string]?.headers ?? {};
        return [p, m, s, Object.keys(headers).includes('ETag')];
      });
      expect(documented).toEqual(sent);
      for (const [path, method] of [
        [CLIENT, 'patch'],
        [`${CLIENT}/secret`, 'post'],
        [`${CLIENT}/old-secret`, 'delete'],
      ] as const) {
        const params = (op(path, method).parameters ?? []).map((p) => `${p.in}:${p.name}`);
        expect(params).toContain('header:if-match');
        expect(op(path, method).responses?.['412']?.description).toContain('Precondition failed');
        expect(JSON.stringify(op(path, method))).not.toContain('x-etag');
      }
    }
  });

  // An admin rotating a secret twice from two screens (one read, one ETag) must not rotate it twice: rotate-secret
  // honours If-Match as PATCH and DELETE …/old-secret do (it ignored it: both rotated, the first screen's secret lost).
  it('rotate-secret honours If-Match: two rotations from one read rotate once, the second 412 in both languages', async () => {
    const created = await create();
    const url = created.headers.location as string;
    const read = (await call('GET', url)).headers.etag as string;
    const first = await call('POST', `${url}/secret`, { overlapSeconds: 0 }, { 'if-match': read });
    expect(first.statusCode, first.body).toBe(200);
    const second = await call('POST', `${url}/secret`, { overlapSeconds: 0 }, { 'if-match': read });
    expect(second.statusCode, second.body).toBe(412);
    const problem = second.json<{ code: string; messages: { vi: string; en: string }; detail: string }>();
    expect(problem.code).toBe('ERR_PRECONDITION_FAILED');
    expect(problem.messages.vi).toBeTruthy();
    expect(problem.messages.en).toBeTruthy();
    expect(problem.detail).toContain(`its ETag is now ${first.headers.etag as string}`);
    expect(second.json()).not.toHaveProperty('clientSecret');
    // nothing changed: the first rotation's state, and its secret still gets a token
    expect((await call('GET', url)).headers.etag).toBe(first.headers.etag);
    const { clientId, clientSecret } = first.json<{ clientId: string; clientSecret: string }>();
    const token = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    });
    expect(token.statusCode, token.body).toBe(200);
    const any = await call('POST', `${url}/secret`, undefined, { 'if-match': '*' });
    expect(any.statusCode, any.body).toBe(200);
  });

  // The answers that carry Cache-Control: no-store (fix37d item 4) say so in the contract.
  it('every answer sent no-store documents Cache-Control, and only those', async () => {
    const created = await create();
    const token = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'password' },
    });
    expect([created.headers['cache-control'], token.headers['cache-control']]).toEqual([
      'no-store',
      'no-store',
    ]);
    const noStore: Array<[string, string, string]> = [
      ['/v1/admin/clients', 'post', '201'],
      [`${CLIENT}/secret`, 'post', '200'],
      ['/v1/webhooks', 'post', '201'],
      ['/oauth/token', 'post', '200'],
      ['/oauth/token', 'post', '400'],
      ['/oauth/token', 'post', '401'],
    ];
    for (const doc of [app.swagger() as unknown as Doc, committed as unknown as Doc]) {
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).flatMap(([method, op]) =>
          Object.entries(op.responses ?? {})
            .filter(([, r]) => Object.keys(r.headers ?? {}).includes('Cache-Control'))
            .map(([status]) => [path, method, status]),
        ),
      );
      for (const answer of noStore) expect(documented).toContainEqual(answer);
      expect(documented.filter(([path]) => path !== '/oauth/token').sort()).toEqual(
        noStore.slice(0, 3).sort(),
      );
      expect(JSON.stringify(doc)).not.toContain('x-no-store');
    }
  });
});
