/**
 * Simulator of the modelled SMAS API (openapi/external/smas.yaml) on the school-system frame: API key
 * auth, the schools of the shared population SMAS serves (even indexes), page/offset listings with
 * `modifiedSince` streamed from the population without holding it, batch upserts validated per record,
 * stored as an overlay, recorded and replayed by `X-Idempotency-Key`, and batch deletes by key. Errors use SMAS's body
 * `{ Success: false, Message, ErrorCode }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import {
  SMAS_API_KEY_HEADER,
  SMAS_DEFAULT_PAGE_SIZE,
  SMAS_IDEMPOTENCY_HEADER,
  SMAS_KEY_FIELD,
  SMAS_MAX_BATCH,
  SMAS_MAX_PAGE_SIZE,
  SMAS_REPLAY_HEADER,
  smasDeleteRequestSchema,
  smasRecordSchemas,
  type SmasRecordOf,
} from '../../adapters/smas/schema.js';
import type { SchoolSystemData } from '../school-system/data.js';
import { intParam, refuse, timeParam, type Refusal } from '../school-system/http.js';
import {
  startSchoolSimulator,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/simulator.js';
import { jsonPageChunks, sameSecret, type SimResponse } from '../sim-handler.js';
import { smasClassOf, smasStaffOf, smasStudentOf, toSmasTime } from './wire.js';

/** Options of {@link startSmasSimulator} (SMAS serves the population schools with an even index). */
export interface SmasSimulatorOptions extends SchoolSimOptions {
  /** The one API key accepted in `X-Api-Key`. */
  apiKey: string;
}

/** A running SMAS simulator. */
export type SmasSimulator = SchoolSimulator<'smas'>;

type SmasData = SchoolSystemData<SmasRecordOf>;

const badParam = (name: string): Refusal => [400, 'INVALID_PARAMETER', `Tham số ${name} không hợp lệ.`];
const pageOf = (q: URLSearchParams) => ({
  page: intParam(q, 'page', 1, 1_000_000, badParam('page')),
  pageSize: intParam(q, 'pageSize', SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE, badParam('pageSize')),
});

/** The first `n` items of an iterable, lazily. */
function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

function listSchools(data: SmasData, q: URLSearchParams): SimResponse {
  const { page, pageSize } = pageOf(q);
  const slice = data.schools.slice((page - 1) * pageSize, page * pageSize);
  return {
    body: {
      Data: slice.map((x) => ({ MaTruong: x.code, TenTruong: data.nameOf(x.s) })),
      TotalRecord: data.schools.length,
      Page: page,
      PageSize: pageSize,
    },
  };
}

function listEntity(
  data: SmasData,
  entity: keyof SmasRecordOf,
  s: number,
  _code: string,
  q: URLSearchParams,
): SimResponse {
  const { page, pageSize } = pageOf(q);
  const since = timeParam(q, 'modifiedSince', badParam('modifiedSince'));
  const total = data.count(entity, s, since);
  const selected = data.select(entity, s, { sinceMs: since, skipMatches: (page - 1) * pageSize });
  const wires = (function* () {
    for (const { item } of take(selected, pageSize)) yield item.wire;
  })();
  return {
    stream: jsonPageChunks({ TotalRecord: total, Page: page, PageSize: pageSize }, 'Data', wires),
  };
}

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
    batch: {
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
    },
    refusals: {
      notFound: [404, 'NOT_FOUND', 'Không có đường dẫn này.'],
      forbiddenSchool: [403, 'AUTH_SCHOOL_FORBIDDEN', 'API key không có quyền với trường này.'],
      unknownSchool: [404, 'SCHOOL_NOT_FOUND', 'Không tìm thấy trường.'],
    },
    errorBody: (ErrorCode, Message) => ({ Success: false, Message, ErrorCode }),
  });
}
