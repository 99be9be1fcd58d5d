/** Request plumbing of the vnEdu simulator: its error answer, parameter parsing, auth and school checks. */
import { timingSafeEqual } from 'node:crypto';
import type { Population } from '../population/index.js';
import { decodeCursor } from '../sim-kit.js';
import { VNEDU_DEFAULT_LIMIT, VNEDU_MAX_LIMIT } from '../../adapters/vnedu/client.js';
import type { VneduData } from './data.js';

/** A vnEdu error answer. */
export class VneduFail extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Throws a vnEdu error answer (`{ errors: [{ code, detail }] }` with `status`). */
export const fail = (
  status: number,
  code: string,
  detail: string,
  headers?: Record<string, string>,
): never => {
  throw new VneduFail(status, code, detail, headers);
};

/** What a listing cursor pins: position, and the filter it was issued for. */
export interface ListCursor {
  p: number;
  q: string;
}

/** `limit` in 1..1000 (default 200); else 400 `invalid_param`. */
export function limitParam(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null || raw === '') return VNEDU_DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > VNEDU_MAX_LIMIT)
    fail(400, 'invalid_param', 'limit must be 1..1000');
  return n;
}

/** `updated_after` as epoch ms (−∞ when absent); unparseable → 400 `invalid_param`. */
export function sinceParam(q: URLSearchParams): number {
  const raw = q.get('updated_after');
  if (raw === null || raw === '') return -Infinity;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) fail(400, 'invalid_param', 'updated_after must be an ISO 8601 date-time');
  return ms;
}

/** Start position from `after`; a cursor issued for another listing or filter is refused. */
export function afterParam(q: URLSearchParams, scope: string): number {
  const raw = q.get('after');
  if (raw === null || raw === '') return 0;
  let c: Partial<ListCursor>;
  try {
    c = decodeCursor<Partial<ListCursor>>(raw);
  } catch {
    return fail(400, 'invalid_param', 'after is not a cursor of this API');
  }
  if (!Number.isInteger(c.p) || (c.p ?? -1) < 0 || c.q !== scope) {
    fail(400, 'invalid_param', 'after does not belong to this listing (send the same updated_after)');
  }
  return c.p as number;
}

/** Constant-time check of the `Authorization: Bearer` token. */
export function sameToken(header: string | undefined, token: string): boolean {
  const sent = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const x = Buffer.from(sent);
  const y = Buffer.from(token);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Population index of a school the token covers: 404 for an unknown school, 403 for one vnEdu does not serve. */
export function schoolIndex(data: VneduData, pop: Population, code: string): number {
  const s = data.servedIndexOf(code);
  if (s !== undefined) return s;
  if (pop.schoolIndexOf(code) !== undefined)
    fail(403, 'forbidden_school', 'Token không có quyền với trường này.');
  return fail(404, 'school_not_found', 'Không tìm thấy trường.');
}
