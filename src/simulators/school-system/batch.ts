/**
 * Batch upserts shared by the school-system simulators (SMAS, vnEdu): the idempotency key header, the
 * batch body and its size, the per-record checks (wire schema, birth-date format, school), the
 * fingerprint and idempotent replay, the overlay write and the recorder. Each system brings its own
 * fields and wording through {@link BatchSpec}.
 */
import { createHash } from 'node:crypto';
import type { ZodType } from 'zod';
import type { SimContext, SimRequest, SimResponse } from '../sim-kit.js';
import type { SchoolEntity, SchoolSystemData } from './data.js';
import { refuse, type Refusal } from './http.js';

/** Why one record of a batch was refused. */
export type RecordProblem = { kind: 'shape'; field: string } | { kind: 'date' } | { kind: 'school' };

/** One system's batch wire format (`Rejection`: one refusal of its receipt). */
export interface BatchSpec<Rejection> {
  idempotencyHeader: string;
  /** Body field holding the records (`{ [listField]: [...] }`). */
  listField: string;
  maxBatch: number;
  /** Shape of each entity's records (the system's wire schema). */
  schemas: Record<SchoolEntity, ZodType>;
  /** Field holding the record key (the upsert key) per entity. */
  keyField: Record<SchoolEntity, string>;
  /** Field naming the record's school; when present it must be the school of the path. */
  schoolField: string;
  /** Birth-date field and the format it must have (records without the field are not checked). */
  dateField: string;
  datePattern: RegExp;
  /** Field stamped with the time of the write, and that time in the system's format. */
  changedField: string;
  timeOf(nowMs: number): string;
  refusals: { badKey: Refusal; badBody: Refusal; tooLarge: Refusal; keyReused: Refusal; full: Refusal };
  /** The receipt entry refusing record `index`. */
  reject(index: number, problem: RecordProblem): Rejection;
  /** The answer to a replay of `seen` (the first answer). */
  replay(seen: SimResponse): SimResponse;
  /** The receipt of an applied batch. */
  receipt(fingerprint: string, accepted: number, rejections: Rejection[]): SimResponse;
}

/** Checks one record of a batch for school `code`: shape (wire schema), birth-date format, school. */
function checkRecord(
  spec: BatchSpec<unknown>,
  entity: SchoolEntity,
  item: unknown,
  code: string,
): { record: Record<string, unknown> } | { problem: RecordProblem } {
  const parsed = spec.schemas[entity].safeParse(item);
  if (!parsed.success)
    return { problem: { kind: 'shape', field: parsed.error.issues[0]?.path.join('.') ?? '' } };
  const record = parsed.data as Record<string, unknown>;
  const date = record[spec.dateField];
  if (typeof date === 'string' && !spec.datePattern.test(date)) return { problem: { kind: 'date' } };
  const school = record[spec.schoolField];
  if (school !== undefined && school !== code) return { problem: { kind: 'school' } };
  return { record };
}

/** Validates, applies, records and remembers the receipt of one batch to school `s` (code `code`) by key. */
export function applyBatch<RecOf extends Record<SchoolEntity, unknown>, Rejection>(
  data: SchoolSystemData<RecOf>,
  target: { entity: SchoolEntity; s: number; code: string },
  req: SimRequest,
  ctx: SimContext,
  nowMs: number,
  spec: BatchSpec<Rejection>,
): SimResponse {
  const key = req.headers[spec.idempotencyHeader.toLowerCase()];
  if (typeof key !== 'string' || key === '' || key.length > 128) return refuse(spec.refusals.badKey);
  const list = (req.body as Record<string, unknown> | undefined)?.[spec.listField];
  if (!Array.isArray(list)) return refuse(spec.refusals.badBody);
  if (list.length > spec.maxBatch) return refuse(spec.refusals.tooLarge);
  const fingerprint = createHash('sha256')
    .update(`${target.entity}|${target.code}|${JSON.stringify(list)}`)
    .digest('hex');
  const seen = ctx.idempotency.get(key);
  if (seen)
    return seen.fingerprint === fingerprint ? spec.replay(seen.response) : refuse(spec.refusals.keyReused);
  const rejections: Rejection[] = [];
  const accepted: Array<{ key: string; wire: RecOf[SchoolEntity] }> = [];
  list.forEach((item, index) => {
    const checked = checkRecord(spec, target.entity, item, target.code);
    if ('problem' in checked) return void rejections.push(spec.reject(index, checked.problem));
    const wire = {
      ...checked.record,
      [spec.schoolField]: target.code,
      [spec.changedField]: spec.timeOf(nowMs),
    } as RecOf[SchoolEntity];
    const recordKey = checked.record[spec.keyField[target.entity]];
    accepted.push({ key: typeof recordKey === 'string' ? recordKey : '', wire });
  });
  if (!data.write(target.entity, target.s, accepted, nowMs)) return refuse(spec.refusals.full);
  ctx.received.record(
    target.entity,
    accepted.map((a) => a.wire),
  );
  const response = spec.receipt(fingerprint, accepted.length, rejections);
  ctx.idempotency.set(key, fingerprint, response);
  return response;
}
