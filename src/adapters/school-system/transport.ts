/**
 * Transport helpers shared by the per-school vendor clients (SMAS, vnEdu): the axios instance from the
 * shared HTTP factory, the page-count hard stop, vendor-message scrubbing, lenient body parsing and the
 * vendor's error codes attached to an AppError. The systems' endpoints, pagination and error bodies stay in
 * their own clients.
 */
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { AppError, foreignCode, isAppError, type ErrorCode } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import { createHttpClient, type HttpAuth } from '../http.js';
import { HttpCallError } from '../classify.js';

/** Hard stop for one listing (a vendor whose pagination never ends cannot loop us forever). */
export const MAX_PAGES = 100_000;

/**
 * Times a page-number listing whose total changed between its pages is read again from its first page
 * before it is given up on (review15 BUG 7: such a listing over a set that shrinks skips a record).
 */
export const MAX_RELISTS = 3;

/** Connection options every school-system client takes (secrets live in the system's own options). */
export interface SchoolClientOptions {
  baseURL: string;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  logger?: Logger;
  metrics?: Pick<Metrics, 'externalRequestDuration'>;
  /** In-client retries of GETs on transient errors. @defaultValue 0 (the job layer retries) */
  maxRetries?: number;
}

/** The axios instance of one school-system client, from {@link createHttpClient}. */
export function schoolHttpClient(system: string, opts: SchoolClientOptions, auth: HttpAuth): AxiosInstance {
  return createHttpClient({
    system,
    baseURL: opts.baseURL,
    auth,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.maxRetries === undefined ? {} : { maxRetries: opts.maxRetries }),
  });
}

/**
 * When the system served an answer, by its own clock: the HTTP `Date` header as epoch ms (whole seconds),
 * undefined when absent or unparseable.
 */
export function servedAtOf(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.date;
  const ms = typeof raw === 'string' ? Date.parse(raw) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** Digit runs long enough to be personal IDs are masked in vendor messages we keep. */
function scrub(message: string): string {
  return message.replace(/\d{9,}/g, '***').slice(0, 300);
}

/** A response body as JSON when it is text; undefined when it does not parse. */
function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** One error a vendor reported: its own code and message. */
export interface VendorError {
  code: string;
  message: string;
}

/**
 * An AppError `code` carrying the vendor's errors (at most 5): `errors[].rule` is `<prefix>_<vendor code>` (`?` for a
 * code that does not look like one: errors.ts foreignCode; messages scrubbed), and the rules are appended to `detail`.
 */
export function vendorAppError(
  code: ErrorCode,
  prefix: string,
  vendor: readonly VendorError[],
  detail: string,
  extra: { cause?: unknown; retryAfterSeconds?: number | undefined } = {},
): AppError {
  const errors = vendor.slice(0, 5).map((e) => ({
    pointer: '',
    // A code that does not look like one (free text, a personal ID, control characters) is not kept (review11).
    rule: `${prefix}_${foreignCode(e.code) ?? '?'}`,
    message: scrub(e.message),
  }));
  return new AppError(code, `${detail} [${errors.map((e) => e.rule).join(', ')}]`, {
    cause: extra.cause,
    errors,
    ...(extra.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: extra.retryAfterSeconds }),
  });
}

/**
 * Re-throws an adapter failure with the vendor's errors attached ({@link vendorAppError}), keeping the code
 * http.ts chose from the status. `read` finds the vendor's errors in a response body (undefined when the
 * body is not the vendor's error body: the failure then passes unchanged).
 */
export function withVendorErrors(
  err: unknown,
  prefix: string,
  read: (body: unknown) => readonly VendorError[] | undefined,
): unknown {
  if (!isAppError(err) || !(err.cause instanceof HttpCallError)) return err;
  const vendor = read(parseJson(err.cause.responseBody));
  if (vendor === undefined) return err;
  return vendorAppError(err.code, prefix, vendor, err.message, {
    cause: err.cause,
    retryAfterSeconds: err.retryAfterSeconds,
  });
}
