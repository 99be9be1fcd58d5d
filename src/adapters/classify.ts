/**
 * How adapters classify a failed call (the table in README "How classify.ts classifies failures"): an
 * AppError with an `ERR_ADAPTER_*` code, whether it is retryable and any Retry-After, and the technical
 * cause attached to it.
 */
import axios from 'axios';
import type { AxiosError } from 'axios';
import { ERRORS, isAppError, type ErrorCode } from '../errors.js';

/** The result of {@link classifyError}. */
export interface ErrorClass {
  code: ErrorCode;
  retryable: boolean;
  retryAfterSeconds?: number;
}

/**
 * Technical cause attached to adapter AppErrors: no config, headers or request body, so logging it is
 * safe. The vendor's response body is kept non-enumerable in {@link HttpCallError.responseBody}.
 */
export class HttpCallError extends Error {
  declare readonly responseBody: unknown;
  constructor(
    readonly system: string,
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly axiosCode: string | undefined,
    responseBody?: unknown,
  ) {
    super(`${system} ${method} ${path} -> ${status ?? axiosCode ?? 'error'}`);
    this.name = 'HttpCallError';
    Object.defineProperty(this, 'responseBody', { value: responseBody, enumerable: false });
  }
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_NETWORK',
  'ERR_SOCKET_CLOSED',
  'UND_ERR_SOCKET',
]);
/**
 * Seconds to wait from a `Retry-After` value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The metrics/log status class of a finished or failed call. */
export function statusClassOf(status: number | undefined, code?: ErrorCode): string {
  if (status !== undefined) return `${Math.floor(status / 100)}xx`;
  return code === 'ERR_ADAPTER_TIMEOUT'
    ? 'timeout'
    : code === 'ERR_ADAPTER_RESPONSE_INVALID'
      ? 'invalid'
      : 'network';
}

/** Code of an HTTP status per the adapter contract (before per-system overrides). */
function codeOfStatus(status: number): ErrorCode {
  if (status === 401) return 'ERR_ADAPTER_AUTH';
  if (status === 403) return 'ERR_ADAPTER_FORBIDDEN';
  if (status === 429) return 'ERR_ADAPTER_RATE_LIMITED';
  if (status === 408) return 'ERR_ADAPTER_TIMEOUT';
  if (status >= 500) return 'ERR_ADAPTER_UNAVAILABLE';
  return 'ERR_ADAPTER_REJECTED';
}

function codeOfAxiosError(err: AxiosError): ErrorCode {
  const code = err.code ?? '';
  if (TIMEOUT_CODES.has(code) || (code === 'ERR_CANCELED' && /timeout/i.test(err.message)))
    return 'ERR_ADAPTER_TIMEOUT';
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED')
    return 'ERR_ADAPTER_RESPONSE_INVALID';
  if (NETWORK_CODES.has(code) || /socket hang up/i.test(err.message)) return 'ERR_ADAPTER_UNAVAILABLE';
  const causeCode = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string' && NETWORK_CODES.has(causeCode)) return 'ERR_ADAPTER_UNAVAILABLE';
  return 'ERR_ADAPTER_UNAVAILABLE';
}

/**
 * Classifies any error an adapter call may raise: AppError (kept), axios errors (by status, then by
 * network code), anything else → ERR_INTERNAL. `statusCodes` are per-system overrides.
 */
export function classifyError(
  err: unknown,
  opts: { statusCodes?: Partial<Record<number, ErrorCode>>; now?: number } = {},
): ErrorClass {
  if (isAppError(err)) return withRetryAfter(err.code, err.retryAfterSeconds);
  if (!axios.isAxiosError(err)) return withRetryAfter('ERR_INTERNAL', undefined);
  const status = err.response?.status;
  if (status === undefined) return withRetryAfter(codeOfAxiosError(err), undefined);
  const code = opts.statusCodes?.[status] ?? codeOfStatus(status);
  const header: unknown = err.response?.headers?.['retry-after'];
  return withRetryAfter(code, parseRetryAfter(header, opts.now ?? Date.now()));
}

function withRetryAfter(code: ErrorCode, retryAfterSeconds: number | undefined): ErrorClass {
  const out: ErrorClass = { code, retryable: ERRORS[code].retryable };
  if (retryAfterSeconds !== undefined) out.retryAfterSeconds = retryAfterSeconds;
  return out;
}

/** The Retry-After of a class, as AppError options. */
export function retryOpts(retryAfterSeconds: number | undefined): { retryAfterSeconds?: number } {
  return retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
}
