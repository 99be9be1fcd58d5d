/**
 * The write side of a school system's adapter (`write`, `remove`; adapter.ts): a batch split by school and
 * into vendor-sized chunks, each sent under a derived idempotency key that names its chunk's body, and the
 * chunks' receipts merged into one.
 */
import { createHash } from 'node:crypto';
import type { WriteOptions, WriteReceipt, WriteRejection } from '../types.js';

/** One chunk's receipt, in neutral terms (indexes are positions inside the chunk). */
export interface ChunkReceipt {
  accepted: number;
  receiptId: string;
  rejected: Array<{ index: number; code: string; message: string }>;
  replayed: boolean;
}

/**
 * Derived idempotency key of one (school, chunk) of a batch: the caller's key when the batch is one
 * request; else the caller's key, the school, the chunk's position and a digest of the chunk's body. A
 * batch sent again after one of its requests failed re-reads its records: a chunk with the same body is
 * replayed under its key, and a chunk whose records changed meanwhile is another request under a key of
 * its own (the same key with another body would be refused by the vendor, and the chunks after it never
 * sent; review15 BUG 1).
 */
function chunkKey(key: string, school: string, chunk: number, single: boolean, body: unknown): string {
  if (single) return key;
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const composite = `${key}:${school}:${chunk}:${digest}`;
  return composite.length <= 128 ? composite : createHash('sha256').update(composite).digest('hex');
}

/** Indexes of each school's items; items naming no school are refused locally. */
function groupBySchool<T>(
  items: readonly T[],
  schoolOf: (item: T) => string | undefined,
  missingSchool: { code: string; message: string },
): { groups: Map<string, number[]>; missing: WriteRejection[] } {
  const groups = new Map<string, number[]>();
  const missing: WriteRejection[] = [];
  items.forEach((item, index) => {
    const school = schoolOf(item)?.trim();
    if (!school) {
      missing.push({ index, ...missingSchool });
      return;
    }
    groups.set(school, [...(groups.get(school) ?? []), index]);
  });
  return { groups, missing };
}

/**
 * Sends a batch school by school, in chunks of at most `maxBatch` (`send` makes one call, inside
 * `opts.through` when given), and merges the receipts (rejection indexes back to positions in `items`).
 */
export async function perSchool<T>(
  t: { maxBatch: number; missingSchool: { code: string; message: string } },
  items: readonly T[],
  schoolOf: (item: T) => string | undefined,
  opts: WriteOptions,
  send: (school: string, chunk: T[], idempotencyKey: string) => Promise<ChunkReceipt>,
): Promise<WriteReceipt> {
  const { groups, missing } = groupBySchool(items, schoolOf, t.missingSchool);
  const rejected: WriteRejection[] = [...missing];
  const receiptIds: string[] = [];
  let accepted = 0;
  let calls = 0;
  let replays = 0;
  const single = groups.size === 1 && items.length <= t.maxBatch;
  for (const [school, indexes] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let start = 0, chunk = 0; start < indexes.length; start += t.maxBatch, chunk++) {
      const idx = indexes.slice(start, start + t.maxBatch);
      const body = idx.map((i) => items[i] as T);
      const key = chunkKey(opts.idempotencyKey, school, chunk, single, body);
      const call = () => send(school, body, key);
      const receipt = opts.through ? await opts.through(call) : await call();
      calls++;
      if (receipt.replayed) replays++;
      accepted += receipt.accepted;
      receiptIds.push(receipt.receiptId);
      for (const e of receipt.rejected) rejected.push({ ...e, index: idx[e.index] ?? -1 });
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return {
    accepted,
    rejected,
    ...(receiptIds.length > 0 ? { receiptId: receiptIds.join(',') } : {}),
    ...(calls > 0 && replays === calls ? { replayed: true } : {}),
  };
}
