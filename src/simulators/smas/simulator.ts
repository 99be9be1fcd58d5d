/**
 * Simulator of the modelled SMAS API (openapi/external/smas.yaml) on sim-kit: API key auth, the schools
 * of the shared population SMAS serves (even indexes), page/offset listings with `modifiedSince` streamed
 * from the population without holding it, batch upserts validated per record, stored as an overlay,
 * recorded and replayed by `X-Idempotency-Key`. Errors use SMAS's body `{ Success: false, Message,
 * ErrorCode }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import type { Population } from '../population/index.js';
import {
  startSchoolSimulator,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/simulator.js';
import { jsonPageChunks, type SimResponse } from '../sim-kit.js';
import {
  SMAS_API_KEY_HEADER,
  SMAS_DEFAULT_PAGE_SIZE,
  SMAS_MAX_PAGE_SIZE,
} from '../../adapters/smas/client.js';
import { SMAS_ENTITIES, type SmasEntity } from '../../adapters/smas/schema.js';
import { createSmasData, type SmasData } from './data.js';
import { SmasFail, fail, intParam, sameKey, schoolIndex, sinceParam, take } from './http.js';
import { upsert } from './write.js';
import { toSmasTime } from './wire.js';

/** Options of {@link startSmasSimulator} (SMAS serves the population schools with an even index). */
export interface SmasSimulatorOptions extends SchoolSimOptions {
  /** The one API key accepted in `X-Api-Key`. */
  apiKey: string;
}

/** A running SMAS simulator. */
export type SmasSimulator = SchoolSimulator<'smas'>;

const LIST = /^\/schools\/([^/]+)\/(students|staff|classes)$/;
const BATCH = /^\/schools\/([^/]+)\/(students|staff|classes)\/batch$/;
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function listSchools(data: SmasData, q: URLSearchParams): SimResponse {
  const page = intParam(q, 'page', 1, 1_000_000);
  const pageSize = intParam(q, 'pageSize', SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE);
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
  pop: Population,
  entity: SmasEntity,
  code: string,
  q: URLSearchParams,
): SimResponse {
  const s = schoolIndex(data, pop, code);
  const page = intParam(q, 'page', 1, 1_000_000);
  const pageSize = intParam(q, 'pageSize', SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE);
  const since = sinceParam(q);
  const total = data.count(entity, s, since);
  const selected = data.select(entity, s, { sinceMs: since, skipMatches: (page - 1) * pageSize });
  const wires = (function* () {
    for (const { item } of take(selected, pageSize)) yield item.wire;
  })();
  return {
    headers: JSON_TYPE,
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
    createData: createSmasData,
    paths: { health: '/health', schools: '/schools', list: LIST, write: BATCH },
    authorize(req) {
      const key = req.headers[SMAS_API_KEY_HEADER.toLowerCase()];
      if (typeof key !== 'string' || !sameKey(key, opts.apiKey))
        fail(401, 'AUTH_INVALID_KEY', 'API key không hợp lệ.');
    },
    health: (nowMs) => ({
      body: { Success: true, ThoiGian: toSmasTime(new Date(nowMs).toISOString()) },
    }),
    listSchools,
    listEntity,
    write: upsert,
    notFound: () => fail(404, 'NOT_FOUND', 'Không có đường dẫn này.'),
    errorAnswer: (err) =>
      err instanceof SmasFail
        ? { status: err.status, body: { Success: false, Message: err.message, ErrorCode: err.errorCode } }
        : undefined,
  });
}

/** Generic name used by the demo and the sim CLI. */
export const startSimulator = startSmasSimulator;
export { SMAS_ENTITIES };
