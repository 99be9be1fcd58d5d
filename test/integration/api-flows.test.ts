/**
 * The HTTP API's happy and guarded paths over PostgreSQL (api.test.ts covers bad input on PGlite):
 * accepting a batch (one transaction: batch + outbox row + audit row), Idempotency-Key (replays,
 * mismatches, races), dry runs, and tenancy on reads. OAuth client credentials with lockout, the
 * metadata and bearer tokens: api-oauth.test.ts.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import {
  bearer,
  expectProblem,
  goodBody,
  problemShape,
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
    expect(f.json()).toEqual({
      batchId,
      items: [],
      limit: 10,
      offset: 0,
      counts: { total: 0, error: 0, warning: 0, info: 0 },
    });
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
    expect(problemShape(foreign)).toEqual(problemShape(missing));
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
