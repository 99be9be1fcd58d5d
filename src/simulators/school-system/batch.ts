/**
 * Batch writes shared by the school-system simulators (SMAS, vnEdu): upserts (the idempotency key header,
 * the batch body and its size, the per-record checks — wire schema, birth-date format, school —, the
 * fingerprint and idempotent replay, the overlay write and the recorder) and deletes by key (the same
 * header, body size and replay; a key the school does not hold is a no-op success). Each system brings
 * its own fields and wording through {@link BatchSpec}.
 */
import { createHash } from 'node:crypto';
import type { ZodType } from 'zod';
import type { SimContext, SimRequest, SimResponse } from '../sim-handler.js';
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
  /** Body field holding the keys of a delete (`{ [deleteField]: [...] }`). */
  deleteField: string;
  /** The whole delete body (the system's wire schema of it). */
  deleteSchema: ZodType;
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
  refusals: {
    badKey: Refusal;
    badBody: Refusal;
    badDeleteBody: Refusal;
    tooLarge: Refusal;
    keyReused: Refusal;
    full: Refusal;
  };
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

/** The list field of a write's body: refused when it is not a list or is over the batch size. */
function listOf(req: SimRequest, field: string, spec: BatchSpec<unknown>, bad: Refusal): unknown[] {
  const list = (req.body as Record<string, unknown> | undefined)?.[field];
  if (!Array.isArray(list)) return refuse(bad);
  if (list.length > spec.maxBatch) return refuse(spec.refusals.tooLarge);
  return list;
}

/**
 * One write under its idempotency key (checked first): `read` checks the body and says what it asks; the
 * first answer of the same key and request is replayed, the same key with another request refused;
 * otherwise `apply` runs and its answer is remembered.
 */
function idempotent<T>(
  req: SimRequest,
  ctx: SimContext,
  spec: BatchSpec<unknown>,
  read: () => { what: string; value: T },
  apply: (value: T, fingerprint: string) => SimResponse,
): SimResponse {
  const key = req.headers[spec.idempotencyHeader.toLowerCase()];
  if (typeof key !== 'string' || key === '' || key.length > 128) return refuse(spec.refusals.badKey);
  const { what, value } = read();
  const fingerprint = createHash('sha256').update(what).digest('hex');
  const seen = ctx.idempotency.get(key);
  if (seen)
    return seen.fingerprint === fingerprint ? spec.replay(seen.response) : refuse(spec.refusals.keyReused);
  const response = apply(value, fingerprint);
  ctx.idempotency.set(key, fingerprint, response);
  return response;
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
  const read = () => {
    const list = listOf(req, spec.listField, spec, spec.refusals.badBody);
    return { what: `${target.entity}|${target.code}|${JSON.stringify(list)}`, value: list };
  };
  return idempotent(req, ctx, spec, read, (list, fingerprint) => {
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
    return spec.receipt(fingerprint, accepted.length, rejections);
  });
}

/**
 * Deletes records of school `s` (code `code`) by key: keys it holds are no longer served (recorded as
 * `<entity>_deleted`), keys it does not hold change nothing; every key counts as done in the receipt.
 */
export function applyDelete<RecOf extends Record<SchoolEntity, unknown>, Rejection>(
  data: SchoolSystemData<RecOf>,
  target: { entity: SchoolEntity; s: number; code: string },
  req: SimRequest,
  ctx: SimContext,
  spec: BatchSpec<Rejection>,
): SimResponse {
  const read = () => {
    listOf(req, spec.deleteField, spec, spec.refusals.badDeleteBody);
    const parsed = spec.deleteSchema.safeParse(req.body);
    if (!parsed.success) return refuse(spec.refusals.badDeleteBody);
    const keys = (parsed.data as Record<string, string[]>)[spec.deleteField] ?? [];
    return { what: `${target.entity}|delete|${target.code}|${JSON.stringify(keys)}`, value: keys };
  };
  return idempotent(req, ctx, spec, read, (keys, fingerprint) => {
    const removed = data.remove(target.entity, target.s, keys);
    if (removed === false) return refuse(spec.refusals.full);
    const keyField = spec.keyField[target.entity];
    ctx.received.record(
      `${target.entity}_deleted`,
      removed.map((k) => ({ [keyField]: k })),
    );
    return spec.receipt(fingerprint, keys.length, []);
  });
}
