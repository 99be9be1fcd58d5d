/**
 * The one HTTP client factory of all adapters (CONVENTIONS synthesis 10): axios with a timeout always
 * set, auth, one log line and one metric sample per call (never bodies or auth headers), and every
 * failure normalised into an {@link AppError} with an `ERR_ADAPTER_*` code.
 */
import axios from 'axios';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import { AppError, ERRORS, isAppError, type ErrorCode, type FieldError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { ClientDeps, HttpAuth, OAuthClientSettings, Page } from './types.js';

export type { HttpAuth } from './types.js';

/** A requested page size in 1..max, rounded down; the default when absent or not a finite number. */
export function clampPageSize(n: number | undefined, def: number, max: number): number {
  const size = n === undefined || !Number.isFinite(n) ? def : Math.floor(n);
  return Math.max(1, Math.min(max, size));
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** System id; the `system` label of logs and metrics. */
  system: string;
  baseURL: string;
  /** Per-call socket timeout. @defaultValue 10000 */
  timeoutMs?: number;
  /** @defaultValue `{ kind: 'none' }` */
  auth?: HttpAuth;
  logger?: Logger;
  metrics?: Pick<Metrics, 'externalRequestDuration'>;
  /**
   * In-client retries of idempotent GET/HEAD calls on transient errors (429, 5xx, timeout, network).
   * @defaultValue 0 — the job layer retries.
   */
  maxRetries?: number;
  /** Base of the exponential backoff with full jitter. @defaultValue 200 */
  retryBaseMs?: number;
  /** Longest wait the client accepts (Retry-After above it is not waited for). @defaultValue 30000 */
  maxRetryDelayMs?: number;
  /** Per-system status → code overrides, e.g. `{ 423: 'ERR_ADAPTER_WINDOW_CLOSED' }`. */
  statusCodes?: Partial<Record<number, ErrorCode>>;
  /** Extra default headers (never secrets: use `auth`). */
  headers?: Record<string, string>;
  /** Largest response body accepted. @defaultValue 64 MiB */
  maxBodyBytes?: number;
  /** Clock for token expiry and Retry-After dates. @defaultValue Date.now */
  now?: () => number;
}

/** The client-credentials auth of `settings`; the token endpoint defaults to `${baseURL}/oauth/token`. */
export function clientCredentials(
  settings: OAuthClientSettings & { scope?: string },
  baseURL: string,
): HttpAuth {
  return {
    kind: 'oauth2-client-credentials',
    tokenUrl: settings.tokenUrl ?? `${baseURL}/oauth/token`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    ...(settings.scope ? { scope: settings.scope } : {}),
  };
}

/** The collaborators of a client's process that {@link createHttpClient} takes (those that are set). */
export function processOptions(deps: ClientDeps): Pick<HttpClientOptions, 'logger' | 'metrics' | 'now'> {
  return {
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
}

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
const IDEMPOTENT = new Set(['GET', 'HEAD']);

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
function statusClassOf(status: number | undefined, code?: ErrorCode): string {
  if (status !== undefined) return `${Math.floor(status / 100)}xx`;
  return code === 'ERR_ADAPTER_TIMEOUT'
    ? 'timeout'
    : code === 'ERR_ADAPTER_RESPONSE_INVALID'
      ? 'invalid'
      : 'network';
}

/** Code of an HTTP status per the adapter contract (before per-system overrides). */
function codeOfStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'ERR_ADAPTER_AUTH';
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

/**
 * Parses a wire body with the system's zod schema. On failure throws ERR_ADAPTER_RESPONSE_INVALID
 * carrying the first issues (pointer + rule, never the offending values).
 */
export function parseWire<T>(schema: ZodType<T>, data: unknown, system: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.slice(0, 5).map((issue) => {
    const pointer = '/' + issue.path.map((p) => String(p)).join('/');
    return { pointer, rule: issue.code, message: `${issue.code} at ${pointer}` };
  });
  const first = errors.map((e) => e.message).join('; ');
  return throwAppError(
    new AppError('ERR_ADAPTER_RESPONSE_INVALID', `${system}: response failed its wire schema (${first})`, {
      errors,
    }),
  );
}

function throwAppError(err: AppError): never {
  throw err;
}

/**
 * Iterates pages from `fetchPage(cursor)` until a page has no `nextCursor`. Stops with
 * ERR_ADAPTER_RESPONSE_INVALID when the system repeats a cursor (endless loop) or `maxPages` is hit.
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  opts: { cursor?: string | undefined; maxPages?: number; system?: string } = {},
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let cursor = opts.cursor;
  const maxPages = opts.maxPages ?? 1_000_000;
  for (let n = 0; n < maxPages; n++) {
    const page = await fetchPage(cursor);
    yield page;
    if (page.nextCursor === undefined || page.nextCursor === '') return;
    if (seen.has(page.nextCursor) || page.nextCursor === cursor) {
      throw new AppError(
        'ERR_ADAPTER_RESPONSE_INVALID',
        `${opts.system ?? 'adapter'}: pagination cursor repeated`,
      );
    }
    if (seen.size < 10_000) seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw new AppError(
    'ERR_ADAPTER_RESPONSE_INVALID',
    `${opts.system ?? 'adapter'}: more than ${maxPages} pages`,
  );
}

interface CallState {
  start: number;
  attempt: number;
  authRetried: boolean;
}
type StatefulConfig = InternalAxiosRequestConfig & { __truc?: CallState };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Path for logs: no query string, digit runs of 9+ (personal IDs) masked. */
function logPath(client: AxiosInstance, config: InternalAxiosRequestConfig): string {
  try {
    const url = new URL(client.getUri({ ...config, params: undefined }));
    return url.pathname.replace(/\d{9,}/g, '***');
  } catch {
    return '?';
  }
}

function tokenPath(tokenUrl: string): string {
  try {
    return new URL(tokenUrl).pathname;
  } catch {
    return '/token';
  }
}

/** Caches an OAuth2 client-credentials token until shortly before expiry; one fetch in flight. */
function createTokenSource(
  auth: Extract<HttpAuth, { kind: 'oauth2-client-credentials' }>,
  opts: {
    timeoutMs: number;
    now: () => number;
    report: (status: number | undefined, code: ErrorCode | undefined, ms: number) => void;
  },
) {
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  /** Epoch milliseconds; a caller's clock that returns a Date still compares as a number. */
  const nowMs = (): number => Number(opts.now());

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) body.set('scope', auth.scope);
    const started = performance.now();
    try {
      const res = await axios.post<unknown>(auth.tokenUrl, body.toString(), {
        timeout: opts.timeoutMs,
        auth: { username: auth.clientId, password: auth.clientSecret },
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
      });
      opts.report(res.status, undefined, performance.now() - started);
      const data = res.data as { access_token?: unknown; expires_in?: unknown } | undefined;
      if (typeof data?.access_token !== 'string' || data.access_token === '') {
        throw new AppError('ERR_ADAPTER_AUTH', 'token endpoint returned no access_token');
      }
      const lifetime = typeof data.expires_in === 'number' && data.expires_in > 0 ? data.expires_in : 300;
      const skew = Math.min(30, lifetime / 10);
      cached = { token: data.access_token, expiresAt: nowMs() + (lifetime - skew) * 1000 };
      return data.access_token;
    } catch (err) {
      if (isAppError(err)) throw err;
      const cls = classifyError(err, { now: nowMs() });
      const status = axios.isAxiosError(err) ? err.response?.status : undefined;
      opts.report(status, cls.code, performance.now() - started);
      const code =
        status !== undefined && status >= 400 && status < 500 && status !== 429
          ? 'ERR_ADAPTER_AUTH'
          : cls.code;
      throw new AppError(
        code,
        `token request failed (${status ?? cls.code})`,
        retryOpts(cls.retryAfterSeconds),
      );
    }
  }

  return {
    async get(): Promise<string> {
      if (cached && nowMs() < cached.expiresAt) return cached.token;
      inflight ??= fetchToken().finally(() => (inflight = undefined));
      return inflight;
    },
    invalidate(token: string | undefined): void {
      if (!token || cached?.token === token) cached = undefined;
    },
  };
}

function retryOpts(retryAfterSeconds: number | undefined): { retryAfterSeconds?: number } {
  return retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
}

function backoffMs(attempt: number, base: number, cap: number): number {
  return Math.min(cap, Math.floor(Math.random() * base * 2 ** attempt));
}

/** An error body as JSON when it parses, else as received (vendors' error pages are often HTML). */
function lenientJson(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/** Parses a text body as JSON when it looks like JSON; throws ERR_ADAPTER_RESPONSE_INVALID if broken. */
function decodeBody(res: AxiosResponse, system: string): void {
  if (typeof res.data !== 'string' || res.config.responseType !== 'text') return;
  const text = res.data.trim();
  const type = String(res.headers['content-type'] ?? '');
  if (text === '') {
    res.data = undefined;
    return;
  }
  if (!type.includes('json') && !/^[[{]/.test(text)) return;
  try {
    res.data = JSON.parse(text) as unknown;
  } catch {
    throw new AppError('ERR_ADAPTER_RESPONSE_INVALID', `${system}: response body is not valid JSON`);
  }
}

type Observe = (
  method: string,
  path: string,
  status: number | undefined,
  code: ErrorCode | undefined,
  ms: number,
) => void;
type TokenSource = ReturnType<typeof createTokenSource>;

/** One log line (info when it failed, else debug) and one metric sample per call: never bodies or auth headers. */
function callObserver(opts: HttpClientOptions): Observe {
  const { system, logger, metrics } = opts;
  return (method, path, status, code, ms) => {
    const statusClass = statusClassOf(status, code);
    metrics?.externalRequestDuration.observe({ system, method, status_class: statusClass }, ms / 1000);
    const fields = {
      system,
      method,
      path,
      status: status ?? statusClass,
      ms: Math.round(ms),
      ...(code ? { code } : {}),
    };
    const msg = `${method} ${path} ${status ?? statusClass} ${Math.round(ms)}ms`;
    if (code) logger?.info(fields, msg);
    else logger?.debug(fields, msg);
  };
}

/** Before each request: the call's state (start, attempt) and its auth header. */
function authorize(auth: HttpAuth, tokens: TokenSource | undefined) {
  return async (config: StatefulConfig) => {
    const prev = config.__truc;
    config.__truc = {
      start: performance.now(),
      attempt: prev?.attempt ?? 0,
      authRetried: prev?.authRetried ?? false,
    };
    if (auth.kind === 'bearer') config.headers.set('Authorization', `Bearer ${auth.token}`);
    if (auth.kind === 'api-key') config.headers.set(auth.header, auth.key);
    if (tokens) config.headers.set('Authorization', `Bearer ${await tokens.get()}`);
    return config;
  };
}

/** A 2xx answer: its body JSON-decoded (ERR_ADAPTER_RESPONSE_INVALID when broken), the call observed. */
function answered(client: AxiosInstance, system: string, observe: Observe) {
  return (res: AxiosResponse) => {
    const config = res.config as StatefulConfig;
    const method = (config.method ?? 'get').toUpperCase();
    const path = logPath(client, config);
    const ms = performance.now() - (config.__truc?.start ?? performance.now());
    try {
      decodeBody(res, system);
    } catch (err) {
      observe(method, path, res.status, 'ERR_ADAPTER_RESPONSE_INVALID', ms);
      throw err;
    }
    observe(method, path, res.status, undefined, ms);
    return res;
  };
}

/**
 * A failed call, observed: sent again once with a fresh token after a 401; retried after Retry-After or
 * a backoff when transient, idempotent and within `maxRetries` and `maxRetryDelayMs`; else an AppError
 * carrying its class's code and an {@link HttpCallError} cause.
 */
function failed(
  client: AxiosInstance,
  opts: HttpClientOptions,
  observe: Observe,
  tokens: TokenSource | undefined,
) {
  const { system } = opts;
  const now = opts.now ?? Date.now;
  const maxRetries = opts.maxRetries ?? 0;
  const retryCap = opts.maxRetryDelayMs ?? 30_000;
  return async (err: unknown) => {
    if (!axios.isAxiosError(err) || !err.config) throw err;
    const config = err.config as StatefulConfig;
    const state = config.__truc ?? { start: performance.now(), attempt: 0, authRetried: false };
    const method = (config.method ?? 'get').toUpperCase();
    const path = logPath(client, config);
    const status = err.response?.status;
    const cls = classifyError(err, {
      ...(opts.statusCodes ? { statusCodes: opts.statusCodes } : {}),
      now: now(),
    });
    if (err.code === 'ERR_CANCELED' && cls.code !== 'ERR_ADAPTER_TIMEOUT') throw err;
    observe(method, path, status, cls.code, performance.now() - state.start);

    if (tokens && status === 401 && !state.authRetried) {
      const sent = String(config.headers.get('Authorization') ?? '').replace(/^Bearer /, '');
      tokens.invalidate(sent);
      config.__truc = { ...state, authRetried: true };
      return client.request(config);
    }
    const waitMs =
      cls.retryAfterSeconds !== undefined
        ? cls.retryAfterSeconds * 1000
        : backoffMs(state.attempt, opts.retryBaseMs ?? 200, retryCap);
    if (cls.retryable && IDEMPOTENT.has(method) && state.attempt < maxRetries && waitMs <= retryCap) {
      await sleep(waitMs);
      config.__truc = { ...state, attempt: state.attempt + 1 };
      return client.request(config);
    }
    const cause = new HttpCallError(system, method, path, status, err.code, lenientJson(err.response?.data));
    const detail = `${system} ${method} ${path} failed: ${status !== undefined ? `HTTP ${status}` : (err.code ?? 'network error')}`;
    throw new AppError(cls.code, detail, { cause, ...retryOpts(cls.retryAfterSeconds) });
  };
}

/**
 * Creates the axios instance of one external system. Responses are JSON-decoded (a broken JSON body
 * is ERR_ADAPTER_RESPONSE_INVALID); non-2xx statuses and network failures reject with an AppError.
 * Pass `validateStatus` on a request to handle some statuses (e.g. 422 per-record errors) yourself.
 */
export function createHttpClient(opts: HttpClientOptions): AxiosInstance {
  const auth = opts.auth ?? { kind: 'none' };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = axios.create({
    baseURL: opts.baseURL,
    timeout: timeoutMs,
    headers: { accept: 'application/json', ...opts.headers },
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: opts.maxBodyBytes ?? 64 * 1024 * 1024,
    transitional: { clarifyTimeoutError: true },
  });
  const observe = callObserver(opts);
  const tokens =
    auth.kind === 'oauth2-client-credentials'
      ? createTokenSource(auth, {
          timeoutMs,
          now: opts.now ?? Date.now,
          report: (status, code, ms) => observe('POST', tokenPath(auth.tokenUrl), status, code, ms),
        })
      : undefined;
  client.interceptors.request.use(authorize(auth, tokens));
  client.interceptors.response.use(
    answered(client, opts.system, observe),
    failed(client, opts, observe, tokens),
  );
  return client;
}
