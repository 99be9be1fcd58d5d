/**
 * api27 (items 4–7; 1–3: api27.test.ts): the API's small refusals made consistent. A dry run leaves an audit entry
 * (counts only); failed authentications are rate limited per source address (429), valid tokens never; a body in
 * a media type truc does not take is a 415 (compressed bodies included); the main vendor routes have examples in
 * the spec.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BatchAccepted, BatchStatus, DryRunResult } from '../../src/api/batch-contract.js';
import { FindingsPage } from '../../src/api/batch-findings-contract.js';
import { EXAMPLES } from '../../src/api/examples.js';
import { ProblemSchema } from '../../src/api/problem.js';
import { StudentSchema } from '../../src/canonical/student.js';
import { bearer, expectProblem, goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { schoolRecord, storeSchools } from '../helpers/quality-world.js';
import { expectViThenEn } from '../helpers/vietnamese-half.js';

describe('api27 (PostgreSQL)', () => {
  const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)

  describe('4. a dry run is audited, counts only', () => {
    it('one batch.dry_run entry: the client, the school, the counts; no record key, name or birth date', async () => {
      const records = [
        goodBody(['DRYAUD1']).records[0],
        { ...goodBody(['DRYAUD2']).records[0], birthDate: '2019-02-30' },
      ];
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches?dryRun=true`,
        headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
        payload: JSON.stringify({ entity: 'students', records }),
      });
      expect(res.statusCode, res.body).toBe(200);
      const rows = await h.env.deps.db.query<{
        actor: string;
        subject: string;
        details: Record<string, unknown>;
      }>(
        `SELECT actor, subject, details FROM truc.audit_log WHERE action = 'batch.dry_run'
          UNION ALL SELECT actor, subject, details FROM truc.audit_pending WHERE action = 'batch.dry_run'`,
      );
      expect(rows.rows).toEqual([
        {
          actor: h.clients.vendor.clientId,
          subject: `school:${S1}`,
          details: {
            entity: 'students',
            format: 'canonical',
            mode: 'delta',
            received: 2,
            accepted: 1,
            rejected: 1,
            unchanged: 0,
            wouldHold: false,
            wouldDelete: null,
          },
        },
      ]);
      const text = JSON.stringify(rows.rows);
      for (const personal of ['DRYAUD', records[0]!.fullName, records[0]!.birthDate])
        expect(text).not.toContain(personal);
    });
  });

  describe('6. a body truc does not take is a 415', () => {
    const post = (headers: Record<string, string>, payload: string | Buffer) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches`,
        headers: { ...bearer(h.tokens.vendor), ...headers },
        payload,
      });

    it('text/plain (and a form, to a JSON route) is 415 ERR_UNSUPPORTED_MEDIA_TYPE, nothing stored', async () => {
      const before = await h.snapshot();
      const json = JSON.stringify(goodBody(['MEDIA1']));
      const text = expectProblem(
        await post({ 'content-type': 'text/plain' }, json),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      expect(text.detail).toContain('this route takes a body of type application/json');
      expectProblem(
        await post({ 'content-type': 'text/plain; charset=utf-8' }, json),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      const form = expectProblem(
        await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'entity=students'),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      // walk2: the refusal says what the route takes, in both languages (was: "not supported", nothing more).
      expect(form.detail).toBe(
        'đường dẫn này nhận nội dung kiểu application/json / this route takes a body of type application/json',
      );
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: '/v1/dead-letters/replay',
          headers: { ...bearer(h.tokens.admin), 'content-type': 'text/plain' },
          payload: '{"all":true}',
        }),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      expect(await h.snapshot()).toEqual(before);
      // The token endpoint still takes its form (RFC 6749).
      const token = await h.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: h.clients.vendor.clientId,
          client_secret: h.clients.vendor.clientSecret,
        }).toString(),
      });
      expect(token.statusCode, token.body).toBe(200);
    });

    it('a gzip body is 415 saying so, with Accept-Encoding: identity; nothing stored', async () => {
      const before = await h.snapshot();
      const res = await post(
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        gzipSync(JSON.stringify(goodBody(['GZIP1']))),
      );
      const p = expectProblem(res, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
      expect(p.detail).toContain('Content-Encoding');
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(await h.snapshot()).toEqual(before);
      // identity is no encoding.
      const plain = await post(
        { 'content-type': 'application/json', 'content-encoding': 'identity' },
        JSON.stringify(goodBody(['GZIP2'])),
      );
      expect(plain.statusCode, plain.body).toBe(202);
    });

    it('fix11 F6: gzip in Transfer-Encoding (gzip, chunked) is 415 saying so, as in Content-Encoding; nothing stored', async () => {
      const before = await h.snapshot();
      const res = await post(
        { 'content-type': 'application/json', 'transfer-encoding': 'gzip, chunked' },
        gzipSync(JSON.stringify(goodBody(['GZIP3']))),
      );
      const p = expectProblem(res, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
      expect(p.detail).toContain('Transfer-Encoding');
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(await h.snapshot()).toEqual(before);
    });

    it('review11: an unknown transfer coding (x-custom, chunked) is 501, not 415 "no compressed body"; nothing stored', async () => {
      const before = await h.snapshot();
      const res = await post(
        { 'content-type': 'application/json', 'transfer-encoding': 'x-custom, chunked' },
        JSON.stringify(goodBody(['XCUSTOM1'])),
      );
      const p = expectProblem(res, 501, 'ERR_TRANSFER_CODING_UNSUPPORTED');
      expectViThenEn(p.detail!);
      expect(p.detail).toContain('does not implement Transfer-Encoding x-custom');
      // review12: a coding that is no code (a personal ID's digits) is not echoed
      const id = await post(
        { 'content-type': 'application/json', 'transfer-encoding': 'x079201001234, chunked' },
        JSON.stringify(goodBody(['XCUSTOM3'])),
      );
      const q = expectProblem(id, 501, 'ERR_TRANSFER_CODING_UNSUPPORTED');
      expect(q.detail).not.toContain('079201001234');
      expect(q.detail).toContain('does not implement Transfer-Encoding ?:');
      expect(await h.snapshot()).toEqual(before);
      // a compression there stays 415
      const gz = await post(
        { 'content-type': 'application/json', 'transfer-encoding': 'deflate, chunked' },
        JSON.stringify(goodBody(['XCUSTOM2'])),
      );
      expectProblem(gz, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('7. the main vendor routes have examples in the spec', () => {
    it('/openapi.json carries a request and answer example for the token, batches, records and the feed, each valid', async () => {
      type Media = { example?: unknown };
      type Op = {
        operationId?: string;
        requestBody?: { content: Record<string, Media> };
        responses: Record<string, { content?: Record<string, Media> }>;
      };
      // The document the app serves (the committed openapi/truc.v1.json is it: npm run openapi:check).
      const doc = (await h.get('/openapi.json')).json<{ paths: Record<string, Record<string, Op>> }>();
      const ops = new Map(
        Object.values(doc.paths)
          .flatMap((p) => Object.values(p))
          .map((o) => [o.operationId, o]),
      );
      const example = (id: string, status: string) =>
        Object.values(ops.get(id)?.responses[status]?.content ?? {})[0]?.example;
      const wanted: Array<[string, string]> = [
        ['getToken', '200'],
        ['pushBatch', '202'],
        ['pushBatch', '200'],
        ['pushBatch', '400'],
        ['getBatch', '200'],
        ['getFindings', '200'],
        ['getStudentsRecord', '200'],
        ['listStudents', '200'],
        ['listChanges', '200'],
      ];
      for (const [id, status] of wanted) expect(example(id, status), `${id} ${status}`).toBeDefined();
      expect(ops.get('pushBatch')?.requestBody?.content['application/json']?.example).toBeDefined();
      expect(
        ops.get('getToken')?.requestBody?.content['application/x-www-form-urlencoded']?.example,
      ).toBeDefined();
      // Each is what its route answers: parsed by the route's own schema.
      expect(BatchAccepted.safeParse(example('pushBatch', '202')).success).toBe(true);
      expect(DryRunResult.safeParse(example('pushBatch', '200')).success).toBe(true);
      expect(BatchStatus.safeParse(example('getBatch', '200')).success).toBe(true);
      expect(FindingsPage.safeParse(example('getFindings', '200')).success).toBe(true);
      expect(ProblemSchema.safeParse(example('pushBatch', '400')).success).toBe(true);
      // The example batch is one a vendor can push: valid canonical students.
      const body = ops.get('pushBatch')!.requestBody!.content['application/json']!.example as {
        records: unknown[];
      };
      for (const r of body.records) expect(StudentSchema.safeParse(r).success, JSON.stringify(r)).toBe(true);
    });

    it('the example batch dry-run answers what the dry-run example says: its counts and findings', async () => {
      // tidy7: the examples' student is record-examples.ts's, every field filled; a change of it that brings a
      // finding, or drops the example's warning, makes the spec's dry-run answer untrue.
      const { request, responses } = EXAMPLES.pushBatch!;
      const body = request!['application/json'] as { records: Array<{ schoolCode: string }> };
      expect(body.records.every((r) => r.schoolCode === S1)).toBe(true);
      // The example's school is in truc's school list, as the city database's pull brings it (else the dry run also
      // warns DUNG_SCHOOL_UNLISTED, W9-1, which the example, a listed school's batch, does not show).
      await storeSchools(h.env.deps.db, [{ ...schoolRecord(S1), level: 'multi_level' }]);
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches?dryRun=true`,
        headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
        payload: JSON.stringify(body),
      });
      expect(res.statusCode, res.body).toBe(200);
      const wanted = responses[200] as { counts: unknown; findings: unknown[] };
      const got = res.json<{ counts: unknown; findings: unknown[] }>();
      expect(got.counts).toEqual(wanted.counts);
      expect(got.findings).toEqual(wanted.findings);
    });
  });
});

describe('api27 5. failed authentications rate limited per address (Redis)', () => {
  const h = useApiHarness(backends()[1]!, {
    configure: (c) => ({ ...c, api: { ...c.api, failedAuthLimit: { max: 3, windowMs: 60_000 } } }),
  });

  it('past the limit a bad token is 429 ERR_RATE_LIMITED with Retry-After; a valid token is served', async () => {
    const url = '/v1/webhooks';
    for (let i = 0; i < 3; i++) {
      const res = await h.get(url, i === 1 ? undefined : 'not.a.jwt');
      expectProblem(res, 401, i === 1 ? 'ERR_UNAUTHENTICATED' : 'ERR_TOKEN_INVALID');
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await h.get(url, 'not.a.jwt');
    const p = expectProblem(limited, 429, 'ERR_RATE_LIMITED');
    expect(p.detail).toMatch(/xác thực thất bại .* \/ too many failed authentications/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    // A valid token from the same address is served as ever.
    const ok = await h.get(url, h.tokens.vendor);
    expect(ok.statusCode, ok.body).toBe(200);
    // The count is the store's (Redis): one more failure is still refused.
    expectProblem(await h.get(url, 'still.not.a.jwt'), 429, 'ERR_RATE_LIMITED');
  });
});
