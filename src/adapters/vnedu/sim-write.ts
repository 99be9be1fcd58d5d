/** Batch upserts of the vnEdu simulator: per-record checks, idempotent replay, overlay and recorder. */
import { createHash } from 'node:crypto';
import type { Population } from '../population/index.js';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import { VNEDU_IDEMPOTENCY_HEADER, VNEDU_MAX_BATCH } from './client.js';
import { VNEDU_KEY_FIELD, vneduRecordSchemas, type VneduEntity, type VneduRecord } from './schema.js';
import type { VneduData } from './sim-data.js';
import { fail, schoolIndex } from './sim-http.js';

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
  const key = req.headers[VNEDU_IDEMPOTENCY_HEADER.toLowerCase()];
  if (typeof key !== 'string' || key === '' || key.length > 128) {
    return fail(400, 'invalid_param', `${VNEDU_IDEMPOTENCY_HEADER} header is required (1..128 characters)`);
  }
  const list = (req.body as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(list)) return fail(400, 'invalid_body', 'body must be { items: [...] }');
  if (list.length > VNEDU_MAX_BATCH)
    return fail(413, 'payload_too_large', `at most ${VNEDU_MAX_BATCH} items`);
  const fingerprint = createHash('sha256')
    .update(`${entity}|${code}|${JSON.stringify(list)}`)
    .digest('hex');
  const seen = ctx.idempotency.get(key);
  if (seen) {
    if (seen.fingerprint !== fingerprint)
      return fail(409, 'idempotency_conflict', 'Idempotency-Key was used for another request');
    return { body: { ...(seen.response.body as object), replayed: true } };
  }
  const rejected: Array<{ index: number; code: string; detail: string }> = [];
  const accepted: Array<{ key: string; wire: VneduRecord }> = [];
  const stamp = new Date(now()).toISOString();
  list.forEach((item, index) => {
    const checked = checkRecord(entity, item, code);
    if (!checked.record)
      rejected.push({ index, code: checked.code ?? 'invalid_record', detail: checked.detail ?? '' });
    else {
      const wire = { ...checked.record, school_code: code, updated_at: stamp } as VneduRecord;
      accepted.push({
        key: (wire as unknown as Record<string, string>)[VNEDU_KEY_FIELD[entity]] ?? '',
        wire,
      });
    }
  });
  if (!data.write(entity, s, accepted, now()))
    return fail(503, 'service_unavailable', 'simulator storage is full');
  ctx.received.record(
    entity,
    accepted.map((a) => a.wire),
  );
  const response: SimResponse = {
    body: {
      receipt_id: `rcpt_${fingerprint.slice(0, 12)}`,
      accepted: accepted.length,
      rejected,
      replayed: false,
    },
  };
  ctx.idempotency.set(key, fingerprint, response);
  return response;
}
