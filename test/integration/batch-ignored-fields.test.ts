/**
 * W6b-4: a vendor batch in a system's own format tells which fields its records sent that truc ignored
 * (`ignoredFields`: names only, sorted, distinct, at most 50; `ignoredFieldsMore`: the other distinct names), on
 * GET /v1/batches/{id} and in the school's batches list; a name that could hold personal data (a run of digits, not
 * ASCII, over 64 characters) is counted, never listed, and no value is ever told; a NUL in a name is refused as
 * before. Another school's vendor reads none of it. Real PostgreSQL; the ingest run as a worker runs it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerContext, type WorkerContext } from '../../src/jobs/context.js';
import { ingestJob } from '../../src/jobs/ingest.js';
import { expectProblem, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (no worker runs here)

let ctx: WorkerContext;
beforeAll(() => {
  ctx = createWorkerContext(h.env.deps);
});

interface Told {
  status: string;
  ignoredFields: string[];
  ignoredFieldsMore: number;
}

/** A SMAS student of S1 (its code `code`) as a vendor sends it. */
const smasStudent = (code: string) => ({
  MaHocSinh: code,
  MaTruong: S1,
  HoVaTen: 'Đỗ Văn Em',
  NgaySinh: '04/03/2019',
  GioiTinh: 'Nam',
  DanToc: 'Kinh',
  TrangThai: 'Đang học',
  NamHoc: '2025-2026',
});

async function pushed(records: unknown[]): Promise<string> {
  const res = await h.pushBatch(h.tokens.vendor, S1, { entity: 'students', format: 'smas', records });
  expect(res.statusCode, res.body).toBe(202);
  return res.json<{ batchId: string }>().batchId;
}

/** Runs the batch's ingest as a worker does. */
async function ingest(batchId: string): Promise<void> {
  const res = await h.env.deps.db.query<{ id: number }>(
    `SELECT id FROM truc.outbox WHERE payload->>'batchId' = $1 AND done_at IS NULL AND dead_at IS NULL`,
    [batchId],
  );
  const outboxId = res.rows[0]!.id;
  const job = { id: `j-${outboxId}`, queue: ingestJob.queue, name: ingestJob.name, attempt: 1, outboxId };
  await ingestJob.run(ctx, { batchId }, job);
}

async function told(batchId: string, token = h.tokens.vendor): Promise<Told> {
  const res = await h.get(`/v1/batches/${batchId}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Told>();
}

async function listed(batchId: string, token = h.tokens.vendor): Promise<Told | undefined> {
  const res = await h.get(`/v1/schools/${S1}/batches?limit=100`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: (Told & { batchId: string })[] }>().items.find((i) => i.batchId === batchId);
}

describe('the fields a vendor batch sent that truc ignored (W6b-4)', () => {
  it('lists the ignored field names once a batch, sorted and distinct, never their values', async () => {
    const id = await pushed([
      { ...smasStudent('IGN0000001'), GhiChu: 'con ông Nguyễn Văn A', Zalo: '0901234567' },
      { ...smasStudent('IGN0000002'), GhiChu: 'khác', AnhDaiDien: 'x.png' },
      smasStudent('IGN0000003'),
    ]);
    expect(await told(id)).toMatchObject({ status: 'queued', ignoredFields: [], ignoredFieldsMore: 0 });
    await ingest(id);
    const view = await told(id);
    expect(view).toMatchObject({
      status: 'done',
      ignoredFields: ['AnhDaiDien', 'GhiChu', 'Zalo'],
      ignoredFieldsMore: 0,
    });
    expect(await listed(id)).toMatchObject({
      ignoredFields: ['AnhDaiDien', 'GhiChu', 'Zalo'],
      ignoredFieldsMore: 0,
    });
    // Names only: no value it sent is in either answer.
    for (const body of [JSON.stringify(view), JSON.stringify(await listed(id))])
      for (const value of ['Nguyễn Văn A', '0901234567', 'x.png']) expect(body).not.toContain(value);
  });

  it('a batch of nothing but the format’s fields ignored none; a re-push of the same body tells the same', async () => {
    const plain = await pushed([smasStudent('IGN0000010')]);
    await ingest(plain);
    expect(await told(plain)).toMatchObject({ status: 'done', ignoredFields: [], ignoredFieldsMore: 0 });
    const records = [{ ...smasStudent('IGN0000011'), GhiChu: 'một' }];
    const first = await pushed(records);
    await ingest(first);
    const again = await pushed(records); // the same bytes: stored as the first one's, judged at once
    expect(await told(again)).toMatchObject({ ignoredFields: ['GhiChu'], ignoredFieldsMore: 0 });
  });

  it('a field the format defines but truc does not carry (TenLop, NgayCapNhat) is not listed as ignored (fix10)', async () => {
    const id = await pushed([
      { ...smasStudent('IGN0000020'), TenLop: '1A1', NgayCapNhat: '01/10/2025 08:00:00', GhiChu: 'x' },
    ]);
    await ingest(id);
    expect(await told(id)).toMatchObject({ status: 'done', ignoredFields: ['GhiChu'], ignoredFieldsMore: 0 });
  });

  it('caps the list at 50 and counts the rest; a name that could be personal data is counted, not listed', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`Extra${String(i).padStart(2, '0')}`, 'v']),
    );
    const hostile = {
      '079201001234': 'v', // a personal ID as a name
      'Nguyễn Văn A': 'v', // a person's name as a name
      ['A'.repeat(5000)]: 'v', // very long
      'x\u200bz': 'v', // a zero-width space
    };
    const id = await pushed([{ ...smasStudent('IGN0000020'), ...many, ...hostile }]);
    await ingest(id);
    const view = await told(id);
    expect(view.ignoredFields).toEqual(Object.keys(many).sort().slice(0, 50));
    expect(view.ignoredFieldsMore).toBe(10 + 4);
    const body = JSON.stringify(view) + JSON.stringify(await listed(id));
    for (const name of Object.keys(hostile)) expect(body).not.toContain(name);
  });

  it('a NUL in a field name is refused before anything is stored, as before', async () => {
    const res = await h.pushBatch(h.tokens.vendor, S1, {
      entity: 'students',
      format: 'smas',
      records: [{ ...smasStudent('IGN0000030'), 'Ghi\u0000Chu': 'v' }],
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it('another school’s vendor reads neither the batch nor its ignored fields', async () => {
    const id = await pushed([{ ...smasStudent('IGN0000040'), GhiChu: 'v' }]);
    await ingest(id);
    expectProblem(await h.get(`/v1/batches/${id}`, h.tokens.other), 404, 'ERR_NOT_FOUND');
    const list = await h.get(`/v1/schools/${S1}/batches`, h.tokens.other);
    expect(list.statusCode).toBe(403);
    expect(list.body).not.toContain(id);
    const own = await h.get(`/v1/schools/${OTHER}/batches`, h.tokens.other);
    expect(own.statusCode).toBe(200);
    expect(own.body).not.toContain(id);
  });
});
