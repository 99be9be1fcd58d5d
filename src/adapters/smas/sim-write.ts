/** Batch upserts of the SMAS simulator: per-record checks, idempotent replay, overlay and recorder. */
import { createHash } from 'node:crypto';
import type { Population } from '../population/index.js';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import { SMAS_IDEMPOTENCY_HEADER, SMAS_MAX_BATCH, SMAS_REPLAY_HEADER } from './client.js';
import { SMAS_KEY_FIELD, smasRecordSchemas, type SmasEntity, type SmasRecord } from './schema.js';
import type { SmasData } from './sim-data.js';
import { fail, schoolIndex } from './sim-http.js';
import { toSmasTime } from './sim-wire.js';

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
  const key = req.headers[SMAS_IDEMPOTENCY_HEADER.toLowerCase()];
  if (typeof key !== 'string' || key === '' || key.length > 128) {
    return fail(400, 'INVALID_PARAMETER', `Thiếu hoặc sai header ${SMAS_IDEMPOTENCY_HEADER}.`);
  }
  const list = (req.body as { DanhSach?: unknown } | undefined)?.DanhSach;
  if (!Array.isArray(list)) return fail(400, 'INVALID_BODY', 'Thân yêu cầu phải là { DanhSach: [...] }.');
  if (list.length > SMAS_MAX_BATCH)
    return fail(413, 'BATCH_TOO_LARGE', `Tối đa ${SMAS_MAX_BATCH} bản ghi mỗi lô.`);
  const fingerprint = createHash('sha256')
    .update(`${entity}|${code}|${JSON.stringify(list)}`)
    .digest('hex');
  const seen = ctx.idempotency.get(key);
  if (seen) {
    if (seen.fingerprint !== fingerprint)
      return fail(409, 'IDEMPOTENCY_KEY_REUSED', 'Khóa idempotency đã dùng cho lô khác.');
    return { ...seen.response, headers: { ...seen.response.headers, [SMAS_REPLAY_HEADER]: 'true' } };
  }
  const errors: Array<{ ViTri: number; MaLoi: string; ThongBao: string }> = [];
  const accepted: Array<{ key: string; wire: SmasRecord }> = [];
  const stamp = toSmasTime(new Date(now()).toISOString());
  list.forEach((item, i) => {
    const { record, error } = checkRecord(entity, item, code);
    if (error === 'SCHOOL_MISMATCH')
      errors.push({ ViTri: i, MaLoi: 'SCHOOL_MISMATCH', ThongBao: 'Bản ghi thuộc trường khác.' });
    else if (error || !record) errors.push({ ViTri: i, MaLoi: 'INVALID_RECORD', ThongBao: error ?? '' });
    else {
      const wire = { ...record, MaTruong: code, NgayCapNhat: stamp } as SmasRecord;
      accepted.push({ key: (wire as unknown as Record<string, string>)[SMAS_KEY_FIELD[entity]] ?? '', wire });
    }
  });
  if (!data.write(entity, s, accepted, now())) return fail(503, 'MAINTENANCE', 'Bộ nhớ mô phỏng đã đầy.');
  ctx.received.record(
    entity,
    accepted.map((a) => a.wire),
  );
  const receipt = {
    Success: true,
    MaBienNhan: `BN-${fingerprint.slice(0, 12)}`,
    SoThanhCong: accepted.length,
    DanhSachLoi: errors,
  };
  const response: SimResponse = { body: receipt, headers: { [SMAS_REPLAY_HEADER]: 'false' } };
  ctx.idempotency.set(key, fingerprint, response);
  return response;
}
