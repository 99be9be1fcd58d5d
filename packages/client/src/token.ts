/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) against truc's `POST /oauth/token`: one token is
 * fetched, cached and shared by every call, refreshed shortly before it expires, and fetched once
 * however many calls ask at the same time. A refusal is a `TrucOAuthError` carrying the RFC 6749 error.
 */
import createClient from 'openapi-fetch';
import { TrucOAuthError } from './errors.js';
import type { components, paths } from './generated/truc.v1.js';

export type TokenResponse = components['schemas']['TokenResponse'];

export interface TokenSourceOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for; by default every scope the client holds. */
  scope?: string;
  /** The fetch to use (tests, proxies). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. @defaultValue Date.now */
  now?: () => number;
  /**
   * Refresh this many seconds before expiry (at most a tenth of the lifetime is kept in reserve for
   * short-lived tokens). @defaultValue 60
   */
  refreshMarginSeconds?: number;
}

interface Cached {
  token: string;
  scope: string;
  /** When to stop using it (ms since the epoch), the refresh margin already taken off. */
  refreshAt: number;
}

/** A cached bearer token of one client. */
export interface TokenSource {
  /** A valid access token: the cached one, or a new one when it is (nearly) expired. */
  get(): Promise<string>;
  /** Drops the cached token (after a 401 for it), so the next `get()` asks again. */
  invalidate(token?: string): void;
  /** How many tokens were fetched so far (for diagnostics and tests). */
  readonly fetched: number;
}

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginSeconds ?? 60;
  const http = createClient<paths>({
    baseUrl: opts.baseUrl,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  let cached: Cached | undefined;
  let pending: Promise<string> | undefined;
  let fetched = 0;

  async function request(): Promise<string> {
    const body = {
      grant_type: 'client_credentials',
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      ...(opts.scope === undefined ? {} : { scope: opts.scope }),
    };
    const { data, error, response } = await http.POST('/oauth/token', {
      body,
      bodySerializer: (b) => new URLSearchParams(b as Record<string, string>).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    if (!data) throw new TrucOAuthError(response, error);
    fetched += 1;
    const lifetime = Math.max(0, data.expires_in);
    const reserve = Math.min(margin, lifetime / 10);
    cached = { token: data.access_token, scope: data.scope, refreshAt: now() + (lifetime - reserve) * 1000 };
    return data.access_token;
  }

  return {
    get() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      pending ??= request().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (token === undefined || cached?.token === token) cached = undefined;
    },
    get fetched() {
      return fetched;
    },
  };
}
