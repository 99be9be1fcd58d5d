/**
 * fix30d (review30 F3; DOMAIN §3.2): a provisional student code `TAM-<personal ID>` re-keyed. A student under a
 * sector code with the same personal ID as a live `TAM-<that ID>` record of the same school takes it over: one live
 * record under the new code; the change feed shows the delete of the `TAM-` key, then the create of the new one; the
 * city database (its simulator over HTTP, the worker's target) is sent the delete of the `TAM-` key and the new
 * record; the record carries the finding SACH_PROVISIONAL_REKEYED (info) and the batch's audit entry the keys
 * written so. By a vendor's delta or snapshot (a re-key weighs on the mass-change guard as a change, not a
 * deletion) and by a page pulled from the city database. Never across schools, never a provisional record whose
 * stored personal ID is another, never a record under a sector code (SACH_DUPLICATE_PERSONAL_ID_STORED).
 * Real PostgreSQL and Redis, the API and the worker role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { HCM_CSDL_MAPPINGS } from '../../src/mappings/hcm-csdl/index.js';
import { addClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { bearer, student, tokenFor } from '../helpers/api.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { settledSync, settleOutbox } from '../helpers/settled-sync.js';

const A = '79000301';
const B = '79000302';

interface Status {
  status: string;
  counts: { accepted: number; rejected: number; unchanged: number; deleted?: number };
}

/** What a harness holds once its `beforeAll` ran (see {@link useRekeyHarness}). */
interface Harness {
  env: TestEnv;
  hcm: HcmCsdlSimulator | undefined;
  app: FastifyInstance;
  worker: Running;
  vendor: string;
}

/**
 * The API and the worker role over their own PostgreSQL (and the city database's simulator as the hcm-csdl target
 * when `city`), a vendor of A and B, and what the tests read.
 */
function useRekeyHarness(opts: { city: boolean; configure?: (c: Config) => Config }) {
  const h = {} as Harness;

  beforeAll(async () => {
    h.hcm = opts.city
      ? await startCitySimulator({ seed: 'rekey30', schools: 1, studentsPerSchool: 2, tombstoneRate: 0 })
      : undefined;
    h.env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        ...(h.hcm ? { env: { HCM_CSDL_BASE_URL: h.hcm.url } } : {}),
        ...(opts.configure ? { configure: opts.configure } : {}),
      },
    );
    h.app = await buildApp(h.env.deps);
    await h.app.ready();
    h.worker = startWorkerRole(h.env.deps);
    h.vendor = await tokenFor(
      h.app,
      await addClient(h.env.deps.db, { name: 'Vendor 30d', role: 'vendor', schools: [A, B] }),
    );
  }, 120_000);

  afterAll(async () => {
    await h.worker?.stop();
    await h.app?.close();
    await h.env?.cleanup();
    await h.hcm?.close();
  });

  return {
    h,
    pushed: (school: string, records: unknown[], mode: 'delta' | 'snapshot' = 'delta') =>
      pushed(h, school, records, mode),
    live: (code: string) => live(h, code),
    findings: (batchId: string, query = '') => findings(h, batchId, query),
  };
}

/** Pushes `records` to `school` as the vendor; the batch once it and everything it caused are done. */
async function pushed(
  h: Harness,
  school: string,
  records: unknown[],
  mode: 'delta' | 'snapshot',
): Promise<Status & { id: string }> {
  const res = await h.app.inject({
    method: 'POST',
    url: `/v1/schools/${school}/batches`,
    headers: { ...bearer(h.vendor), 'content-type': 'application/json' },
    payload: JSON.stringify({ entity: 'students', mode, records }),
  });
  expect(res.statusCode, res.body).toBe(202);
  const { batchId } = res.json<{ batchId: string }>();
  await settleOutbox(h.env.deps.db, 'the batch');
  const b = (
    await h.app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: bearer(h.vendor) })
  ).json<Status>();
  expect(b.status).toBe('done');
  return { ...b, id: batchId };
}

/** The schools where student `code` is live. */
const live = async (h: Harness, code: string) =>
  (
    await h.env.deps.db.query<{ school: string }>(
      'SELECT school_code AS school FROM truc.students WHERE student_code = $1 AND deleted_at IS NULL',
      [code],
    )
  ).rows.map((r) => r.school);

/** A batch's findings as `rule:severity`. */
const findings = async (h: Harness, batchId: string, query: string) =>
  (
    await h.app.inject({
      method: 'GET',
      url: `/v1/batches/${batchId}/findings${query}`,
      headers: bearer(h.vendor),
    })
  )
    .json<{ items: Array<{ rule: string; severity: string }> }>()
    .items.map((f) => `${f.rule}:${f.severity}`);

/** A pupil of personal ID `id` under `code` at `school` (its stored personal ID `id`). */
const pupil = (code: string, id: string, school: string, name = 'Lê Thị Cúc') => ({
  ...student(code, school),
  personalId: id,
  fullName: name,
  birthDate: '2019-05-06',
});

describe('a provisional TAM- student code re-keyed (fix30d, review30 F3)', () => {
  const { h, pushed, live, findings } = useRekeyHarness({ city: true });
  const feedSince = async (seq: string) =>
    (
      await h.env.deps.db.query<{ op: string; keys: string[] }>(
        `SELECT op, record_keys AS keys FROM truc.record_changes
          WHERE seq > $1::bigint AND entity = 'students' ORDER BY tx, seq`,
        [seq],
      )
    ).rows.map((r) => `${r.op} ${r.keys.join(',')}`);
  const lastSeq = async () =>
    (
      await h.env.deps.db.query<{ s: string }>(
        'SELECT coalesce(max(seq), 0)::text AS s FROM truc.record_changes',
      )
    ).rows[0]!.s;

  it('a delta re-keys TAM-<ID>: one live record, the feed a delete then a create, the city told both, a finding and the audit', async () => {
    const ID = '079219001234';
    expect((await pushed(A, [pupil(`TAM-${ID}`, ID, A)])).counts).toMatchObject({ accepted: 1 });
    expect(h.hcm!.received.get('students', `TAM-${ID}`)).toBeDefined();
    const seq = await lastSeq();
    const rekeyed = await pushed(A, [pupil(`${A}00042`, ID, A)]);
    expect(rekeyed.counts).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await live(`${A}00042`)).toEqual([A]);
    expect(await live(`TAM-${ID}`)).toEqual([]);
    expect(await feedSince(seq)).toEqual([`delete TAM-${ID}`, `create ${A}00042`]);
    expect((await findings(rekeyed.id)).filter((r) => r.startsWith('SACH_'))).toEqual([
      'SACH_PROVISIONAL_REKEYED:info',
    ]);
    // The city database: the provisional key deleted, the new one created.
    expect(h.hcm!.received.deletedKeys('students')).toContain(`TAM-${ID}`);
    expect(h.hcm!.received.get('students', `${A}00042`)).toMatchObject({ soDinhDanhCaNhan: ID });
    const audit = await waitFor(
      async () =>
        (
          await h.env.deps.db.query<{ details: Record<string, unknown> }>(
            `SELECT details FROM truc.audit_log WHERE action = 'batch.ingested' AND subject = $1`,
            [`batch:${rekeyed.id}`],
          )
        ).rows[0],
      { what: 'the batch chained in the audit log' },
    );
    expect(audit.details).toMatchObject({ rekeyed: 1, rekeyedKeys: [`${A}00042`] });
    expect(JSON.stringify(audit.details)).not.toContain(ID);
  });

  it('never across schools: the provisional record of A stays, B’s pupil is B’s', async () => {
    const X = '079219002001';
    await pushed(A, [pupil(`TAM-${X}`, X, A, 'Phạm Văn Dũng')]);
    const other = await pushed(B, [pupil(`${B}00001`, X, B, 'Phạm Văn Dũng')]);
    expect(other.counts).toMatchObject({ accepted: 1 });
    expect(await findings(other.id)).not.toContain('SACH_PROVISIONAL_REKEYED:info');
    expect(await live(`TAM-${X}`)).toEqual([A]);
    expect(await live(`${B}00001`)).toEqual([B]);
  });

  it('never a TAM- record whose stored personal ID is not its code’s: a pupil of that stored ID is refused', async () => {
    const Y = '079219003001';
    const Z = '079219003002';
    await pushed(A, [pupil(`TAM-${Y}`, Z, A, 'Võ Thị Em')]);
    const differs = await pushed(A, [pupil(`${A}00051`, Z, A, 'Võ Thị Em')]);
    expect(differs.counts).toMatchObject({ accepted: 0, rejected: 1 });
    expect(await findings(differs.id)).toContain('SACH_DUPLICATE_PERSONAL_ID_STORED:error');
    expect(await live(`TAM-${Y}`)).toEqual([A]);
  });

  it('never a record under a sector code: a second record of the pupil, refused as before', async () => {
    const W = '079219004001';
    await pushed(A, [pupil(`${A}00061`, W, A, 'Đặng Văn Giang')]);
    const second = await pushed(A, [pupil(`${A}00062`, W, A, 'Đặng Văn Giang')]);
    expect(second.counts).toMatchObject({ accepted: 0, rejected: 1 });
    expect(await findings(second.id)).toContain('SACH_DUPLICATE_PERSONAL_ID_STORED:error');
    expect(await live(`${A}00061`)).toEqual([A]);
    expect(await live(`${A}00062`)).toEqual([]);
  });

  it('a snapshot re-keys by the same path: no deletion counted, not held by the guard however many it re-keys', async () => {
    // 20 pupils (the guard's minRecords), 8 of them provisional: their deletions would be 40 % (over deleteRatio 30 %).
    const S = B;
    const ids = Array.from({ length: 8 }, (_, i) => `0792190050${String(i).padStart(2, '0')}`);
    const others = Array.from({ length: 12 }, (_, i) => student(`${S}1${String(i).padStart(4, '0')}`, S));
    const first = await pushed(
      S,
      [...others, ...ids.map((id, i) => pupil(`TAM-${id}`, id, S, `Học Sinh Tạm ${'ABCDEFGH'[i]}`))],
      'snapshot',
    );
    expect(first.counts).toMatchObject({ accepted: 20, rejected: 0 });
    const rekeyed = await pushed(
      S,
      [...others, ...ids.map((id, i) => pupil(`${S}2000${i}`, id, S, `Học Sinh Tạm ${'ABCDEFGH'[i]}`))],
      'snapshot',
    );
    expect(rekeyed.counts).toMatchObject({ accepted: 8, rejected: 0, unchanged: 12, deleted: 0 });
    for (const id of ids) expect(await live(`TAM-${id}`)).toEqual([]);
    expect(await live(`${S}20003`)).toEqual([S]);
    expect(await findings(rekeyed.id, '?criterion=sach')).toEqual(
      ids.map(() => 'SACH_PROVISIONAL_REKEYED:info'),
    );
  });

  it('a page pulled from the city database re-keys too (the city is not sent its own word back)', async () => {
    const ID = '079219006001';
    await pushed(A, [pupil(`TAM-${ID}`, ID, A, 'Bùi Thị Hoa')]);
    // The city database holds it now (truc sent it); a pull lists it unchanged.
    await settledSync(h.env.deps, 'hcm-csdl', false);
    const code = `${A}00071`;
    const wire = HCM_CSDL_MAPPINGS.students.fromCanonical!(pupil(code, ID, A, 'Bùi Thị Hoa'), {
      now: () => new Date(),
    });
    h.hcm!.received.put('students', wire, new Date().toISOString());
    const before = h.hcm!.received.deletedKeys('students').length;
    await settledSync(h.env.deps, 'hcm-csdl', false);
    expect(await live(code)).toEqual([A]);
    expect(await live(`TAM-${ID}`)).toEqual([]);
    // Its own page: no deletion of it goes back to the city database.
    expect(h.hcm!.received.deletedKeys('students')).toHaveLength(before);
  });
});

describe('a provisional TAM- student code re-keyed with the stored duplicate rule off in the city policy', () => {
  const { pushed, live, findings } = useRekeyHarness({
    city: false,
    configure: (c) => ({
      ...c,
      quality: { ...c.quality, policy: { students: { SACH_DUPLICATE_PERSONAL_ID_STORED: 'off' } } },
    }),
  });

  it('re-keys all the same (its own read): one live record, under the new code', async () => {
    const ID = '079219007001';
    await pushed(A, [pupil(`TAM-${ID}`, ID, A)]);
    const rekeyed = await pushed(A, [pupil(`${A}00081`, ID, A)]);
    expect(rekeyed.counts).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await live(`TAM-${ID}`)).toEqual([]);
    expect(await live(`${A}00081`)).toEqual([A]);
    expect(await findings(rekeyed.id, '?criterion=sach')).toEqual(['SACH_PROVISIONAL_REKEYED:info']);
  });
});
