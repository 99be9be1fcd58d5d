/**
 * Simulator of the modelled vnEdu API (openapi/external/vnedu.yaml) on the school-system frame: static
 * bearer token, the schools of the shared population vnEdu serves (odd indexes), cursor listings (`after`
 * + `limit`, with `updated_after`) streamed from the population without holding it, batch upserts
 * validated per record, stored as an overlay, recorded and replayed by `Idempotency-Key`, and batch deletes by id. Errors use
 * vnEdu's body `{ errors: [{ code, detail }] }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import {
  VNEDU_DEFAULT_LIMIT,
  VNEDU_IDEMPOTENCY_HEADER,
  VNEDU_KEY_FIELD,
  VNEDU_MAX_BATCH,
  VNEDU_MAX_LIMIT,
  vneduDeleteRequestSchema,
  vneduRecordSchemas,
  type VneduRecord,
  type VneduRecordOf,
} from '../../adapters/vnedu/schema.js';
import type { SchoolSystemData } from '../school-system/data.js';
import { intParam, refuse, timeParam, type Refusal } from '../school-system/http.js';
import {
  startSchoolSimulator,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/simulator.js';
import { decodeCursor, encodeCursor, jsonPageChunks, sameSecret, type SimResponse } from '../sim-handler.js';
import { vneduClassOf, vneduStaffOf, vneduStudentOf } from './wire.js';

/** Options of {@link startVneduSimulator} (vnEdu serves the population schools with an odd index). */
export interface VneduSimulatorOptions extends SchoolSimOptions {
  /** The one bearer token accepted. */
  token: string;
}

/** A running vnEdu simulator. */
export type VneduSimulator = SchoolSimulator<'vnedu'>;

type VneduData = SchoolSystemData<VneduRecordOf>;

/** What a listing cursor pins: position, and the listing and filter it was issued for. */
interface ListCursor {
  p: number;
  q: string;
}

const badParam = (detail: string): Refusal => [400, 'invalid_param', detail];
const limitOf = (q: URLSearchParams) =>
  intParam(q, 'limit', VNEDU_DEFAULT_LIMIT, VNEDU_MAX_LIMIT, badParam('limit must be 1..1000'));

/** Start position from `after`; a cursor issued for another listing or filter is refused. */
function afterOf(q: URLSearchParams, scope: string): number {
  const raw = q.get('after');
  if (raw === null || raw === '') return 0;
  let c: Partial<ListCursor>;
  try {
    c = decodeCursor<Partial<ListCursor>>(raw);
  } catch {
    return refuse(badParam('after is not a cursor of this API'));
  }
  if (!Number.isInteger(c.p) || (c.p ?? -1) < 0 || c.q !== scope) {
    refuse(badParam('after does not belong to this listing (send the same updated_after)'));
  }
  return c.p as number;
}

function listSchools(data: VneduData, q: URLSearchParams): SimResponse {
  const limit = limitOf(q);
  const from = afterOf(q, 'schools');
  const slice = data.schools.slice(from, from + limit);
  const next = from + limit < data.schools.length ? encodeCursor({ p: from + limit, q: 'schools' }) : null;
  return { body: { items: slice.map((x) => ({ school_code: x.code, name: data.nameOf(x.s) })), next } };
}

function listEntity(
  data: VneduData,
  entity: keyof VneduRecordOf,
  s: number,
  code: string,
  q: URLSearchParams,
): SimResponse {
  const limit = limitOf(q);
  const since = timeParam(q, 'updated_after', badParam('updated_after must be an ISO 8601 date-time'));
  const scope = `${entity}|${code}|${q.get('updated_after') ?? ''}`;
  const from = afterOf(q, scope);
  const page: VneduRecord[] = [];
  let next: string | null = null;
  let lastPos = from - 1;
  for (const { pos, item } of data.select(entity, s, { sinceMs: since, fromPos: from })) {
    if (page.length === limit) {
      next = encodeCursor({ p: lastPos + 1, q: scope });
      break;
    }
    page.push(item.wire);
    lastPos = pos;
  }
  return { stream: jsonPageChunks({ next }, 'items', page) };
}

/**
 * Starts the vnEdu simulator on 127.0.0.1. Deterministic for the same options: the same schools,
 * records and change times.
 */
export function startVneduSimulator(opts: VneduSimulatorOptions): Promise<VneduSimulator> {
  return startSchoolSimulator(opts, {
    system: 'vnedu',
    serves: (s) => s % 2 === 1,
    wireOf: { students: vneduStudentOf, staff: vneduStaffOf, classes: vneduClassOf },
    paths: {
      health: '/v1/health',
      schools: '/v1/schools',
      list: /^\/v1\/schools\/([^/]+)\/(students|staff|classes)$/,
      write: /^\/v1\/schools\/([^/]+)\/(students|staff|classes)\/upsert$/,
      remove: /^\/v1\/schools\/([^/]+)\/(students|staff|classes)\/delete$/,
    },
    authorize(req) {
      const sent = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(sent, opts.token))
        refuse([401, 'invalid_token', 'Token không hợp lệ.', { 'www-authenticate': 'Bearer' }]);
    },
    health: (nowMs) => ({ body: { status: 'ok', time: new Date(nowMs).toISOString() } }),
    listSchools,
    listEntity,
    batch: {
      idempotencyHeader: VNEDU_IDEMPOTENCY_HEADER,
      listField: 'items',
      deleteField: 'ids',
      deleteSchema: vneduDeleteRequestSchema,
      maxBatch: VNEDU_MAX_BATCH,
      schemas: vneduRecordSchemas,
      keyField: VNEDU_KEY_FIELD,
      schoolField: 'school_code',
      dateField: 'dob',
      datePattern: /^\d{4}-\d{2}-\d{2}$/,
      changedField: 'updated_at',
      timeOf: (nowMs) => new Date(nowMs).toISOString(),
      refusals: {
        badKey: badParam(`${VNEDU_IDEMPOTENCY_HEADER} header is required (1..128 characters)`),
        badBody: [400, 'invalid_body', 'body must be { items: [...] }'],
        badDeleteBody: [400, 'invalid_body', 'body must be { ids: ["…", ...] }'],
        tooLarge: [413, 'payload_too_large', `at most ${VNEDU_MAX_BATCH} items`],
        keyReused: [409, 'idempotency_conflict', 'Idempotency-Key was used for another request'],
        full: [503, 'service_unavailable', 'simulator storage is full'],
      },
      reject: (index, problem) =>
        problem.kind === 'school'
          ? { index, code: 'school_mismatch', detail: 'school_code differs from the path school' }
          : {
              index,
              code: 'invalid_record',
              detail:
                problem.kind === 'date'
                  ? 'dob must be YYYY-MM-DD'
                  : `${problem.field} is missing or has the wrong type`,
            },
      replay: (seen) => ({ body: { ...(seen.body as object), replayed: true } }),
      receipt: (fingerprint, accepted, rejected) => ({
        body: { receipt_id: `rcpt_${fingerprint.slice(0, 12)}`, accepted, rejected, replayed: false },
      }),
    },
    refusals: {
      notFound: [404, 'not_found', 'no such route'],
      forbiddenSchool: [403, 'forbidden_school', 'Token không có quyền với trường này.'],
      unknownSchool: [404, 'school_not_found', 'Không tìm thấy trường.'],
    },
    errorBody: (code, detail) => ({ errors: [{ code, detail }] }),
  });
}
