/** Batch upserts of the SMAS simulator: per-record checks, idempotent replay, overlay and recorder. */
import type { Population } from '../population/index.js';
import { applyBatch } from '../school-system/batch.js';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import { SMAS_IDEMPOTENCY_HEADER, SMAS_MAX_BATCH, SMAS_REPLAY_HEADER } from '../../adapters/smas/client.js';
import {
  SMAS_KEY_FIELD,
  smasRecordSchemas,
  type SmasEntity,
  type SmasRecord,
} from '../../adapters/smas/schema.js';
import type { SmasData } from './data.js';
import { fail, schoolIndex } from './http.js';
import { toSmasTime } from './wire.js';

/** Per-record check of a batch: shape (wire schema), date format, school. */
export function checkRecord(
  entity: SmasEntity,
  item: unknown,
  code: string,
): { record?: SmasRecord; error?: string } {
  const parsed = smasRecordSchemas[entity].safeParse(item);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    return { error: `Trường ${field} thiếu hoặc sai kiểu.` };
  }
  const record = parsed.data;
  if ('NgaySinh' in record && !/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(record.NgaySinh)) {
    return { error: 'NgaySinh phải có dạng dd/mm/yyyy.' };
  }
  if (record.MaTruong !== undefined && record.MaTruong !== code) return { error: 'SCHOOL_MISMATCH' };
  return { record };
}

/** `POST /schools/{code}/{entity}/batch`: validates, applies, records and remembers the receipt by key. */
export function upsert(
  data: SmasData,
  pop: Population,
  entity: SmasEntity,
  code: string,
  req: SimRequest,
  ctx: SimContext,
  now: () => number,
): SimResponse {
  const s = schoolIndex(data, pop, code);
  return applyBatch(data, { entity, s, code }, req, ctx, now(), {
    idempotencyHeader: SMAS_IDEMPOTENCY_HEADER,
    listField: 'DanhSach',
    maxBatch: SMAS_MAX_BATCH,
    keyField: SMAS_KEY_FIELD[entity],
    refuse: {
      badKey: () => fail(400, 'INVALID_PARAMETER', `Thiếu hoặc sai header ${SMAS_IDEMPOTENCY_HEADER}.`),
      badBody: () => fail(400, 'INVALID_BODY', 'Thân yêu cầu phải là { DanhSach: [...] }.'),
      tooLarge: () => fail(413, 'BATCH_TOO_LARGE', `Tối đa ${SMAS_MAX_BATCH} bản ghi mỗi lô.`),
      keyReused: () => fail(409, 'IDEMPOTENCY_KEY_REUSED', 'Khóa idempotency đã dùng cho lô khác.'),
      full: () => fail(503, 'MAINTENANCE', 'Bộ nhớ mô phỏng đã đầy.'),
    },
    replay: (seen) => ({ ...seen, headers: { ...seen.headers, [SMAS_REPLAY_HEADER]: 'true' } }),
    check(item, i, nowMs) {
      const { record, error } = checkRecord(entity, item, code);
      if (error === 'SCHOOL_MISMATCH')
        return { rejection: { ViTri: i, MaLoi: 'SCHOOL_MISMATCH', ThongBao: 'Bản ghi thuộc trường khác.' } };
      if (error || !record)
        return { rejection: { ViTri: i, MaLoi: 'INVALID_RECORD', ThongBao: error ?? '' } };
      const stamp = toSmasTime(new Date(nowMs).toISOString());
      return { wire: { ...record, MaTruong: code, NgayCapNhat: stamp } };
    },
    receipt: (fingerprint, accepted, errors) => ({
      body: {
        Success: true,
        MaBienNhan: `BN-${fingerprint.slice(0, 12)}`,
        SoThanhCong: accepted,
        DanhSachLoi: errors,
      },
      headers: { [SMAS_REPLAY_HEADER]: 'false' },
    }),
  });
}
