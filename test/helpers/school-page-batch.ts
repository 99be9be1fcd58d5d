/**
 * A batch as the school page (GET /v1/ops/schools/{code}) lists it beside GET /v1/batches/{id} (refs2, runs2): school
 * S1 stored as hcm-csdl sends it, a canonical students batch of S1 whose ingest ended (`done`) at a given time, and
 * the batch's row on S1's page.
 */
import type { BatchMode } from '../../src/store/batches.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import type { Db } from '../../src/store/db.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { school } from '../factories/records.js';
import { expect } from 'vitest';
import { S1, type ApiHarness } from './api.js';

/** School S1's record, stored as hcm-csdl's pull stores it. */
export async function storeSchoolS1(db: Db): Promise<void> {
  const s = school(S1);
  await createRecordsRepo(db).upsert(
    'schools',
    [{ key: s.schoolCode, scope: s.schoolCode, data: s, fingerprint: fingerprint(s) }],
    { system: 'hcm-csdl', mappingVersion: 'test' },
  );
}

/** A canonical students batch `id` of S1 stored and its ingest ended (`done`) at `finishedAt` (ISO). */
export async function ingestedBatch(
  db: Db,
  id: string,
  opts: { records: unknown[]; finishedAt: string; mode?: BatchMode },
): Promise<void> {
  await createBatchesRepo(db).insert({
    ...{ id, clientId: 'test', schoolCode: S1, entity: 'students', format: 'canonical' },
    records: opts.records,
    ...(opts.mode ? { mode: opts.mode } : {}),
  });
  await db.query(`UPDATE truc.batches SET status = 'done', finished_at = $2 WHERE id = $1`, [
    id,
    opts.finishedAt,
  ]);
}

/** Batch `id`'s row on S1's school page, as the city admin reads it (undefined: not listed). */
export async function schoolPageBatch<B extends { id: string }>(
  h: ApiHarness,
  id: string,
): Promise<B | undefined> {
  const res = await h.get(`/v1/ops/schools/${S1}`, h.tokens.admin);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ batches: B[] }>().batches.find((b) => b.id === id);
}
