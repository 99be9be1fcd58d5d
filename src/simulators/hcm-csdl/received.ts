/**
 * What the hcm-csdl simulator was sent: one Map per entity keyed by maDinhDanh (re-sending a record
 * replaces it, so upserts are idempotent by key), plus the per-record validation of upsert batches
 * with the wire schema (rejections by index with a stable code and a Vietnamese message that names
 * the field, never its value).
 */
import type { z } from 'zod';
import {
  ENTITY_SCHEMAS,
  HCM_CSDL_ENTITIES,
  HCM_CSDL_MAX_PAGE,
  type HcmCsdlEntity,
} from '../../adapters/hcm-csdl/schema.js';
import { jsonPointer } from '../../errors.js';
import type { ReceivedView } from './feed.js';

/** A record as stored: the upsert plus the time it arrived, and its school (for `maTruong`). */
export interface StoredRecord {
  record: Record<string, unknown> & { maDinhDanh: string; updatedAt: string };
  school: string;
}

/** The records a simulator holds from upserts (see {@link createReceivedStore}). */
export interface ReceivedStore extends ReceivedView {
  /** The stored record of a key (with `updatedAt`), or undefined. */
  get(entity: HcmCsdlEntity, key: string): StoredRecord['record'] | undefined;
  /** All stored records of an entity, in first-arrival order. */
  records(entity: HcmCsdlEntity): Array<StoredRecord['record']>;
  put(
    entity: HcmCsdlEntity,
    record: Record<string, unknown> & { maDinhDanh: string },
    updatedAt: string,
  ): void;
  /**
   * Deletes a key: the feeds serve it as a tombstone from now on (a later `put` makes it live again).
   * Returns false when it was already deleted here.
   */
  remove(entity: HcmCsdlEntity, key: string, updatedAt: string): boolean;
  /** Keys deleted through `remove` (and not put again), in first-arrival order. */
  deletedKeys(entity: HcmCsdlEntity): string[];
  clear(): void;
}

/** Creates an empty {@link ReceivedStore}. */
export function createReceivedStore(): ReceivedStore {
  const make = () => ({ map: new Map<string, StoredRecord>(), order: [] as string[] });
  const data = Object.fromEntries(HCM_CSDL_ENTITIES.map((e) => [e, make()])) as Record<
    HcmCsdlEntity,
    ReturnType<typeof make>
  >;
  return {
    has: (e, key) => data[e].map.has(key),
    size: (e) => data[e].order.length,
    at: (e, i) => data[e].map.get(data[e].order[i] as string) as StoredRecord,
    get: (e, key) => data[e].map.get(key)?.record,
    records: (e) => data[e].order.map((k) => (data[e].map.get(k) as StoredRecord).record),
    put(e, record, updatedAt) {
      const slot = data[e];
      if (!slot.map.has(record.maDinhDanh)) slot.order.push(record.maDinhDanh);
      const school =
        e === 'schools' ? record.maDinhDanh : typeof record.maTruong === 'string' ? record.maTruong : '';
      slot.map.set(record.maDinhDanh, { record: { ...record, updatedAt }, school });
    },
    remove(e, key, updatedAt) {
      const slot = data[e];
      const prior = slot.map.get(key);
      if (prior?.record.deleted === true) return false;
      if (!prior) slot.order.push(key);
      slot.map.set(key, {
        record: { maDinhDanh: key, updatedAt, deleted: true },
        school: prior?.school ?? '',
      });
      return true;
    },
    deletedKeys: (e) => data[e].order.filter((k) => data[e].map.get(k)?.record.deleted === true),
    clear() {
      for (const e of HCM_CSDL_ENTITIES) data[e] = make();
    },
  };
}

/** A per-record refusal (index into the batch). */
export interface Rejection {
  index: number;
  code: 'REQUIRED' | 'INVALID_FORMAT' | 'INVALID_CODE' | 'UNKNOWN_FIELD' | 'DUPLICATE_KEY' | 'INVALID_RECORD';
  message: string;
}

/** Fields whose values come from a code list (a bad value there is INVALID_CODE). */
const CODE_FIELDS = new Set([
  'gioiTinh',
  'maDanToc',
  'trangThai',
  'khoiLop',
  'loaiKhuyetTat',
  'capHoc',
  'viTriViecLam',
]);

const MESSAGES: Record<Rejection['code'], string> = {
  REQUIRED: 'Thiếu trường bắt buộc',
  INVALID_FORMAT: 'Sai định dạng',
  INVALID_CODE: 'Giá trị không có trong danh mục',
  UNKNOWN_FIELD: 'Trường không được hỗ trợ',
  DUPLICATE_KEY: 'maDinhDanh trùng với một bản ghi trước trong lô',
  INVALID_RECORD: 'Bản ghi phải là một đối tượng JSON',
};

/** The rejection of one zod issue: code by issue kind, message with the field's JSON pointer. */
function rejectionOf(index: number, issue: z.core.$ZodIssue): Rejection {
  const field = String(issue.path[0] ?? '');
  // The one JSON pointer maker (src/errors.ts): a key holding '/' or '~' is escaped (fix11: it was built by hand).
  let pointer = jsonPointer(issue.path);
  let code: Rejection['code'];
  if (issue.code === 'unrecognized_keys') {
    code = 'UNKNOWN_FIELD';
    pointer = jsonPointer([...issue.path, issue.keys[0] ?? '']);
  } else if (issue.code === 'invalid_type' && issue.input === undefined) code = 'REQUIRED';
  else if (issue.path.length === 0) code = 'INVALID_RECORD';
  else code = CODE_FIELDS.has(field) ? 'INVALID_CODE' : 'INVALID_FORMAT';
  return { index, code, message: pointer === '' ? MESSAGES[code] : `${MESSAGES[code]}: ${pointer}` };
}

/** Result of {@link applyBatch}. */
export interface BatchResult {
  accepted: Array<Record<string, unknown> & { maDinhDanh: string }>;
  rejected: Rejection[];
}

/**
 * Validates each record of a batch with the entity's upsert schema and stores the good ones
 * (`updatedAt` = `nowIso`). The first occurrence of a key in a batch wins; later ones are DUPLICATE_KEY.
 * A key in `refused` (the `refuseKeys` fault: a value the city's code lists do not know yet) is INVALID_CODE.
 */
export function applyBatch(
  store: ReceivedStore,
  entity: HcmCsdlEntity,
  records: readonly unknown[],
  nowIso: string,
  refused: ReadonlySet<string> = new Set(),
): BatchResult {
  const schema = ENTITY_SCHEMAS[entity].upsert;
  const seen = new Set<string>();
  const out: BatchResult = { accepted: [], rejected: [] };
  records.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      out.rejected.push(rejectionOf(index, parsed.error.issues[0] as z.core.$ZodIssue));
      return;
    }
    const record = parsed.data as Record<string, unknown> & { maDinhDanh: string };
    if (seen.has(record.maDinhDanh)) {
      out.rejected.push({ index, code: 'DUPLICATE_KEY', message: `${MESSAGES.DUPLICATE_KEY}: /maDinhDanh` });
      return;
    }
    seen.add(record.maDinhDanh);
    if (refused.has(record.maDinhDanh)) {
      out.rejected.push({ index, code: 'INVALID_CODE', message: MESSAGES.INVALID_CODE });
      return;
    }
    store.put(entity, record, nowIso);
    out.accepted.push(record);
  });
  return out;
}

/** Largest batch accepted. */
export const MAX_BATCH = HCM_CSDL_MAX_PAGE;
