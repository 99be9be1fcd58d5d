/**
 * The HTTP API's happy and guarded paths over PostgreSQL (api.test.ts covers bad input on PGlite):
 * accepting a batch (one transaction: batch + outbox row + audit row), Idempotency-Key (replays,
 * mismatches, races), tenancy on reads, and OAuth client credentials with lockout.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import {
  bearer,
  expectOauthError,
  expectProblem,
  goodBody,
  OTHER,
  S1,
  S2,
  useApiHarness,
} from '../helpers/api.js';
import { backends, countRows } from '../helpers/env.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)

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
    // Ids and its record count only (issue 7: the worker knows a big batch without reading it first).
    expect(row.rows[0]).toEqual({ queue: 'ingest', payload: { batchId: body.batchId, received: 2 } });
  });

  it('keeps the records as the body sent them, found in its bytes, not cut out of its text by PostgreSQL (issue 7)', async () => {
    // The body as a person might type it: spaces, line breaks and an escape. Its records are stored as typed:
    // the bytes of its `records` member (src/api/json-scan.ts), sent as the statement's parameter, not
    // serialised again (~1.8 ms of truc's CPU for 1000 students) nor cut out of the whole body's text by
    // PostgreSQL (`json #> '{records}'`: it parsed the body again, ~9 of the statement's ~12 ms of its CPU).
    const records = goodBody(['TEXT1', 'TEXT2']).records;
    const typedRecords =
      `[\n    ${records.map((r) => JSON.stringify(r, null, 1)).join(',\n    ')}\n  ]`.replace(
        '"TEXT1"',
        '"\\u0054EXT1"',
      );
    const typed = `{\n  "entity": "students",\n  "records": ${typedRecords}\n}`;
    const sent = vi.spyOn(h.env.deps.db, 'query');
    const res = await h.pushBatch(h.tokens.vendor, S1, typed);
    expect(res.statusCode, res.body).toBe(202);
    const params = sent.mock.calls.flatMap(([, p]) => (p ?? []) as unknown[]);
    sent.mockRestore();
    expect(params.some((p) => Buffer.isBuffer(p) && p.toString('utf8') === typedRecords)).toBe(true);
    expect(params.some((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p) === typed)).toBe(false);
    const storedText = async (id: string) =>
      (
        await h.env.deps.db.query<{ text: string }>(
          'SELECT records::text AS text FROM truc.batches WHERE id = $1',
          [id],
        )
      ).rows[0]!.text;
    expect(await storedText(res.json<{ batchId: string }>().batchId)).toBe(typedRecords);
    // A body naming its members with escapes: its records are not looked for in its bytes, but serialised.
    const escaped = `{"entity":"students","rec\\u006frds":${JSON.stringify(records, null, 2)}}`;
    const res2 = await h.pushBatch(h.tokens.vendor, S1, escaped);
    expect(res2.statusCode, res2.body).toBe(202);
    expect(await storedText(res2.json<{ batchId: string }>().batchId)).toBe(JSON.stringify(records));
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

  it('Idempotency-Key: the request is the bytes sent; the same fields in another order are another request', async () => {
    const key = `bytes-${Date.now()}`;
    const rec = goodBody(['BYTES1']).records[0]!;
    const first = await h.pushBatch(
      h.tokens.vendor,
      S1,
      { entity: 'students', records: [rec] },
      { 'idempotency-key': key },
    );
    expect(first.statusCode).toBe(202);
    const reordered = { records: [Object.fromEntries(Object.entries(rec).reverse())], entity: 'students' };
    expectProblem(
      await h.pushBatch(h.tokens.vendor, S1, reordered, { 'idempotency-key': key }),
      422,
      'ERR_IDEMPOTENCY_MISMATCH',
    );
  });

  it('keys are per client: another client may use the same key', async () => {
    const key = `shared-${Date.now()}`;
    const a = await h.pushBatch(h.tokens.vendor, S1, goodBody(['K1']), { 'idempotency-key': key });
    const b = await h.pushBatch(h.tokens.other, OTHER, goodBody(['K1'], OTHER), { 'idempotency-key': key });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.json().batchId).not.toBe(b.json().batchId);
  });
});

describe('POST …/batches?dryRun=true (issue 9): findings at once, nothing stored but its audit entry', () => {
  const everything = async () => ({
    ...(await h.snapshot()),
    students: await countRows(h.env.deps.db, 'truc.students'),
    verdicts: await countRows(h.env.deps.db, 'truc.quality_records'),
  });
  const dryRun = (school: string, payload: unknown, headers: Record<string, string> = {}, flag = 'true') =>
    h.app.inject({
      method: 'POST',
      url: `/v1/schools/${school}/batches?dryRun=${flag}`,
      headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor), ...headers },
      payload: JSON.stringify(payload),
    });
  const body = {
    entity: 'students',
    records: [
      goodBody(['DRY1']).records[0],
      { ...goodBody(['DRY2']).records[0], birthDate: '2019-02-30' },
      goodBody(['DRY3'], S2).records[0], // another school's record in S1's batch: a tenancy finding
    ],
  };

  it('answers 200 with the counts and findings ingest would give; no row anywhere, no key used', async () => {
    const key = `dry-${Date.now()}`;
    const before = await everything();
    const res = await dryRun(S1, body, {
      'idempotency-key': key,
      'accept-language': 'en',
    });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json<{
      dryRun: boolean;
      counts: Record<string, number>;
      findings: Array<{ recordIndex: number; criterion: string; pointer: string; text: string }>;
    }>();
    expect(out).toMatchObject({ dryRun: true, schoolCode: S1, entity: 'students', format: 'canonical' });
    expect(out.counts).toEqual({ received: 3, accepted: 1, rejected: 2, unchanged: 0 });
    expect(out.findings.some((f) => f.recordIndex === 1 && f.pointer.includes('birthDate'))).toBe(true);
    expect(out.findings.some((f) => f.recordIndex === 2 && f.criterion === 'tenancy')).toBe(true);
    expect(out.findings.every((f) => f.recordIndex !== 0 || f.criterion !== 'schema')).toBe(true);
    expect(res.headers.location).toBeUndefined();
    // Nothing stored but the dry run's audit entry (api27: counts only).
    expect(await everything()).toEqual({ ...before, audit: before.audit + 1 });
    // The key was not consumed: a real push with it and another body is accepted, not 422.
    const real = await h.pushBatch(h.tokens.vendor, S1, goodBody(['DRY9']), { 'idempotency-key': key });
    expect(real.statusCode, real.body).toBe(202);
  });

  it('the same rules as a real push: a school the caller does not serve is 403, a bad body 400, nothing stored', async () => {
    const before = await everything();
    expectProblem(await dryRun(OTHER, goodBody(['X'], OTHER)), 403, 'ERR_FORBIDDEN_SCHOOL');
    expectProblem(await dryRun(S1, { entity: 'students' }), 400, 'ERR_VALIDATION');
    expectProblem(await dryRun(S1, body, {}, 'yes'), 400, 'ERR_VALIDATION');
    expect(await everything()).toEqual(before);
  });
});

describe('POST …/batches?dryRun=true with mode snapshot (issue 9): the deletes it would infer, counts only', () => {
  const codes = Array.from({ length: 25 }, (_, i) => `SNAP${String(i).padStart(2, '0')}`);
  const live = async () =>
    (
      await h.env.deps.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL',
        [S2],
      )
    ).rows[0]!.n;
  const preview = async (records: unknown[]) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/schools/${S2}/batches?dryRun=true`,
      headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
      payload: JSON.stringify({ entity: 'students', mode: 'snapshot', records }),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{
      mode: string;
      snapshot: { wouldDelete: number; skipped: string | null; guardWouldHold: boolean };
    }>();
  };
  beforeAll(async () => {
    const rows = goodBody(codes, S2).records.map((r) => ({
      key: r.studentCode,
      scope: r.schoolCode,
      personalId: r.personalId,
      data: r,
      fingerprint: fingerprint(r),
    }));
    await h.env.deps.db.tx((q) =>
      // Written by the vendor that previews (a snapshot deletes only what its sender held: precedence (b)).
      createRecordsRepo(q).upsert('students', rows, {
        system: `vendor:${h.clients.vendor.clientId}`,
        mappingVersion: 'test',
      }),
    );
  });

  it('counts the live records the snapshot omits, says whether the guard would hold them, stores nothing', async () => {
    const n = await live();
    expect(n).toBeGreaterThanOrEqual(codes.length);
    const before = await h.snapshot();
    const few = await preview(goodBody(codes.slice(0, 22), S2).records);
    expect(few.mode).toBe('snapshot');
    expect(few.snapshot).toEqual({
      wouldDelete: n - 22,
      skipped: null,
      guardWouldHold: (n - 22) / n > 0.3,
    });
    const many = await preview(goodBody(codes.slice(0, 5), S2).records);
    expect(many.snapshot).toEqual({ wouldDelete: n - 5, skipped: null, guardWouldHold: true });
    expect(JSON.stringify(many)).not.toContain('SNAP24'); // counts only, no keys
    // Nothing stored but the two dry runs' audit entries (api27).
    expect(await h.snapshot()).toEqual({ ...before, audit: before.audit + 2 });
    expect(await live()).toBe(n);
  });

  it('a record without a key: nothing would be deleted, as the ingest would do; delta mode has no preview', async () => {
    const { studentCode: _, ...unkeyed } = goodBody(['SNAPX'], S2).records[0]!;
    const out = await preview([...goodBody(codes.slice(0, 5), S2).records, unkeyed]);
    expect(out.snapshot).toEqual({ wouldDelete: 0, skipped: 'unkeyed-records', guardWouldHold: false });
    const delta = await h.app.inject({
      method: 'POST',
      url: `/v1/schools/${S2}/batches?dryRun=true`,
      headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
      payload: JSON.stringify(goodBody(codes.slice(0, 5), S2)),
    });
    expect(delta.statusCode, delta.body).toBe(200);
    expect(delta.json()).not.toHaveProperty('snapshot');
  });

  it('does not count a record its sender never held (the city moved it in: precedence (b)), as the ingest', async () => {
    const all = goodBody(codes.slice(0, 5), S2).records;
    const before = (await preview(all)).snapshot.wouldDelete;
    const [moved] = goodBody(['SNAPCITY'], S2).records;
    await h.env.deps.db.tx((q) =>
      createRecordsRepo(q).upsert(
        'students',
        [{ key: 'SNAPCITY', scope: S2, data: moved!, fingerprint: fingerprint(moved!) }],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      ),
    );
    expect((await preview(all)).snapshot.wouldDelete).toBe(before);
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
  const post = (
    payload: string | Record<string, unknown>,
    headers: Record<string, string> = {},
    remoteAddress = '127.0.0.1',
  ) => h.app.inject({ method: 'POST', url: '/oauth/token', payload, headers, remoteAddress });
  const creds = (c: { clientId: string; clientSecret: string }, secret = c.clientSecret) => ({
    grant_type: 'client_credentials',
    client_id: c.clientId,
    client_secret: secret,
  });

  it('JSON body → a short-lived ES256 bearer token, not cached', async () => {
    const res = await post(creds(h.clients.vendor));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({
      token_type: 'Bearer',
      expires_in: h.env.config.auth.tokenTtlSeconds,
      scope: 'batches:write batches:read records:read webhooks quality:read',
    });
    expect(decodeProtectedHeader(res.json<{ access_token: string }>().access_token)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
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
    const refused = await post({ grant_type: 'client_credentials' }, { authorization: wrong });
    expectOauthError(refused, 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expect(refused.headers['www-authenticate']).toMatch(/^Basic realm="truc"/);
    expectOauthError(
      await post(creds(c), { authorization: basic }),
      400,
      'invalid_request',
      'ERR_VALIDATION',
    );
    // a good login resets the failure counter the wrong one added
    expect((await post(creds(c))).statusCode).toBe(200);
  });

  it('a client may ask for fewer scopes, never more; none of its scopes → invalid_scope', async () => {
    const narrow = await h.tokenOf(h.clients.vendor, { scope: 'batches:read admin' });
    expect(decodeJwt(narrow)).toMatchObject({ scope: 'batches:read' });
    expectProblem(await h.pushBatch(narrow, S1, goodBody()), 403, 'ERR_FORBIDDEN_SCOPE');
    expectOauthError(
      await post({ ...creds(h.clients.vendor), scope: 'admin' }),
      400,
      'invalid_scope',
      'ERR_INVALID_SCOPE',
    );
  });

  it('errors are RFC 6749 §5.2 bodies: unsupported grant, malformed request, malformed JSON', async () => {
    expectOauthError(
      await post({ ...creds(h.clients.vendor), grant_type: 'password' }),
      400,
      'unsupported_grant_type',
      'ERR_UNSUPPORTED_GRANT',
    );
    expectOauthError(
      await post({ grant_type: 'client_credentials', client_id: 'x' }),
      400,
      'invalid_request',
      'ERR_VALIDATION',
    );
    expectOauthError(
      // An unknown parameter is ignored (RFC 6749 §3.2, review26b F8); a known one of the wrong type is not.
      await post({ ...creds(h.clients.vendor), scope: 5 }),
      400,
      'invalid_request',
      'ERR_VALIDATION',
    );
    expectOauthError(
      await post('{"grant_type":', { 'content-type': 'application/json' }),
      400,
      'invalid_request',
      'ERR_MALFORMED_JSON',
    );
  });

  it('unknown, disabled and real client ids with a wrong secret get the same answer', async () => {
    const strip = (r: Awaited<ReturnType<typeof post>>) => {
      const { correlationId: _c, ...rest } = r.json<Record<string, unknown>>();
      return { status: r.statusCode, headers: r.headers['www-authenticate'], rest };
    };
    const unknown = await post(creds({ clientId: 'cl_nobody', clientSecret: 'x' }), {}, '10.9.0.1');
    const disabled = await post(creds(h.clients.disabled), {}, '10.9.0.2');
    const real = await post(creds(h.clients.other, 'wrong'), {}, '10.9.0.3');
    expectOauthError(unknown, 401, 'invalid_client', 'ERR_INVALID_CLIENT');
    expect(strip(disabled)).toEqual(strip(unknown));
    expect(strip(real)).toEqual(strip(unknown));
  });

  it('a success resets the failure count of that client at that address', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Reset', role: 'vendor', schools: [S1] });
    const max = h.env.config.auth.maxFailedLogins;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < max; i++)
        expectOauthError(
          await post(creds(c, 'wrong'), {}, '10.1.0.1'),
          401,
          'invalid_client',
          'ERR_INVALID_CLIENT',
        );
      expect((await post(creds(c), {}, '10.1.0.1')).statusCode).toBe(200);
    }
  });

  it('repeated failures delay the next attempt from that address (429 slow_down + Retry-After, even with the right secret), audited; other addresses are not locked out', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Throttled', role: 'vendor', schools: [S1] });
    const failed = () => h.audits('auth.failed');
    const auditBefore = await failed();
    const max = h.env.config.auth.maxFailedLogins;
    for (let i = 0; i <= max; i++)
      expectOauthError(
        await post(creds(c, `wrong-${i}`), {}, '10.2.0.1'),
        401,
        'invalid_client',
        'ERR_INVALID_CLIENT',
      );
    const waited = await post(creds(c), {}, '10.2.0.1');
    expectOauthError(waited, 429, 'slow_down', 'ERR_LOGIN_THROTTLED');
    const retryAfter = Number(waited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(h.env.config.auth.lockoutSeconds);
    // the outsider's guesses do not lock the vendor out: from its own address it gets its token
    expect((await post(creds(c), {}, '10.2.0.2')).statusCode).toBe(200);
    // audits are written after the answer: wait for them (bounded)
    for (let i = 0; i < 100 && (await failed()) < auditBefore + max + 1; i++) await sleep(20);
    expect(await failed()).toBe(auditBefore + max + 1);
  });

  it('25 parallel wrong guesses: only maxFailedLogins + 1 are checked, the rest wait (atomic)', async () => {
    const c = await addClient(h.env.deps.db, { name: 'Raced', role: 'vendor', schools: [S1] });
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => post(creds(c, `guess-${i}`), {}, '10.3.0.1')),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(h.env.config.auth.maxFailedLogins + 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25 - h.env.config.auth.maxFailedLogins - 1);
  });

  it('unknown client ids are throttled exactly like real ones', async () => {
    const max = h.env.config.auth.maxFailedLogins;
    for (let i = 0; i <= max; i++)
      expectOauthError(
        await post(creds({ clientId: 'cl_ghost', clientSecret: 'x' }), {}, '10.4.0.1'),
        401,
        'invalid_client',
        'ERR_INVALID_CLIENT',
      );
    expectOauthError(
      await post(creds({ clientId: 'cl_ghost', clientSecret: 'x' }), {}, '10.4.0.1'),
      429,
      'slow_down',
      'ERR_LOGIN_THROTTLED',
    );
  });
});

describe('/.well-known: OAuth metadata (RFC 8414) and the signing keys (JWKS)', () => {
  it('the metadata names the token endpoint, the JWKS and client credentials', async () => {
    const res = await h.get('/.well-known/oauth-authorization-server');
    expect(res.statusCode).toBe(200);
    // review28 F6: no PUBLIC_URL here, so the issuer is the URL the document is served under (RFC 8414 §3.3).
    const meta = res.json<{ issuer: string; token_endpoint: string }>();
    expect(new URL(meta.issuer).origin).toBe(new URL(meta.token_endpoint).origin);
    expect(meta).toMatchObject({
      token_endpoint: expect.stringMatching(/\/oauth\/token$/),
      jwks_uri: expect.stringMatching(/\/\.well-known\/jwks\.json$/),
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });

  // review26b N9: without server.publicUrl the metadata names the request's Host; a shared cache must not keep it.
  it('the metadata taken from the request (no public URL) is kept by no shared cache', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'evil.example' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ token_endpoint: string }>().token_endpoint).toBe('http://evil.example/oauth/token');
    expect(res.headers['cache-control']).toMatch(/^private/);
    expect(res.headers.vary).toMatch(/host/i);
  });

  it('an issued token verifies with the published JWKS alone (as a third party would)', async () => {
    const jwks = (await h.get('/.well-known/jwks.json')).json<{ keys: JWK[] }>();
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
    // The issuer a third party pins is the metadata's (review28 F6: the URL it is served under; the token says it).
    const meta = (await h.get('/.well-known/oauth-authorization-server')).json<{ issuer: string }>();
    const { payload } = await jwtVerify(h.tokens.vendor, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      issuer: meta.issuer,
      audience: h.env.deps.tokens.audience,
    });
    expect(payload.sub).toBe(h.clients.vendor.clientId);
  });
});

describe('bearer tokens on /v1', () => {
  it('401s carry WWW-Authenticate (RFC 6750); a missing scope says insufficient_scope', async () => {
    const none = await h.pushBatch(undefined, S1, goodBody());
    expect(none.headers['www-authenticate']).toBe('Bearer realm="truc"');
    const bad = await h.pushBatch('not.a.token', S1, goodBody());
    expectProblem(bad, 401, 'ERR_TOKEN_INVALID');
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="truc", error="invalid_token"/);
    expect(bad.body).not.toMatch(/jws|jwt|JWS|JWT|compact|Invalid/);
    const scope = await h.pushBatch(h.tokens.reader, S1, goodBody());
    expect(scope.headers['www-authenticate']).toMatch(/error="insufficient_scope", scope="batches:write"/);
  });

  it('a token with the wrong audience is refused without naming the expected one', async () => {
    const key = h.env.deps.tokens.keys[0]!;
    const t = await new SignJWT({ role: 'vendor', schools: [S1], units: [], scope: 'batches:write' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setSubject(h.clients.vendor.clientId)
      .setJti('aud')
      .setIssuer(h.env.deps.tokens.issuer)
      .setAudience('some-other-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const res = await h.pushBatch(t, S1, goodBody());
    expectProblem(res, 401, 'ERR_TOKEN_INVALID');
    expect(res.body).not.toContain(h.env.deps.tokens.audience);
    expect(res.body).not.toContain('some-other-api');
  });
});
