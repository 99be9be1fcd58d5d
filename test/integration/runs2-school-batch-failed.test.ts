/**
 * runs2 item 2: the school page (GET /v1/ops/schools/{code}) did not read deliveries: a batch ingested (done) whose
 * delivery to a target was dead-lettered said `done` there while GET /v1/batches/{id} says `failed` with that
 * delivery's code. One rule now (src/jobs/batch-status.ts batchState): both say failed and the code; a batch
 * delivered everywhere stays done on both. Real PostgreSQL, the push sets written through the store as ingest and
 * the worker leave them.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { student } from '../factories/records.js';
import { useApiHarness } from '../helpers/api.js';
import { ingestedBatch, schoolPageBatch, storeSchoolS1 } from '../helpers/school-page-batch.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
const failing = randomUUID();
const delivered = randomUUID();
const INGESTED = '2026-12-06T08:00:00.000Z';

interface Listed {
  id: string;
  status: string;
  errorCode: string | null;
  finishedAt: string | null;
}

beforeAll(async () => {
  const db = h.env.deps.db;
  await storeSchoolS1(db);
  const sets = createPushSetsRepo(db);
  for (const id of [failing, delivered]) {
    await ingestedBatch(db, id, { records: [student(`F-${id.slice(0, 4)}`)], finishedAt: INGESTED });
    const set = await sets.create({ system: 'hcm-csdl', entity: 'students', keys: ['K1'], batchId: id });
    await sets.markDelivered(set, { accepted: 1, rejected: 0, receiptId: 'r1' });
  }
  // the first batch's delivery to smas dead-lettered (its push job failed for good)
  const smas = await sets.create({ system: 'smas', entity: 'students', keys: ['K1'], batchId: failing });
  await sets.fail(smas, 'ERR_ADAPTER_UNAVAILABLE');
});

const listed = (id: string) => schoolPageBatch<Listed>(h, id);

describe('runs2 item 2: the school page tells a batch whose delivery failed as GET /v1/batches/{id} does', () => {
  it('failed with the delivery’s code on both; a batch delivered everywhere done on both', async () => {
    const one = await h.get(`/v1/batches/${failing}`, h.tokens.admin);
    const told = { status: 'failed', errorCode: 'ERR_ADAPTER_UNAVAILABLE', finishedAt: INGESTED };
    expect(one.json()).toMatchObject(told);
    expect(await listed(failing)).toMatchObject(told);

    const other = { status: 'done', errorCode: null, finishedAt: INGESTED };
    expect((await h.get(`/v1/batches/${delivered}`, h.tokens.admin)).json()).toMatchObject(other);
    expect(await listed(delivered)).toMatchObject(other);
  });
});
