/**
 * review34a (stop 54, walked as a school-management-system vendor's first week, from README.md,
 * docs/integration-guide.md and openapi/truc.v1.json only, against a listening truc): the findings reproduced over
 * real HTTP. An `it.fails` is an open finding; it passes once the finding is fixed, and then becomes an `it`. The
 * findings are described in /work/briefs/review34a-findings.md (same numbering).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import openapi from '../../openapi/truc.v1.json' with { type: 'json' };
import { addClient, type NewClient } from '../../src/ops.js';
import { startApi, startWorkerRole, type Running } from '../../src/roles.js';
import { SCHOOL, student } from '../factories/records.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

let env: TestEnv;
let api: Running & { url: string };
let worker: Running;
let vendor: NewClient;
let token: string;

beforeAll(async () => {
  env = await makeDeps(backends()[0]!);
  api = await startApi(env.deps, { port: 0, host: '127.0.0.1' });
  worker = startWorkerRole(env.deps);
  vendor = await addClient(env.deps.db, { name: 'review34a vendor', role: 'vendor', schools: [SCHOOL] });
  token = await tokenOf(vendor);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await env?.cleanup();
});

/** A token of `client` from the API's token endpoint. */
async function tokenOf(client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${api.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Requests with `bearer()`'s token; a body is sent as JSON. */
const callWith = (bearer: () => string) => (method: string, path: string, body?: unknown) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const call = callWith(() => token);

type Op = { responses?: Record<string, { headers?: Record<string, unknown> }> };
const documented = (path: string, method: string, status: string): string[] =>
  Object.keys(
    ((openapi.paths as Record<string, Record<string, Op>>)[path]?.[method]?.responses ?? {})[status]
      ?.headers ?? {},
  ).map((h) => h.toLowerCase());

describe('review34a, a vendor over real HTTP', () => {
  // F1 (MEDIUM): POST /v1/webhooks answers 201 with `Location: /v1/webhooks/{id}`, the created resource (RFC 9110
  // §15.3.2). Following it was `404 ERR_ROUTE_NOT_FOUND` "No such route": no route read one subscription (only its
  // DELETE, its deliveries and its ping). A vendor checking what it subscribed (events, disabled) had to list them all.
  it('F1: the Location of a new webhook subscription answers that subscription', async () => {
    const created = await call('POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/review34a',
      events: ['batch.finished'],
    });
    expect(created.status).toBe(201);
    const sub = (await created.json()) as { id: string; events: string[] };
    const location = created.headers.get('location');
    expect(location).toBe(`/v1/webhooks/${sub.id}`);
    const read = await call('GET', location!);
    expect(read.status, await read.clone().text()).toBe(200);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: sub.id, events: ['batch.finished'], disabled: false });
    expect(body).not.toHaveProperty('secret'); // shown once, at creation
    // another's, or one removed: 404 ERR_NOT_FOUND, as its deliveries and its ping answer
    expect((await call('DELETE', location!)).status).toBe(204);
    const gone = await call('GET', location!);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { code: string }).code).toBe('ERR_NOT_FOUND');
  });

  // F2 (LOW): the spec documents a `Location` header on the 202 of POST /v1/webhooks/{id}/ping (as on every 202), but
  // the ping answered none; a generated client reading it got null. It now points at the subscription's deliveries,
  // where the test delivery shows (the body's `deliveriesUrl`).
  it('F2: a ping answers the Location its 202 documents', async () => {
    expect(documented('/v1/webhooks/{id}/ping', 'post', '202')).toContain('location');
    const created = await call('POST', '/v1/webhooks', {
      url: 'http://127.0.0.1:9/review34a-ping',
      events: ['batch.finished'],
    });
    const sub = (await created.json()) as { id: string };
    const ping = await call('POST', `/v1/webhooks/${sub.id}/ping`);
    expect(ping.status).toBe(202);
    const body = (await ping.json()) as { deliveriesUrl: string };
    expect(ping.headers.get('location')).toBe(body.deliveriesUrl);
    expect((await call('DELETE', `/v1/webhooks/${sub.id}`)).status).toBe(204);
  });

  // F4 (LOW): a record read answers an `ETag` (README: "send it back as If-None-Match"), but the spec's 200 and 304
  // of the four record routes documented no ETag header, only the body's `etag`: a vendor's generated client (or
  // one reading headers, as `@truc/client`'s `record` takes an etag) found nothing to read it from.
  it('F4: the record routes document the ETag header they send', async () => {
    const push = await call('POST', `/v1/schools/${SCHOOL}/batches?dryRun=false`, {
      entity: 'students',
      format: 'canonical',
      records: [student('7900000134001')],
    });
    expect(push.status).toBe(202);
    const path = `/v1/schools/${SCHOOL}/students/7900000134001`;
    const read = await waitFor(async () => {
      const r = await call('GET', path);
      return r.status === 200 ? r : undefined;
    });
    expect(read.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    for (const [p, key] of [
      ['/v1/schools/{schoolCode}', undefined],
      ['/v1/schools/{schoolCode}/students/{studentCode}', 'studentCode'],
      ['/v1/schools/{schoolCode}/staff/{staffCode}', 'staffCode'],
      ['/v1/schools/{schoolCode}/classes/{classKey}', 'classKey'],
    ] as const) {
      expect(documented(p, 'get', '200'), `${p} ${key ?? ''}`).toContain('etag');
      expect(documented(p, 'get', '304'), p).toContain('etag');
    }
  });

  // F5 (MEDIUM): a batch in a vendor's own format (smas, vnedu) was told its findings at JSON pointers of two
  // vocabularies: the mapping's at the wire field sent (`/NgaySinh`, `/SoCCCD`), the quality rules' at the canonical
  // field (`/personalId`, `/classCode`, `/residenceCommuneCode`), names the vendor's record does not have and the
  // SMAS wire schema (SmasStudentsRecord) does not list. A SMAS developer had to learn the canonical model to find
  // which of its fields `DU_PERSONAL_ID_MISSING` or `DU_STUDENT_WITHOUT_CLASS` is about. One rule now: `pointer`
  // points into the record as sent, `canonicalPointer` names truc's field alongside, in the dry run and the filed
  // findings alike.
  it("F5: every finding of a smas batch points at a field of the smas record, truc's field alongside", async () => {
    const record = {
      MaHocSinh: '7900000134002',
      MaTruong: SCHOOL,
      HoVaTen: 'Đỗ Văn Em',
      NgaySinh: '04/03/2019',
      GioiTinh: 'Nam',
      DanToc: 'Kinh',
      TrangThai: 'Đang học',
      NamHoc: '2025-2026',
      KhoiHoc: '1',
    };
    const body = {
      entity: 'students',
      format: 'smas',
      records: [
        record,
        { ...record, MaHocSinh: '7900000134012', NgaySinh: '31/02/2019' },
        { ...record, MaHocSinh: '7900000134022', SoCCCD: '123456789' }, // a legacy CMND: refused, the record kept
      ],
    };
    const wire = Object.keys(
      (openapi.components.schemas as unknown as Record<string, { properties: object }>)['SmasStudentsRecord']!
        .properties,
    );
    type Told = { rule: string; pointer: string; canonicalPointer: string | null; recordIndex: number };
    const check = (findings: Told[]) => {
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) {
        if (f.pointer === '') expect(f.canonicalPointer, f.rule).toBe('');
        else expect(wire, `${f.rule} ${f.pointer}`).toContain(f.pointer.split('/')[1]);
      }
      const at = (rule: string, index = 0) =>
        findings.find((f) => f.rule === rule && f.recordIndex === index);
      // a quality rule's finding (filed at the canonical field) and a mapping's (filed at the wire field)
      expect(at('DU_PERSONAL_ID_MISSING')).toMatchObject({
        pointer: '/SoCCCD',
        canonicalPointer: '/personalId',
      });
      expect(at('DU_STUDENT_WITHOUT_CLASS')).toMatchObject({
        pointer: '/MaLop',
        canonicalPointer: '/classCode',
      });
      expect(at('MAP_BAD_DATE', 1)).toMatchObject({ pointer: '/NgaySinh', canonicalPointer: '/birthDate' });
      expect(at('DUNG_PERSONAL_ID_LEGACY', 2)).toMatchObject({
        pointer: '/SoCCCD',
        canonicalPointer: '/personalId',
      });
    };
    const dry = await call('POST', `/v1/schools/${SCHOOL}/batches?dryRun=true`, body);
    expect(dry.status, await dry.clone().text()).toBe(200);
    check(((await dry.json()) as { findings: Told[] }).findings);
    const push = await call('POST', `/v1/schools/${SCHOOL}/batches`, body);
    expect(push.status).toBe(202);
    const { batchId } = (await push.json()) as { batchId: string };
    await waitFor(async () => {
      const b = (await (await call('GET', `/v1/batches/${batchId}`)).json()) as { status: string };
      return b.status === 'done' || b.status === 'failed';
    });
    const filed = await call('GET', `/v1/batches/${batchId}/findings?limit=100`);
    expect(filed.status).toBe(200);
    check(((await filed.json()) as { items: Told[] }).items);
    // the record's verdict is about truc's canonical record: its findings point into it, the mapping's too
    const school = await call('GET', `/v1/schools/${SCHOOL}/quality/findings?rule=DUNG_PERSONAL_ID_LEGACY`);
    const { items } = (await school.json()) as { items: { recordKey: string; pointer: string }[] };
    expect(items.find((f) => f.recordKey === '7900000134022')).toMatchObject({ pointer: '/personalId' });
  });

  // F6 (MEDIUM): nothing computes the quality scorecards but a city admin's POST /v1/quality/runs (the scheduler keeps
  // the website probe and the change-feed purge only; the demo runs it once). Until then a vendor's
  // GET /v1/schools/{code}/quality of its own school, holding records and findings, answered a bare
  // `404 ERR_NOT_FOUND` "The resource was not found", as for a school that does not exist. It now says why, in both
  // languages, and where the findings are to be read meanwhile.
  it('F6: a school scorecard not computed yet says so, not a bare "not found"', async () => {
    const push = await call('POST', `/v1/schools/${SCHOOL}/batches`, {
      entity: 'students',
      format: 'canonical',
      records: [student('7900000134003')],
    });
    expect(push.status).toBe(202);
    await waitFor(async () => (await call('GET', `/v1/schools/${SCHOOL}/students/7900000134003`)).ok);
    const res = await call('GET', `/v1/schools/${SCHOOL}/quality`);
    expect(res.status).toBe(404);
    const problem = (await res.json()) as { code: string; detail?: string };
    expect(problem.code).toBe('ERR_NOT_FOUND');
    expect(problem.detail).toContain('POST /v1/quality/runs');
    expect(problem.detail).toContain(`/v1/schools/${SCHOOL}/quality/findings`);
    expect(problem.detail).toMatch(/chưa .* \/ .*no scorecard/);
  });

  // N3 (LOW): `updatedSince` refused a plain date (`2026-09-01`: 400), while every `from`/`to` of truc's lists takes
  // one as the start of that day in Vietnam. Now it does too: one reading of a time in every query.
  it('N3: updatedSince takes a day, as the start of that day in Vietnam, as from/to do', async () => {
    // Today in Vietnam, taken before the record is written (not after: near midnight there, the next day).
    const day = vietnamDay();
    const push = await call('POST', `/v1/schools/${SCHOOL}/batches`, {
      entity: 'students',
      format: 'canonical',
      records: [student('7900000134031')],
    });
    expect(push.status).toBe(202);
    await waitFor(async () => (await call('GET', `/v1/schools/${SCHOOL}/students/7900000134031`)).ok);
    const keys = async (since: string) => {
      const res = await call('GET', `/v1/schools/${SCHOOL}/students?limit=1000&updatedSince=${since}`);
      expect(res.status, `${since}: ${await res.clone().text()}`).toBe(200);
      return ((await res.json()) as { items: { key: string }[] }).items.map((i) => i.key);
    };
    expect(await keys(day)).toContain('7900000134031');
    expect(await keys(day)).toEqual(await keys(encodeURIComponent(`${day}T00:00:00+07:00`)));
    expect(await keys('2099-01-01')).toEqual([]);
    const bad = await call('GET', `/v1/schools/${SCHOOL}/students?updatedSince=2026-02-30`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ERR_VALIDATION');
  });

  // N6 (LOW): a record refused for its format (a mapping or the canonical schema refused it, before it had a key) had
  // `recordKey: null` in its findings: the vendor had only its index to find it by. It now carries the code it was
  // sent with (its student or staff code, in its format's field), when that looks like a key; never another field.
  it('N6: a record refused for its format is told by the code it was sent with', async () => {
    const smas = {
      MaTruong: SCHOOL,
      HoVaTen: 'Đỗ Văn Em',
      NgaySinh: '04/03/2019',
      GioiTinh: 'Không rõ', // not a SMAS sex: refused by the mapping
      DanToc: 'Kinh',
      TrangThai: 'Đang học',
      NamHoc: '2025-2026',
    };
    type Told = { rule: string; recordIndex: number; recordKey: string | null; severity: string };
    const refusedKeys = (findings: Told[]) =>
      [0, 1].map((i) => findings.find((f) => f.recordIndex === i && f.severity === 'error')?.recordKey);
    const body = {
      entity: 'students',
      format: 'smas',
      records: [
        { ...smas, MaHocSinh: '7900000134061' },
        { ...smas, MaHocSinh: 'Đỗ Văn Em' }, // not a key: not told back
      ],
    };
    const dry = await call('POST', `/v1/schools/${SCHOOL}/batches?dryRun=true`, body);
    expect(dry.status, await dry.clone().text()).toBe(200);
    expect(refusedKeys(((await dry.json()) as { findings: Told[] }).findings)).toEqual([
      '7900000134061',
      null,
    ]);
    const push = await call('POST', `/v1/schools/${SCHOOL}/batches`, body);
    const { batchId } = (await push.json()) as { batchId: string };
    await waitFor(async () => {
      const b = (await (await call('GET', `/v1/batches/${batchId}`)).json()) as { status: string };
      return b.status === 'done' || b.status === 'failed';
    });
    const filed = await call('GET', `/v1/batches/${batchId}/findings?limit=100`);
    expect(refusedKeys(((await filed.json()) as { items: Told[] }).items)).toEqual(['7900000134061', null]);
    // a canonical record the schema refuses (no fullName): its studentCode
    const canonical = await call('POST', `/v1/schools/${SCHOOL}/batches?dryRun=true`, {
      entity: 'students',
      format: 'canonical',
      records: [{ ...student('7900000134062'), fullName: undefined }],
    });
    const told = ((await canonical.json()) as { findings: Told[] }).findings;
    expect(told.find((f) => f.severity === 'error')).toMatchObject({ recordKey: '7900000134062' });
  });

  // N1 (LOW): POST /v1/quality/runs's 202 documented a Location (as every 202) it never sent: a generated client read
  // null. fix36d gave the run a status resource, so the Location it documents is sent, and answers the run.
  it('N1: POST /v1/quality/runs documents its Location, sends it, and it answers the run', async () => {
    expect(documented('/v1/quality/runs', 'post', '202')).toContain('location');
    expect(documented('/v1/syncs', 'post', '202')).toContain('location'); // the house pattern, kept
    const admin = await addClient(env.deps.db, { name: 'review34a N1 admin', role: 'city-admin' });
    const adminToken = await tokenOf(admin);
    const run = await callWith(() => adminToken)('POST', '/v1/quality/runs');
    expect(run.status).toBe(202);
    const location = run.headers.get('location');
    expect(location).toMatch(/^\/v1\/quality\/runs\/\d+$/);
    const read = await callWith(() => adminToken)('GET', location!);
    expect(read.status, await read.clone().text()).toBe(200);
  });

  // N2 (LOW): POST /v1/admin/clients answers 201 with `Location: /v1/admin/clients/{id}`, a path that had only PATCH:
  // following it was 404 "No such route". It now reads the client (without its secret).
  it('N2: the Location of a new API client answers that client', async () => {
    const admin = await addClient(env.deps.db, { name: 'review34a admin', role: 'city-admin' });
    const adminToken = await tokenOf(admin);
    const asAdmin = callWith(() => adminToken);
    const created = await asAdmin('POST', '/v1/admin/clients', {
      name: 'Phần mềm N2',
      role: 'vendor',
      schools: [SCHOOL],
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const read = await asAdmin('GET', location);
    expect(read.status, await read.clone().text()).toBe(200);
    const body = (await read.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'Phần mềm N2', role: 'vendor', schools: [SCHOOL], disabled: false });
    expect(body).not.toHaveProperty('clientSecret');
    const missing = await asAdmin('GET', '/v1/admin/clients/cl_doesnotexist');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('ERR_NOT_FOUND');
    expect((await call('GET', location)).status).toBe(403); // a vendor's token: not an admin
  });
});
