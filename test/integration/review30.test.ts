/**
 * review30 (session 30, walked as a school-system vendor's developer integrating through the API from the README and
 * the integration guide, and as the city's IT staff on a Monday morning): findings reproduced here. An `it.fails` is
 * an open finding; it passes once the finding is fixed, and then becomes an `it`. Real PostgreSQL (and Redis where
 * the queue matters). Findings are described in /work/briefs/review30-findings.md (same numbering).
 * The IT staff's findings (alerts, `truc sync run` beside a running truc): review30-staff.test.ts.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { bearer, S1, student, tokenFor, useApiHarness } from '../helpers/api.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { school } from '../factories/records.js';

const PG = { name: 'postgres+redis', database: 'postgres', queue: 'redis' } as const;

interface Page {
  items: Array<{ key: string; updatedAt: string; record: Record<string, unknown> }>;
  nextCursor: string | null;
}

describe('review30, the vendor: reading back what changed', () => {
  const h = useApiHarness(PG);

  /** Writes canonical students as ingest's write statement does, in the transaction `q`. */
  const upsert = (
    q: Parameters<Parameters<typeof h.env.deps.db.tx>[0]>[0],
    rs: ReturnType<typeof student>[],
  ) =>
    createRecordsRepo(q).upsert(
      'students',
      rs.map((r) => ({ key: r.studentCode, scope: r.schoolCode, data: r, fingerprint: fingerprint(r) })),
      { system: 'vendor', mappingVersion: 'canonical@1' },
    );

  // F1 (vendor, README "Reads": `?updatedSince=<ISO 8601>`, the guide's step 4 and @truc/client's `records(…,
  // { updatedSince })`): a vendor keeping a copy of its school reads `updatedSince=<when its last read began>`.
  // A record written by a transaction that began before that read and committed after it (a snapshot's ingest
  // judging thousands of records, a city page, any write under load) is stamped `updated_at = now()`, the
  // transaction's START, so it is older than `updatedSince` although the read before did not see it: it is never
  // listed, and the vendor's copy keeps the old record for good (no error, nothing says so). Expected: a change
  // the previous read could not see is listed by `updatedSince` at that read's time (or the README says how far
  // back to ask, and the API answers so). Where: src/store/record-writes.ts `updated_at = now()`, src/store/reads.ts
  // `page` (`updated_at >= $3`); the change feed orders by commit visibility, the updatedSince read does not.
  // Fixed (fix31a): a read's last page answers `nextUpdatedSince`, the earlier of the read's time and the start of
  // every transaction open when it began (src/store/reads.ts `watermark`); the vendor sends it back instead of its
  // own clock. The ingest here has been under way 1.5 s when the vendor reads: longer than the watermark's margin.
  it('review30 F1: a change committed after a read is listed by updatedSince=<the nextUpdatedSince that read answered>', async () => {
    const db = h.env.deps.db;
    await db.tx(async (q) => {
      // The school itself is held (else an empty page is F4's 404).
      await createRecordsRepo(q).upsert(
        'schools',
        [{ key: S1, scope: S1, data: school(S1), fingerprint: fingerprint(school(S1)) }],
        { system: 'hcm-csdl', mappingVersion: 'hcm-csdl/schools@1' },
      );
      await upsert(q, [student('UPD1', S1)]);
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let wrote!: (began: Date) => void;
    const written = new Promise<Date>((r) => (wrote = r));
    // An ingest: its transaction begins, writes the changed record, goes on judging/writing, commits later.
    const ingest = db.tx(async (q) => {
      await upsert(q, [{ ...student('UPD1', S1), fullName: 'Trần Thị Bình' }]);
      wrote((await q.query<{ began: Date }>('SELECT now() AS began')).rows[0]!.began);
      await gate;
    });
    const began = await written;
    // Until the database's clock is 1.5 s past the ingest's start (its records' stamp): past the watermark's margin.
    await waitFor(
      async () =>
        (
          await db.query<{ past: boolean }>(
            `SELECT clock_timestamp() > $1::timestamptz + interval '1.5 seconds' AS past`,
            [began],
          )
        ).rows[0]!.past,
      { timeoutMs: 30_000, intervalMs: 100, what: "the ingest's start to be past the watermark's margin" },
    );
    // The vendor's sync reads its school (the change is not visible yet) and keeps the watermark it answers.
    const before = await h.get(`/v1/schools/${S1}/students`, h.tokens.vendor);
    const read = before.json<Page & { nextUpdatedSince: string }>();
    expect(read.items.find((i) => i.key === 'UPD1')?.record['fullName']).toBe('Nguyễn Văn An');
    release();
    await ingest;
    // Next time it asks what changed since that read.
    const res = await h.get(
      `/v1/schools/${S1}/students?updatedSince=${encodeURIComponent(read.nextUpdatedSince)}`,
      h.tokens.vendor,
    );
    expect(res.statusCode, res.body).toBe(200);
    const upd1 = res.json<Page>().items.find((i) => i.key === 'UPD1');
    expect(upd1?.record['fullName']).toBe('Trần Thị Bình');
  });
});

describe('review30, the vendor: a vendor client serving many schools', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    env = await makeDeps(PG);
    app = await buildApp(env.deps);
    // Listening, as `truc api` serves it: the HTTP parser's header limit applies (fastify's inject skips it).
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  // F7 (vendor, high: README "Identity and access", the walkthrough's `clients add --role vendor --schools …`; the city
  // has ~2,500 schools, `truc sim --schools 2500`, and SMAS and vnEdu each serve a large share): the access token
  // carries the client's whole school list as a claim (src/api/auth/tokens.ts `schools`), ~14.7 bytes a school once
  // base64url'd, though what a token may touch is read from the client's CURRENT state (src/api/plugins/auth.ts
  // currentPrincipal): the claim decides nothing. A vendor client of more than ~1,050 schools gets a token over the
  // API's header limit (api.maxHeaderBytes, 16 KB, not in the README), so every call it makes answers 431
  // ERR_HEADERS_TOO_LARGE (seen on the demo: 1,000 schools 15,239-byte token → 200; 1,100 → 16,706 bytes → 431;
  // 1,600 → 24 KB). Behind the city's reverse proxy it comes sooner (nginx's default header buffer is 8 KB: ~500
  // schools). Expected: a vendor client of any number of schools can use its token (the token need not carry them).
  it('review30 F7: a vendor client of 1,200 schools can call the API with its token', async () => {
    const schools = Array.from({ length: 1200 }, (_, i) => String(79300000 + i));
    const client = await addClient(env.deps.db, { name: 'Viettel SMAS', role: 'vendor', schools });
    const issued = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(issued.status).toBe(200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const res = await fetch(`${base}/v1/changes?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect({ status: res.status, tokenBytes: token.length }).toMatchObject({ status: 200 });
  });
});

describe('review30, the vendor: hostile input refused in both languages', () => {
  const h = useApiHarness(PG);

  /** A Vietnamese letter (not in English): the Vietnamese half of a `vi / en` message holds some. */
  const VIETNAMESE = /[ăâđêôơưàáạảãèéẹẻẽìíịỉĩòóọỏõùúụủũỳýỵỷỹầấậẩẫằắặẳẵềếệểễồốộổỗờớợởỡừứựửữ]/i;
  let nested = '{}';
  for (let i = 0; i < 40; i += 1) nested = `{"a":${nested}}`;

  // F5 (vendor, README "Errors": "the message in Vietnamese and English … so does each `errors[].message`, zod's own
  // words with its Vietnamese locale's, truc's own schema messages written with `both`"; common rule: every
  // user-facing message bilingual): the hostile-input refusals of src/api/plugins/input.ts `inspectJson` say their
  // `errors[].message` in English only: "a value holds a forbidden character" (a NUL or a lone surrogate in a value),
  // "a field name holds a forbidden character", "at most 32 levels" (ERR_BODY_TOO_DEEP), "at most 1000 items" (an
  // array inside a record). test/unit/api/zod-messages.test.ts reads only zod schema messages, so these pass it.
  // Expected: each reads `vi / en` like every other errors[].message.
  it('review30 F5: a hostile body’s errors[].message reads Vietnamese / English', async () => {
    const bodies = {
      nulValue: '{"entity":"students","records":[{"fullName":"a\\u0000b"}]}',
      nulName: '{"entity":"students","records":[{"a\\u0000":1}]}',
      deep: `{"entity":"students","records":[${nested}]}`,
      longArray: JSON.stringify({ entity: 'students', records: [{ x: Array<number>(1001).fill(1) }] }),
    };
    const messages: Record<string, string> = {};
    for (const [name, body] of Object.entries(bodies)) {
      const res = await h.pushBatch(h.tokens.vendor, S1, body);
      expect(res.statusCode, res.body).toBe(400);
      messages[name] = res.json<{ errors: Array<{ message: string }> }>().errors[0]!.message;
    }
    for (const [name, message] of Object.entries(messages)) {
      const [vi, en] = message.split(' / ');
      expect({ name, vi, en }).toEqual({
        name,
        vi: expect.stringMatching(VIETNAMESE),
        en: expect.any(String),
      });
    }
  });
});

describe('review30, the vendor: a school whose own record truc has not pulled yet', () => {
  const h = useApiHarness(PG);
  const S = '79000401';

  // F4 (vendor, README "Reads" and api27's one rule: "a school truc holds no record of is 404 at its record, its
  // record lists and its quality findings alike"): src/api/routes/records.ts asks `requireSchoolHeld` of every EMPTY
  // page, and that looks only at the school's own record (truc.schools). A school whose students truc holds (the
  // vendor pushed them) but whose own record the city's nightly `schools` pull has not brought yet (a new school, a
  // pilot without the city database, the first day) answers its student list 200 with its records, and the next
  // `?updatedSince=` poll when nothing changed 404 ERR_NOT_FOUND "truc holds no school <code>"; its staff or classes
  // list, none pushed yet, the same 404. @truc/client's `records()` throws on it. The same school is held on one page
  // and not on the next. Expected: an empty page of a school truc holds records of is `200 {"items":[],"nextCursor":
  // null}` (404 only for a school truc holds nothing of).
  it('review30 F4: an empty page of a school truc holds students of is 200, not 404', async () => {
    await h.env.deps.db.tx((q) =>
      createRecordsRepo(q).upsert(
        'students',
        [student('SCH1', S)].map((r) => ({
          key: r.studentCode,
          scope: S,
          data: r,
          fingerprint: fingerprint(r),
        })),
        { system: 'vendor', mappingVersion: 'canonical@1' },
      ),
    );
    const vendor = await h.tokenOf(
      await addClient(h.env.deps.db, { name: 'V401', role: 'vendor', schools: [S] }),
    );
    const all = await h.get(`/v1/schools/${S}/students`, vendor);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json<Page>().items.map((i) => i.key)).toEqual(['SCH1']);
    const since = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const none = await h.get(`/v1/schools/${S}/students?updatedSince=${since}`, vendor);
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json<Page>()).toEqual({ items: [], nextCursor: null, nextUpdatedSince: expect.any(String) });
    const staff = await h.get(`/v1/schools/${S}/staff`, vendor);
    expect(staff.statusCode, staff.body).toBe(200);
  });
});

describe('review30, the vendor: a provisional student code re-keyed', () => {
  const ID = '079219001234';
  const TAM = `TAM-${ID}`;
  let env: TestEnv;
  let app: FastifyInstance;
  let worker: Running;
  let vendor: string;

  beforeAll(async () => {
    env = await makeDeps(PG);
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    vendor = await tokenFor(
      app,
      await addClient(env.deps.db, { name: 'Vendor 301', role: 'vendor', schools: ['79000301', '79000302'] }),
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
  });

  interface Status {
    status: string;
    counts: { accepted: number; rejected: number; deleted: number };
  }
  /** Pushes `records` (delta or snapshot) to `school` as the vendor; the batch once the worker is done with it. */
  async function pushed(
    school: string,
    records: unknown[],
    mode: 'delta' | 'snapshot' = 'delta',
  ): Promise<Status & { id: string }> {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/schools/${school}/batches`,
      headers: { ...bearer(vendor), 'content-type': 'application/json' },
      payload: JSON.stringify({ entity: 'students', mode, records }),
    });
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json<{ batchId: string }>();
    return waitFor(
      async () => {
        const b = (
          await app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(vendor) })
        ).json<Status>();
        return ['done', 'failed', 'held'].includes(b.status) ? { ...b, id: batchId } : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the batch ingested' },
    );
  }
  const reads = async (school: string, code: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/v1/schools/${school}/students/${code}`,
        headers: bearer(vendor),
      })
    ).statusCode;
  const rules = async (batchId: string) =>
    (await app.inject({ method: 'GET', url: `/v1/batches/${batchId}/findings`, headers: bearer(vendor) }))
      .json<{ items: Array<{ rule: string }> }>()
      .items.map((f) => f.rule);
  /** The pupil (personal ID `ID`) under `code`, with three classmates, at `school`. */
  const pupil = (school: string, code: string) => ({ ...student(code, school), personalId: ID });
  const classmates = (school: string) => ['01', '02', '03'].map((n) => student(`${school}000${n}`, school));

  // F3 (vendor; DOMAIN §3.2, src/canonical/student.ts: "schools key them TAM-<personal ID> meanwhile and re-key by
  // personal ID later"): the canonical schema takes a new pupil's provisional code `TAM-<12-digit personal ID>`,
  // and nothing in truc re-keys it. When the Ministry issues the pupil's code, the vendor sends the pupil under it
  // with the same personal ID: refused, SACH_DUPLICATE_PERSONAL_ID_STORED (an error: "another stored, live record of
  // the same school holds this personal ID … remove the extra record and send again"). A delta batch cannot remove a
  // record: the only way out is a whole-school snapshot (which re-keys it: checked, it works), for one pupil, every
  // September-October for every new pupil. Expected: a delta record of the same school and personal ID under a
  // sector code takes over the provisional record (one pupil, one live record, under the new code).
  it('review30 F3: a delta re-keys a provisional TAM- student to its sector code', async () => {
    const S = '79000301';
    expect((await pushed(S, [...classmates(S), pupil(S, TAM)])).counts).toMatchObject({
      accepted: 4,
      rejected: 0,
    });
    expect(await reads(S, TAM)).toBe(200);
    const rekeyed = await pushed(S, [pupil(S, `${S}00042`)]);
    expect(await rules(rekeyed.id)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(rekeyed.counts).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await reads(S, `${S}00042`)).toBe(200);
    expect(await reads(S, TAM)).toBe(404);
  });
});
