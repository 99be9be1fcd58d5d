/**
 * The two ways a call to truc fails with an answer: the token endpoint's RFC 6749 §5.2 error
 * (`TrucOAuthError`: `error` is `invalid_client`, `invalid_request`, …) and every other route's RFC 9457
 * problem (`TrucApiError`: `code` is truc's stable error code, see docs/errors.md). Network failures
 * stay the `TypeError` that `fetch` throws.
 */
import type { components } from './generated/truc.v1.js';

export type Problem = components['schemas']['Problem'];
export type OAuthErrorBody = components['schemas']['OAuthError'];

/** Reads `Retry-After` (seconds or an HTTP date) as whole seconds from now, if present. */
export function retryAfterSeconds(response: Response, now = Date.now()): number | undefined {
  const raw = response.headers.get('retry-after');
  if (raw === null || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-2xx answer of a truc route, with its problem document when the body was one. */
export class TrucApiError extends Error {
  override readonly name = 'TrucApiError';
  /** HTTP status. */
  readonly status: number;
  /** truc's stable error code (e.g. `ERR_FORBIDDEN_SCHOOL`), or `HTTP_<status>` without a problem body. */
  readonly code: string;
  /** The RFC 9457 problem document, when the answer carried one. */
  readonly problem: Problem | undefined;
  /** The correlation id to quote to the city's IT staff. */
  readonly correlationId: string | undefined;
  /** Seconds to wait before retrying (429 and 503 carry `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(response: Response, body: unknown, operation: string) {
    const problem = isObject(body) && typeof body.code === 'string' ? (body as Problem) : undefined;
    const code = problem?.code ?? `HTTP_${response.status}`;
    // The refusal in words (walk9: a 403 read "pushBatch: 403 ERR_FORBIDDEN_SCHOOL", the code alone): its detail,
    // else its messages in both languages.
    const words =
      problem?.detail ?? (problem?.messages ? `${problem.messages.vi} / ${problem.messages.en}` : undefined);
    super(`${operation}: ${response.status} ${code}${words ? ` (${words})` : ''}`);
    this.status = response.status;
    this.code = code;
    this.problem = problem;
    this.correlationId = problem?.correlationId ?? response.headers.get('x-correlation-id') ?? undefined;
    this.retryAfter = retryAfterSeconds(response);
  }

  /**
   * True for answers worth retrying later with the same request, the statuses of the codes docs/errors.md marks
   * retryable: 408 (the request took too long to arrive, nothing was taken), 429, and the 5xx (a push resent under its
   * Idempotency-Key is stored once). Its 409s (a guard still weighing, a run unfinished) answer no push.
   */
  get retryable(): boolean {
    return RETRYABLE_STATUSES.has(this.status);
  }
}

/** The statuses `TrucApiError.retryable` is true for. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** The token endpoint refused the client credentials (RFC 6749 §5.2). */
export class TrucOAuthError extends Error {
  override readonly name = 'TrucOAuthError';
  readonly status: number;
  /** The RFC 6749 error, e.g. `invalid_client`; `server_error` when the body was not an OAuth error. */
  readonly error: string;
  readonly errorDescription: string | undefined;
  /** truc's error code riding along (e.g. `ERR_AUTH_INVALID_CLIENT`). */
  readonly code: string | undefined;
  readonly correlationId: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(response: Response, body: unknown) {
    const o = isObject(body) ? body : {};
    const error = typeof o.error === 'string' ? o.error : 'server_error';
    const description = typeof o.error_description === 'string' ? o.error_description : undefined;
    super(`token request refused: ${response.status} ${error}${description ? ` (${description})` : ''}`);
    this.status = response.status;
    this.error = error;
    this.errorDescription = description;
    this.code = typeof o.code === 'string' ? o.code : undefined;
    this.correlationId =
      (typeof o.correlationId === 'string' ? o.correlationId : undefined) ??
      response.headers.get('x-correlation-id') ??
      undefined;
    this.retryAfter = retryAfterSeconds(response);
  }
}
