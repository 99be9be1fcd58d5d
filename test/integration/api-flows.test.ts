/**
 * The HTTP API's happy and guarded paths over PostgreSQL (api.test.ts covers bad input on PGlite):
 * accepting a batch (one transaction: batch + outbox row + audit row), Idempotency-Key (replays,
 * mismatches, races), tenancy on reads, and OAuth client credentials with lockout.
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { expectProblem, goodBody, OTHER, S1, S2, startApiHarness, type ApiHarness } from '../helpers/api.js';
import { backends, countRows } from '../helpers/env.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('POST /v1/schools/:schoolCode/batches', () => {
  it('accepts a good batch: 202, status URL, one batch + one outbox row + one audit row', async () => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, S1, goodBody(['OK1', 'OK2']));
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<{ batchId: string; status: string; statusUrl: string; received: number }>();
    expect(body).toMatchObject({ status: 'queued', received: 2, statusUrl: `/v1/batches/${body.batchId}` });
    expect(res.headers.location).toBe(body.statusUrl);
    expect(await h.snapshot()).toEqual({
      ...before,
      batches: before.batches + 1,
      outbox: before.outbox + 1,
      audit: before.audit + 1,
    });
    const row = await h.env.deps.db.query<{ payload: unknown; queue: string }>(
      'SELECT queue, payload FROM truc.outbox ORDER BY id DESC LIMIT 1',
    );
    expect(row.rows[0]).toEqual({ queue: 'ingest', payload: { batchId: body.batchId } }); // ids only
  });

  it('Idempotency-Key: same body → the same 202 answer and one batch; other body → 422', async () => {
    const key = `idem-${Date.now()}`;
    const before = await h.snapshot();
    const first = await h.pushBatch(h.tokens.vendor, S1, goodBody(['ID1']), { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const again = await h.pushBatch(h.tokens.vendor, S1, goodBody(['ID1']), { 'idempotency-key': key });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());
    const mid = await h.snapshot();
    expect(mid.batches).toBe(before.batches + 1);
    expect(mid.idempotency).toBe(before.idempotency + 1);

    const otherBody = await h.pushBatch(h.tokens.vendor, S1, goodBody(['ID2']), { 'idempotency-key': key });
    expectProblem(otherBody, 422, 'ERR_IDEMPOTENCY_MISMATCH');
    const otherSchool = await h.pushBatch(h.tokens.vendor, S2, goodBody(['ID1'], S2), {
      'idempotency-key': key,
    });
    expectProblem(otherSchool, 422, 'ERR_IDEMPOTENCY_MISMATCH');
    expect(await h.snapshot()).toEqual(mid);
  });

  it('Idempotency-Key: concurrent retries of one request make one batch and one answer', async () => {
    const key = `race-${Date.now()}`;
    const before = await h.snapshot();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.pushBatch(h.tokens.vendor, S1, goodBody(['RACE1']), { 'idempotency-key': key }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((a) => a.json<{ batchId: string }>().batchId)).size).toBe(1);
    expect((await h.snapshot()).batches).toBe(before.batches + 1);
  });

  it('keys are per client: another client may use the same key', async () => {
    const key = `shared-${Date.now()}`;
    const a = await h.pushBatch(h.tokens.vendor, S1, goodBody(['K1']), { 'idempotency-key': key });
    const b = await h.pushBatch(h.tokens.other, OTHER, goodBody(['K1'], OTHER), { 'idempotency-key': key });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.json().batchId).not.toBe(b.json().batchId);
  });
});

describe('GET /v1/batches/:id and /findings: tenancy on reads', () => {
  let batchId: string;
  beforeAll(async () => {
    batchId = (await h.pushBatch(h.tokens.vendor, S1, goodBody(['R1']))).json<{ batchId: string }>().batchId;
  });

  it('the owner reads its batch and its findings', async () => {
    const res = await h.get(`/v1/batches/${batchId}`, h.tokens.vendor);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      batchId,
      schoolCode: S1,
      entity: 'students',
      format: 'canonical',
      status: 'queued',
      counts: { received: 1, accepted: 0, rejected: 0, unchanged: 0 },
      errorCode: null,
      finishedAt: null,
      findingsUrl: `/v1/batches/${batchId}/findings`,
    });
    const f = await h.get(`/v1/batches/${batchId}/findings?limit=10`, h.tokens.vendor);
    expect(f.statusCode).toBe(200);
    expect(f.json()).toEqual({ batchId, items: [], limit: 10, offset: 0 });
  });

  it('a read-only token of the same school may read it; a city admin may read any school', async () => {
    expect((await h.get(`/v1/batches/${batchId}`, h.tokens.reader)).statusCode).toBe(200);
    expect((await h.get(`/v1/batches/${batchId}`, h.tokens.admin)).statusCode).toBe(200);
  });

  it("another school's batch id is 404, exactly like a batch that does not exist", async () => {
    const foreign = expectProblem(
      await h.get(`/v1/batches/${batchId}`, h.tokens.other),
      404,
      'ERR_NOT_FOUND',
    );
    const missing = expectProblem(
      await h.get('/v1/batches/00000000-0000-4000-8000-000000000000', h.tokens.other),
      404,
      'ERR_NOT_FOUND',
    );
    const strip = (b: object) => ({ ...b, correlationId: '', instance: '' });
    expect(strip(foreign)).toEqual(strip(missing));
    expectProblem(await h.get(`/v1/batches/${batchId}/findings`, h.tokens.other), 404, 'ERR_NOT_FOUND');
  });

  it('a malformed id or query is 400; no token is 401', async () => {
    expectProblem(await h.get('/v1/batches/not-a-uuid', h.tokens.vendor), 400, 'ERR_VALIDATION');
    expectProblem(
      await h.get(`/v1/batches/${batchId}/findings?limit=100000`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await h.get(`/v1/batches/${batchId}/findings?sort=evil`, h.tokens.vendor),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(await h.get(`/v1/batches/${batchId}`), 401, 'ERR_UNAUTHENTICATED');
  });
});

describe('POST /oauth/token (client credentials)', () => {
  const post = (payload: string | Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/oauth/token', payload, headers });
  const creds = (c: { clientId: string; clientSecret: string }, secret = c.clientSecret) => ({
    grant_type: 'client_credentials',
    client_id: c.clientId,
    client_secret: secret,
  });

  it('JSON body → a short-lived bearer token, not cached', async () => {
    const res = await post(creds(h.clients.vendor));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({
      token_type: 'Bearer',
      expires_in: h.env.config.auth.tokenTtlSeconds,
      scope: 'batches:write batches:read records:read',
    });
  });

  it('form body works the same, and the token is usable', async () => {
    const form = new URLSearchParams(creds(h.clients.vendor)).toString();
    const res = await post(form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode, res.body).toBe(200);
    const token = res.json<{ access_token: string }>().access_token;
    expect((await h.pushBatch(token, S1, goodBody(['FORM1']))).statusCode).toBe(202);
  });

  it('HTTP Basic client authentication (RFC 6749 §2.3.1) works; Basic and body together is refused', async () => {
    const c = h.clients.vendor;
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
    const ok = await post({ grant_type: 'client_credentials' }, { authorization: basic });
    expect(ok.statusCode, ok.body).toBe(200);
    const wrong = `Basic ${Buffer.from(`${c.clientId}:not-the-secret`).toString('base64')}`;
    expectProblem(
      await post({ grant_type: 'client_credentials' }, { authorization: wrong }),
      401,
      'ERR_INVALID_CLIENT',
    );
    expectProblem(await post(creds(c), { authorization: basic }), 400, 'ERR_VALIDATION');
    // a good login resets the failure counter the wrong one added
    expect((await post(creds(c))).statusCode).toBe(200);
  });

  it('a client may ask for fewer scopes, never more', async () => {
    const narrow = await h.tokenOf(h.clients.vendor, { scope: 'batches:read admin' });
    expect(jwt.decode(narrow)).toMatchObject({ scope: 'batches:read' });
    expectProblem(await h.pushBatch(narrow, S1, goodBody()), 403, 'ERR_FORBIDDEN_SCOPE');
  });

  it('unsupported grant → 400; malformed request → 400', async () => {
    expectProblem(
      await post({ ...creds(h.clients.vendor), grant_type: 'password' }),
      400,
      'ERR_UNSUPPORTED_GRANT',
    );
    expectProblem(await post({ grant_type: 'client_credentials', client_id: 'x' }), 400, 'ERR_VALIDATION');
    expectProblem(await post({ ...creds(h.clients.vendor), extra: 1 }), 400, 'ERR_VALIDATION');
  });

  it('unknown client and disabled client → 401 like a wrong secret (no enumeration)', async () => {
    expectProblem(await post(creds({ clientId: 'cl_nobody', clientSecret: 'x' })), 401, 'ERR_INVALID_CLIENT');
    expectProblem(await post(creds(h.clients.disabled)), 401, 'ERR_INVALID_CLIENT');
  });

  it('a success resets the failure count', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Reset', role: 'vendor', schools: [S1] });
    const max = h.env.config.auth.maxFailedLogins;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < max - 1; i++)
        expectProblem(await post(creds(c, 'wrong')), 401, 'ERR_INVALID_CLIENT');
      expect((await post(creds(c))).statusCode).toBe(200);
    }
  });

  it('wrong secret → 401; after maxFailedLogins the client is locked: 429 + Retry-After, even with the right secret', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Locked', role: 'vendor', schools: [S1] });
    const failed = () => countRows(h.env.deps.db, 'truc.audit_log', `action = 'auth.failed'`);
    const auditBefore = await failed();
    const max = h.env.config.auth.maxFailedLogins;
    for (let i = 0; i < max; i++)
      expectProblem(await post(creds(c, `wrong-${i}`)), 401, 'ERR_INVALID_CLIENT');
    const locked = await post(creds(c));
    expectProblem(locked, 429, 'ERR_CLIENT_LOCKED');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(h.env.config.auth.lockoutSeconds);
    expect(await failed()).toBe(auditBefore + max);
  });
});
