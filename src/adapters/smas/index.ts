/**
 * The SMAS adapter (Viettel school-management system, modelled — see README.md): reads students, staff
 * and classes of the schools an API key covers, incrementally, and writes master-data changes back.
 * The only export other code uses; it speaks SMAS wire records, never the canonical model.
 */
import {
  schoolSystemAdapter,
  type SchoolSystemAdapter,
  type SchoolSystemTransport,
  type SchoolWalkOptions,
} from '../school-system/adapter.js';
import type { ChunkReceipt } from '../school-system/writes.js';
import {
  createSmasClient,
  SMAS_SYSTEM,
  type SmasClient,
  type SmasClientOptions,
  type SmasUpsertResult,
} from './client.js';
import { SMAS_MAX_BATCH, type SmasEntity, type SmasRecordOf } from './schema.js';

export * from './schema.js';
export { createSmasClient } from './client.js';
export type { SmasClient, SmasClientOptions } from './client.js';

/** Options of {@link createSmasAdapter}. */
export type SmasAdapterOptions = SmasClientOptions &
  SchoolWalkOptions & {
    /** Use this client instead of building one (tests). */
    client?: SmasClient;
  };

/** SMAS as source and target, with per-entity record types. */
export type SmasAdapter = SchoolSystemAdapter<SmasEntity, SmasRecordOf>;

/** A SMAS receipt in the walker's terms. */
function chunkOf({ receipt, replayed }: SmasUpsertResult): ChunkReceipt {
  return {
    accepted: receipt.SoThanhCong,
    receiptId: receipt.MaBienNhan,
    rejected: receipt.DanhSachLoi.map((e) => ({ index: e.ViTri, code: e.MaLoi, message: e.ThongBao })),
    replayed,
  };
}

/** SMAS as the shared school-system walker sees it: page numbers, `NgayCapNhat`, `MaTruong`. */
function transport(client: SmasClient): SchoolSystemTransport<SmasEntity, SmasRecordOf, { page: number }> {
  return {
    system: SMAS_SYSTEM,
    maxBatch: SMAS_MAX_BATCH,
    firstPos: { page: 1 },
    // Page numbers count the records served now: one removed before a page shifts the later ones back.
    shifting: true,
    isPos: (c) => Number.isInteger(c.page) && (c.page as number) >= 1,
    listSchools: async () => (await client.listSchools()).map((s) => s.MaTruong),
    async *pages(entity, school, q) {
      const query = {
        startPage: q.pos.page,
        ...(q.since ? { modifiedSince: q.since } : {}),
        ...(q.pageSize ? { pageSize: q.pageSize } : {}),
      };
      for await (const page of client.pages(entity, school, query))
        yield {
          items: page.items,
          total: page.totalRecord,
          servedAt: page.servedAt,
          ...(page.last ? {} : { next: { page: page.page + 1 } }),
        };
    },
    changedAt: (r) => r.NgayCapNhat,
    schoolOf: (r) => r.MaTruong,
    missingSchool: { code: 'MISSING_SCHOOL', message: 'MaTruong is required to write to SMAS' },
    upsert: async (entity, school, records, key) =>
      chunkOf(await client.upsert(entity, school, records, key)),
    remove: async (entity, school, keys, key) => chunkOf(await client.remove(entity, school, keys, key)),
    health: () => client.health(),
  };
}

/**
 * Creates the SMAS adapter. `listChanges` walks every school the key covers (or `schoolCode`) in code
 * order, page by page; its cursor resumes mid-listing; a school whose `TotalRecord` changes between its
 * pages, or whose later page lists a record changed after its first page was served, is listed again from
 * page 1 (shared walker, BUG 7); the last page carries the watermark (the latest `NgayCapNhat` seen, never
 * later than the listing's start by SMAS's `Date` less the overlap, nor earlier than `since`: BUG 6). `write` splits a batch by `MaTruong` and into
 * chunks of at most 500, each with a derived idempotency key, and merges the receipts; `remove` deletes
 * keys the same way, by the school that holds each.
 */
export function createSmasAdapter(opts: SmasAdapterOptions): SmasAdapter {
  return schoolSystemAdapter(transport(opts.client ?? createSmasClient(opts)), opts);
}
