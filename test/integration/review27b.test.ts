/**
 * review27b (walked as a vendor, SMAS or vnEdu, integrating through the documented API for the first time, and as
 * an attacker holding a valid token for one school and none for the others): findings reproduced here on real
 * PostgreSQL and Redis. An `it.fails` is an open finding; it passes once the finding is fixed, and then becomes an
 * `it`.
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { addClient } from '../../src/ops.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { student } from '../factories/records.js';
import { bearer, expectProblem, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

/** Pushes `body` for `school` with `token` and waits until the batch is finished (done, held or failed). */
async function pushAndWait(token: string, school: string, body: unknown): Promise<{ status: string }> {
  const res = await h.pushBatch(token, school, body);
  expect(res.statusCode, res.body).toBe(202);
  const id = res.json<{ batchId: string }>().batchId;
  return waitFor(
    async () => {
      const b = (await h.get(`/v1/batches/${id}`, token)).json<{ status: string }>();
      return ['done', 'held', 'failed'].includes(b.status) ? b : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
  );
}

/** The findings (rule and pointer, sorted) a dry run of `records` at the vendor's school S1 answers. */
async function dryRunFindings(records: unknown[]): Promise<string[]> {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/schools/${S1}/batches?dryRun=true`,
    headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
    payload: { entity: 'students', records },
  });
  expect(res.statusCode, res.body).toBe(200);
  const { findings } = res.json<{ findings: Array<{ rule: string; pointer: string }> }>();
  return findings.map((f) => `${f.rule} ${f.pointer}`).sort();
}

/** Vendor B's pupils at its school 79000099, stored once (by B's batch, through the worker). */
let otherPupils: Promise<void> | undefined;
function storeOtherPupils(): Promise<void> {
  otherPupils ??= (async () => {
    const worker = startWorkerRole(h.env.deps);
    try {
      const hoa = student('B-HOA1', {
        schoolCode: OTHER,
        schoolYear: '2026-2027',
        fullName: 'Lê Thị Hoa',
        fatherName: 'Lê Văn Nam',
        sex: 'female',
        birthDate: '2019-09-14',
      });
      const binh = student('B-BINH1', {
        schoolCode: OTHER,
        schoolYear: '2026-2027',
        fullName: 'Phạm Văn Bình',
        birthDate: '2019-04-02',
        personalId: '079219004242',
      });
      const batch = await pushAndWait(h.tokens.other, OTHER, { entity: 'students', records: [hoa, binh] });
      expect(batch.status).toBe('done');
    } finally {
      await worker.stop();
    }
  })();
  return otherPupils;
}

describe("review27b: another school's pupils read through a dry run at one's own school", () => {
  // review27b F1: review26b F4's fix stops comparing a record the tenancy gate refused with other schools' stored
  // records, but a record of the vendor's OWN school, with a code of its own, still is, and two store checks tell
  // the vendor what they found at OTHER schools. Vendor B (school 79000099) holds pupil "Lê Thị Hoa", father "Lê Văn
  // Nam", born 2019-09-14, no personal ID. Vendor A (schools 79000001/2 only) dry-runs (`?dryRun=true`: nothing
  // stored) a made-up pupil of its school 79000001 with that name and father's name and a guessed birth date:
  // SACH_PROBABLE_DUPLICATE_STORED ("a stored record, of this or another school, ...") appears exactly when the guess
  // is B's pupil's birth date. ~730 dry runs (a grade's two birth years; the rate limit allows 1,200 a minute) read
  // it. Expected: what a vendor is told about its own record does not depend on another school's personal data
  // (the same answer whatever the guess), as review26b F4's fix made for refused records; the city may still see
  // such a probable duplicate (its scorecards, the city admin), not the vendor. Likely place:
  // src/quality/rules/sach-duplicates.ts storedDuplicateCheck (bornOn: twin keys of every school,
  // src/store/quality-facts.ts), its finding shown in the vendor's dry run and GET /v1/batches/{id}/findings.
  it("F1: a dry run does not tell a vendor another school's pupil's birth date", async () => {
    await storeOtherPupils();
    const guess = (birthDate: string) =>
      dryRunFindings([
        student('A-PROBE1', {
          schoolCode: S1,
          schoolYear: '2026-2027',
          fullName: 'Lê Thị Hoa',
          fatherName: 'Lê Văn Nam',
          sex: 'female',
          birthDate,
        }),
      ]);
    expect(await guess('2019-09-14')).toEqual(await guess('2019-09-15'));
  });

  // review27b F2: the same gap with a personal ID (số định danh cá nhân, the citizen ID): SACH_ACTIVE_AT_TWO_SCHOOLS
  // at /personalId ("a pupil with the same personal ID is enrolled at another school") appears in a dry run of a
  // made-up pupil of the vendor's own school exactly when the guessed 12-digit ID is that of a pupil enrolled at a
  // school the vendor does not serve (B's pupil 079219004242 at 79000099): an oracle "is this citizen ID a pupil in
  // the city, at another school?" for anyone with a vendor token, leaving no trace (a dry run stores nothing).
  // Expected: the same answer whatever the ID. Likely place: src/quality/rules/sach-duplicates.ts twoSchoolsCheck
  // (activeHolders of any school, src/jobs/judge-lookups.ts), shown in the vendor's findings.
  it('F2: a dry run does not tell a vendor whether a personal ID is a pupil at another school', async () => {
    await storeOtherPupils();
    const guess = (personalId: string) =>
      dryRunFindings([
        student('A-PROBE2', {
          schoolCode: S1,
          schoolYear: '2026-2027',
          birthDate: '2019-04-02',
          personalId,
        }),
      ]);
    expect(await guess('079219004242')).toEqual(await guess('079219004243'));
  });
});

describe('review27b: a token issued before its client secret was rotated', () => {
  // review27b F3: a city admin rotates a vendor's secret because it leaked (POST /v1/admin/clients/{id}/secret, "the
  // old one stops working"; `truc clients rotate-secret`). Whoever had the old secret also has tokens from it, and
  // those keep working to their expiry (auth.tokenTtlSeconds): reads of every pupil of the client's schools, pushes,
  // webhooks. README: "What a token may touch is the client's current state: disabling a client or changing its
  // schools acts on tokens already issued", yet rotation, the one step taken after a leak, does not; the only way
  // to cut the old tokens is to disable the client, which stops the vendor's own integration too. Expected: a
  // token issued before the client's last rotation is refused (401 ERR_TOKEN_INVALID), at once, as after disabling;
  // a token from the new secret works. Likely place: src/api/plugins/auth.ts currentPrincipal / clientState (a
  // client's secret_rotated_at against the token's iat), src/api/auth/client-admin.ts replaceSecret.
  it('F3: rotating a client secret stops the tokens issued with the old one', async () => {
    const client = await addClient(h.env.deps.db, { name: 'Leaked', role: 'vendor', schools: [S1] });
    const old = await h.tokenOf(client);
    expect((await h.get('/v1/changes?limit=1', old)).statusCode).toBe(200);
    // fix30a: a rotation after a leak gives the old secret no window (the default keeps it a day: client-secret-overlap)
    const rotated = await h.send('POST', `/v1/admin/clients/${client.clientId}/secret`, h.tokens.admin, {
      overlapSeconds: 0,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = await h.tokenOf({
      clientId: client.clientId,
      clientSecret: rotated.json<{ clientSecret: string }>().clientSecret,
    });
    expect((await h.get('/v1/changes?limit=1', fresh)).statusCode).toBe(200);
    expectProblem(await h.get('/v1/changes?limit=1', old), 401, 'ERR_TOKEN_INVALID');
  });
});

describe('review27b: limits that hold one request at a time only', () => {
  // review27b F4: a client may hold webhooks.maxSubscriptions (10) subscriptions; POST /v1/webhooks counts the
  // client's subscriptions and then inserts, in a transaction at READ COMMITTED, so requests sent together all count
  // the same few and all insert: 20 concurrent subscriptions of one client give 19 (one 409). Every subscription is
  // one more signed delivery per event (master-data.changed to every client of the school), so the limit is what
  // bounds what one vendor token makes truc send, and it does not hold. Expected: at most maxSubscriptions are
  // created, the others 409 ERR_WEBHOOK_LIMIT (bilingual), whatever the timing. Likely place:
  // src/api/routes/webhooks.ts createWebhook (count and insert under a lock of the client's row, e.g. SELECT … FOR
  // UPDATE on truc.api_clients, or one INSERT … SELECT … WHERE count < max in src/store/webhooks.ts).
  it('F4: concurrent subscriptions of one client stop at webhooks.maxSubscriptions', async () => {
    const client = await addClient(h.env.deps.db, { name: 'Many hooks', role: 'vendor', schools: [S1] });
    const token = await h.tokenOf(client);
    const max = h.env.config.webhooks.maxSubscriptions;
    const answers = await Promise.all(
      Array.from({ length: 2 * max }, (_, i) =>
        h.send('POST', '/v1/webhooks', token, {
          url: `https://hooks${i}.example.vn/truc`,
          events: ['master-data.changed'],
        }),
      ),
    );
    for (const res of answers.filter((r) => r.statusCode !== 201))
      expectProblem(res, 409, 'ERR_WEBHOOK_LIMIT');
    const held = (await h.get('/v1/webhooks', token)).json<{ items: unknown[] }>().items.length;
    expect(held).toBe(max);
  });

  // review27b F5: a vendor runs several processes (workers, a deploy's replicas) that each fetch a token when they
  // start, with the right client id and secret, from one address. Every attempt counts as a failed login until it
  // succeeds (src/api/auth/throttle.ts: "so parallel guesses cannot all be checked"), so beyond auth.maxFailedLogins
  // (default 5; 3 in the test profile) logins in flight together the others are refused 429 slow_down
  // ERR_LOGIN_THROTTLED, "Đăng nhập sai nhiều lần từ địa chỉ này / Too many failed logins from this address", with
  // a Retry-After of auth.failedLoginDelayMs and more: 8 correct logins sent together give four 200s and four 429s.
  // Nothing failed; the vendor is told it guessed wrong and its replicas start late. Expected: correct credentials
  // are never refused as failed logins (a guess still costs its scrypt and counts once it fails: e.g. count an attempt
  // in flight apart from failures, with its own, larger allowance, and throttle by failures only). Likely place:
  // src/api/auth/throttle.ts TAKE (and the PostgreSQL twin), src/api/routes/oauth.ts token.
  it('F5: correct logins sent together all get a token, none is refused as a failed login', async () => {
    const client = await addClient(h.env.deps.db, { name: 'Replicas', role: 'vendor', schools: [S1] });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.app.inject({
          method: 'POST',
          url: '/oauth/token',
          payload: {
            grant_type: 'client_credentials',
            client_id: client.clientId,
            client_secret: client.clientSecret,
          },
        }),
      ),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array.from({ length: 8 }, () => 200));
  });
});

describe('review27b: webhooks of a client whose scopes were withdrawn', () => {
  // review27b F6: a city admin withdraws a vendor's `webhooks` and `records:read` scopes (PATCH
  // /v1/admin/clients/{id} {"scopes":["batches:write","batches:read"]}: it may still push, no longer read the
  // school's records nor manage webhooks). README: what a token may touch is the client's current state, and its
  // tokens indeed get 403 on GET /v1/changes and /v1/webhooks at once. But its existing subscription keeps being
  // served: every master-data.changed of its school (schoolCode, entity, count and a changesUrl into the feed it
  // may no longer read) is still signed and sent to its URL, and nothing it can call any more lists or removes
  // the subscription. Expected: the fan-out hears only clients that hold the `webhooks` scope now (and, for
  // master-data.changed, `records:read`), as it hears only enabled clients that serve the school. Likely place:
  // src/store/webhooks.ts forSchool / forClient (join truc.api_clients' scopes), src/jobs/webhook-fanout.ts plan.
  // Fixed by f5-27 (review26b N4): the fan-out and the deliver job hear only enabled clients holding `webhooks`
  // (and `records:read` for master-data.changed), src/store/webhooks.ts HEARS.
  it('F6: a client without the webhooks scope any more gets no master-data.changed', async () => {
    const rx = await startWebhookReceiver();
    const worker = startWorkerRole(h.env.deps);
    try {
      const stripped = await addClient(h.env.deps.db, { name: 'Stripped', role: 'vendor', schools: [S1] });
      const control = await addClient(h.env.deps.db, { name: 'Control', role: 'vendor', schools: [S1] });
      const subscribe = async (token: string, path: string) => {
        const res = await h.send('POST', '/v1/webhooks', token, {
          url: `${rx.url}${path}`,
          events: ['master-data.changed'],
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json<{ id: string }>().id;
      };
      const strippedToken = await h.tokenOf(stripped);
      await subscribe(strippedToken, '?who=stripped');
      await subscribe(await h.tokenOf(control), '?who=control');
      const patched = await h.send('PATCH', `/v1/admin/clients/${stripped.clientId}`, h.tokens.admin, {
        scopes: ['batches:write', 'batches:read'],
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expectProblem(await h.get('/v1/webhooks', strippedToken), 403, 'ERR_FORBIDDEN_SCOPE');
      // The city changes a pupil of the school.
      await h.env.deps.db.tx(async (q) => {
        const rec = student('F6CITY', { schoolCode: S1 });
        await createRecordsRepo(q).upsert(
          'students',
          [{ key: 'F6CITY', scope: S1, data: rec, fingerprint: fingerprint(rec) }],
          { system: 'hcm-csdl', mappingVersion: 'hcm-csdl@1' },
        );
      });
      await waitFor(() => rx.received.find((d) => d.body.includes('master-data.changed')), {
        timeoutMs: 30_000,
        what: "the control client's master-data.changed",
      });
      const paths = await h.env.deps.db.query<{ url: string }>(
        `SELECT s.url FROM truc.webhook_deliveries d JOIN truc.webhook_subscriptions s ON s.id = d.subscription_id
          WHERE d.event = 'master-data.changed'`,
      );
      expect(paths.rows.map((r) => r.url).filter((u) => u.includes('stripped'))).toEqual([]);
    } finally {
      await worker.stop();
      await rx.close();
    }
  });
});
