/**
 * Simulator of the modelled vnEdu API (openapi/external/vnedu.yaml) on sim-kit: static bearer token, the
 * schools of the shared population vnEdu serves (odd indexes), cursor listings (`after` + `limit`, with
 * `updated_after`) streamed from the population without holding it, batch upserts validated per record,
 * stored as an overlay, recorded and replayed by `Idempotency-Key`. Errors use vnEdu's body
 * `{ errors: [{ code, detail }] }`; faults and `/__sim/*` control endpoints come from sim-kit.
 */
import type { Population } from '../population/index.js';
import {
  startSchoolSimulator,
  type SchoolSimOptions,
  type SchoolSimulator,
} from '../school-system/simulator.js';
import { encodeCursor, jsonPageChunks, type SimResponse } from '../sim-kit.js';
import { VNEDU_ENTITIES, type VneduEntity, type VneduRecord } from '../../adapters/vnedu/schema.js';
import { createVneduData, type VneduData } from './data.js';
import { VneduFail, afterParam, fail, limitParam, sameToken, schoolIndex, sinceParam } from './http.js';
import { upsert } from './write.js';

/** Options of {@link startVneduSimulator} (vnEdu serves the population schools with an odd index). */
export interface VneduSimulatorOptions extends SchoolSimOptions {
  /** The one bearer token accepted. */
  token: string;
}

/** A running vnEdu simulator. */
export type VneduSimulator = SchoolSimulator<'vnedu'>;

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
export function startVneduSimulator(opts: VneduSimulatorOptions): Promise<VneduSimulator> {
  return startSchoolSimulator(opts, {
    system: 'vnedu',
    createData: createVneduData,
    paths: { health: '/v1/health', schools: '/v1/schools', list: LIST, write: UPSERT },
    authorize(req) {
      if (!sameToken(req.headers.authorization, opts.token))
        fail(401, 'invalid_token', 'Token không hợp lệ.', { 'www-authenticate': 'Bearer' });
    },
    health: (nowMs) => ({ body: { status: 'ok', time: new Date(nowMs).toISOString() } }),
    listSchools,
    listEntity,
    write: upsert,
    notFound: () => fail(404, 'not_found', 'no such route'),
    errorAnswer: (err) =>
      err instanceof VneduFail
        ? {
            status: err.status,
            headers: err.headers,
            body: { errors: [{ code: err.code, detail: err.message }] },
          }
        : undefined,
  });
}

/** Generic name used by the demo and the sim CLI. */
export const startSimulator = startVneduSimulator;
export { VNEDU_ENTITIES };
