/**
 * walk7 (stop 63, the demo walked as a vendor, the city's IT staff, a PCGD-XMC officer and the night operator): the
 * findings of /work/briefs/walk7-findings.md reproduced through the whole app (buildApp), one `describe` each.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { bearer, expectProblem, tokensFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';

const env = usePostgresEnv();
let app: FastifyInstance;
let tokens: Record<'vendor' | 'admin', string>;

beforeAll(async () => {
  app = await buildApp(env().deps);
  await app.ready();
  tokens = await tokensFor(app, env().deps.db, {
    vendor: { role: 'vendor', schools: ['79000001'] },
    admin: { role: 'city-admin' },
  });
}, 120_000);
afterAll(async () => {
  await app?.close();
});

describe('W7-1: a method an existing address does not take is 405 with Allow, not "no such route"', () => {
  const WEBHOOK = '/v1/webhooks/84f84a57-deb6-4bcc-8076-14753d296a74';

  it('PATCH of a webhook, with or without a body: 405 naming GET, DELETE (and HEAD)', async () => {
    for (const payload of [undefined, { events: ['batch.finished'] }]) {
      const res = await app.inject({
        method: 'PATCH',
        url: WEBHOOK,
        headers: bearer(tokens.vendor),
        ...(payload ? { payload } : {}),
      });
      const body = expectProblem(res, 405, 'ERR_METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('DELETE, GET, HEAD');
      expect(body.detail).toBe(
        'đường dẫn này không nhận PATCH, chỉ nhận DELETE, GET, HEAD / ' +
          'this address takes no PATCH, only DELETE, GET, HEAD',
      );
    }
  });

  it('a query string does not hide the address; a route of the document (/openapi.json) is known too', async () => {
    const batches = await app.inject({ method: 'DELETE', url: '/v1/schools/79000001/batches?limit=5' });
    expectProblem(batches, 405, 'ERR_METHOD_NOT_ALLOWED');
    expect(batches.headers.allow).toBe('GET, HEAD, POST');
    const doc = await app.inject({ method: 'POST', url: '/openapi.json' });
    expectProblem(doc, 405, 'ERR_METHOD_NOT_ALLOWED');
    expect(doc.headers.allow).toBe('GET, HEAD');
  });

  it('a path no route has is 404 ERR_ROUTE_NOT_FOUND, with no Allow, whatever its method or body', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await app.inject({
        method,
        url: '/v1/nothing-here/12',
        headers: bearer(tokens.admin),
        ...(method === 'POST' ? { payload: { a: 1 } } : {}),
      });
      expectProblem(res, 404, 'ERR_ROUTE_NOT_FOUND');
      expect(res.headers.allow).toBeUndefined();
    }
  });
});
