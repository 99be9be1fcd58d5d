import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Db } from '../../store/db.js';
import { createClientsRepo } from '../../store/clients.js';
import { verifyToken, type Principal, type TokenSettings } from '../auth/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** How long a "client is enabled" answer is trusted before the database is asked again. */
const CLIENT_STATE_TTL_MS = 5_000;

export interface AuthOptions {
  tokens: TokenSettings;
  db: Db;
  metrics: Metrics;
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
    const enabledCache = new Map<string, { enabled: boolean; at: number }>();
    async function isEnabled(clientId: string): Promise<boolean> {
      const hit = enabledCache.get(clientId);
      if (hit && Date.now() - hit.at < CLIENT_STATE_TTL_MS) return hit.enabled;
      const c = await clients.get(clientId);
      const enabled = c !== undefined && !c.disabled;
      enabledCache.set(clientId, { enabled, at: Date.now() });
      return enabled;
    }
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async function authenticate(request: FastifyRequest) {
      const scope = request.routeOptions.config.scope;
      if (scope === undefined) return;
      const header = request.headers.authorization;
      if (!header || !/^Bearer\s+\S+$/i.test(header)) {
        opts.metrics.authFailures.inc({ reason: 'missing' });
        throw new AppError('ERR_UNAUTHENTICATED');
      }
      let principal: Principal;
      try {
        principal = verifyToken(opts.tokens, header.replace(/^Bearer\s+/i, ''));
      } catch (err) {
        opts.metrics.authFailures.inc({ reason: 'invalid' });
        request.log.info({ code: 'ERR_TOKEN_INVALID' }, 'token refused');
        throw err;
      }
      if (!(await isEnabled(principal.clientId))) {
        opts.metrics.authFailures.inc({ reason: 'disabled' });
        throw new AppError('ERR_TOKEN_INVALID', 'client disabled or unknown');
      }
      if (!principal.scopes.includes(scope)) {
        opts.metrics.authFailures.inc({ reason: 'scope' });
        throw new AppError('ERR_FORBIDDEN_SCOPE', `scope ${scope} required`);
      }
      request.principal = principal;
      // Tenancy before the body is read or validated (issue 9): a caller learns nothing about, and
      // makes truc parse nothing for, a school it does not serve.
      const schoolCode = (request.params as Record<string, unknown> | undefined)?.schoolCode;
      if (typeof schoolCode === 'string') {
        const mode = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
        if (!canAccessSchool(principal, schoolCode, mode)) {
          opts.metrics.authFailures.inc({ reason: 'tenancy' });
          throw new AppError('ERR_FORBIDDEN_SCHOOL');
        }
      }
    });
  },
  { name: 'truc-auth' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route requires; routes without it are public (health, token, docs). */
    scope?: string;
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
  if (!canAccessSchool(p, schoolCode, mode)) throw new AppError('ERR_FORBIDDEN_SCHOOL');
}
