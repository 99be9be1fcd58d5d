/** Request plumbing of the SMAS simulator: its error answer, parameter parsing, auth and school checks. */
import { timingSafeEqual } from 'node:crypto';
import type { Population } from '../population/index.js';
import type { SmasData } from './data.js';

/** A SMAS error answer. */
export class SmasFail extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a SMAS error answer (`{ Success: false, Message, ErrorCode }` with `status`). */
export const fail = (status: number, code: string, message: string): never => {
  throw new SmasFail(status, code, message);
};

/** An integer query parameter in 1..max (default when absent); else 400 `INVALID_PARAMETER`. */
export function intParam(q: URLSearchParams, name: string, def: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    fail(400, 'INVALID_PARAMETER', `Tham số ${name} không hợp lệ.`);
  return n;
}

/** `modifiedSince` as epoch ms (−∞ when absent); unparseable → 400 `INVALID_PARAMETER`. */
export function sinceParam(q: URLSearchParams): number {
  const raw = q.get('modifiedSince');
  if (raw === null || raw === '') return -Infinity;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) fail(400, 'INVALID_PARAMETER', 'Tham số modifiedSince không hợp lệ.');
  return ms;
}

/** Constant-time comparison of the sent API key with the configured one. */
export function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Population index of a school the key covers: 404 for an unknown school, 403 for one SMAS does not serve. */
export function schoolIndex(data: SmasData, pop: Population, code: string): number {
  const s = data.servedIndexOf(code);
  if (s !== undefined) return s;
  if (pop.schoolIndexOf(code) !== undefined)
    fail(403, 'AUTH_SCHOOL_FORBIDDEN', 'API key không có quyền với trường này.');
  return fail(404, 'SCHOOL_NOT_FOUND', 'Không tìm thấy trường.');
}

/** The first `n` items of an iterable, lazily. */
export function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}
