/**
 * api27: the API's small refusals made consistent (last session's review26a/26b notes). One rule each for an
 * unknown query parameter (400), a body whose fields contradict each other (400), an unknown or ill-formed id
 * (404 / 400), a body in a media type truc does not take (415, compressed bodies included); a dry run leaves an
 * audit entry (counts only); failed authentications are rate limited per source address (429), valid tokens never.
 * (Items 1–3 here; 4–7: api27-bodies.test.ts.)
 */
import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import contractPlugin from '../../src/api/plugins/contract.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { bearer, expectProblem, goodBody, S1, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const UNKNOWN_SCHOOL = '79099999';
const HELD_EMPTY_SCHOOL = '79099998';

describe('api27 (PostgreSQL)', () => {
  const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)

  describe('1. an unknown query parameter is a 400 on every /v1 route', () => {
    it('GET /v1/ops/overview?foo=1 (and routes that declared no query) answer 400 ERR_VALIDATION naming it', async () => {
      const urls: Array<[string, string, 'GET' | 'POST']> = [
        ['/v1/ops/overview?foo=1', h.tokens.admin, 'GET'],
        ['/v1/batches/00000000-0000-4000-8000-000000000000?foo=1', h.tokens.vendor, 'GET'],
        ['/v1/syncs/1?foo=1', h.tokens.admin, 'GET'],
        ['/v1/guard/holds/1?foo=1', h.tokens.admin, 'GET'],
        [`/v1/schools/${S1}?foo=1`, h.tokens.vendor, 'GET'],
        ['/v1/quality/runs?foo=1', h.tokens.admin, 'POST'],
      ];
      for (const [url, token, method] of urls) {
        const res = await h.app.inject({ method, url, headers: bearer(token) });
        const p = expectProblem(res, 400, 'ERR_VALIDATION');
        expect(p.errors, url).toEqual([
          expect.objectContaining({ pointer: '/querystring', rule: 'unrecognized_keys' }),
        ]);
        expect(p.errors![0]!.message).toContain('foo');
      }
      // The same routes without it still answer.
      expect((await h.get('/v1/ops/overview', h.tokens.admin)).statusCode).toBe(200);
    });

    it('a /v1 route that declares a query which is not strict is refused at start-up', async () => {
      const app = Fastify();
      app.setValidatorCompiler(validatorCompiler);
      await app.register(contractPlugin);
      const declare = () =>
        app.get(
          '/v1/loose',
          { schema: { querystring: z.object({ a: z.string().optional() }) } },
          async function loose() {
            return {};
          },
        );
      await expect(async () => {
        declare();
        await app.ready();
      }).rejects.toThrow(/strict/);
      await app.close();
    });
  });

  describe('2. contradictory fields are a 400', () => {
    it('a replay of ids (or a filter) and all=true is 400 naming /body/all, nothing replayed', async () => {
      for (const body of [
        { ids: [1], all: true },
        { queue: 'ingest', all: true },
        { errorCode: 'ERR_INTERNAL', ids: [2], all: true },
      ]) {
        const p = expectProblem(
          await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, body),
          400,
          'ERR_VALIDATION',
        );
        expect(p.errors).toEqual([expect.objectContaining({ pointer: '/body/all', rule: 'custom' })]);
        expect(p.errors![0]!.message).toMatch(/không đi cùng .* \/ all=true is every open letter/);
      }
      expect(await h.audits('dead_letters.replayed')).toBe(0);
      // One or the other is taken as before.
      const ok = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { ids: [1] });
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it('scorecards: a code of the other level (level=commune&code=79) is 400 naming /querystring/code, not 404', async () => {
      const p = expectProblem(
        await h.get('/v1/quality/scorecards?level=commune&code=79', h.tokens.admin),
        400,
        'ERR_VALIDATION',
      );
      expect(p.errors).toEqual([expect.objectContaining({ pointer: '/querystring/code' })]);
      expectProblem(
        await h.get('/v1/quality/scorecards?level=province&code=26734', h.tokens.admin),
        400,
        'ERR_VALIDATION',
      );
    });
  });

  describe('3. an unknown id: ill-formed 400, well-formed but unknown 404', () => {
    it('a school truc does not hold: its record lists and findings are 404 like its record, not an empty 200', async () => {
      const held = {
        schoolCode: HELD_EMPTY_SCHOOL,
        name: 'Trường trống',
        level: 'primary',
        provinceCode: '79',
      };
      await createRecordsRepo(h.env.deps.db).upsert(
        'schools',
        [{ key: held.schoolCode, scope: held.schoolCode, data: held, fingerprint: fingerprint(held) }],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      );
      for (const url of [
        `/v1/schools/${UNKNOWN_SCHOOL}`,
        `/v1/schools/${UNKNOWN_SCHOOL}/students`,
        `/v1/schools/${UNKNOWN_SCHOOL}/classes?limit=5`,
        `/v1/schools/${UNKNOWN_SCHOOL}/staff`,
        `/v1/schools/${UNKNOWN_SCHOOL}/students/HS1`,
        `/v1/schools/${UNKNOWN_SCHOOL}/quality/findings`,
      ]) {
        const p = expectProblem(await h.get(url, h.tokens.admin), 404, 'ERR_NOT_FOUND');
        expect(p.detail, url).toContain(UNKNOWN_SCHOOL);
      }
      // A school truc holds with nothing in it: an empty page, as before.
      for (const url of [
        `/v1/schools/${HELD_EMPTY_SCHOOL}/students`,
        `/v1/schools/${HELD_EMPTY_SCHOOL}/quality/findings`,
      ]) {
        const res = await h.get(url, h.tokens.admin);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<{ items: unknown[] }>().items).toEqual([]);
      }
    });

    it('a school truc holds pupils of but not its own record: its empty lists and findings are 200, its record 404 (review30 F4)', async () => {
      const PUPILS_ONLY = '79099997';
      const GONE_ONLY = '79099996';
      const db = h.env.deps.db;
      await db.tx(async (q) => {
        const repo = createRecordsRepo(q);
        for (const [code, key] of [
          [PUPILS_ONLY, 'F4P1'],
          [GONE_ONLY, 'F4G1'],
        ] as const) {
          const r = student(key, code);
          await repo.upsert('students', [{ key, scope: code, data: r, fingerprint: fingerprint(r) }], {
            system: 'vendor',
            mappingVersion: 'canonical@1',
          });
        }
        // Every pupil of GONE_ONLY deleted since: truc still holds the school (its deletes are in the feed).
        await repo.tombstone('students', ['F4G1']);
      });
      const later = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
      for (const url of [
        `/v1/schools/${PUPILS_ONLY}/students?updatedSince=${later}`,
        `/v1/schools/${PUPILS_ONLY}/classes`,
        `/v1/schools/${PUPILS_ONLY}/staff?limit=5`,
        `/v1/schools/${GONE_ONLY}/students`,
        `/v1/schools/${GONE_ONLY}/staff`,
      ]) {
        const res = await h.get(url, h.tokens.admin);
        expect(res.statusCode, `${url} ${res.body}`).toBe(200);
        expect(res.json(), url).toEqual({
          items: [],
          nextCursor: null,
          nextUpdatedSince: expect.any(String),
        });
      }
      const findings = await h.get(`/v1/schools/${PUPILS_ONLY}/quality/findings`, h.tokens.admin);
      expect(findings.statusCode, findings.body).toBe(200);
      expect(findings.json<{ items: unknown[] }>().items).toEqual([]);
      // Its own record is absent until the city's schools pull brings it: 404, naming the code.
      const own = expectProblem(
        await h.get(`/v1/schools/${PUPILS_ONLY}`, h.tokens.admin),
        404,
        'ERR_NOT_FOUND',
      );
      expect(own.detail).toContain(PUPILS_ONLY);
    });

    it('an ill-formed school code is 400 for a vendor too (was 403), and one school-code rule on every route', async () => {
      for (const url of ['/v1/schools/_bad/students', '/v1/schools/.x/batches', '/v1/schools/a%20b']) {
        const method = url.endsWith('/batches') ? 'POST' : 'GET';
        const res = await h.send(method, url, h.tokens.vendor, method === 'POST' ? goodBody() : undefined);
        expectProblem(res, 400, 'ERR_VALIDATION');
      }
      // words6 item 4: before the token's schools are looked at, on the record, batch and quality routes alike; the
      // words say it is not a school code.
      const malformed = ['-79', '79%2Fx', '79%20x', '79%C3%A1', 'S'.repeat(33), '79%3Bx'];
      for (const code of malformed)
        for (const [method, url] of [
          ['POST', `/v1/schools/${code}/batches`],
          ['GET', `/v1/schools/${code}/students`],
          ['GET', `/v1/schools/${code}/quality`],
          ['GET', `/v1/changes?schoolCode=${code}`],
        ] as const) {
          const res = await h.send(method, url, h.tokens.vendor, method === 'POST' ? goodBody() : undefined);
          const p = expectProblem(res, 400, 'ERR_VALIDATION');
          expect(JSON.stringify(p.errors), url).toContain('mã trường không hợp lệ / invalid school code');
        }
      // A well-formed code the vendor does not serve stays 403: the canonical school code is any 1–32 of
      // [A-Za-z0-9._-], the first a letter or digit (src/canonical/primitives.ts opaqueCode), so 79-x is one.
      for (const code of [UNKNOWN_SCHOOL, '79-x'])
        expectProblem(
          await h.get(`/v1/schools/${code}/students`, h.tokens.vendor),
          403,
          'ERR_FORBIDDEN_SCHOOL',
        );
      expectProblem(
        await h.send('POST', '/v1/schools/79-x/batches', h.tokens.vendor, goodBody()),
        403,
        'ERR_FORBIDDEN_SCHOOL',
      );
      // The dashboard's school page took no dot (400) where every other route takes one: now the shared rule, 404.
      expectProblem(await h.get('/v1/ops/schools/A.B1', h.tokens.admin), 404, 'ERR_NOT_FOUND');
      expectProblem(await h.get('/v1/ops/schools/.AB', h.tokens.admin), 400, 'ERR_VALIDATION');
    });

    it('numeric and uuid ids: ill-formed 400, unknown 404, on each {id} route', async () => {
      const cases: Array<[string, 'GET' | 'POST' | 'DELETE', string, 400 | 404]> = [
        ['/v1/syncs/abc', 'GET', h.tokens.admin, 400],
        ['/v1/syncs/0', 'GET', h.tokens.admin, 400],
        ['/v1/syncs/999999', 'GET', h.tokens.admin, 404],
        ['/v1/guard/holds/x1', 'GET', h.tokens.admin, 400],
        ['/v1/guard/holds/999999', 'GET', h.tokens.admin, 404],
        ['/v1/guard/holds/999999/reject', 'POST', h.tokens.admin, 404],
        ['/v1/batches/not-a-uuid', 'GET', h.tokens.vendor, 400],
        ['/v1/batches/00000000-0000-4000-8000-000000000000/findings', 'GET', h.tokens.vendor, 404],
        ['/v1/webhooks/not-a-uuid', 'DELETE', h.tokens.vendor, 400],
        ['/v1/webhooks/00000000-0000-4000-8000-000000000000', 'DELETE', h.tokens.vendor, 404],
        ['/v1/schedules/NOT_AN_ID/pause', 'POST', h.tokens.admin, 400],
        ['/v1/schedules/no-such-schedule/pause', 'POST', h.tokens.admin, 404],
        ['/v1/admin/clients/bad id/secret', 'POST', h.tokens.admin, 400],
        ['/v1/admin/clients/cl_nosuch/secret', 'POST', h.tokens.admin, 404],
        ['/v1/admin/school-systems/_x', 'GET', h.tokens.admin, 400],
        [`/v1/admin/school-systems/${UNKNOWN_SCHOOL}`, 'GET', h.tokens.admin, 404],
        ['/v1/pcgd/reports/x', 'GET', h.tokens.admin, 400],
        ['/v1/pcgd/reports/999999', 'GET', h.tokens.admin, 404],
      ];
      for (const [url, method, token, status] of cases) {
        const res = await h.send(method, url.replace(' ', '%20'), token);
        expectProblem(res, status, status === 400 ? 'ERR_VALIDATION' : 'ERR_NOT_FOUND');
      }
    });
  });
});
