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
let tokens: Record<'vendor' | 'admin' | 'officer', string>;

beforeAll(async () => {
  app = await buildApp(env().deps);
  await app.ready();
  tokens = await tokensFor(app, env().deps.db, {
    vendor: { role: 'vendor', schools: ['79000001'] },
    admin: { role: 'city-admin' },
    officer: { role: 'pcgd-officer', units: ['26995'] },
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

describe('W7-2: a value refused by its pattern is told what to send, not the regular expression', () => {
  it('an officer mistyping the commune code of a persons pull reads "a 5-digit commune code (e.g. 26995)"', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/pcgd/communes/2699/persons-pull',
      headers: bearer(tokens.officer),
    });
    const body = expectProblem(res, 400, 'ERR_VALIDATION');
    expect(body.errors).toEqual([
      {
        pointer: '/params/communeCode',
        rule: 'invalid_format',
        message: 'mã xã 5 chữ số (ví dụ 26995) / a 5-digit commune code (e.g. 26995)',
      },
    ]);
  });

  it('a city admin pausing a schedule by a name with capitals is told what a schedule id is', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/schedules/Nightly/pause',
      headers: bearer(tokens.admin),
    });
    const body = expectProblem(res, 400, 'ERR_VALIDATION');
    expect(body.errors?.[0]?.message).toContain(
      'e.g. hcm-csdl-students-nightly; GET /v1/schedules lists them',
    );
    expect(JSON.stringify(body)).not.toContain('pattern');
  });
});

describe('W7-5: a malformed body is told where its JSON stopped', () => {
  it('a push cut short, and one with a stray comma on its third line: the place, not the text', async () => {
    const push = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/schools/79000001/batches',
        headers: { ...bearer(tokens.vendor), 'content-type': 'application/json' },
        payload,
      });
    const cut = expectProblem(
      await push('{"entity":"students","records":[{"fullName":"Nguyễn'),
      400,
      'ERR_MALFORMED_JSON',
    );
    expect(cut.detail).toMatch(/\/ the JSON ends before it is complete \(was the body cut short\?\)$/);
    const comma = expectProblem(
      await push('{\n  "entity": "students",\n  "records": [{"fullName": "Nguyễn Văn A",}]\n}'),
      400,
      'ERR_MALFORMED_JSON',
    );
    expect(comma.detail).toBe('JSON sai ở dòng 3, cột 43 / the JSON goes wrong at line 3, column 43');
    expect(JSON.stringify([cut, comma])).not.toMatch(/Nguy/);
  });
});
