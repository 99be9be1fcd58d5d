/**
 * review10: every route but the vendors' batch push took server.bodyLimitBytes (5 MiB by default) as its body limit,
 * and a valid JSON body of 5 MB cost ~2 s of the API's core (decoded, parsed, inspected, read again for repeated keys)
 * before the route's schema refused it. Those routes now take at most 1 MiB (src/api/body-limits.ts: a client's grant of
 * 10,000 school codes is ~350 KB); the batch push keeps its own limits. The token endpoint's 16 KiB: api-oauth.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { bearer, expectProblem, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

describe('review10: body limits of the routes but the batch push (server.bodyLimitBytes 5 MiB)', () => {
  const h = useApiHarness(backends()[2]!, {
    configure: (c) => ({ ...c, server: { ...c.server, bodyLimitBytes: 5 * 1024 * 1024 } }),
  });
  const post = (url: string, token: string, payload: string) =>
    h.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...bearer(token) },
    });
  /** A JSON body of about `bytes`, valid but of no route's shape. */
  const padded = (bytes: number) => `{"padding":[${'1,'.repeat(bytes / 2)}1]}`;

  it('a body over 1 MiB to an operator route is 413 naming the limit, unread, nothing done', async () => {
    const before = await h.env.deps.db.query<{ n: string }>('SELECT count(*) AS n FROM truc.sync_runs');
    const res = await post('/v1/syncs', h.tokens.admin, padded(1_200_000));
    const p = expectProblem(res, 413, 'ERR_BODY_TOO_LARGE');
    expect(p.detail).toBe("giới hạn của đường dẫn này: 1048576 byte / this route's limit: 1048576 bytes");
    const after = await h.env.deps.db.query<{ n: string }>('SELECT count(*) AS n FROM truc.sync_runs');
    expect(after.rows).toEqual(before.rows);
  });

  it("a client's grant of 10,000 school codes of 32 characters fits", async () => {
    const schools = Array.from({ length: 10_000 }, (_, i) => `S${String(i).padStart(31, '0')}`);
    const body = JSON.stringify({ name: 'Review10 wide grant', role: 'vendor', schools });
    expect(body.length).toBeGreaterThan(340_000);
    const res = await post('/v1/admin/clients', h.tokens.admin, body);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
  });

  it('the batch push keeps its own limit: a 1.2 MB body is read (a malformed one is 400, not 413)', async () => {
    const res = await post(`/v1/schools/${S1}/batches`, h.tokens.vendor, `${padded(1_200_000)},`);
    expectProblem(res, 400, 'ERR_MALFORMED_JSON');
  });
});
