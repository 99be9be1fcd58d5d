/**
 * review26b (walked as a vendor, SMAS or vnEdu, integrating through the documented API, and as an attacker of
 * it): findings reproduced here on real PostgreSQL and Redis. An `it.fails` is an open finding; it passes once
 * the finding is fixed, and then becomes an `it`.
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { student } from '../factories/records.js';
import { bearer, expectProblem, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

/** base64url of a cursor's JSON, as the API issues them. */
const cursorOf = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

const auditRows = async () =>
  (await h.env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.audit_log')).rows[0]!.n;

describe('review26b: hostile input that reaches PostgreSQL', () => {
  // review26b F1: the token endpoint's form body (application/x-www-form-urlencoded, what RFC 6749 and the README
  // use) and HTTP Basic are not read by the hostile-input parser (that one is JSON's): a client_id holding NUL
  // (`%00`) reaches PostgreSQL as a text parameter, which refuses it (invalid byte sequence 0x00), and the caller
  // gets 500 server_error. Expected: a 4xx RFC 6749 error (invalid_request, or invalid_client as for any unknown
  // id), never a 500; nothing recorded. Likely place: src/api/auth/login.ts credentialsOf / the form parser
  // of src/app.ts (NUL and lone surrogates refused as the JSON parser refuses them).
  it('F1: a client_id holding NUL (form body or HTTP Basic) is a 4xx OAuth error, not a 500', async () => {
    const before = await auditRows();
    const form = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&client_id=cl_a%00b&client_secret=whatever',
    });
    const basic = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('cl_a%00b:whatever').toString('base64')}`,
      },
      payload: 'grant_type=client_credentials',
    });
    for (const res of [form, basic]) {
      expect([400, 401], res.body).toContain(res.statusCode);
      expect(res.json<{ error: string }>().error).toMatch(/^(invalid_request|invalid_client)$/);
    }
    expect(await auditRows()).toBe(before);
  });

  // review26b F2: a change-feed cursor is base64url JSON whose `s` the API takes as up to 19 digits
  // (src/api/routes/records.ts FeedCursor) and PostgreSQL reads as bigint ($3::bigint in src/store/reads.ts):
  // 9999999999999999999 is over bigint's range and the feed answers 500. Expected: 400 ERR_INVALID_CURSOR, as for
  // any cursor the API did not issue (api-reads.test.ts 'refuses cursors it did not issue with a 400, never a 500').
  it('F2: a change-feed cursor whose position is out of range is a 400 ERR_INVALID_CURSOR, not a 500', async () => {
    const res = await h.get(
      `/v1/changes?cursor=${cursorOf({ t: '1', s: '9999999999999999999' })}`,
      h.tokens.vendor,
    );
    expectProblem(res, 400, 'ERR_INVALID_CURSOR');
  });

  // review26b F3: a records page cursor `{"k": …}` (src/api/routes/records.ts KeyCursor: any string up to 128) is
  // handed to PostgreSQL as the key to page after; a `k` holding NUL makes the list answer 500. Expected: 400
  // ERR_INVALID_CURSOR (a key holds no NUL: the API never issues such a cursor).
  it('F3: a records cursor whose key holds NUL is a 400 ERR_INVALID_CURSOR, not a 500', async () => {
    const res = await h.get(
      `/v1/schools/${S1}/students?cursor=${cursorOf({ k: 'a\u0000b' })}`,
      h.tokens.vendor,
    );
    expectProblem(res, 400, 'ERR_INVALID_CURSOR');
  });
});

describe("review26b: another school's student through a dry run", () => {
  // review26b F4: tenancy lets a vendor learn personal data of a student of a school it does not serve. The city
  // database holds student CITY77 at school 79000099 (not the vendor's). The vendor dry-runs (`?dryRun=true`:
  // nothing stored, no audit entry) a record of that code at its own school with a guessed birth date and personal
  // ID: besides TENANCY_OWNED_ELSEWHERE, the record is compared with the city's copy (DUNG_CITY_CONFLICT at
  // `/birthDate`, `/personalId`, `/fullName`, `/sex`), and the finding is absent exactly when the guess is right.
  // A few hundred dry runs (rate limit 1,200 a minute) read a student's birth date, confirm a personal ID or a
  // name, of any school. Expected: a record refused by tenancy (held elsewhere, or of another school) is not
  // judged against stored copies of other schools: the answer is the same whatever the guess. Likely place: the
  // quality engine runs the store checks (cityConflictCheck, src/quality/rules/dung-identity.ts; the lookups of
  // src/jobs/judge-lookups.ts `authoritative` read by key, any school) on records the tenancy gate refused.
  it("F4: a dry run tells nothing about the city's copy of another school's student", async () => {
    const city = student('CITY77', {
      schoolCode: OTHER,
      birthDate: '2019-05-06',
      personalId: '079219005555',
    });
    await h.env.deps.db.query(
      `INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
       VALUES ($1, $2, $3, $4, 'f', 'hcm-csdl', 'hcm-csdl@1')`,
      [city.studentCode, OTHER, city.personalId, JSON.stringify(city)],
    );
    const answer = async (guess: { birthDate: string; personalId: string }) => {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches?dryRun=true`,
        headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
        payload: { entity: 'students', records: [{ ...city, schoolCode: S1, ...guess }] },
      });
      expect(res.statusCode, res.body).toBe(200);
      const { findings } = res.json<{ findings: Array<{ rule: string; pointer: string }> }>();
      expect(findings.map((f) => f.rule)).toContain('TENANCY_OWNED_ELSEWHERE');
      return findings.map((f) => `${f.rule} ${f.pointer}`).sort();
    };
    const right = await answer({ birthDate: '2019-05-06', personalId: '079219005555' });
    expect(await answer({ birthDate: '2019-05-07', personalId: '079219005555' })).toEqual(right);
    expect(await answer({ birthDate: '2019-05-06', personalId: '079219005556' })).toEqual(right);
  });

  // review26b F4 (the same gap, a record of another school): a record naming a school the vendor does not serve
  // (`schoolCode: "79000099"`, refused TENANCY_OTHER_SCHOOL) is still checked against that school's stored records:
  // SACH_DUPLICATE_PERSONAL_ID_STORED says school 79000099 holds a live record of that personal ID (the finding is
  // absent for an ID it does not hold). Expected: the same answer whatever the ID.
  it('F4: a record of a school the vendor does not serve is not checked against that school’s records', async () => {
    const held = student('HELD88', { schoolCode: OTHER, personalId: '079219008888' });
    await h.env.deps.db.query(
      `INSERT INTO truc.students (student_code, school_code, personal_id, data, fingerprint, source_system, mapping_version)
       VALUES ($1, $2, $3, $4, 'f', 'vendor:x', 'canonical@1')`,
      [held.studentCode, OTHER, held.personalId, JSON.stringify(held)],
    );
    const answer = async (personalId: string) => {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/schools/${S1}/batches?dryRun=true`,
        headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor) },
        payload: { entity: 'students', records: [student('PROBE88', { schoolCode: OTHER, personalId })] },
      });
      expect(res.statusCode, res.body).toBe(200);
      const { findings } = res.json<{ findings: Array<{ rule: string; pointer: string }> }>();
      expect(findings.map((f) => f.rule)).toContain('TENANCY_OTHER_SCHOOL');
      return findings.map((f) => `${f.rule} ${f.pointer}`).sort();
    };
    expect(await answer('079219008888')).toEqual(await answer('079219008889'));
  });
});

describe('review26b: the batch.finished webhook and the batch it reports', () => {
  // review26b F5 (fixed by f5-27): the integration guide offers the `batch.finished` webhook in place of polling GET
  // /v1/batches/{id}. A snapshot whose deletions the mass-change guard holds read `status: "held"` in GET, but its
  // batch.finished event (raised when the row's status became done: migration 036's trigger) said `done`, and no
  // event followed the decision. Now the event tells GET's status (src/jobs/batch-status.ts, one rule for both),
  // and tells it again, with the next `sequence`, after each change: the hold approved, then its deletions applied.
  it("F5: batch.finished says the status GET /v1/batches/{id} says (a snapshot's held deletions: held), and again after the decision", async () => {
    const worker = startWorkerRole(h.env.deps);
    const rx = await startWebhookReceiver();
    try {
      const sub = await h.send('POST', '/v1/webhooks', h.tokens.vendor, {
        url: rx.url,
        events: ['batch.finished'],
      });
      expect(sub.statusCode, sub.body).toBe(201);
      const codes = Array.from({ length: 25 }, (_, i) => `WH${String(i).padStart(2, '0')}`);
      type Told = {
        status: string;
        sequence: number;
        guard: { holdId: number; status: string; appliedAt: string | null } | null;
      };
      const statusOf = async (id: string) =>
        (await h.get(`/v1/batches/${id}`, h.tokens.vendor)).json<Told & { counts: { deleted: number } }>();
      const finished = (id: string) =>
        waitFor(
          async () => {
            const b = await statusOf(id);
            return ['done', 'held', 'failed'].includes(b.status) ? b : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
        );
      const told = (id: string, sequence: number) =>
        waitFor(
          () =>
            rx.received
              .map((d) => JSON.parse(d.body) as { type: string; data: Told & { batchId: string } })
              .find((e) => e.data.batchId === id && e.data.sequence === sequence)?.data,
          { timeoutMs: 20_000, what: `the snapshot's batch.finished #${sequence}` },
        );
      const first = await h.pushBatch(h.tokens.vendor, S1, {
        entity: 'students',
        records: codes.map((c) => student(c)),
      });
      expect((await finished(first.json<{ batchId: string }>().batchId)).status).toBe('done');
      // The snapshot leaves out 10 of the school's 25 students (40 %, over the guard's 30 %).
      const snap = await h.pushBatch(h.tokens.vendor, S1, {
        entity: 'students',
        mode: 'snapshot',
        records: codes.slice(0, 15).map((c) => student(c)),
      });
      const id = snap.json<{ batchId: string }>().batchId;
      const held = await finished(id);
      expect(held.status).toBe('held');
      expect(await told(id, 1)).toMatchObject({ status: 'held', guard: { status: 'held', appliedAt: null } });

      // A city admin approves: the batch is done (GET), and the event says so; then its deletions are applied.
      const approve = await h.send(
        'POST',
        `/v1/guard/holds/${held.guard!.holdId}/approve`,
        h.tokens.admin,
        {},
      );
      expect(approve.statusCode, approve.body).toBe(200);
      const decided = await told(id, 2);
      expect(decided.status).toBe('done');
      expect(decided.guard?.status).toBe('approved');
      const applied = decided.guard?.appliedAt ? decided : await told(id, 3);
      expect(applied).toMatchObject({
        status: 'done',
        guard: { status: 'approved', appliedAt: expect.any(String) },
      });
      expect(await statusOf(id)).toMatchObject({ status: 'done', counts: { deleted: 10 } });
    } finally {
      await worker.stop();
      await rx.close();
    }
  });
});

describe('review26b: a record the API takes but cannot give back', () => {
  // review26b F6: the canonical student code (src/canonical/primitives.ts opaqueCode: 1–32 of [A-Za-z0-9._-], any
  // first character) takes `_A1`, `-B2`, `.C3` and `..`: the batch accepts them (no finding), the list and the change
  // feed show them, each with its `url`. But the read route's key (src/api/routes/records.ts RecordKey: a letter or
  // digit first, no `.`/`..` segment) refuses that url: 400 ERR_VALIDATION, and `..` is resolved away by any URL
  // library (`/v1/schools/79000001/students/..` is `/v1/schools/79000001/`: 404, or another resource). Expected: one
  // rule for a record key, written and read: either the batch refuses such codes (a finding) or the url reads the
  // record. Likely place: StudentCodeSchema (and the staff, class and school codes' opaqueCode) against RecordKey.
  it('F6: every record a batch accepted reads back at the url the change feed gives it', async () => {
    const worker = startWorkerRole(h.env.deps);
    try {
      const codes = ['_A1', '-B2', '.C3', '..'];
      const res = await h.pushBatch(h.tokens.vendor, S1, {
        entity: 'students',
        records: codes.map((c) => student(c)),
      });
      expect(res.statusCode, res.body).toBe(202);
      const id = res.json<{ batchId: string }>().batchId;
      const batch = await waitFor(
        async () => {
          const b = (await h.get(`/v1/batches/${id}`, h.tokens.vendor)).json<{
            status: string;
            counts: { accepted: number };
          }>();
          return b.status === 'done' || b.status === 'failed' ? b : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
      );
      const feed = (await h.get(`/v1/changes?schoolCode=${S1}&limit=1000`, h.tokens.vendor)).json<{
        items: Array<{ key: string; url: string | null }>;
      }>();
      const urls = feed.items.filter((c) => codes.includes(c.key) && c.url !== null).map((c) => c.url!);
      expect(urls).toHaveLength(batch.counts.accepted);
      // The fix's choice (one key rule at write and read): such codes are refused at write, with a finding.
      expect(batch.counts.accepted).toBe(0);
      for (const url of urls) {
        // As a vendor's HTTP library sends it (dot segments resolved).
        const sent = new URL(url, 'http://truc.example').pathname;
        const read = await h.get(sent, h.tokens.vendor);
        expect(read.statusCode, `${url}: ${read.body}`).toBe(200);
      }
    } finally {
      await worker.stop();
    }
  });
});

describe('review26b: which system serves a school, learned from a batch that carried nothing', () => {
  // review26b F7: which system serves a school (truc.school_systems: where the city's writes and deletions of its
  // students, staff and classes go) is learned from "vendor batches in its format" (README). A batch none of whose
  // records mapped counts as well: school 79000001, learned served by vnEdu from vnEdu's pulls, receives one batch
  // `{"entity":"students","format":"smas","records":[{"x":1}]}` (its record rejected: done, accepted 0), and the
  // school is from then on served by SMAS (learned_from 'batch'): the city's changes and deletions of its pupils go
  // to SMAS, which does not serve it, and vnEdu hears nothing more. Seen on the demo too (a vnEdu school flipped to
  // smas by such a batch). Expected: a batch is evidence of its format's system only through records it took (or
  // at least one record that mapped); a batch that took nothing changes no routing. Likely place:
  // src/jobs/ingest-apply.ts (learnServedSchools called for every batch, servedBy: the batch's school).
  it('F7: a batch whose every record was refused does not change the system serving its school', async () => {
    const worker = startWorkerRole(h.env.deps);
    try {
      await h.env.deps.db.query(
        `INSERT INTO truc.school_systems (school_code, system, learned_from) VALUES ($1, 'vnedu', 'pull')
         ON CONFLICT (school_code) DO UPDATE SET system = 'vnedu', learned_from = 'pull'`,
        [S1],
      );
      const res = await h.pushBatch(h.tokens.vendor, S1, {
        entity: 'students',
        format: 'smas',
        records: [{ x: 1 }],
      });
      expect(res.statusCode, res.body).toBe(202);
      const id = res.json<{ batchId: string }>().batchId;
      const batch = await waitFor(
        async () => {
          const b = (await h.get(`/v1/batches/${id}`, h.tokens.vendor)).json<{
            status: string;
            counts: { accepted: number; rejected: number };
          }>();
          return b.status === 'done' || b.status === 'failed' ? b : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
      );
      expect(batch.counts).toMatchObject({ accepted: 0, rejected: 1 });
      const row = await h.env.deps.db.query<{ system: string }>(
        'SELECT system FROM truc.school_systems WHERE school_code = $1',
        [S1],
      );
      expect(row.rows[0]?.system).toBe('vnedu');
    } finally {
      await worker.stop();
    }
  });
});

describe('review26b: the token endpoint and standard OAuth clients', () => {
  // review26b F8: RFC 6749 §3.2 ("The authorization server MUST ignore unrecognized request parameters"). The token
  // request schema is strict (src/api/routes/oauth.ts TokenRequest `.strict()`), so a standard client that sends a
  // parameter truc does not use is refused: `resource` (RFC 8707, sent by clients that name the API they want a
  // token for) or `audience` (sent by many client-credentials libraries) → 400 invalid_request "unknown field(s)".
  // README: "standard OAuth clients configure themselves" from the RFC 8414 metadata. Expected: the token, the
  // unknown parameters ignored (kept bounded: the body limit and the string lengths still hold).
  it('F8: /oauth/token ignores parameters it does not know (resource, audience), as RFC 6749 requires', async () => {
    const { clientId, clientSecret } = h.clients.vendor;
    for (const extra of ['resource=https%3A%2F%2Ftruc.example.gov.vn', 'audience=truc-api']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}&${extra}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ token_type: string }>().token_type).toBe('Bearer');
    }
  });
});

describe('review26b: the rate limit and a percent-encoded path', () => {
  // review26b F9: the per-client rate limit (api.rateLimit, 1,200 a minute: README) skips every URL that does not
  // start with the bytes `/v1/` (src/app.ts `allowList: (request) => !request.url.startsWith('/v1/')`, on the raw
  // URL), but the router decodes percent-encoded characters: `/%761/changes` and `/v%31/changes` reach the
  // `/v1/changes` route (authenticated, 200) and are not counted: no RateLimit-* headers, no 429 ever. Any route,
  // pushes and dry runs included, is unlimited that way. Expected: the request counted as its route is
  // (RateLimit-Remaining one less than the previous), or the encoded form refused. Likely place: the allowList
  // (judge by the matched route, `request.routeOptions.url`, or the decoded path).
  it('F9: a /v1 route reached through a percent-encoded path is counted by the rate limit', async () => {
    const plain = await h.get('/v1/changes?limit=1', h.tokens.vendor);
    expect(plain.statusCode, plain.body).toBe(200);
    let remaining = Number(plain.headers['ratelimit-remaining']);
    expect(Number.isFinite(remaining)).toBe(true);
    for (const path of ['/%761/changes?limit=1', '/v%31/changes?limit=1']) {
      const res = await h.get(path, h.tokens.vendor);
      // Refused (any 4xx) is as good as counted; served, it must be counted.
      if (res.statusCode >= 400 && res.statusCode < 500) continue;
      expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
      expect(res.headers['ratelimit-remaining'], `${path}: not counted`).toBe(String(remaining - 1));
      remaining -= 1;
    }
  });
});
