/**
 * vendor6 items 1 and 2: a batch's delivery that failed for good said `failed` with `refused: []` and its code only.
 * It now lists the dead-lettered set's keys in `refused` (with the letter's code), and its dead letters (`deadLetters`:
 * id, code, whether a replay takes it, why in both languages) in GET /v1/batches/{id}, the batch list and the school
 * page (there without keys); and a snapshot's deliveries count upserts and deletes apart (`upserts`, `deletes`:
 * delivered, pending, failed records). Real PostgreSQL; letters recorded as the worker records them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { S1, useApiHarness } from '../helpers/api.js';
import { pushSetLetter } from '../helpers/dead-letter.js';
import { ingestedBatch, schoolPageBatch, storeSchoolS1 } from '../helpers/school-page-batch.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });

const BATCH = '6e000000-0000-4000-8000-000000000001';
const CLOSED = '6e000000-0000-4000-8000-000000000002';
const none = { delivered: 0, pending: 0, failed: 0 };

interface Letter {
  id: number;
  errorCode: string;
  replayable: boolean;
  message: { vi: string; en: string };
}
interface Delivery {
  system: string;
  state: string;
  refused: Array<{ key: string; code: string | null }>;
  deadLetters: Letter[];
}

const view = async (id: string) => {
  const res = await h.get(`/v1/batches/${id}`, h.tokens.admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ status: string; errorCode: string | null; deliveries: Delivery[] }>();
};

describe('a delivery that failed for good says why, and a snapshot’s deliveries count upserts and deletes apart', () => {
  let letter = 0;
  beforeAll(async () => {
    const db = h.env.deps.db;
    const sets = createPushSetsRepo(db);
    await storeSchoolS1(db);
    // A snapshot of S1: two records written, two deleted, each change to smas and hcm-csdl.
    await ingestedBatch(db, BATCH, { records: [], finishedAt: new Date().toISOString(), mode: 'snapshot' });
    const upsert = { entity: 'students', keys: ['U1', 'U2'], batchId: BATCH } as const;
    const smasUpserts = await sets.create({ system: 'smas', ...upsert });
    const smasDeletes = await sets.create({
      ...{ system: 'smas', entity: 'students', operation: 'delete', batchId: BATCH },
      ...{ keys: ['D1', 'D2'], schools: [S1, S1] },
    });
    await sets.create({ system: 'hcm-csdl', ...upsert });
    await sets.markDelivered(smasDeletes, { accepted: 2, rejected: 0, receiptId: 'r1' });
    letter = await pushSetLetter(db, smasUpserts);
  });

  it('GET /v1/batches/{id}: the refused keys with the letter’s code, the letter, and the counts per operation', async () => {
    const v = await view(BATCH);
    expect(v).toMatchObject({ status: 'failed', errorCode: 'ERR_ADAPTER_REJECTED' });
    expect(v.deliveries).toEqual([
      {
        ...{
          system: 'hcm-csdl',
          state: 'pending',
          errorCode: null,
          rejected: 0,
          refused: [],
          deadLetters: [],
        },
        ...{
          upserts: { delivered: 0, pending: 2, failed: 0 },
          deletes: none,
          deliveredAt: null,
          waiting: null,
        },
      },
      {
        ...{ system: 'smas', state: 'failed', errorCode: 'ERR_ADAPTER_REJECTED', rejected: 0 },
        refused: [
          { key: 'U1', code: 'ERR_ADAPTER_REJECTED' },
          { key: 'U2', code: 'ERR_ADAPTER_REJECTED' },
        ],
        upserts: { delivered: 0, pending: 0, failed: 2 },
        deletes: { delivered: 2, pending: 0, failed: 0 },
        deadLetters: [
          {
            ...{ id: letter, errorCode: 'ERR_ADAPTER_REJECTED', replayable: true },
            message: {
              vi:
                'Không chuyển được tới smas: Hệ thống ngoài từ chối dữ liệu. ' +
                `Việc lỗi ${letter} còn mở: quản trị Sở có thể chạy lại (truc dead-letters replay --ids ${letter}).`,
              en:
                'Not delivered to smas: The external system rejected the data. ' +
                `Dead letter ${letter} is open: a city admin can replay it (truc dead-letters replay --ids ${letter}).`,
            },
          },
        ],
        deliveredAt: null,
        waiting: null,
      },
    ]);
  });

  it('the batch list and the school page show each delivery’s letters, no keys', async () => {
    const res = await h.get(`/v1/schools/${S1}/batches`, h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const item = res
      .json<{ items: Array<{ batchId: string; deliveries: unknown }> }>()
      .items.find((i) => i.batchId === BATCH)!;
    const told = (await view(BATCH)).deliveries.find((d) => d.system === 'smas')!.deadLetters;
    const expected = [
      { system: 'hcm-csdl', state: 'pending', errorCode: null, deadLetters: [] },
      { system: 'smas', state: 'failed', errorCode: 'ERR_ADAPTER_REJECTED', deadLetters: told },
    ];
    expect(item.deliveries).toEqual(expected);
    expect((await schoolPageBatch<{ id: string; deliveries: unknown }>(h, BATCH))?.deliveries).toEqual(
      expected,
    );
    expect(JSON.stringify(item)).not.toMatch(/"U[12]"/);
  });

  it('a list’s read of the deliveries does not gather the refused keys it would not tell (review6 R6-5)', async () => {
    const sets = createPushSetsRepo(h.env.deps.db);
    const smasOf = async (keys?: boolean) =>
      (await sets.deliveriesOfBatches([BATCH], keys === undefined ? {} : { keys }))
        .get(BATCH)!
        .find((d) => d.system === 'smas')!;
    const whole = await smasOf();
    expect(whole.refused.map((r) => r.key)).toEqual(['U1', 'U2']);
    const listed = await smasOf(false);
    expect(listed.refused).toEqual([]);
    expect({ ...listed, refused: whole.refused }).toEqual(whole);
  });

  it('a replayed letter leaves the delivery pending, nothing refused; a closed one is told not replayable', async () => {
    const replay = await h.send('POST', '/v1/dead-letters/replay', h.tokens.admin, { ids: [letter] });
    expect(replay.statusCode, replay.body).toBe(200);
    const smas = (await view(BATCH)).deliveries.find((d) => d.system === 'smas')!;
    expect(smas).toMatchObject({ state: 'pending', refused: [], deadLetters: [] });
    expect(smas).toMatchObject({ upserts: { delivered: 0, pending: 2, failed: 0 } });

    const db = h.env.deps.db;
    await ingestedBatch(db, CLOSED, { records: [], finishedAt: new Date().toISOString() });
    const set = await createPushSetsRepo(db).create({
      ...{ system: 'smas', entity: 'students', keys: ['C1'], batchId: CLOSED },
    });
    const closed = await pushSetLetter(db, set, 'ERR_ADAPTER_FORBIDDEN');
    await createDeadLettersRepo(db).markClosed([closed], 'abandoned');
    const [d] = (await view(CLOSED)).deliveries;
    expect(d).toMatchObject({ state: 'failed', refused: [{ key: 'C1', code: 'ERR_ADAPTER_FORBIDDEN' }] });
    expect(d!.deadLetters).toEqual([
      {
        ...{ id: closed, errorCode: 'ERR_ADAPTER_FORBIDDEN', replayable: false },
        message: {
          vi: `Không chuyển được tới smas: Hệ thống ngoài không cho phép thao tác này. Việc lỗi ${closed} đã đóng, không chạy lại được.`,
          en: `Not delivered to smas: The external system forbids this operation. Dead letter ${closed} is closed: it is not replayed.`,
        },
      },
    ]);
  });
});
