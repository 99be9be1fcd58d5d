/**
 * The vnEdu adapter (VNPT school-management system, modelled — see README.md): reads students, staff and
 * classes of the schools a token covers, incrementally, and writes master-data changes back.
 * The only export other code uses; it speaks vnEdu wire records, never the canonical model.
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
  createVneduClient,
  VNEDU_MAX_BATCH,
  VNEDU_SYSTEM,
  type VneduClient,
  type VneduClientOptions,
} from './client.js';
import type { VneduEntity, VneduRecord, VneduRecordOf } from './schema.js';

export * from './schema.js';
export { createVneduClient, VNEDU_SYSTEM, withVneduError } from './client.js';
export type { VneduClient, VneduClientOptions } from './client.js';

/** Options of {@link createVneduAdapter}. */
export type VneduAdapterOptions = VneduClientOptions & {
  /** Use this client instead of building one (tests). */
  client?: VneduClient;
};

/** vnEdu as source and target, with per-entity record types. */
export interface VneduAdapter extends SourceTargetAdapter<VneduEntity, VneduRecord, VneduRecord> {
  listChanges<E extends VneduEntity>(
    entity: E,
    opts: ListChangesOptions,
  ): AsyncIterable<ChangeFeed<VneduRecordOf[E]>>;
  write<E extends VneduEntity>(
    entity: E,
    records: VneduRecordOf[E][],
    opts: WriteOptions,
  ): Promise<WriteReceipt>;
}

/** Resume position inside one listing: school, vendor cursor, filter, highest change time so far. */
interface VneduCursor {
  v: 1;
  school: string;
  after?: string;
  since?: string;
  wm?: string;
}

function encodeCursor(c: VneduCursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(raw: string): VneduCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<VneduCursor>;
    if (c.v === 1 && typeof c.school === 'string' && (c.after === undefined || typeof c.after === 'string')) {
      return c as VneduCursor;
    }
  } catch {
    // fall through
  }
  throw new AppError('ERR_VALIDATION', 'vnedu: the resume cursor is not one this adapter issued');
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
async function schoolsFrom(client: VneduClient, opts: ListChangesOptions, from?: string): Promise<string[]> {
  const all = opts.schoolCode ? [opts.schoolCode] : (await client.listSchools()).map((s) => s.school_code);
  return from === undefined ? all : all.filter((code) => code >= from);
}

async function* listChanges<E extends VneduEntity>(
  client: VneduClient,
  entity: E,
  opts: ListChangesOptions,
): AsyncGenerator<ChangeFeed<VneduRecordOf[E]>> {
  const resume = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
  const since = resume ? resume.since : opts.since;
  let watermark = resume?.wm ?? since;
  const schools = await schoolsFrom(client, opts, resume?.school);
  let yielded = false;
  for (const [i, school] of schools.entries()) {
    const after = resume && school === resume.school ? resume.after : undefined;
    const query = {
      ...(after ? { after } : {}),
      ...(since ? { updatedAfter: since } : {}),
      ...(opts.pageSize ? { limit: opts.pageSize } : {}),
    };
    for await (const page of client.pages(entity, school, query)) {
      for (const r of page.items) watermark = laterOf(watermark, r.updated_at);
      const nextSchool = schools[i + 1];
      const next: VneduCursor | undefined =
        page.next !== undefined
          ? { v: 1, school, after: page.next }
          : nextSchool !== undefined
            ? { v: 1, school: nextSchool }
            : undefined;
      if (page.items.length === 0 && next !== undefined) continue; // nothing to hand over yet
      yielded = true;
      if (next === undefined) {
        yield { items: page.items, ...(watermark ? { watermark } : {}) };
        return;
      }
      const cursor = encodeCursor({
        ...next,
        ...(since ? { since } : {}),
        ...(watermark ? { wm: watermark } : {}),
      });
      yield { items: page.items, nextCursor: cursor };
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

/** Indexes of each school's records; records without `school_code` are refused locally. */
function groupBySchool(records: readonly VneduRecord[]): {
  groups: Map<string, number[]>;
  missing: WriteRejection[];
} {
  const groups = new Map<string, number[]>();
  const missing: WriteRejection[] = [];
  records.forEach((r, index) => {
    const school = r.school_code?.trim();
    if (!school) {
      missing.push({ index, code: 'missing_school', message: 'school_code is required to write to vnEdu' });
      return;
    }
    groups.set(school, [...(groups.get(school) ?? []), index]);
  });
  return { groups, missing };
}

async function write<E extends VneduEntity>(
  client: VneduClient,
  entity: E,
  records: VneduRecordOf[E][],
  opts: WriteOptions,
): Promise<WriteReceipt> {
  const { groups, missing } = groupBySchool(records);
  const rejected: WriteRejection[] = [...missing];
  const receiptIds: string[] = [];
  let accepted = 0;
  let calls = 0;
  let replays = 0;
  const single = groups.size === 1 && records.length <= VNEDU_MAX_BATCH;
  for (const [school, indexes] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let start = 0, chunk = 0; start < indexes.length; start += VNEDU_MAX_BATCH, chunk++) {
      const idx = indexes.slice(start, start + VNEDU_MAX_BATCH);
      const batch = idx.map((i) => records[i] as VneduRecordOf[E]);
      const receipt = await client.upsert(
        entity,
        school,
        batch,
        chunkKey(opts.idempotencyKey, school, chunk, single),
      );
      calls++;
      if (receipt.replayed) replays++;
      accepted += receipt.accepted;
      receiptIds.push(receipt.receipt_id);
      for (const e of receipt.rejected)
        rejected.push({ index: idx[e.index] ?? -1, code: e.code, message: e.detail });
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

async function health(client: VneduClient): Promise<HealthResult> {
  try {
    await client.health();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: err instanceof AppError ? err.code : 'ERR_INTERNAL' };
  }
}

/**
 * Creates the vnEdu adapter. `listChanges` walks every school the token covers (or `schoolCode`) in code
 * order, following vnEdu's `next` cursor; its own cursor resumes mid-listing; the last page carries the
 * watermark (the latest `updated_at` seen, or `since` when nothing changed). `write` splits a batch by
 * `school_code` and into chunks of at most 1000, each with a derived idempotency key, and merges receipts.
 */
export function createVneduAdapter(opts: VneduAdapterOptions): VneduAdapter {
  const client = opts.client ?? createVneduClient(opts);
  return {
    system: VNEDU_SYSTEM,
    listChanges: (entity, o) => listChanges(client, entity, o),
    write: (entity, records, o) => write(client, entity, records, o),
    health: () => health(client),
  };
}
