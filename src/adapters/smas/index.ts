/**
 * The SMAS adapter (Viettel school-management system, modelled — see README.md): reads students, staff
 * and classes of the schools an API key covers, incrementally, and writes master-data changes back.
 * The only export other code uses; it speaks SMAS wire records, never the canonical model.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';
import type {
  ChangeFeed,
  HealthResult,
  ListChangesOptions,
  SourceTargetAdapter,
  WriteOptions,
  WriteReceipt,
  WriteRejection,
} from '../types.js';
import {
  createSmasClient,
  SMAS_MAX_BATCH,
  SMAS_SYSTEM,
  type SmasClient,
  type SmasClientOptions,
} from './client.js';
import type { SmasEntity, SmasRecord, SmasRecordOf } from './schema.js';

export * from './schema.js';
export { createSmasClient, SMAS_SYSTEM, SMAS_ERROR_CODES, withSmasError } from './client.js';
export type { SmasClient, SmasClientOptions } from './client.js';

/** Options of {@link createSmasAdapter}. */
export type SmasAdapterOptions = SmasClientOptions & {
  /** Use this client instead of building one (tests). */
  client?: SmasClient;
};

/** SMAS as source and target, with per-entity record types. */
export interface SmasAdapter extends SourceTargetAdapter<SmasEntity, SmasRecord, SmasRecord> {
  listChanges<E extends SmasEntity>(
    entity: E,
    opts: ListChangesOptions,
  ): AsyncIterable<ChangeFeed<SmasRecordOf[E]>>;
  write<E extends SmasEntity>(
    entity: E,
    records: SmasRecordOf[E][],
    opts: WriteOptions,
  ): Promise<WriteReceipt>;
}

/** Resume position inside one listing: school, next page, filter, and the highest change time so far. */
interface SmasCursor {
  v: 1;
  school: string;
  page: number;
  /** Page size the page number counts in. */
  ps?: number;
  since?: string;
  wm?: string;
}

function encodeCursor(c: SmasCursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(raw: string): SmasCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<SmasCursor>;
    if (c.v === 1 && typeof c.school === 'string' && Number.isInteger(c.page) && (c.page ?? 0) >= 1) {
      return c as SmasCursor;
    }
  } catch {
    // fall through
  }
  throw new AppError('ERR_VALIDATION', 'smas: the resume cursor is not one this adapter issued');
}

/** Later of two ISO instants (as ISO UTC); unparseable values are ignored. */
function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  const ta = a === undefined ? NaN : Date.parse(a);
  const tb = b === undefined ? NaN : Date.parse(b);
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? a : new Date(tb).toISOString();
  if (Number.isNaN(tb) || ta >= tb) return new Date(ta).toISOString();
  return new Date(tb).toISOString();
}

/** Schools to walk, from the cursor's school on (a vanished school resumes at the next code). */
async function schoolsFrom(client: SmasClient, opts: ListChangesOptions, from?: string): Promise<string[]> {
  const all = opts.schoolCode ? [opts.schoolCode] : (await client.listSchools()).map((s) => s.MaTruong);
  return from === undefined ? all : all.filter((code) => code >= from);
}

async function* listChanges<E extends SmasEntity>(
  client: SmasClient,
  entity: E,
  opts: ListChangesOptions,
): AsyncGenerator<ChangeFeed<SmasRecordOf[E]>> {
  const resume = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
  const since = resume ? resume.since : opts.since;
  let watermark = resume?.wm ?? since;
  // page numbers only mean something with the page size they were counted in: a cursor keeps its own
  const pageSize = resume?.ps ?? opts.pageSize;
  const schools = await schoolsFrom(client, opts, resume?.school);
  let yielded = false;
  for (const [i, school] of schools.entries()) {
    const startPage = resume && school === resume.school ? resume.page : 1;
    const query = {
      startPage,
      ...(since ? { modifiedSince: since } : {}),
      ...(pageSize ? { pageSize } : {}),
    };
    for await (const page of client.pages(entity, school, query)) {
      for (const r of page.items) watermark = laterOf(watermark, r.NgayCapNhat);
      const nextSchool = schools[i + 1];
      const next: SmasCursor | undefined = !page.last
        ? { v: 1, school, page: page.page + 1 }
        : nextSchool !== undefined
          ? { v: 1, school: nextSchool, page: 1 }
          : undefined;
      if (page.items.length === 0 && next !== undefined) continue; // nothing to hand over yet
      yielded = true;
      if (next === undefined) {
        yield { items: page.items, ...(watermark ? { watermark } : {}) };
        return;
      }
      yield {
        items: page.items,
        nextCursor: encodeCursor({
          ...next,
          ...(pageSize ? { ps: pageSize } : {}),
          ...(since ? { since } : {}),
          ...(watermark ? { wm: watermark } : {}),
        }),
      };
    }
  }
  if (!yielded) yield { items: [], ...(watermark ? { watermark } : {}) };
}

/** Derived idempotency key of one (school, chunk) of a batch: the caller's key when the batch is one request. */
function chunkKey(key: string, school: string, chunk: number, single: boolean): string {
  if (single) return key;
  const composite = `${key}:${school}:${chunk}`;
  return composite.length <= 128 ? composite : createHash('sha256').update(composite).digest('hex');
}

/** Indexes of each school's records; records without `MaTruong` are refused locally. */
function groupBySchool(records: readonly SmasRecord[]): {
  groups: Map<string, number[]>;
  missing: WriteRejection[];
} {
  const groups = new Map<string, number[]>();
  const missing: WriteRejection[] = [];
  records.forEach((r, index) => {
    const school = r.MaTruong?.trim();
    if (!school) {
      missing.push({ index, code: 'MISSING_SCHOOL', message: 'MaTruong is required to write to SMAS' });
      return;
    }
    groups.set(school, [...(groups.get(school) ?? []), index]);
  });
  return { groups, missing };
}

async function write<E extends SmasEntity>(
  client: SmasClient,
  entity: E,
  records: SmasRecordOf[E][],
  opts: WriteOptions,
): Promise<WriteReceipt> {
  const { groups, missing } = groupBySchool(records);
  const rejected: WriteRejection[] = [...missing];
  const receiptIds: string[] = [];
  let accepted = 0;
  let calls = 0;
  let replays = 0;
  const single = groups.size === 1 && records.length <= SMAS_MAX_BATCH;
  for (const [school, indexes] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let start = 0, chunk = 0; start < indexes.length; start += SMAS_MAX_BATCH, chunk++) {
      const idx = indexes.slice(start, start + SMAS_MAX_BATCH);
      const batch = idx.map((i) => records[i] as SmasRecordOf[E]);
      const { receipt, replayed } = await client.upsert(
        entity,
        school,
        batch,
        chunkKey(opts.idempotencyKey, school, chunk, single),
      );
      calls++;
      if (replayed) replays++;
      accepted += receipt.SoThanhCong;
      receiptIds.push(receipt.MaBienNhan);
      for (const e of receipt.DanhSachLoi) {
        rejected.push({ index: idx[e.ViTri] ?? -1, code: e.MaLoi, message: e.ThongBao });
      }
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

async function health(client: SmasClient): Promise<HealthResult> {
  try {
    await client.health();
    return { ok: true };
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'ERR_INTERNAL';
    return { ok: false, detail: code };
  }
}

/**
 * Creates the SMAS adapter. `listChanges` walks every school the key covers (or `schoolCode`) in code
 * order, page by page; its cursor resumes mid-listing; the last page carries the watermark (the latest
 * `NgayCapNhat` seen, or `since` when nothing changed). `write` splits a batch by `MaTruong` and into
 * chunks of at most 500, each with a derived idempotency key, and merges the receipts.
 */
export function createSmasAdapter(opts: SmasAdapterOptions): SmasAdapter {
  const client = opts.client ?? createSmasClient(opts);
  return {
    system: SMAS_SYSTEM,
    listChanges: (entity, o) => listChanges(client, entity, o),
    write: (entity, records, o) => write(client, entity, records, o),
    health: () => health(client),
  };
}
