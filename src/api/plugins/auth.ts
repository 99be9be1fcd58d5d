import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isOpaqueCode } from '../../canonical/primitives.js';
import { AppError, both } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Db } from '../../store/db.js';
import { createClientsRepo, oldSecretWorks, scopesBeyondRole, type ApiClient } from '../../store/clients.js';
import { SCHOOL_CODE_MAX, SCHOOL_CODE_MESSAGE } from '../school-code.js';
import { failedAuthCounter, tooManyFailures, type FailedAuthLimit } from '../failed-auth.js';
import {
  createTokenVerifier,
  TOKEN_REFUSED,
  TokenError,
  type Principal,
  type TokenPrincipal,
  type TokenSettings,
} from '../auth/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Forget this process's cached state of a client (after an admin change). */
    forgetClientState(clientId: string): void;
  }
}

export interface AuthOptions {
  tokens: TokenSettings;
  db: Db;
  metrics: Metrics;
  /** How long a client's state (enabled, role, schools, units, scopes) is trusted before the database is asked again. */
  clientStateTtlMs: number;
  /** Failed authentications (no, bad or expired token; a disabled client's) per source address per window (api.failedAuthLimit). */
  failedAuthLimit: FailedAuthLimit;
  /** The clock a rotated secret's window is judged by (deps.now). */
  now: () => Date;
}

const REALM = 'truc';
/** What a call without a bearer token is told (walk11 W11-5: nothing said where to get one). */
const NO_TOKEN = both(
  'gửi Authorization: Bearer <mã>; lấy mã ở POST /oauth/token (grant_type=client_credentials)',
  'send Authorization: Bearer <token>; get one at POST /oauth/token (grant_type=client_credentials)',
);
/**
 * What a token of a disabled (or deleted) client is told (review11: it was told to get a new token, which the token
 * endpoint refuses such a client): only the city can enable it again.
 */
const CLIENT_DISABLED = both(
  'ứng dụng của mã này đã bị tắt; liên hệ quản trị của thành phố để bật lại',
  "this token's client is disabled; ask the city's administrators to enable it",
);
/**
 * The `config.scope` of a route any valid token may call, whatever its scopes (GET /v1/me: who the caller is). The
 * token is verified and its client's state checked as for any other route; no scope is asked for.
 */
export const ANY_SCOPE = '*';

/** RFC 6750 §3: the challenge on every 401 (and the scope error on 403). */
function challenge(reply: FastifyReply, error?: 'invalid_token' | 'insufficient_scope', extra = ''): void {
  void reply.header(
    'www-authenticate',
    `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}${extra}`,
  );
}

/**
 * The principal a token stands for NOW: the token proves who the client is; what it may touch
 * (role, schools, units, scopes) comes from the client's current state, so disabling a client or
 * changing its schools takes effect without waiting for its tokens to expire. Scopes are the token's
 * (a client may ask for fewer) still granted to the client.
 */
function currentPrincipal(fromToken: TokenPrincipal, client: ApiClient): Principal {
  return {
    clientId: client.id,
    role: client.role,
    schools: client.schools,
    units: client.units,
    // A scope the client's role may not hold (a vendor row given a city scope before priv28) is never granted.
    scopes: fromToken.scopes.filter(
      (s) => client.scopes.includes(s) && scopesBeyondRole(client.role, [s]).length === 0,
    ),
    tokenId: fromToken.tokenId,
  };
}

/**
 * True when the token was issued under an older generation of its client's secret (rotated since), unless under the
 * secret the last rotation replaced while that one still works (fix30a: the rotation's overlap window; its end, or
 * a city admin ending it early, cuts those tokens as a rotation without a window does).
 */
const isRotated = (fromToken: TokenPrincipal, client: ApiClient, now: Date): boolean => {
  const generation = fromToken.secretGeneration ?? 0;
  if (generation >= client.secretGeneration) return false;
  return !(generation === client.secretGeneration - 1 && oldSecretWorks(client, now));
};

/**
 * Why a verified token no longer stands for its client: `disabled` (or no such client), `rotated` (issued under a
 * secret that no longer works: review27b F3, fix30a), cut as disabling would; undefined when it does.
 */
const cutOf = (fromToken: TokenPrincipal, client: ApiClient | undefined, now: Date) =>
  !client || client.disabled ? 'disabled' : isRotated(fromToken, client, now) ? 'rotated' : undefined;

/**
 * Counts a failed authentication of the request's source address (../failed-auth.ts: IPv6 by its /64, in the rate
 * limiter's store, the same count as a wrong /metrics token's): the answer carries the RateLimit-* headers of that
 * count, and past `max` in the window it is a 429 ERR_RATE_LIMITED with Retry-After instead of the 401 (api27: a
 * client hammering with invalid tokens was never slowed). Only failures are counted and only a failure is refused: a
 * valid token is served whatever its address did, so the clients behind one address (a vendor's NAT) are not locked
 * out by one of them.
 */
function failedAuthentications(app: FastifyInstance, limit: FailedAuthLimit) {
  const count = failedAuthCounter(app, limit);
  return async function countFailure(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const r = await count(request);
    void reply
      .header('ratelimit-limit', r.max)
      .header('ratelimit-remaining', r.remaining)
      .header('ratelimit-reset', r.resetSeconds);
    if (r.exceeded) throw tooManyFailures(r, limit);
  };
}

/**
 * Tenancy before the body is read or validated (issue 9): a caller learns nothing about, and makes truc parse nothing
 * for, a school it does not serve. An ill-formed code is no one's school: 400 ERR_VALIDATION as the route's schema
 * words it (../school-code.ts: its limit and words), for every caller alike and still before the body is
 * read (api27: a vendor was told 403, an admin 400). A well-formed code (79-x is one) the caller does not serve: 403.
 */
function checkTenancy(request: FastifyRequest, principal: Principal, metrics: Metrics): void {
  const schoolCode = (request.params as Record<string, unknown> | undefined)?.schoolCode;
  if (typeof schoolCode !== 'string') return;
  if (!isOpaqueCode(schoolCode, SCHOOL_CODE_MAX))
    throw new AppError('ERR_VALIDATION', undefined, {
      errors: [{ pointer: '/params/schoolCode', rule: 'invalid_format', message: SCHOOL_CODE_MESSAGE }],
    });
  const mode = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
  if (!canAccessSchool(principal, schoolCode, mode)) {
    metrics.authFailures.inc({ reason: 'tenancy' });
    throw forbiddenSchool(schoolCode);
  }
}

/**
 * Verifies the bearer token on every request that reaches a route declaring `config.scope`, refuses
 * tokens of disabled clients, and checks tenancy of a `:schoolCode` path parameter, all in `onRequest`:
 * before the body is read, parsed or validated. Routes check it again with {@link requireSchool}, and
 * the store filters by the caller's schools.
 */
export default fp(
  async function auth(app: FastifyInstance, opts: AuthOptions) {
    const clients = createClientsRepo(opts.db);
    const verifyToken = createTokenVerifier(opts.tokens);
    const stateCache = new Map<string, { client: ApiClient | undefined; at: number }>();
    async function clientState(clientId: string): Promise<ApiClient | undefined> {
      const hit = stateCache.get(clientId);
      if (hit && Date.now() - hit.at < opts.clientStateTtlMs) return hit.client;
      const client = await clients.get(clientId);
      if (stateCache.size > 10_000) stateCache.clear();
      stateCache.set(clientId, { client, at: Date.now() });
      return client;
    }
    app.decorate('forgetClientState', function forgetClientState(clientId: string) {
      stateCache.delete(clientId);
    });
    app.decorateRequest('principal', undefined);
    const failed = failedAuthentications(app, opts.failedAuthLimit);
    app.addHook('onRequest', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
      const scope = request.routeOptions.config.scope;
      if (scope === undefined) return;
      const header = request.headers.authorization;
      if (!header || !/^Bearer\s+\S+$/i.test(header)) {
        opts.metrics.authFailures.inc({ reason: 'missing' });
        await failed(request, reply);
        challenge(reply);
        throw new AppError('ERR_UNAUTHENTICATED', NO_TOKEN);
      }
      let fromToken: TokenPrincipal;
      try {
        fromToken = await verifyToken(header.replace(/^Bearer\s+/i, ''));
      } catch (err) {
        opts.metrics.authFailures.inc({ reason: 'invalid' });
        const reason = err instanceof TokenError ? err.reason : 'malformed';
        request.log.info({ code: 'ERR_TOKEN_INVALID', reason }, 'token refused');
        await failed(request, reply);
        // RFC 6750 §3's own example: an OAuth client library reads an expired token from the challenge (walk13).
        challenge(
          reply,
          'invalid_token',
          reason === 'expired' ? ', error_description="The access token expired"' : '',
        );
        throw err;
      }
      const client = await clientState(fromToken.clientId);
      const cut = cutOf(fromToken, client, opts.now());
      if (cut !== undefined || !client) {
        opts.metrics.authFailures.inc({ reason: cut ?? 'disabled' });
        await failed(request, reply);
        challenge(reply, 'invalid_token');
        throw new AppError('ERR_TOKEN_INVALID', cut === 'rotated' ? TOKEN_REFUSED : CLIENT_DISABLED);
      }
      const principal = currentPrincipal(fromToken, client);
      if (scope !== ANY_SCOPE && !principal.scopes.includes(scope)) {
        opts.metrics.authFailures.inc({ reason: 'scope' });
        challenge(reply, 'insufficient_scope', `, scope="${scope}"`);
        throw new AppError('ERR_FORBIDDEN_SCOPE', both(`cần quyền ${scope}`, `scope ${scope} required`));
      }
      request.principal = principal;
      checkTenancy(request, principal, opts.metrics);
    });
  },
  { name: 'truc-auth' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route requires ({@link ANY_SCOPE}: any valid token); routes without it are public (health, token, docs). */
    scope?: string;
    /** Errors in RFC 6749 §5.2 form (the token endpoint). */
    oauthErrors?: boolean;
  }
}

/** The request's principal; throws when the route forgot to declare a scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('ERR_UNAUTHENTICATED');
  return request.principal;
}

/** Tenancy: vendors may touch only their schools. City admins may read all. */
export function canAccessSchool(p: Principal, schoolCode: string, mode: 'read' | 'write'): boolean {
  if (p.role === 'city-admin') return mode === 'read' || p.schools.includes(schoolCode);
  return p.schools.includes(schoolCode);
}

export function requireSchool(p: Principal, schoolCode: string, mode: 'read' | 'write'): void {
  if (!canAccessSchool(p, schoolCode, mode)) throw forbiddenSchool(schoolCode);
}

/**
 * The one 403 ERR_FORBIDDEN_SCHOOL: its detail names the school code not granted to the client (walk9 W9-12: the
 * table's words alone left a vendor granted several schools guessing which). A school code is no personal data; one
 * not shaped like a code (../school-code.ts) is not echoed.
 */
export function forbiddenSchool(schoolCode: string): AppError {
  if (!isOpaqueCode(schoolCode, SCHOOL_CODE_MAX)) return new AppError('ERR_FORBIDDEN_SCHOOL');
  return new AppError(
    'ERR_FORBIDDEN_SCHOOL',
    both(
      `trường ${schoolCode} không được cấp cho ứng dụng (client) này: dùng token của ứng dụng được cấp trường đó, ` +
        `hoặc đề nghị quản trị viên của Sở cấp trường cho ứng dụng này (PATCH /v1/admin/clients/{clientId}, ` +
        `truc clients add --schools)`,
      `school ${schoolCode} is not granted to this client: use the token of a client granted that school, or ask ` +
        `the city's admin to grant it to this client (PATCH /v1/admin/clients/{clientId}, truc clients add --schools)`,
    ),
  );
}
