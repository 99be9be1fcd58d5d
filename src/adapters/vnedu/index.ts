/**
 * The vnEdu adapter (VNPT school-management system, modelled — see README.md): reads students, staff and
 * classes of the schools a token covers, incrementally, and writes master-data changes back.
 * The only export other code uses; it speaks vnEdu wire records, never the canonical model.
 */
import {
  schoolSystemAdapter,
  type SchoolSystemAdapter,
  type SchoolSystemTransport,
  type SchoolWalkOptions,
} from '../school-system/adapter.js';
import type { ChunkReceipt } from '../school-system/writes.js';
import { createVneduClient, VNEDU_SYSTEM, type VneduClient, type VneduClientOptions } from './client.js';
import { VNEDU_MAX_BATCH, type VneduEntity, type VneduReceipt, type VneduRecordOf } from './schema.js';

export * from './schema.js';
export { createVneduClient } from './client.js';
export type { VneduClient, VneduClientOptions } from './client.js';

/** Options of {@link createVneduAdapter}. */
export type VneduAdapterOptions = VneduClientOptions &
  SchoolWalkOptions & {
    /** Use this client instead of building one (tests). */
    client?: VneduClient;
  };

/** vnEdu as source and target, with per-entity record types. */
export type VneduAdapter = SchoolSystemAdapter<VneduEntity, VneduRecordOf>;

/** A vnEdu receipt in the walker's terms. */
function chunkOf(receipt: VneduReceipt): ChunkReceipt {
  return {
    accepted: receipt.accepted,
    receiptId: receipt.receipt_id,
    rejected: receipt.rejected.map((e) => ({ index: e.index, code: e.code, message: e.detail })),
    replayed: receipt.replayed,
  };
}

/** vnEdu as the shared school-system walker sees it: `after` cursors, `updated_at`, `school_code`. */
function transport(
  client: VneduClient,
): SchoolSystemTransport<VneduEntity, VneduRecordOf, { after?: string }> {
  return {
    system: VNEDU_SYSTEM,
    maxBatch: VNEDU_MAX_BATCH,
    firstPos: {},
    // vnEdu's cursor resumes after the last record it served, whatever changed before it.
    shifting: false,
    isPos: (c) => c.after === undefined || typeof c.after === 'string',
    listSchools: async () => (await client.listSchools()).map((s) => s.school_code),
    async *pages(entity, school, q) {
      const query = {
        ...(q.pos.after ? { after: q.pos.after } : {}),
        ...(q.since ? { updatedAfter: q.since } : {}),
        ...(q.pageSize ? { limit: q.pageSize } : {}),
      };
      for await (const page of client.pages(entity, school, query))
        yield {
          items: page.items,
          servedAt: page.servedAt,
          ...(page.next === undefined ? {} : { next: { after: page.next } }),
        };
    },
    changedAt: (r) => r.updated_at,
    schoolOf: (r) => r.school_code,
    missingSchool: { code: 'missing_school', message: 'school_code is required to write to vnEdu' },
    upsert: async (entity, school, records, key) =>
      chunkOf(await client.upsert(entity, school, records, key)),
    remove: async (entity, school, ids, key) => chunkOf(await client.remove(entity, school, ids, key)),
    health: () => client.health(),
  };
}

/**
 * Creates the vnEdu adapter. `listChanges` walks every school the token covers (or `schoolCode`) in code
 * order, following vnEdu's `next` cursor; its own cursor resumes mid-listing; the last page carries the
 * watermark (the latest `updated_at` seen, never later than the listing's start by vnEdu's `Date` less the
 * overlap, nor earlier than `since`: BUG 6). `write` splits a batch by
 * `school_code` and into chunks of at most 1000, each with a derived idempotency key, and merges receipts;
 * `remove` deletes ids the same way, by the school that holds each.
 */
export function createVneduAdapter(opts: VneduAdapterOptions): VneduAdapter {
  return schoolSystemAdapter(transport(opts.client ?? createVneduClient(opts)), opts);
}
