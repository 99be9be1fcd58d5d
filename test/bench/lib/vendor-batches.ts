/**
 * A vendor's batches as the bench tools without HTTP make them (./vendor-cpu.ts, ./explain-changed.ts): the batch
 * the API stores for a body, with its batch.accepted audit event, and the ingest job run on stored batches.
 */
import { randomUUID } from 'node:crypto';
import type { createWorkerContext } from '../../../src/jobs/context.js';
import { ingestJob } from '../../../src/jobs/ingest.js';
import type { TrucEnv } from './truc-env.js';

/** The bench's vendor client. */
export const CLIENT = 'bench-vendor';

/** The batch the API stores for a body of `records` for `schoolCode` (a new id) and its batch.accepted audit event. */
export function batchOf(schoolCode: string, bodySha256: string, records: unknown[]) {
  const id = randomUUID();
  const batch = {
    id,
    clientId: CLIENT,
    schoolCode,
    entity: 'students' as const,
    format: 'canonical',
    records,
    bodySha256,
  };
  return {
    batch,
    event: { actor: CLIENT, action: 'batch.accepted' as const, subject: `batch:${id}`, details: {} },
  };
}

/** Runs the ingest job of each batch, one after the other, as the worker would. */
export async function ingestAll(
  env: TrucEnv,
  ctx: ReturnType<typeof createWorkerContext>,
  ids: string[],
): Promise<void> {
  const rows = await env.deps.db.query<{ id: number; batch: string }>(
    `SELECT id, payload->>'batchId' AS batch FROM truc.outbox WHERE payload->>'batchId' = ANY($1::text[])`,
    [ids],
  );
  const outbox = new Map(rows.rows.map((r) => [r.batch, r.id]));
  for (const batchId of ids) {
    const run = { id: undefined, queue: ingestJob.queue, name: ingestJob.name, attempt: 1 };
    await ingestJob.run(ctx, { batchId }, { ...run, outboxId: outbox.get(batchId) });
  }
}
