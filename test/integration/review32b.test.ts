/**
 * review32b (session 32: every route against hostile input and a token for another school): the findings, each
 * reproduced. An `it.fails` is an open finding (it passes once fixed, then becomes an `it`); an `it` is a finding
 * fixed on this branch (red without the fix). Real PostgreSQL and Redis. Described in
 * /work/briefs/review32b-findings.md (same numbering); the table-driven sweep of every route is
 * review32b-sweep.test.ts.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, expectProblem, tokensFor } from '../helpers/api.js';
import { countRows, makeDeps, type TestEnv } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { seedFixture } from '../helpers/pcgd.js';

describe('review32b', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const log = captureLog('debug');
  const tokens: Record<'admin' | 'auditor' | 'officerA' | 'officerB', string> = {
    admin: '',
    auditor: '',
    officerA: '',
    officerB: '',
  };
  let reportOfA = 0;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    await seedFixture(env.deps.db);
    app = await buildApp({ ...env.deps, logger: log.logger });
    await app.ready();
    const defs = {
      admin: { role: 'city-admin' },
      auditor: { role: 'auditor' },
      officerA: { role: 'pcgd-officer', units: [A] },
      officerB: { role: 'pcgd-officer', units: [B] },
    };
    Object.assign(tokens, await tokensFor(app, env.deps.db, defs));
    const made = await get('/v1/pcgd/reports', 'officerA', { unitCode: A, year: YEAR });
    expect(made.statusCode, made.body).toBe(202);
    reportOfA = made.json<{ reportId: number }>().reportId;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  function get(url: string, who: keyof typeof tokens, body?: unknown): Promise<LightMyRequestResponse> {
    return app.inject({
      method: body === undefined ? 'GET' : 'POST',
      url,
      headers: bearer(tokens[who]),
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }

  describe('F1: a NUL in a free-text query filter was a 500 (PostgreSQL refused it)', () => {
    it.each([
      ['/v1/audit?actor=a%00b', 'auditor', 'actor'],
      ['/v1/audit?action=batch.received%00', 'auditor', 'action'],
      ['/v1/audit?subject=%00', 'auditor', 'subject'],
      ['/v1/ops/schools?q=nguyen%00', 'admin', 'q'],
    ] as const)('review32b F1 %s → 400 ERR_INVALID_TEXT naming the parameter', async (url, who, name) => {
      const before = await countRows(env.deps.db, 'truc.audit_log');
      const res = await get(url, who);
      const p = expectProblem(res, 400, 'ERR_INVALID_TEXT');
      expect(p.errors).toEqual([expect.objectContaining({ pointer: `/querystring/${name}` })]);
      expect(p.errors![0]!.message).toContain(' / ');
      expect(await countRows(env.deps.db, 'truc.audit_log')).toBe(before);
    });

    it('review32b F1 the refusal is a problem document on every route, those outside /v1 too', async () => {
      for (const url of [
        '/openapi.json?x=%00',
        '/healthz?x=%C3%28',
        '/dashboard/app.js%00',
        '/v1/nope?x=%00',
      ]) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(400);
        expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
        expect(res.json<{ errors: unknown[] }>().errors, url).toHaveLength(1);
      }
    });

    it('review32b F1 no error line is logged for them (a 500 logged "unhandled error")', async () => {
      const from = log.lines.length;
      await get('/v1/audit?subject=079221000019%00', 'auditor');
      const lines = log.lines.slice(from);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(JSON.stringify(lines)).not.toContain('079221000019');
    });
  });

  describe('F2: percent-encoded bytes that are not UTF-8 in a query were searched for as text', () => {
    it.each([
      ['/v1/ops/schools?q=%C3%28', 'admin', 'q'],
      ['/v1/ops/schools?limit=10&q=Tr%E1%BB', 'admin', 'q'],
      ['/v1/audit?actor=%FF%FE', 'auditor', 'actor'],
      ['/v1/audit?subject=%E9', 'auditor', 'subject'],
    ] as const)('review32b F2 %s → 400 naming the parameter', async (url, who, name) => {
      const p = expectProblem(await get(url, who), 400, 'ERR_VALIDATION');
      expect(p.errors).toEqual([
        expect.objectContaining({ pointer: `/querystring/${name}`, rule: 'invalid_utf8' }),
      ]);
    });

    it('review32b F2 UTF-8 and a literal per cent sign are read as before', async () => {
      for (const url of [
        '/v1/ops/schools?q=Tr%C6%B0%E1%BB%9Dng',
        '/v1/ops/schools?q=100%25',
        '/v1/ops/schools?q=50%',
      ])
        expect((await get(url, 'admin')).statusCode, url).toBe(200);
      expect((await get('/v1/audit?actor=%E2%80%AE', 'auditor')).statusCode).toBe(200);
    });
  });

  describe('F3: a report id of another unit was refused naming its unit; an unknown one is a 404 (fixed: 3d90c14)', () => {
    it.each(['', '/enrolment-mismatches', '/forms.pdf', '/package'])(
      'review32b F3 GET /v1/pcgd/reports/<A’s>%s as the officer of B: answered as an unknown id',
      async (tail) => {
        const foreign = await get(`/v1/pcgd/reports/${reportOfA}${tail}`, 'officerB');
        const unknown = await get(`/v1/pcgd/reports/${reportOfA + 1000}${tail}`, 'officerB');
        expect(foreign.statusCode).toBe(unknown.statusCode);
        expect(foreign.json<{ code: string }>().code).toBe(unknown.json<{ code: string }>().code);
        const { instance: _own, correlationId: _id, ...rest } = foreign.json<Record<string, unknown>>();
        expect(JSON.stringify(rest)).not.toContain(A);
      },
    );
  });

  describe('F4: the token endpoint read a form leniently (repeated parameter, non-UTF-8 bytes; fixed: fix32c)', () => {
    let vendor: { clientId: string; clientSecret: string };
    beforeAll(async () => {
      vendor = await addClient(env.deps.db, { name: 'f4', role: 'vendor', schools: ['79000001'] });
    });
    const form = (payload: string | Buffer) =>
      app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      });

    it('review32b F4 a repeated grant_type is invalid_request (RFC 6749 §3.1), not its first value', async () => {
      const res = await form(
        `grant_type=client_credentials&grant_type=password&client_id=${vendor.clientId}&client_secret=${vendor.clientSecret}`,
      );
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ error: string }>().error).toBe('invalid_request');
    });

    it('review32b F4 a form whose bytes are not UTF-8 is a 400, as a JSON body is, not a 401', async () => {
      const raw = Buffer.concat([
        Buffer.from(`grant_type=client_credentials&client_id=${vendor.clientId}&client_secret=`),
        Buffer.from([0xc3, 0x28]),
      ]);
      for (const payload of [
        raw,
        `grant_type=client_credentials&client_id=${vendor.clientId}&client_secret=%C3%28`,
      ]) {
        const res = await form(payload);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json<{ error: string }>().error).toBe('invalid_request');
      }
    });
  });
});
