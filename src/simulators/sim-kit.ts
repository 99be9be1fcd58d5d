/**
 * Shared plumbing of every system simulator (DESIGN §2): a real `node:http` server on 127.0.0.1 with
 * JSON/form body parsing, deterministic fault injection applied before the system's handler,
 * control endpoints under `/__sim/`, a bounded recorder of what it was sent, and helpers for
 * cursors, streamed JSON pages, idempotency and OAuth2 client-credentials tokens.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { rngFor, seedHash } from './population/prng.js';

/** Faults a simulator injects; counts are consumed one per request. Merge with {@link FaultControl.set}. */
export interface Faults {
  /** Delay before answering every request. */
  latencyMs?: number;
  /** Share of requests (0–1) answered 500, drawn from the seeded RNG. */
  errorRate?: number;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  status429?: { count: number; retryAfterSeconds: number };
  /** The next N requests get 503. */
  status503Burst?: number;
  /** The next N requests are refused with 400 (a permanent refusal: truc dead-letters the work). */
  status400Burst?: number;
  /** The next N requests never get an answer (client timeouts). */
  hang?: number;
  /** The next N requests have their connection destroyed (ECONNRESET). */
  reset?: number;
  /** 503 with Retry-After while `from <= now < to` (epoch ms). */
  outage?: { from: number; to: number };
  /** 503 for everything until cleared. */
  down?: boolean;
  /** The next N responses have a truncated JSON body. */
  malformed?: number;
  /** System-specific: the submission window is closed (the handler reads it). */
  closedWindow?: boolean;
  /** Only requests whose path starts with one of these are faulted (default: all but `/__sim/`). */
  paths?: string[];
}

/** What the handler sees of a request. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON or form body (undefined when empty). */
  body: unknown;
}

/** What a handler returns: a JSON body, or a stream of text chunks (see {@link jsonPageChunks}). */
export interface SimResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  stream?: Iterable<string> | AsyncIterable<string>;
}

/** Services a handler may use. */
export interface SimContext {
  readonly faults: Readonly<Faults>;
  readonly received: Recorder;
  readonly idempotency: IdempotencyStore;
  /** Seeded RNG value in [0, 1) (deterministic per request number). */
  random(): number;
}

export type SimHandler = (req: SimRequest, ctx: SimContext) => SimResponse | Promise<SimResponse>;

/** Throw from a handler to answer `status` with `{ code, message }` (and extra headers). */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Per-entity record of what a simulator was sent: counts always, items up to a limit. */
export interface Recorder {
  record(entity: string, items: readonly unknown[]): void;
  count(entity: string): number;
  items(entity: string): unknown[];
  snapshot(): Record<string, { count: number; kept: number; truncated: boolean; items: unknown[] }>;
  clear(): void;
}

/** Creates a {@link Recorder} keeping at most `limit` items per entity. */
function createRecorder(limit = 10_000): Recorder {
  const data = new Map<string, { count: number; items: unknown[] }>();
  const slot = (entity: string) => {
    let s = data.get(entity);
    if (!s) data.set(entity, (s = { count: 0, items: [] }));
    return s;
  };
  return {
    record(entity, items) {
      const s = slot(entity);
      s.count += items.length;
      for (const item of items) if (s.items.length < limit) s.items.push(item);
    },
    count: (entity) => data.get(entity)?.count ?? 0,
    items: (entity) => [...(data.get(entity)?.items ?? [])],
    snapshot: () =>
      Object.fromEntries(
        [...data].map(([e, s]) => [
          e,
          { count: s.count, kept: s.items.length, truncated: s.count > s.items.length, items: s.items },
        ]),
      ),
    clear: () => data.clear(),
  };
}

/** Remembers responses by idempotency key (bounded, oldest evicted). */
export interface IdempotencyStore {
  get(key: string): { fingerprint: string; response: SimResponse } | undefined;
  set(key: string, fingerprint: string, response: SimResponse): void;
}

function createIdempotencyStore(limit = 10_000): IdempotencyStore {
  const map = new Map<string, { fingerprint: string; response: SimResponse }>();
  return {
    get: (key) => map.get(key),
    set(key, fingerprint, response) {
      if (map.size >= limit) map.delete(map.keys().next().value as string);
      map.set(key, { fingerprint, response });
    },
  };
}

/** Opaque base64url cursor of a JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes {@link encodeCursor}; throws SimError 400 `INVALID_CURSOR` when it is not one. */
export function decodeCursor<T = unknown>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new SimError(400, 'INVALID_CURSOR', 'cursor is not valid');
  }
}

/**
 * Text chunks of `{ ...head, [key]: [items…] }` written batch by batch, so a large page never
 * becomes one big string. `head` fields come first.
 */
export function* jsonPageChunks(
  head: Record<string, unknown>,
  key: string,
  items: Iterable<unknown>,
  batch = 500,
): Generator<string> {
  const prefix = JSON.stringify(head).slice(0, -1);
  yield `${prefix}${prefix.length > 1 ? ',' : ''}${JSON.stringify(key)}:[`;
  let buffer: string[] = [];
  let first = true;
  for (const item of items) {
    buffer.push(JSON.stringify(item));
    if (buffer.length >= batch) {
      yield (first ? '' : ',') + buffer.join(',');
      first = false;
      buffer = [];
    }
  }
  if (buffer.length > 0) yield (first ? '' : ',') + buffer.join(',');
  yield ']}';
}

/** Throws {@link SimError}: the simulator answers `status` with the system's error for `code`. */
export function simFail(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): never {
  throw new SimError(status, code, message, headers);
}

/** Constant-time comparison of a credential sent with the configured one. */
export function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A small OAuth2 client-credentials issuer for simulators: token endpoint + bearer check. */
export function createTokenIssuer(opts: { clientId: string; clientSecret: string; ttlSeconds?: number }) {
  const tokens = new Map<string, number>();
  return {
    /** Handles `POST <token path>` (client auth by HTTP Basic or by form fields). */
    token(req: SimRequest): SimResponse {
      const form = (req.body ?? {}) as Record<string, string | undefined>;
      let [id, secret] = [form.client_id ?? '', form.client_secret ?? ''];
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      if (basic?.[1]) [id = '', secret = ''] = Buffer.from(basic[1], 'base64').toString().split(':');
      if (form.grant_type !== 'client_credentials')
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      if (!sameSecret(id, opts.clientId) || !sameSecret(secret, opts.clientSecret)) {
        return { status: 401, body: { error: 'invalid_client' } };
      }
      const ttl = opts.ttlSeconds ?? 3600;
      const token = randomUUID();
      tokens.set(token, Date.now() + ttl * 1000);
      return { body: { access_token: token, token_type: 'Bearer', expires_in: ttl } };
    },
    /** Throws SimError 401 unless the request carries a live token. */
    verify(req: SimRequest): void {
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const expires = tokens.get(token);
      if (expires === undefined || expires <= Date.now()) {
        throw new SimError(401, 'UNAUTHORIZED', 'missing or expired token', { 'www-authenticate': 'Bearer' });
      }
    },
    /** Revokes every token (forces clients to refresh). */
    revokeAll: () => tokens.clear(),
  };
}

/** Reads, replaces and clears the active faults. */
export interface FaultControl {
  readonly current: Readonly<Faults>;
  set(patch: Faults): void;
  clear(): void;
}

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  system: string;
  handler: SimHandler;
  /**
   * The system's answer to a {@link SimError} thrown by `handler`.
   * @defaultValue `{ code, message }` with the error's status and headers
   */
  renderError?: (err: SimError) => SimResponse;
  /** Seed of the fault RNG. @defaultValue 1 */
  seed?: number | string;
  faults?: Faults | undefined;
  /** @defaultValue 0 (any free port) */
  port?: number | undefined;
  /** Largest request body. @defaultValue 5 MiB */
  bodyLimitBytes?: number;
  /** Items kept per entity by the recorder. @defaultValue 10000 */
  recordLimit?: number;
}

/** A running simulator. */
export interface SimServer {
  readonly system: string;
  readonly url: string;
  readonly port: number;
  readonly received: Recorder;
  readonly faults: FaultControl;
  stats(): SimStats;
  close(): Promise<void>;
}

export interface SimStats {
  requests: number;
  byRoute: Record<string, Record<string, number>>;
  faultsApplied: Record<string, number>;
}

const CONTROL = '/__sim/';
const count = z.number().int().min(0);
/** Body of `POST /__sim/faults` (also what `truc sim --faults` takes). */
export const FAULTS_SCHEMA = z.strictObject({
  latencyMs: count.optional(),
  errorRate: z.number().min(0).max(1).optional(),
  status429: z.strictObject({ count, retryAfterSeconds: count }).optional(),
  status503Burst: count.optional(),
  status400Burst: count.optional(),
  hang: count.optional(),
  reset: count.optional(),
  outage: z.strictObject({ from: z.number(), to: z.number() }).optional(),
  down: z.boolean().optional(),
  malformed: count.optional(),
  closedWindow: z.boolean().optional(),
  paths: z.array(z.string()).optional(),
});
const MAX_ROUTES = 1000;

interface ServerState {
  faults: Faults;
  requests: number;
  byRoute: Map<string, Record<string, number>>;
  faultsApplied: Record<string, number>;
}

function countRoute(state: ServerState, method: string, path: string, status: number | string): void {
  state.requests++;
  let key = `${method} ${path}`;
  if (!state.byRoute.has(key) && state.byRoute.size >= MAX_ROUTES) key = `${method} (other)`;
  const row = state.byRoute.get(key) ?? {};
  row[String(status)] = (row[String(status)] ?? 0) + 1;
  state.byRoute.set(key, row);
}

/** Reads the body up to `limit` bytes and parses JSON or form data. */
async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new SimError(413, 'BODY_TOO_LARGE', `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimError(400, 'MALFORMED_JSON', 'body is not valid JSON');
  }
}

/** Takes one unit of a counted fault; true when it applies to this request. */
function take(
  state: ServerState,
  name: 'status503Burst' | 'status400Burst' | 'hang' | 'reset' | 'malformed',
): boolean {
  const left = state.faults[name] ?? 0;
  if (left <= 0) return false;
  state.faults[name] = left - 1;
  state.faultsApplied[name] = (state.faultsApplied[name] ?? 0) + 1;
  return true;
}

type Verdict =
  { kind: 'respond'; response: SimResponse } | { kind: 'hang' } | { kind: 'reset' } | { kind: 'pass' };

/** Decides which fault (if any) answers this request, consuming counted faults in a fixed order. */
function faultVerdict(state: ServerState, random: () => number, now: number): Verdict {
  const f = state.faults;
  const unavailable = (retryAfter?: number): Verdict => ({
    kind: 'respond',
    response: {
      status: 503,
      headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      body: { code: 'UNAVAILABLE', message: 'service unavailable (simulated)' },
    },
  });
  if (f.down) return ((state.faultsApplied.down = (state.faultsApplied.down ?? 0) + 1), unavailable());
  if (f.outage && now >= f.outage.from && now < f.outage.to) {
    state.faultsApplied.outage = (state.faultsApplied.outage ?? 0) + 1;
    return unavailable(Math.max(1, Math.ceil((f.outage.to - now) / 1000)));
  }
  if (take(state, 'reset')) return { kind: 'reset' };
  if (take(state, 'hang')) return { kind: 'hang' };
  if (f.status429 && f.status429.count > 0) {
    f.status429 = { ...f.status429, count: f.status429.count - 1 };
    state.faultsApplied.status429 = (state.faultsApplied.status429 ?? 0) + 1;
    const retryAfter = String(f.status429.retryAfterSeconds);
    const body = { code: 'RATE_LIMITED', message: 'too many requests (simulated)' };
    return { kind: 'respond', response: { status: 429, headers: { 'retry-after': retryAfter }, body } };
  }
  if (take(state, 'status503Burst')) return unavailable();
  if (take(state, 'status400Burst')) {
    const body = { code: 'BAD_REQUEST', message: 'request refused (simulated)' };
    return { kind: 'respond', response: { status: 400, body } };
  }
  if (f.errorRate && random() < f.errorRate) {
    state.faultsApplied.errorRate = (state.faultsApplied.errorRate ?? 0) + 1;
    return {
      kind: 'respond',
      response: { status: 500, body: { code: 'INTERNAL', message: 'simulated error' } },
    };
  }
  return { kind: 'pass' };
}

async function writeChunks(
  res: ServerResponse,
  chunks: Iterable<string> | AsyncIterable<string>,
  cut: boolean,
) {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    if (cut) break; // malformed: stop after the first chunk
  }
  res.end();
}

/** Writes a handler response; a `malformed` fault truncates the JSON body. */
async function send(res: ServerResponse, response: SimResponse, malformed: boolean): Promise<number> {
  const status = response.status ?? 200;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  for (const [k, v] of Object.entries(response.headers ?? {})) res.setHeader(k, v);
  if (response.stream) {
    await writeChunks(res, response.stream, malformed);
    return status;
  }
  if (response.body === undefined) {
    res.end();
    return status;
  }
  const text = JSON.stringify(response.body);
  res.end(malformed ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
  return status;
}

/** Answers the control endpoints under `/__sim/`. */
async function control(
  req: IncomingMessage,
  path: string,
  sim: SimServer,
  state: ServerState,
): Promise<SimResponse> {
  const route = `${req.method ?? 'GET'} ${path}`;
  if (route === 'POST /__sim/faults') {
    const parsed = FAULTS_SCHEMA.safeParse((await readBody(req, 1 << 20)) ?? {});
    if (!parsed.success)
      throw new SimError(400, 'INVALID_FAULTS', parsed.error.issues[0]?.message ?? 'invalid');
    sim.faults.set(parsed.data as Faults);
    return { body: { faults: state.faults } };
  }
  if (route === 'DELETE /__sim/faults') return (sim.faults.clear(), { body: { faults: state.faults } });
  if (route === 'GET /__sim/faults') return { body: { faults: state.faults } };
  if (route === 'GET /__sim/received')
    return { body: { system: sim.system, entities: sim.received.snapshot() } };
  if (route === 'DELETE /__sim/received') return (sim.received.clear(), { status: 204 });
  if (route === 'GET /__sim/stats') return { body: sim.stats() };
  return { status: 404, body: { code: 'NOT_FOUND', message: `no control route ${route}` } };
}

/**
 * Starts a simulator on 127.0.0.1 (port 0 = any free port). Faults apply before `handler`, in this
 * order: down, outage, reset, hang, 429, 503 burst, error rate; latency first; malformed last.
 */
export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const state: ServerState = {
    faults: { ...opts.faults },
    requests: 0,
    byRoute: new Map(),
    faultsApplied: {},
  };
  const seed = seedHash(opts.seed ?? 1);
  const received = createRecorder(opts.recordLimit);
  const idempotency = createIdempotencyStore();
  const sockets = new Set<Socket>();
  let counter = 0;
  const random = () => rngFor(seed, 0x51, counter++).next();
  const ctx: SimContext = {
    get faults() {
      return state.faults;
    },
    received,
    idempotency,
    random,
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith(CONTROL)) {
      await send(res, await control(req, url.pathname, sim, state).catch(errorResponse), false);
      return;
    }
    const faulted = !state.faults.paths || state.faults.paths.some((p) => url.pathname.startsWith(p));
    if (faulted && (state.faults.latencyMs ?? 0) > 0)
      await new Promise((r) => setTimeout(r, state.faults.latencyMs));
    const verdict = faulted ? faultVerdict(state, random, Date.now()) : ({ kind: 'pass' } as const);
    if (verdict.kind === 'reset')
      return (countRoute(state, method, url.pathname, 'reset'), void req.socket.destroy());
    if (verdict.kind === 'hang') return countRoute(state, method, url.pathname, 'hang'); // never answered
    let response: SimResponse;
    if (verdict.kind === 'respond') response = verdict.response;
    else {
      try {
        const body = await readBody(req, opts.bodyLimitBytes ?? 5 << 20);
        response = await opts.handler(
          { method, path: url.pathname, query: url.searchParams, headers: req.headers, body },
          ctx,
        );
      } catch (err) {
        response = err instanceof SimError && opts.renderError ? opts.renderError(err) : errorResponse(err);
      }
    }
    const malformed = faulted && (response.status ?? 200) < 300 && take(state, 'malformed');
    countRoute(state, method, url.pathname, await send(res, response, malformed));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sim: SimServer = {
    system: opts.system,
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    faults: {
      get current() {
        return state.faults;
      },
      set: (patch) => void (state.faults = { ...state.faults, ...patch }),
      clear: () => void (state.faults = {}),
    },
    stats: () => ({
      requests: state.requests,
      byRoute: Object.fromEntries(state.byRoute),
      faultsApplied: { ...state.faultsApplied },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return sim;
}

function errorResponse(err: unknown): SimResponse {
  if (err instanceof SimError) {
    return { status: err.status, headers: err.headers, body: { code: err.code, message: err.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'simulator handler failed' } };
}
