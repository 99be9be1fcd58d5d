/**
 * Simulator of the modelled SMAS API (openapi/external/smas.yaml) on sim-kit: API key auth, the schools
 * of the shared population SMAS serves (even indexes), page/offset listings with `modifiedSince` streamed
 * from the population without holding it, batch upserts validated per record, stored as an overlay,
 * recorded and replayed by `X-Idempotency-Key`. Errors use SMAS's body `{ Success: false, Message,
 * ErrorCode }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import { createPopulation, type Population } from '../population/index.js';
import {
  jsonPageChunks,
  startSimServer,
  type FaultControl,
  type Faults,
  type Recorder,
  type SimContext,
  type SimRequest,
  type SimResponse,
  type SimStats,
} from '../sim-kit.js';
import { SMAS_API_KEY_HEADER, SMAS_DEFAULT_PAGE_SIZE, SMAS_MAX_PAGE_SIZE } from './client.js';
import { SMAS_ENTITIES, type SmasEntity } from './schema.js';
import { createSmasData, type SmasData } from './sim-data.js';
import { SmasFail, fail, intParam, sameKey, schoolIndex, sinceParam, take } from './sim-http.js';
import { upsert } from './sim-write.js';
import { toSmasTime } from './sim-wire.js';

/** Options of {@link startSmasSimulator}. */
export interface SmasSimulatorOptions {
  seed: number | string;
  /** Schools of the population (SMAS serves those with an even index). */
  schools: number;
  /** @defaultValue 400 */
  studentsPerSchool?: number;
  /** @defaultValue 30 */
  staffPerSchool?: number;
  /** The one API key accepted in `X-Api-Key`. */
  apiKey: string;
  /** @defaultValue 0 (any free port) */
  port?: number;
  faults?: Faults;
  /** School year of the population. @defaultValue the population's default */
  schoolYear?: string;
  /** "Now" of the population data (its change times lie in the 180 days before). */
  asOf?: string;
  /** Clock for `ThoiGian` and the change time of written records. @defaultValue Date.now */
  now?: () => number;
}

/** A running SMAS simulator. */
export interface SmasSimulator {
  readonly system: 'smas';
  readonly url: string;
  readonly port: number;
  /** sim-kit's log of every accepted written record (also at `GET /__sim/received`). */
  readonly received: Recorder;
  readonly faults: FaultControl;
  readonly population: Population;
  /** Codes of the schools SMAS serves, ascending. */
  readonly schoolCodes: readonly string[];
  /** Records served for an entity (one school or all, changed at or after `since`), written ones included. */
  count(entity: SmasEntity, opts?: { schoolCode?: string; since?: string }): number;
  stats(): SimStats;
  close(): Promise<void>;
}

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
export async function startSmasSimulator(opts: SmasSimulatorOptions): Promise<SmasSimulator> {
  const sizes = {
    studentsPerSchool: opts.studentsPerSchool ?? 400,
    staffPerSchool: opts.staffPerSchool ?? 30,
  };
  const population = createPopulation({
    seed: opts.seed,
    schools: opts.schools,
    ...sizes,
    ...(opts.schoolYear ? { schoolYear: opts.schoolYear } : {}),
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
  });
  const data = createSmasData(population, sizes);
  const now = opts.now ?? Date.now;

  function route(req: SimRequest, ctx: SimContext): SimResponse {
    const key = req.headers[SMAS_API_KEY_HEADER.toLowerCase()];
    if (typeof key !== 'string' || !sameKey(key, opts.apiKey))
      fail(401, 'AUTH_INVALID_KEY', 'API key không hợp lệ.');
    if (req.method === 'GET' && req.path === '/health') {
      return { body: { Success: true, ThoiGian: toSmasTime(new Date(now()).toISOString()) } };
    }
    if (req.method === 'GET' && req.path === '/schools') return listSchools(data, req.query);
    const listed = LIST.exec(req.path);
    if (listed && req.method === 'GET') {
      return listEntity(
        data,
        population,
        listed[2] as SmasEntity,
        decodeURIComponent(listed[1] ?? ''),
        req.query,
      );
    }
    const batched = BATCH.exec(req.path);
    if (batched && req.method === 'POST') {
      return upsert(
        data,
        population,
        batched[2] as SmasEntity,
        decodeURIComponent(batched[1] ?? ''),
        req,
        ctx,
        now,
      );
    }
    return fail(404, 'NOT_FOUND', 'Không có đường dẫn này.');
  }

  const server = await startSimServer({
    system: 'smas',
    seed: opts.seed,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    handler: (req, ctx) => {
      try {
        return route(req, ctx);
      } catch (err) {
        if (!(err instanceof SmasFail)) throw err;
        return {
          status: err.status,
          body: { Success: false, Message: err.message, ErrorCode: err.errorCode },
        };
      }
    },
  });

  const count = (entity: SmasEntity, o: { schoolCode?: string; since?: string } = {}): number => {
    const since = o.since === undefined ? -Infinity : Date.parse(o.since);
    const schools =
      o.schoolCode === undefined ? data.schools : data.schools.filter((x) => x.code === o.schoolCode);
    return schools.reduce((n, x) => n + data.count(entity, x.s, since), 0);
  };

  return {
    system: 'smas',
    url: server.url,
    port: server.port,
    received: server.received,
    faults: server.faults,
    population,
    schoolCodes: data.schools.map((x) => x.code),
    count,
    stats: () => server.stats(),
    close: () => server.close(),
  };
}

/** Generic name used by the demo and the sim CLI. */
export const startSimulator = startSmasSimulator;
export { SMAS_ENTITIES };
