/**
 * The push benches' shared load (ingest, intake): `PUSH.batches` measured canonical student batches of
 * `PUSH.batchSize` records (× the bench scale) after `PUSH.warmup` unmeasured ones, sent by
 * `PUSH.concurrency` vendors, batch i by vendor i mod their number; and what they check of a run.
 */
import { randomUUID } from 'node:crypto';
import type { LoadRequest, LoadResult } from './load.js';
import type { StudentBatch } from './students.js';
import type { TrucEnv } from './truc-env.js';

export const PUSH = { batches: 150, warmup: 10, concurrency: 10, batchSize: 1000 } as const;

/** The batch as a vendor POSTs it. */
export const batchBody = (b: StudentBatch): string =>
  JSON.stringify({ entity: 'students', records: b.records });

/**
 * The vendors' requests for `batches`, one per batch: up to `PUSH.concurrency` vendors are registered,
 * batch i is sent by vendor i mod their number. The function returned builds them: with a fresh
 * Idempotency-Key each when `keyed`; `bodies` (default: the batches as they are) replace the bodies.
 */
export async function vendorRequests(
  env: TrucEnv,
  apiUrl: string,
  batches: StudentBatch[],
): Promise<(keyed?: boolean, bodies?: string[]) => LoadRequest[]> {
  const n = Math.min(PUSH.concurrency, batches.length);
  const vendors = await Promise.all(
    Array.from({ length: n }, (_, v) =>
      env.vendor(
        apiUrl,
        batches.filter((_, i) => i % n === v).map((b) => b.schoolCode),
      ),
    ),
  );
  const bodies = batches.map(batchBody);
  return (keyed = false, others = bodies) =>
    batches.map((b, i) => ({
      path: `/v1/schools/${b.schoolCode}/batches`,
      token: vendors[i % n]!.token,
      ...(keyed ? { headers: { 'idempotency-key': `bench-${randomUUID()}` } } : {}),
      body: others[i]!,
    }));
}

/** Accepted requests (202s) per measured second. */
export const acceptedPerSecond = (r: LoadResult): number => (r.statuses['202'] ?? 0) / r.seconds;

export function assertAllAccepted(what: string, r: LoadResult): void {
  if ((r.statuses['202'] ?? 0) !== r.sent) {
    throw new Error(`${what}: not every batch was accepted: ${JSON.stringify(r.statuses)}`);
  }
}
