/**
 * The one HTTP client factory of all adapters (CONVENTIONS synthesis 10): axios with a timeout always
 * set, auth, one log line and one metric sample per call (never bodies or auth headers), and every
 * failure normalised into an {@link AppError} with an `ERR_ADAPTER_*` code (classified in
 * `classify.ts`; wire parsing and pagination helpers in `wire.ts`).
 */
import http, { type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { HttpCallError, classifyError, retryOpts, statusClassOf } from './classify.js';
import { createTokenSource, tokenPath, type TokenSource } from './oauth-token.js';
import { parseJsonPage } from './wire.js';
import type { ClientDeps, HttpAuth, OAuthClientSettings } from './types.js';
import { sleep } from '../observability/deadline.js';

export type { HttpAuth } from './types.js';

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
   * In-client retries of idempotent GET/HEAD calls on transient errors (5xx, timeout, network). A
   * failure that carries a Retry-After (a 429, a 503 that says how long) is never retried here: the wait
   * is the system's answer to every caller, so it goes to the caller, whose delivery gate makes every
   * worker wait it out (issue 7: a client that slept it away alone let the other workers call on).
   * @defaultValue 0 — the job layer retries.
   */
  maxRetries?: number;
  /** Base of the exponential backoff with full jitter. @defaultValue 200 */
  retryBaseMs?: number;
  /** Longest backoff between in-client retries. @defaultValue 30000 */
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

const IDEMPOTENT = new Set(['GET', 'HEAD']);

interface CallState {
  start: number;
  attempt: number;
  authRetried: boolean;
}
type StatefulConfig = InternalAxiosRequestConfig & { __truc?: CallState };

/** Path for logs: no query string, digit runs of 9+ (personal IDs) masked. */
function logPath(client: AxiosInstance, config: InternalAxiosRequestConfig): string {
  try {
    const url = new URL(client.getUri({ ...config, params: undefined }));
    return url.pathname.replace(/\d{9,}/g, '***');
  } catch {
    return '?';
  }
}

function backoffMs(attempt: number, base: number, cap: number): number {
  return Math.min(cap, Math.floor(Math.random() * base * 2 ** attempt));
}

/** An error body as JSON when it parses, else as received (vendors' error pages are often HTML). */
function lenientJson(body: unknown): unknown {
  // A body read as bytes ({@link jsonPage}) is read as text here, as any other.
  const data = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

/**
 * What a request for a JSON body holding a page of records in member `field` adds to its options (issue 7):
 * the body is read as bytes and parsed piece by piece (./wire.ts `parseJsonPage`: no string of the whole
 * page, which V8 would map afresh, page fault by page fault), else decoded and parsed whole as any other.
 * Either way the same value, or the same failure.
 */
export function jsonPage(field: string): { responseType: 'arraybuffer'; jsonPageField: string } {
  return { responseType: 'arraybuffer', jsonPageField: field };
}

/** By page body parsed piece by piece: its records' bytes as received ({@link recordBytesOf}). */
const pageRecordBytes = new WeakMap<object, readonly Buffer[]>();

/**
 * The bytes, as received, of each record of the page member of a body parsed piece by piece
 * ({@link jsonPage}; views of the body, in the order of the member's elements), when every record is an
 * object or an array; else undefined. The same bytes always parse to the same record (issue 7: a pulled
 * record is fingerprinted from them, not serialised again).
 */
export function recordBytesOf(data: unknown): readonly Buffer[] | undefined {
  return typeof data === 'object' && data !== null ? pageRecordBytes.get(data) : undefined;
}

/**
 * Parses a text body as JSON when it looks like JSON; throws ERR_ADAPTER_RESPONSE_INVALID if broken. A
 * page's body read as bytes ({@link jsonPage}) is parsed piece by piece when it can be, else as its text.
 */
function decodeBody(res: AxiosResponse, system: string): void {
  const field = (res.config as { jsonPageField?: string }).jsonPageField;
  if (field !== undefined && Buffer.isBuffer(res.data)) {
    const body = res.data;
    const elements: number[] = [];
    const page = parseJsonPage(body, field, elements);
    if (page !== undefined) {
      if (elements.length > 0 && typeof page === 'object' && page !== null) {
        const bytes: Buffer[] = [];
        for (let k = 0; k < elements.length; k += 2) bytes.push(body.subarray(elements[k], elements[k + 1]));
        pageRecordBytes.set(page, bytes);
      }
      res.data = page;
      return;
    }
    res.data = res.data.toString('utf8');
  } else if (typeof res.data !== 'string' || res.config.responseType !== 'text') return;
  const text = (res.data as string).trim();
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
 * A failed call, observed: sent again once with a fresh token after a 401; retried after a backoff when
 * transient, idempotent, without a Retry-After and within `maxRetries` and `maxRetryDelayMs`; else an
 * AppError carrying its class's code, its Retry-After and an {@link HttpCallError} cause.
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
    // A Retry-After is for all of truc's callers of the system, not for this client alone: handed up.
    const retryHere = cls.retryable && cls.retryAfterSeconds === undefined && IDEMPOTENT.has(method);
    if (retryHere && state.attempt < maxRetries) {
      const waitMs = backoffMs(state.attempt, opts.retryBaseMs ?? 200, retryCap);
      await sleep(waitMs);
      config.__truc = { ...state, attempt: state.attempt + 1 };
      return client.request(config);
    }
    const cause = new HttpCallError(system, method, path, status, err.code, lenientJson(err.response?.data));
    const detail = `${system} ${method} ${path} failed: ${status !== undefined ? `HTTP ${status}` : (err.code ?? 'network error')}`;
    throw new AppError(cls.code, detail, { cause, ...retryOpts(cls.retryAfterSeconds) });
  };
}

/** Bytes of a body's beginning a {@link headTransport} shows. */
const HEAD_BYTES = 4096;

/**
 * An axios `transport` for one request (node's http or https, by its protocol) that shows the beginning of
 * the answer's body to `look` as it arrives, before the rest is in (issue 7: a page's next cursor at its
 * head, so that the next request goes out while this page is still on its way). `look` gets the text
 * received so far (at most {@link HEAD_BYTES}) and the status, and returns true once it has seen enough.
 * The body as sent (a compressed one shows compressed bytes); redirects are not followed.
 */
export function headTransport(look: (head: string, status: number | undefined) => boolean) {
  const tap = (res: IncomingMessage) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('utf8', 0, Math.min(chunk.length, HEAD_BYTES - head.length));
      if (look(head, res.statusCode) || head.length >= HEAD_BYTES) res.off('data', onData);
    };
    res.on('data', onData);
  };
  return {
    request(options: RequestOptions, callback: (res: IncomingMessage) => void) {
      const transport = options.protocol === 'https:' ? https : http;
      return transport.request(options, (res) => {
        tap(res);
        callback(res);
      });
    },
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
