/**
 * review28 (stop 48, walked as the city's new operator deploying from README.md alone, and as a vendor's developer
 * integrating from docs/integration-guide.md and openapi/truc.v1.json alone): findings reproduced here. An
 * `it.fails` is an open finding; it passes once the finding is fixed, and then becomes an `it`. Real PostgreSQL,
 * the API in process. The findings that need no database are in test/unit/review28.test.ts (same numbering).
 */
import { describe, expect, it } from 'vitest';
import { expectProblem, S1, student, useApiHarness } from '../helpers/api.js';

/** Every `errors[].message` of a problem says it in Vietnamese then English (README: `vi / en`, src/errors.ts both). */
function expectBilingualErrors(body: { errors?: Array<{ message: string }> }): void {
  expect(body.errors?.length ?? 0).toBeGreaterThan(0);
  for (const e of body.errors ?? []) expect(e.message, JSON.stringify(e)).toMatch(/^.+ \/ .+$/);
}

describe('review28 on postgres', () => {
  const h = useApiHarness({ name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' });

  // F2 (vendor, errors): README "Errors" says every `errors[].message` reads `vi / en` ("zod's own words with its
  // Vietnamese locale's"), and the guide says errors carry "the message in Vietnamese and English". A push with an
  // Idempotency-Key the schema refuses (a space in it, as a vendor who puts "SMAS batch 12" there sends) answers
  // 400 ERR_VALIDATION whose errors[0].message is English only: "Idempotency-Key: 1–128 printable ASCII characters"
  // (src/api/batch-contract.ts IdempotencyHeaders: a custom zod message, neither zod's locale text nor `both`,
  // so src/api/plugins/errors.ts bilingualMessage passes it through as is). The same for a city admin: a list's
  // `from` after its `to` ("`from` is after `to`", src/api/query.ts fromNotAfterTo), a client's unit or name
  // (src/api/routes/clients.ts Unit, Name), a hold decision's reason (src/api/routes/guard.ts). Expected: each
  // message `vi / en` (written with `both`, as batch-contract.ts's school code message is).
  it.fails('F2: a malformed Idempotency-Key is refused in Vietnamese and English', async () => {
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
  it.fails('F2: a list’s `limit=abc` is refused in Vietnamese and English', async () => {
    const res = await h.get(`/v1/schools/${S1}/students?limit=abc`, h.tokens.vendor);
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  it.fails('F2: a list’s `from` after its `to` is refused in Vietnamese and English', async () => {
    const res = await h.get('/v1/syncs?from=2026-12-05&to=2026-12-04', h.tokens.admin);
    expectBilingualErrors(expectProblem(res, 400, 'ERR_VALIDATION'));
  });

  it.fails('F2: a client’s ill-formed unit is refused in Vietnamese and English', async () => {
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
  it.fails('F6: the RFC 8414 metadata’s issuer is the URL it is served under', async () => {
    const res = await h.get('/.well-known/oauth-authorization-server');
    expect(res.statusCode, res.body).toBe(200);
    const meta = res.json<{ issuer: string; token_endpoint: string }>();
    expect(URL.canParse(meta.issuer), meta.issuer).toBe(true);
    expect(new URL(meta.issuer).origin).toBe(new URL(meta.token_endpoint).origin);
  });
});
