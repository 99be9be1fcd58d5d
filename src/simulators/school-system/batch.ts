/**
 * Batch upserts shared by the school-system simulators (SMAS, vnEdu): the idempotency key header, the
 * batch body and its size, the fingerprint and idempotent replay, the overlay write and the recorder.
 * Each system brings its own wording through {@link BatchSpec}: body field, per-record checks, error
 * answers and receipt.
 */
import { createHash } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import type { SchoolEntity, SchoolSystemData } from './data.js';

/** One system's batch wording. `Rec`: its wire record; `Rejection`: one entry of its receipt's refusals. */
export interface BatchSpec<Rec, Rejection> {
  idempotencyHeader: string;
  /** Body field holding the records (`{ [listField]: [...] }`). */
  listField: string;
  maxBatch: number;
  /** Wire field holding the record key (the upsert key). */
  keyField: string;
  /** The system's error answers (each throws). */
  refuse: {
    badKey(): never;
    badBody(): never;
    tooLarge(): never;
    keyReused(): never;
    full(): never;
  };
  /** The answer to a replay of `seen` (the first answer). */
  replay(seen: SimResponse): SimResponse;
  /** One item of the batch: its stored wire form (school and change time set), or its refusal. */
  check(item: unknown, index: number, stampMs: number): { wire: Rec } | { rejection: Rejection };
  /** The receipt of an applied batch. */
  receipt(fingerprint: string, accepted: number, rejections: Rejection[]): SimResponse;
}

/** Validates, applies, records and remembers the receipt of one batch to school `s` (code `code`) by key. */
export function applyBatch<RecOf extends Record<SchoolEntity, unknown>, Rejection>(
  data: SchoolSystemData<RecOf>,
  target: { entity: SchoolEntity; s: number; code: string },
  req: SimRequest,
  ctx: SimContext,
  nowMs: number,
  spec: BatchSpec<RecOf[SchoolEntity], Rejection>,
): SimResponse {
  const key = req.headers[spec.idempotencyHeader.toLowerCase()];
  if (typeof key !== 'string' || key === '' || key.length > 128) return spec.refuse.badKey();
  const list = (req.body as Record<string, unknown> | undefined)?.[spec.listField];
  if (!Array.isArray(list)) return spec.refuse.badBody();
  if (list.length > spec.maxBatch) return spec.refuse.tooLarge();
  const fingerprint = createHash('sha256')
    .update(`${target.entity}|${target.code}|${JSON.stringify(list)}`)
    .digest('hex');
  const seen = ctx.idempotency.get(key);
  if (seen) return seen.fingerprint === fingerprint ? spec.replay(seen.response) : spec.refuse.keyReused();
  const rejections: Rejection[] = [];
  const accepted: Array<{ key: string; wire: RecOf[SchoolEntity] }> = [];
  list.forEach((item, index) => {
    const checked = spec.check(item, index, nowMs);
    if ('rejection' in checked) rejections.push(checked.rejection);
    else {
      const recordKey = (checked.wire as Record<string, unknown>)[spec.keyField];
      accepted.push({ key: typeof recordKey === 'string' ? recordKey : '', wire: checked.wire });
    }
  });
  if (!data.write(target.entity, target.s, accepted, nowMs)) return spec.refuse.full();
  ctx.received.record(
    target.entity,
    accepted.map((a) => a.wire),
  );
  const response = spec.receipt(fingerprint, accepted.length, rejections);
  ctx.idempotency.set(key, fingerprint, response);
  return response;
}
