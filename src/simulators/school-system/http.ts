/**
 * Request plumbing shared by the school-system simulators: a system's error answers as data
 * ({@link Refusal}) and the query parameters both systems parse the same way.
 */
import { simFail } from '../sim-handler.js';

/** One of a system's error answers: HTTP status, the system's code, its message (and extra headers). */
export type Refusal = readonly [
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
];

/** Throws the error answer `refusal` (rendered by the system's {@link SchoolSimSpec.errorBody}). */
export function refuse(refusal: Refusal): never {
  return simFail(...refusal);
}

/** An integer query parameter in 1..max, `def` when absent or empty; anything else is refused. */
export function intParam(q: URLSearchParams, name: string, def: number, max: number, bad: Refusal): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) refuse(bad);
  return n;
}

/** A date-time query parameter as epoch ms (−∞ when absent or empty); an unparseable one is refused. */
export function timeParam(q: URLSearchParams, name: string, bad: Refusal): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return -Infinity;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) refuse(bad);
  return ms;
}
