/**
 * review28 (stop 48, walked as the city's new operator deploying from README.md alone, and as a vendor's developer
 * integrating from docs/integration-guide.md and openapi/truc.v1.json alone): findings reproduced here. An
 * `it.fails` is an open finding; it passes once the finding is fixed, and then becomes an `it`. Real PostgreSQL,
 * the API in process. The findings that need no database are in test/unit/review28.test.ts (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { CONFIGURED_SYSTEMS_ENV, expectProblem, S1, student, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { expiredToken } from '../helpers/expired-token.js';

/** Every `errors[].message` of a problem says it in Vietnamese then English (README: `vi / en`, src/errors.ts both). */
function expectBilingualErrors(body: { errors?: Array<{ message: string }> }): void {
  expect(body.errors?.length ?? 0).toBeGreaterThan(0);
  for (const e of body.errors ?? []) expect(e.message, JSON.stringify(e)).toMatch(/^.+ \/ .+$/);
}

describe('review28 on postgres', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );

  // F2 (vendor, errors): README "Errors" says every `errors[].message` reads `vi / en` ("zod's own words with its
  // Vietnamese locale's"), and the guide says errors carry "the message in Vietnamese and English". A push with an
  // Idempotency-Key the schema refuses (a space in it, as a vendor who puts "SMAS batch 12" there sends) answers
  // 400 ERR_VALIDATION whose errors[0].message is English only: "Idempotency-Key: 1–128 printable ASCII characters"
  // (src/api/batch-contract.ts IdempotencyHeaders: a custom zod message, neither zod's locale text nor `both`,
  // so src/api/plugins/errors.ts bilingualMessage passes it through as is). The same for a city admin: a list's
  // `from` after its `to` ("`from` is after `to`", src/api/query.ts fromNotAfterTo), a client's unit or name
  // (src/api/routes/clients.ts Unit, Name), a hold decision's reason (src/api/routes/guard.ts). Expected: each
  // message `vi / en` (written with `both`, as batch-contract.ts's school code message is).
  it('F2: a malformed Idempotency-Key is refused in Vietnamese and English', async () => {
    const res = await h.pushBatch(
      h.tokens.vendor,
      S1,
      { entity: 'students', records: [student('R28F2')] },
      { 'idempotency-key': 'SMAS batch 12' },
    );
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  // zod's own type errors too: bilingualMessage (src/api/plugins/errors.ts) rebuilds zod's English text from the issue
  // without its `input`, gets "…, received undefined", so no longer recognises "Invalid input: expected number,
  // received string" as zod's and passes it on English only: a vendor's `?limit=abc` (or `limit=-1`: the decimal
  // preprocess leaves it a string), a body that is not a JSON object (`[]`, `null`) at any route.
  it('F2: a list’s `limit=abc` is refused in Vietnamese and English', async () => {
    const res = await h.get(`/v1/schools/${S1}/students?limit=abc`, h.tokens.vendor);
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  // walk2: a required query field not sent was told zod's "Invalid input: expected number, received undefined" (an
  // officer's GET /v1/pcgd/deadlines without `year`); now that it is required and was not sent, at its pointer.
  // Since walk6b W6b-2 the deadlines' year is optional (the working year open today): the reports' `unit` is the one
  // required query field left.
  it('walk2: a required field not sent is said so, in Vietnamese and English', async () => {
    const res = await h.get('/v1/pcgd/reports', h.tokens.admin);
    const p = expectProblem(res, 400, 'ERR_VALIDATION');
    expect(p.errors).toEqual([
      {
        pointer: '/querystring/unit',
        rule: 'invalid_type',
        // A string in the address has no quotes (only JSON quotes them): not "in double quotes" as in a body.
        message:
          'bắt buộc, chưa được gửi; hãy gửi unit là một chuỗi / required, not sent; send unit as a string',
      },
    ]);
  });

  // A `detail` too (README: "a `detail`, when the refusal says more, reads `vi / en`"): the commonest refusal a
  // vendor meets, its token expired (every 15 minutes), answers 401 ERR_TOKEN_INVALID with detail "the token has
  // expired", English only (src/api/auth/tokens.ts TokenError). Seen on the demo after 15 minutes.
  // Fixed by the lead (lead28s): src/api/auth/tokens.ts TOKEN_EXPIRED.
  it('F2: an expired token’s 401 says so in Vietnamese and English', async () => {
    const expired = await expiredToken(h);
    const body = expectProblem(await h.get(`/v1/schools/${S1}/students`, expired), 401, 'ERR_TOKEN_INVALID');
    expect(body.detail, JSON.stringify(body)).toMatch(/^.+ \/ .+$/);
  });

  it('F2: `limit=-1` and a body that is not a JSON object are refused in Vietnamese and English', async () => {
    expectBilingualErrors(
      expectProblem(
        await h.get(`/v1/schools/${S1}/students?limit=-1`, h.tokens.vendor),
        400,
        'ERR_VALIDATION',
      ),
    );
    for (const body of [[], null])
      expectBilingualErrors(
        expectProblem(await h.send('POST', '/v1/admin/clients', h.tokens.admin, body), 400, 'ERR_VALIDATION'),
      );
  });

  it('F2: a list’s `from` after its `to` is refused in Vietnamese and English', async () => {
    const res = await h.get('/v1/syncs?from=2026-12-05&to=2026-12-04', h.tokens.admin);
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  it('F2: a client’s ill-formed unit is refused in Vietnamese and English', async () => {
    const res = await h.send('POST', '/v1/admin/clients', h.tokens.admin, {
      name: 'Phòng GD',
      role: 'pcgd-officer',
      units: ['123'],
    });
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  // F6 (vendor, OAuth): README says "`/.well-known/oauth-authorization-server` (RFC 8414) names the endpoints, so
  // standard OAuth clients configure themselves". Without PUBLIC_URL (the default profile; compose.yaml sets none;
  // the demo) the document's `issuer` is `truc` (src/deps.ts: auth.issuer ?? server.publicUrl ?? 'truc'), and so is
  // every token's `iss`. RFC 8414 §2 makes the issuer an https URL, and §3.3 has a client check that the issuer it
  // reads is the URL it took the document from and refuse the metadata otherwise: a vendor's discovery client
  // (oauth4webapi's processDiscoveryResponse, openid-client's discovery) stops with "unexpected issuer". Seen on the
  // demo: {"issuer":"truc","token_endpoint":"http://127.0.0.1:18328/oauth/token",…}. Expected: the issuer is the
  // URL the document is served under (the base its token_endpoint uses), and tokens say the same `iss`; or README
  // says PUBLIC_URL is required for it (and the operator's table and compose.yaml set it). Likely place: src/deps.ts
  // (issuer), src/api/routes/oauth.ts metadata.
  it('F6: the RFC 8414 metadata’s issuer is the URL it is served under', async () => {
    const res = await h.get('/.well-known/oauth-authorization-server');
    expect(res.statusCode, res.body).toBe(200);
    const meta = res.json<{ issuer: string; token_endpoint: string }>();
    expect(URL.canParse(meta.issuer), meta.issuer).toBe(true);
    expect(new URL(meta.issuer).origin).toBe(new URL(meta.token_endpoint).origin);
  });
  // F8 (city admin, a pull that can only fail): README: a pull's `scope` is "a school code, a commune code for
  // moet-pcgd; a school truc holds no record of is refused, 400 ERR_SCOPE_UNKNOWN" (review25 F2: a mistyped code was
  // stored and its run ended with nothing). A moet-pcgd persons pull of a commune code that is no current commune
  // (`"scope": "00000"`, or a commune merged away on 1 July 2025) is accepted (202) and stored; its first page is
  // refused by the Ministry (404), so the run ends `failed` with an open dead letter ERR_ADAPTER_REJECTED that no
  // replay can fix (seen on the demo: sync run 9, dead letter 8, "moet-pcgd GET /v1/units/00000/persons failed: HTTP
  // 404"). truc holds the current communes (src/canonical admin units; POST /v1/pcgd/reports refuses such a unit
  // with ERR_PCGD_UNKNOWN_UNIT), but src/jobs/request-checks.ts scopeHeld says "a commune's [scope] is always held".
  // Expected: 400 (ERR_SCOPE_UNKNOWN, or ERR_PCGD_UNKNOWN_UNIT as a report of it answers), nothing stored; the same
  // for `truc sync run` and a schedule's run now.
  it('F8: a moet-pcgd pull of a code that is no current commune is refused, nothing stored', async () => {
    const runs = async () =>
      (await h.env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.sync_runs')).rows[0]!.n;
    const before = await runs();
    const res = await h.send('POST', '/v1/syncs', h.tokens.admin, {
      system: 'moet-pcgd',
      entity: 'persons',
      scope: '00000',
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(['ERR_SCOPE_UNKNOWN', 'ERR_PCGD_UNKNOWN_UNIT']).toContain(res.json<{ code: string }>().code);
    expect(await runs()).toBe(before);
    // sec29 item 5: the refusal's title spoke of schools only ("truc holds no school with this code: pull the schools
    // first"), told of a commune code; it is general now, in both languages, and `detail` names the commune.
    const body = res.json<{ title: string; detail: string; messages: { vi: string; en: string } }>();
    expect(body.messages.vi).toMatch(/xã/);
    expect(body.messages.en).toMatch(/commune/);
    expect(body.messages.en).not.toMatch(/pull the schools/);
    expect(body.detail).toMatch(
      /00000 không phải mã một xã hiện hành \/ 00000 is not a current commune code/,
    );
  });
});

describe('review28 on postgres with the queues in the database (REDIS_URL unset)', () => {
  // webhooks.maxAttempts as in production (12, the default; the test profile's 3 is below jobs.attempts and hides F7).
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { configure: (c) => ({ ...c, webhooks: { ...c.webhooks, maxAttempts: 12 } }) },
  );

  // F7 (vendor, webhooks lost; operator, false dead letters): with the queues in the database (README: REDIS_URL
  // "unset = queues in the database", and the demo), a delivery whose receiver does not answer 2xx is never retried
  // as documented. webhook-deliver (src/jobs/webhook-deliver.ts) records the attempt and defers itself by
  // `backoff * (0.5 + Math.random() / 2)` ms, a fraction: job.moveToDelayed (src/jobs/worker.ts deferUntil) hands
  // BullMQ's PostgreSQL backend a delay it writes into a bigint, and PostgreSQL refuses it ("invalid input syntax for
  // type bigint: \"1796452827511.2776\""). The job fails (ERR_INTERNAL), BullMQ retries it on jobs.backoffMs, and after
  // jobs.attempts (demo 5, production 8: about two minutes) it is a city dead letter, ERR_INTERNAL with that SQL text,
  // while the delivery stays `pending` for good (attempts 5, "no answer (ECONNREFUSED)"), never sent again and never
  // `failed`. Seen on the demo: a vendor receiver that stopped for a minute lost every later event (six deliveries
  // pending, six webhook dead letters; `truc dead-letters list`). Expected (README Webhooks): retried with backoff up
  // to webhooks.maxAttempts, a receiver's failure the vendor's to read, not a city dead letter. Likely place:
  // webhook-deliver.ts waitMs (a whole number of ms), or deferUntil rounding for every caller.
  it('F7: a delivery to a receiver that is down is retried, not dead-lettered', async () => {
    const created = await h.send('POST', '/v1/webhooks', h.tokens.vendor, {
      url: 'http://127.0.0.1:9/hook',
      events: ['batch.finished'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const hook = created.json<{ id: string }>().id;
    const ping = await h.send('POST', `/v1/webhooks/${hook}/ping`, h.tokens.vendor);
    expect(ping.statusCode, ping.body).toBe(202);
    const db = h.env.deps.db;
    const letters = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM truc.dead_letters WHERE queue = 'webhooks'",
        )
      ).rows[0]!.n;
    const attempts = async () => {
      const res = await h.get(`/v1/webhooks/${hook}/deliveries`, h.tokens.vendor);
      return res.json<{ items: Array<{ attempts: number; status: string }> }>().items[0];
    };
    const worker = startWorkerRole(h.env.deps);
    try {
      // Past jobs.attempts (the test profile's 5): the bug has dead-lettered the job by then.
      await waitFor(async () => (await letters()) > 0 || ((await attempts())?.attempts ?? 0) >= 6, {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: 'a sixth attempt or a dead letter',
      });
    } finally {
      await worker.stop();
    }
    expect(await letters()).toBe(0);
    expect(await attempts()).toMatchObject({ status: 'pending' });
  });
});
