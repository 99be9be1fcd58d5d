/**
 * refs2 item 2: the school page's batch list (GET /v1/ops/schools/{code}) said a held batch's raw finishedAt (its
 * ingest's end) and status done, though GET /v1/batches/{id} says held and finishedAt null while a city admin's
 * decision holds it (runs item 2, e785819f). One rule now (src/jobs/batch-status.ts finishedAtOf): held, null; once
 * decided, when the decision was carried out. Real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { student } from '../factories/records.js';
import { S1, useApiHarness } from '../helpers/api.js';
import { ingestedBatch, schoolPageBatch, storeSchoolS1 } from '../helpers/school-page-batch.js';

const h = useApiHarness({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
const batchId = randomUUID();
const INGESTED = '2026-12-06T08:00:00.000Z';
let holdId = 0;

interface Listed {
  id: string;
  status: string;
  finishedAt: string | null;
}

beforeAll(async () => {
  const db = h.env.deps.db;
  await storeSchoolS1(db);
  await ingestedBatch(db, batchId, { records: [student('H-1')], mode: 'snapshot', finishedAt: INGESTED });
  // its records applied, its deletions held by the guard
  holdId = await createGuardHoldsRepo(db).create({
    ...{ kind: 'batch', batchId, entity: 'students' },
    ...{
      diff: [
        {
          school: S1,
          live: 30,
          deleted: 0,
          moved: 0,
          changed: 0,
          keys: { deleted: [], moved: [], changed: [] },
        },
      ],
      reasons: [],
    },
  });
});

const listed = () => schoolPageBatch<Listed>(h, batchId);

describe('refs2 item 2: the school page tells a held batch as GET /v1/batches/{id} does', () => {
  it('held: status held, finishedAt null on both; decided: when the decision was done, on both', async () => {
    const one = await h.get(`/v1/batches/${batchId}`, h.tokens.admin);
    expect(one.json()).toMatchObject({ status: 'held', finishedAt: null });
    expect(await listed()).toMatchObject({ status: 'held', finishedAt: null });

    await createGuardHoldsRepo(h.env.deps.db).decide(holdId, 'rejected', 'test');
    const decided = (await h.get(`/v1/batches/${batchId}`, h.tokens.admin)).json<{ finishedAt: string }>();
    expect(decided.finishedAt).not.toBe(INGESTED); // the rejection's time, after its ingest
    expect(await listed()).toMatchObject({ status: 'done', finishedAt: decided.finishedAt });
  });
});
