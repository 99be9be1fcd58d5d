/** Batch upserts of the vnEdu simulator: per-record checks, idempotent replay, overlay and recorder. */
import type { Population } from '../population/index.js';
import { applyBatch } from '../school-system/batch.js';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import { VNEDU_IDEMPOTENCY_HEADER, VNEDU_MAX_BATCH } from '../../adapters/vnedu/client.js';
import {
  VNEDU_KEY_FIELD,
  vneduRecordSchemas,
  type VneduEntity,
  type VneduRecord,
} from '../../adapters/vnedu/schema.js';
import type { VneduData } from './data.js';
import { fail, schoolIndex } from './http.js';

/** Per-record check of a batch: shape (wire schema), ISO birth date, school. */
export function checkRecord(
  entity: VneduEntity,
  item: unknown,
  code: string,
): { record?: VneduRecord; code?: string; detail?: string } {
  const parsed = vneduRecordSchemas[entity].safeParse(item);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    return { code: 'invalid_record', detail: `${field} is missing or has the wrong type` };
  }
  const record = parsed.data;
  if ('dob' in record && !/^\d{4}-\d{2}-\d{2}$/.test(record.dob))
    return { code: 'invalid_record', detail: 'dob must be YYYY-MM-DD' };
  if (record.school_code !== undefined && record.school_code !== code) {
    return { code: 'school_mismatch', detail: 'school_code differs from the path school' };
  }
  return { record };
}

/** `POST /v1/schools/{code}/{entity}/upsert`: validates, applies, records and remembers the receipt by key. */
export function upsert(
  data: VneduData,
  pop: Population,
  entity: VneduEntity,
  code: string,
  req: SimRequest,
  ctx: SimContext,
  now: () => number,
): SimResponse {
  const s = schoolIndex(data, pop, code);
  return applyBatch(data, { entity, s, code }, req, ctx, now(), {
    idempotencyHeader: VNEDU_IDEMPOTENCY_HEADER,
    listField: 'items',
    maxBatch: VNEDU_MAX_BATCH,
    keyField: VNEDU_KEY_FIELD[entity],
    refuse: {
      badKey: () =>
        fail(400, 'invalid_param', `${VNEDU_IDEMPOTENCY_HEADER} header is required (1..128 characters)`),
      badBody: () => fail(400, 'invalid_body', 'body must be { items: [...] }'),
      tooLarge: () => fail(413, 'payload_too_large', `at most ${VNEDU_MAX_BATCH} items`),
      keyReused: () => fail(409, 'idempotency_conflict', 'Idempotency-Key was used for another request'),
      full: () => fail(503, 'service_unavailable', 'simulator storage is full'),
    },
    replay: (seen) => ({ body: { ...(seen.body as object), replayed: true } }),
    check(item, index, nowMs) {
      const checked = checkRecord(entity, item, code);
      if (!checked.record)
        return {
          rejection: { index, code: checked.code ?? 'invalid_record', detail: checked.detail ?? '' },
        };
      const stamp = new Date(nowMs).toISOString();
      return { wire: { ...checked.record, school_code: code, updated_at: stamp } };
    },
    receipt: (fingerprint, accepted, rejected) => ({
      body: { receipt_id: `rcpt_${fingerprint.slice(0, 12)}`, accepted, rejected, replayed: false },
    }),
  });
}
