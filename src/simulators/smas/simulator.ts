/**
 * Simulator of the modelled SMAS API (openapi/external/smas.yaml) on the school-system frame: API key
 * auth, the schools of the shared population SMAS serves (even indexes), page/offset listings with
 * `modifiedSince` streamed from the population without holding it, batch upserts validated per record,
 * stored as an overlay, recorded and replayed by `X-Idempotency-Key`, and batch deletes by key. Errors use SMAS's body
 * `{ Success: false, Message, ErrorCode }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import {
  SMAS_API_KEY_HEADER,
  SMAS_IDEMPOTENCY_HEADER,
  SMAS_KEY_FIELD,
  SMAS_MAX_BATCH,
  SMAS_REPLAY_HEADER,
  smasDeleteRequestSchema,
  smasRecordSchemas,
  type SmasReceipt,
} from '../../adapters/smas/schema.js';
import {
  refuse,
  startSchoolSimulator,
  type BatchSpec,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/index.js';
import { sameSecret } from '../sim-handler.js';
import { listEntity, listSchools } from './listing.js';
import { smasClassOf, smasStaffOf, smasStudentOf, toSmasTime } from './wire.js';

/** Options of {@link startSmasSimulator} (SMAS serves the population schools with an even index). */
export interface SmasSimulatorOptions extends SchoolSimOptions {
  /** The one API key accepted in `X-Api-Key`. */
  apiKey: string;
}

/** A running SMAS simulator. */
export type SmasSimulator = SchoolSimulator<'smas'>;

/** SMAS's batch wire format: `{ DanhSach }` upserts, `{ DanhSachMa }` deletes, Vietnamese refusals. */
const smasBatch: BatchSpec<SmasReceipt['DanhSachLoi'][number]> = {
  idempotencyHeader: SMAS_IDEMPOTENCY_HEADER,
  listField: 'DanhSach',
  deleteField: 'DanhSachMa',
  deleteSchema: smasDeleteRequestSchema,
  maxBatch: SMAS_MAX_BATCH,
  schemas: smasRecordSchemas,
  keyField: SMAS_KEY_FIELD,
  schoolField: 'MaTruong',
  dateField: 'NgaySinh',
  datePattern: /^\d{1,2}\/\d{1,2}\/\d{4}$/,
  changedField: 'NgayCapNhat',
  timeOf: (nowMs) => toSmasTime(new Date(nowMs).toISOString()),
  refusals: {
    badKey: [400, 'INVALID_PARAMETER', `Thiếu hoặc sai header ${SMAS_IDEMPOTENCY_HEADER}.`],
    badBody: [400, 'INVALID_BODY', 'Thân yêu cầu phải là { DanhSach: [...] }.'],
    badDeleteBody: [400, 'INVALID_BODY', 'Thân yêu cầu phải là { DanhSachMa: ["mã", ...] }.'],
    tooLarge: [413, 'BATCH_TOO_LARGE', `Tối đa ${SMAS_MAX_BATCH} bản ghi mỗi lô.`],
    keyReused: [409, 'IDEMPOTENCY_KEY_REUSED', 'Khóa idempotency đã dùng cho lô khác.'],
    full: [503, 'MAINTENANCE', 'Bộ nhớ mô phỏng đã đầy.'],
  },
  reject: (ViTri, problem) =>
    problem.kind === 'school'
      ? { ViTri, MaLoi: 'SCHOOL_MISMATCH', ThongBao: 'Bản ghi thuộc trường khác.' }
      : {
          ViTri,
          MaLoi: 'INVALID_RECORD',
          ThongBao:
            problem.kind === 'date'
              ? 'NgaySinh phải có dạng dd/mm/yyyy.'
              : `Trường ${problem.field} thiếu hoặc sai kiểu.`,
        },
  replay: (seen) => ({ ...seen, headers: { ...seen.headers, [SMAS_REPLAY_HEADER]: 'true' } }),
  receipt: (fingerprint, accepted, errors) => ({
    body: {
      Success: true,
      MaBienNhan: `BN-${fingerprint.slice(0, 12)}`,
      SoThanhCong: accepted,
      DanhSachLoi: errors,
    },
    headers: { [SMAS_REPLAY_HEADER]: 'false' },
  }),
};

/**
 * Starts the SMAS simulator on 127.0.0.1. Deterministic for the same options: the same schools,
 * records and change times.
 */
export function startSmasSimulator(opts: SmasSimulatorOptions): Promise<SmasSimulator> {
  return startSchoolSimulator(opts, {
    system: 'smas',
    serves: (s) => s % 2 === 0,
    wireOf: { students: smasStudentOf, staff: smasStaffOf, classes: smasClassOf },
    paths: {
      health: '/health',
      schools: '/schools',
      list: /^\/schools\/([^/]+)\/(students|staff|classes)$/,
      write: /^\/schools\/([^/]+)\/(students|staff|classes)\/batch$/,
      remove: /^\/schools\/([^/]+)\/(students|staff|classes)\/delete$/,
    },
    authorize(req) {
      const key = req.headers[SMAS_API_KEY_HEADER.toLowerCase()];
      if (typeof key !== 'string' || !sameSecret(key, opts.apiKey))
        refuse([401, 'AUTH_INVALID_KEY', 'API key không hợp lệ.']);
    },
    health: (nowMs) => ({
      body: { Success: true, ThoiGian: toSmasTime(new Date(nowMs).toISOString()) },
    }),
    listSchools,
    listEntity,
    batch: smasBatch,
    refusals: {
      notFound: [404, 'NOT_FOUND', 'Không có đường dẫn này.'],
      forbiddenSchool: [403, 'AUTH_SCHOOL_FORBIDDEN', 'API key không có quyền với trường này.'],
      unknownSchool: [404, 'SCHOOL_NOT_FOUND', 'Không tìm thấy trường.'],
    },
    errorBody: (ErrorCode, Message) => ({ Success: false, Message, ErrorCode }),
  });
}
