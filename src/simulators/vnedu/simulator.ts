/**
 * Simulator of the modelled vnEdu API (openapi/external/vnedu.yaml) on the school-system frame: static
 * bearer token, the schools of the shared population vnEdu serves (odd indexes), cursor listings (`after`
 * + `limit`, with `updated_after`) streamed from the population without holding it, batch upserts
 * validated per record, stored as an overlay, recorded and replayed by `Idempotency-Key`, and batch deletes by id. Errors use
 * vnEdu's body `{ errors: [{ code, detail }] }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import {
  VNEDU_IDEMPOTENCY_HEADER,
  VNEDU_KEY_FIELD,
  VNEDU_MAX_BATCH,
  vneduDeleteRequestSchema,
  vneduRecordSchemas,
  type VneduReceipt,
} from '../../adapters/vnedu/schema.js';
import {
  refuse,
  startSchoolSimulator,
  type BatchSpec,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/index.js';
import { sameSecret } from '../sim-handler.js';
import { badParam, listEntity, listSchools } from './listing.js';
import { vneduClassOf, vneduStaffOf, vneduStudentOf } from './wire.js';

/** Options of {@link startVneduSimulator} (vnEdu serves the population schools with an odd index). */
export interface VneduSimulatorOptions extends SchoolSimOptions {
  /** The one bearer token accepted. */
  token: string;
}

/** A running vnEdu simulator. */
export type VneduSimulator = SchoolSimulator<'vnedu'>;

/** vnEdu's batch wire format: `{ items }` upserts, `{ ids }` deletes, English refusals. */
const vneduBatch: BatchSpec<VneduReceipt['rejected'][number]> = {
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
};

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
    batch: vneduBatch,
    refusals: {
      notFound: [404, 'not_found', 'no such route'],
      forbiddenSchool: [403, 'forbidden_school', 'Token không có quyền với trường này.'],
      unknownSchool: [404, 'school_not_found', 'Không tìm thấy trường.'],
    },
    errorBody: (code, detail) => ({ errors: [{ code, detail }] }),
  });
}
