/**
 * A vendor's students body as the API stores one: with the SHA-256 of its bytes, so the same body pushed
 * again finds the batch that keeps its records (a repeat). For the ingest tests of repeats, on the
 * in-memory database and on PostgreSQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import { queueBatch, type QueueBatchOptions } from '../../src/jobs/contracts.js';
import type { Counts } from '../../src/jobs/ingest-counts.js';
import type { NewBatch } from '../../src/store/batches.js';
import type { Db } from '../../src/store/db.js';
import { S1 } from './api.js';

/** `records` as vendor-1's body for `school` (S1): the batch the API stores, but for its id. */
export function vendorBody(
  records: unknown[],
  school = S1,
): Omit<NewBatch, 'id'> & { entity: 'students'; bodySha256: string } {
  const body = JSON.stringify({ entity: 'students', records });
  return {
    clientId: 'vendor-1',
    schoolCode: school,
    entity: 'students',
    format: 'canonical',
    records,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}

/** Queues `records` as vendor-1's body for `school` (S1); returns the batch's id and what was judged at once. */
export async function queueVendorBody(
  db: Pick<Db, 'tx'>,
  records: unknown[],
  opts: QueueBatchOptions & { school?: string } = {},
): Promise<{ batchId: string; judged: Counts | undefined }> {
  const { school, ...queueOpts } = opts;
  const batchId = randomUUID();
  const judged = await db.tx((q) =>
    queueBatch(q, { ...vendorBody(records, school), id: batchId }, queueOpts),
  );
  return { batchId, judged };
}
