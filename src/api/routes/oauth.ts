import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Config } from '../../config.js';
import type { Metrics } from '../../observability/metrics.js';
import { createClientsRepo } from '../../store/clients.js';
import type { Db } from '../../store/db.js';
import { appendAudit } from '../../audit/chain.js';
import { verifySecret } from '../auth/secrets.js';
import { issueToken, type TokenSettings } from '../auth/tokens.js';
import { ProblemSchema } from '../problem.js';

const TokenRequest = z
  .object({
    grant_type: z.string().max(64),
    client_id: z.string().min(1).max(64).optional(),
    client_secret: z.string().min(1).max(256).optional(),
    scope: z.string().max(512).optional(),
  })
  .strict();

const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .meta({ id: 'TokenResponse' });

/**
 * Client credentials from HTTP Basic (RFC 6749 §2.3.1, which servers must support: id and secret
 * form-urlencoded, then base64) or from the body — one method, not both.
 */
function credentialsOf(
  authorization: string | undefined,
  body: { client_id?: string | undefined; client_secret?: string | undefined },
): { id: string; secret: string } {
  const basic =
    authorization && /^Basic\s+/i.test(authorization) ? authorization.replace(/^Basic\s+/i, '') : undefined;
  if (basic !== undefined) {
    if (body.client_id !== undefined || body.client_secret !== undefined) {
      throw new AppError(
        'ERR_VALIDATION',
        'use one client authentication method: HTTP Basic or the body, not both',
      );
    }
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 1) throw new AppError('ERR_INVALID_CLIENT');
    try {
      return {
        id: decodeURIComponent(decoded.slice(0, i)),
        secret: decodeURIComponent(decoded.slice(i + 1)),
      };
    } catch {
      throw new AppError('ERR_INVALID_CLIENT');
    }
  }
  if (!body.client_id || !body.client_secret) {
    throw new AppError('ERR_VALIDATION', 'client_id and client_secret are required (body or HTTP Basic)');
  }
  return { id: body.client_id, secret: body.client_secret };
}

export interface OauthRouteOptions {
  db: Db;
  tokens: TokenSettings;
  auth: Config['auth'];
  metrics: Metrics;
}

/** OAuth 2.0 client-credentials (RFC 6749 §4.4): client id + secret → short-lived bearer JWT. */
const oauthRoutes: FastifyPluginAsyncZod<OauthRouteOptions> = async function oauthRoutes(app, opts) {
  const clients = createClientsRepo(opts.db);
  app.post(
    '/oauth/token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Lấy mã truy cập / Get an access token (client credentials)',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      },
    },
    async function token(request, reply) {
      const body = request.body;
      if (body.grant_type !== 'client_credentials') throw new AppError('ERR_UNSUPPORTED_GRANT');
      const creds = credentialsOf(request.headers.authorization, body);
      const client = await clients.get(creds.id);
      if (!client || client.disabled) {
        opts.metrics.authFailures.inc({ reason: 'unknown_client' });
        throw new AppError('ERR_INVALID_CLIENT');
      }
      if (client.lockedUntil && client.lockedUntil.getTime() > Date.now()) {
        opts.metrics.authFailures.inc({ reason: 'locked' });
        throw new AppError('ERR_CLIENT_LOCKED', undefined, {
          retryAfterSeconds: Math.ceil((client.lockedUntil.getTime() - Date.now()) / 1000),
        });
      }
      if (!(await verifySecret(creds.secret, client.secretHash))) {
        await opts.db.tx(async (q) => {
          await createClientsRepo(q).recordFailure(
            client.id,
            opts.auth.maxFailedLogins,
            opts.auth.lockoutSeconds,
          );
          await appendAudit(q, [{ actor: client.id, action: 'auth.failed', subject: `client:${client.id}` }]);
        });
        opts.metrics.authFailures.inc({ reason: 'bad_secret' });
        throw new AppError('ERR_INVALID_CLIENT');
      }
      await clients.recordSuccess(client.id);
      // A client may ask for fewer scopes than it has, never more.
      const requested = body.scope?.split(' ').filter(Boolean);
      const scopes = requested ? client.scopes.filter((s) => requested.includes(s)) : client.scopes;
      const { token, expiresIn } = issueToken(opts.tokens, {
        clientId: client.id,
        role: client.role,
        schools: client.schools,
        units: client.units,
        scopes,
      });
      void reply.header('cache-control', 'no-store');
      return {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: expiresIn,
        scope: scopes.join(' '),
      };
    },
  );
};
export default oauthRoutes;
