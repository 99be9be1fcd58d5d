/**
 * Simulator of the modelled vnEdu API (openapi/external/vnedu.yaml) on sim-kit: static bearer token, the
 * schools of the shared population vnEdu serves (odd indexes), cursor listings (`after` + `limit`, with
 * `updated_after`) streamed from the population without holding it, batch upserts validated per record,
 * stored as an overlay, recorded and replayed by `Idempotency-Key`. Errors use vnEdu's body
 * `{ errors: [{ code, detail }] }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import { createPopulation, type Population } from '../population/index.js';
import {
  encodeCursor,
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
import { VNEDU_ENTITIES, type VneduEntity, type VneduRecord } from './schema.js';
import { createVneduData, type VneduData } from './sim-data.js';
import { VneduFail, afterParam, fail, limitParam, sameToken, schoolIndex, sinceParam } from './sim-http.js';
import { upsert } from './sim-write.js';

/** Options of {@link startVneduSimulator}. */
export interface VneduSimulatorOptions {
  seed: number | string;
  /** Schools of the population (vnEdu serves those with an odd index). */
  schools: number;
  /** @defaultValue 400 */
  studentsPerSchool?: number;
  /** @defaultValue 30 */
  staffPerSchool?: number;
  /** The one bearer token accepted. */
  token: string;
  /** @defaultValue 0 (any free port) */
  port?: number;
  faults?: Faults;
  /** School year of the population. @defaultValue the population's default */
  schoolYear?: string;
  /** "Now" of the population data (its change times lie in the 180 days before). */
  asOf?: string;
  /** Clock for `time` and the `updated_at` of written records. @defaultValue Date.now */
  now?: () => number;
}

/** A running vnEdu simulator. */
export interface VneduSimulator {
  readonly system: 'vnedu';
  readonly url: string;
  readonly port: number;
  /** sim-kit's log of every accepted written record (also at `GET /__sim/received`). */
  readonly received: Recorder;
  readonly faults: FaultControl;
  readonly population: Population;
  /** Codes of the schools vnEdu serves, ascending. */
  readonly schoolCodes: readonly string[];
  /** Records served for an entity (one school or all, updated at or after `since`), written ones included. */
  count(entity: VneduEntity, opts?: { schoolCode?: string; since?: string }): number;
  stats(): SimStats;
  close(): Promise<void>;
}

const LIST = /^\/v1\/schools\/([^/]+)\/(students|staff|classes)$/;
const UPSERT = /^\/v1\/schools\/([^/]+)\/(students|staff|classes)\/upsert$/;
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function listSchools(data: VneduData, q: URLSearchParams): SimResponse {
  const limit = limitParam(q);
  const from = afterParam(q, 'schools');
  const slice = data.schools.slice(from, from + limit);
  const next = from + limit < data.schools.length ? encodeCursor({ p: from + limit, q: 'schools' }) : null;
  return { body: { items: slice.map((x) => ({ school_code: x.code, name: data.nameOf(x.s) })), next } };
}

function listEntity(
  data: VneduData,
  pop: Population,
  entity: VneduEntity,
  code: string,
  q: URLSearchParams,
): SimResponse {
  const s = schoolIndex(data, pop, code);
  const limit = limitParam(q);
  const since = sinceParam(q);
  const scope = `${entity}|${code}|${q.get('updated_after') ?? ''}`;
  const from = afterParam(q, scope);
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
  return { headers: JSON_TYPE, stream: jsonPageChunks({ next }, 'items', page) };
}

/**
 * Starts the vnEdu simulator on 127.0.0.1. Deterministic for the same options: the same schools,
 * records and change times.
 */
export async function startVneduSimulator(opts: VneduSimulatorOptions): Promise<VneduSimulator> {
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
  const data = createVneduData(population, sizes);
  const now = opts.now ?? Date.now;

  function route(req: SimRequest, ctx: SimContext): SimResponse {
    if (!sameToken(req.headers.authorization, opts.token)) {
      fail(401, 'invalid_token', 'Token không hợp lệ.', { 'www-authenticate': 'Bearer' });
    }
    if (req.method === 'GET' && req.path === '/v1/health') {
      return { body: { status: 'ok', time: new Date(now()).toISOString() } };
    }
    if (req.method === 'GET' && req.path === '/v1/schools') return listSchools(data, req.query);
    const listed = LIST.exec(req.path);
    if (listed && req.method === 'GET') {
      return listEntity(
        data,
        population,
        listed[2] as VneduEntity,
        decodeURIComponent(listed[1] ?? ''),
        req.query,
      );
    }
    const upserted = UPSERT.exec(req.path);
    if (upserted && req.method === 'POST') {
      return upsert(
        data,
        population,
        upserted[2] as VneduEntity,
        decodeURIComponent(upserted[1] ?? ''),
        req,
        ctx,
        now,
      );
    }
    return fail(404, 'not_found', 'no such route');
  }

  const server = await startSimServer({
    system: 'vnedu',
    seed: opts.seed,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    handler: (req, ctx) => {
      try {
        return route(req, ctx);
      } catch (err) {
        if (!(err instanceof VneduFail)) throw err;
        return {
          status: err.status,
          headers: err.headers,
          body: { errors: [{ code: err.code, detail: err.message }] },
        };
      }
    },
  });

  const count = (entity: VneduEntity, o: { schoolCode?: string; since?: string } = {}): number => {
    const since = o.since === undefined ? -Infinity : Date.parse(o.since);
    const schools =
      o.schoolCode === undefined ? data.schools : data.schools.filter((x) => x.code === o.schoolCode);
    return schools.reduce((n, x) => n + data.count(entity, x.s, since), 0);
  };

  return {
    system: 'vnedu',
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
export const startSimulator = startVneduSimulator;
export { VNEDU_ENTITIES };
