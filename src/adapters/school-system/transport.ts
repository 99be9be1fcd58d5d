/**
 * Transport helpers shared by the per-school vendor clients (SMAS, vnEdu): the axios instance from the
 * shared HTTP factory, the page-count hard stop, vendor-message scrubbing and lenient body parsing.
 * The systems' endpoints, pagination and error bodies stay in their own clients.
 */
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.js';
import { createHttpClient, type HttpAuth } from '../http.js';

/** Hard stop for one listing (a vendor whose pagination never ends cannot loop us forever). */
export const MAX_PAGES = 100_000;

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

/** Digit runs long enough to be personal IDs are masked in vendor messages we keep. */
export function scrub(message: string): string {
  return message.replace(/\d{9,}/g, '***').slice(0, 300);
}

/** A response body as JSON when it is text; undefined when it does not parse. */
export function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A page size in 1..max (default when absent), rounded down. */
export const clampPageSize = (n: number | undefined, def: number, max: number): number =>
  Math.max(1, Math.min(max, Math.floor(n ?? def)));
