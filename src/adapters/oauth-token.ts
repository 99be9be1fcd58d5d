/** The OAuth2 client-credentials token of an adapter's client: fetched once, cached until shortly before expiry. */
import axios from 'axios';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import { classifyError, retryOpts } from './classify.js';
import type { HttpAuth } from './types.js';

export function tokenPath(tokenUrl: string): string {
  try {
    return new URL(tokenUrl).pathname;
  } catch {
    return '/token';
  }
}

/** Caches an OAuth2 client-credentials token until shortly before expiry; one fetch in flight. */
export function createTokenSource(
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

export type TokenSource = ReturnType<typeof createTokenSource>;
