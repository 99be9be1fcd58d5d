/**
 * vnEdu listings in the simulator: schools and each entity by cursor (`after` + `limit`, with
 * `updated_after`), a cursor pinned to the listing and filter it was issued for; records streamed from
 * the population without holding it.
 */
import {
  VNEDU_DEFAULT_LIMIT,
  VNEDU_MAX_LIMIT,
  type VneduRecord,
  type VneduRecordOf,
} from '../../adapters/vnedu/schema.js';
import { intParam, refuse, timeParam, type Refusal, type SchoolSystemData } from '../school-system/index.js';
import { decodeCursor, encodeCursor, jsonPageChunks, type SimResponse } from '../sim-handler.js';

type VneduData = SchoolSystemData<VneduRecordOf>;

/** What a listing cursor pins: position, and the listing and filter it was issued for. */
interface ListCursor {
  p: number;
  q: string;
}

export const badParam = (detail: string): Refusal => [400, 'invalid_param', detail];
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

export function listSchools(data: VneduData, q: URLSearchParams): SimResponse {
  const limit = limitOf(q);
  const from = afterOf(q, 'schools');
  const slice = data.schools.slice(from, from + limit);
  const next = from + limit < data.schools.length ? encodeCursor({ p: from + limit, q: 'schools' }) : null;
  return { body: { items: slice.map((x) => ({ school_code: x.code, name: data.nameOf(x.s) })), next } };
}

export function listEntity(
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
