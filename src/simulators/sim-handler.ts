/**
 * What a simulator's handler sees and uses: the request and response shapes, the error it throws, and
 * helpers for cursors, streamed JSON pages, idempotency, credentials and OAuth2 client-credentials
 * tokens, with the recorder of what the simulator was sent.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Faults } from './sim-faults.js';

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
export function createRecorder(limit = 10_000): Recorder {
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

export function createIdempotencyStore(limit = 10_000): IdempotencyStore {
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

/** A running {@link createTokenIssuer}. */
export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
