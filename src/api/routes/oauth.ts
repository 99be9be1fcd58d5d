import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, both } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import { createClientsRepo, type ApiClient, type ClientsRepo } from '../../store/clients.js';
import type { Db } from '../../store/db.js';
import { appendAudit } from '../../audit/chain.js';
import { checkLogin, credentialsOf, grantedScopes, provenGeneration } from '../auth/login.js';
import { hashSecret } from '../auth/secrets.js';
import type { LoginThrottle } from '../auth/throttle.js';
import { tokenLimit } from '../auth/token-limit.js';
import { issueToken, publicJwks, TOKEN_ALG, type TokenSettings } from '../auth/tokens.js';
import { ProblemSchema } from '../problem.js';
import { waitRefusal } from '../retry-later.js';
import { TOKEN_BODY_LIMIT } from '../body-limits.js';

const TokenRequest = z
  .object({
    grant_type: z.string().max(64),
    client_id: z.string().min(1).max(64).optional(),
    client_secret: z.string().min(1).max(256).optional(),
    scope: z.string().max(512).optional(),
  })
  // RFC 6749 §3.2: unrecognized request parameters MUST be ignored (RFC 8707 `resource`, `audience`: review26b F8).
  .strip();

const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .meta({ id: 'TokenResponse' });

/** RFC 6749 §5.2 error body; truc's problem fields ride along. */
const OauthError = ProblemSchema.extend({
  error: z.enum([
    'invalid_request',
    'invalid_client',
    'unsupported_grant_type',
    'invalid_scope',
    'slow_down',
  ]),
  error_description: z.string(),
}).meta({ id: 'OAuthError', description: 'RFC 6749 §5.2 error, with the problem-details fields' });

const Jwks = z
  .object({
    keys: z.array(
      z
        .object({
          kty: z.string(),
          crv: z.string(),
          x: z.string(),
          y: z.string(),
          kid: z.string(),
          alg: z.string(),
          use: z.string(),
        })
        .loose(),
    ),
  })
  .meta({ id: 'JwkSet', description: 'RFC 7517 JWK Set of the token-signing public keys' });

const AuthServerMetadata = z
  .object({
    issuer: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
    service_documentation: z.string().optional(),
  })
  .loose()
  .meta({ id: 'AuthorizationServerMetadata', description: 'RFC 8414 authorization server metadata' });

/** Every scope a client can hold (DEFAULT_SCOPES of each role and the admin API's). */
export const ALL_SCOPES = [
  'batches:write',
  'batches:read',
  'records:read',
  'webhooks',
  'pcgd:read',
  'pcgd:write',
  'audit:read',
  'quality:read',
  'admin',
  'guard',
] as const;

export interface OauthRouteOptions {
  db: Db;
  /** The clock audit entries are stamped with (deps.now). */
  now: () => Date;
  tokens: TokenSettings;
  metrics: Metrics;
  throttle: LoginThrottle;
  /** The public base URL (server.publicUrl); else taken from each request. */
  publicUrl: string | undefined;
  /** auth.issuer, else server.publicUrl: the tokens' issuer when one is configured. */
  configuredIssuer: string | undefined;
  /** Access tokens issued per client per minute (auth.maxTokensPerMinute). */
  maxTokensPerMinute: number;
}

/** Bookkeeping of a failed login, done after the answer so real and unknown ids answer alike. */
function recordFailure(db: Db, log: FastifyBaseLogger, client: ApiClient | undefined, at: Date): void {
  if (!client) return;
  const event = { actor: client.id, action: 'auth.failed' as const, subject: `client:${client.id}` };
  void db
    .tx((q) => appendAudit(q, [event], at))
    .catch((err: unknown) => log.error({ err }, 'could not audit a failed login'));
}

/** Audits a client's first refused token of a window (the limit's refusals after it are not, each one). */
function recordTokenLimit(db: Db, log: FastifyBaseLogger, clientId: string, at: Date): void {
  const event = { actor: clientId, action: 'auth.token-limited' as const, subject: `client:${clientId}` };
  void db
    .tx((q) => appendAudit(q, [event], at))
    .catch((err: unknown) => log.error({ err }, 'could not audit a token limit'));
}

/** The /.well-known documents are public and the same for everyone: caches may keep them five minutes. */
const PUBLIC_CACHE = 'public, max-age=300';

/** Route options of a public /.well-known document: no auth, one 200 body. */
const publicDocument = <T extends z.ZodType>(operationId: string, summary: string, body: T) => ({
  schema: { operationId, tags: ['auth'], summary, response: { 200: body } },
});

type OauthApp = Parameters<FastifyPluginAsyncZod<OauthRouteOptions>>[0];

/** A token request's body that sent nothing: none, or an empty form or object. */
const nothingSent = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

/**
 * 400 invalid_request for a token request that sent nothing, naming what it needs (walk9 W9-10: it was told "expected
 * object, received null; send an object {…}", no field named).
 */
function noTokenBody(): AppError {
  const words = both(
    'yêu cầu lấy mã truy cập cần gửi grant_type=client_credentials, client_id và client_secret (dạng form hoặc ' +
      'JSON; hoặc client_id, client_secret qua HTTP Basic)',
    'a token request needs grant_type=client_credentials, client_id and client_secret (as a form or JSON; or ' +
      'client_id, client_secret as HTTP Basic auth)',
  );
  return new AppError('ERR_VALIDATION', words, {
    errors: [{ pointer: '/body', rule: 'required', message: words }],
  });
}

/** The token endpoint (client credentials, failed logins delayed). */
function tokenRoute(app: OauthApp, opts: OauthRouteOptions): void {
  const clients = createClientsRepo(opts.db);
  // Unknown ids are checked against this hash, so they cost the same scrypt as real ones.
  const dummyHash = hashSecret('not-a-client-secret');
  const limit = tokenLimit(app, opts.maxTokensPerMinute, (clientId) =>
    recordTokenLimit(opts.db, app.log, clientId, opts.now()),
  );

  app.post(
    '/oauth/token',
    {
      // A JSON body's repeated key is refused as the form's repeated parameter is (fix33c; every route's default:
      // ../plugins/repeated-keys.ts), answered here as invalid_request.
      config: { oauthErrors: true },
      bodyLimit: TOKEN_BODY_LIMIT,
      preValidation: async function tokenBodySent(request) {
        if (nothingSent(request.body)) throw noTokenBody();
      },
      schema: {
        operationId: 'getToken',
        tags: ['auth'],
        summary: 'Lấy mã truy cập / Get an access token (client credentials)',
        description:
          'OAuth 2.0 client credentials (RFC 6749 §4.4); the client authenticates with HTTP Basic or client_id/client_secret in the body. Errors follow RFC 6749 §5.2. A form parameter sent more than once (§3.1; RFC 8707 `resource` excepted), a key repeated in a JSON body, or bytes that are not UTF-8 (raw or percent-encoded) are 400 invalid_request, no login tried. A body over 16 KiB is 413 invalid_request, unread. / Xác thực bằng HTTP Basic hoặc client_id/client_secret. Tham số gửi nhiều lần (trừ `resource` của RFC 8707), khoá lặp lại trong thân JSON, hoặc byte không phải UTF-8 (kể cả mã hoá phần trăm): 400 invalid_request, không thử đăng nhập. Thân quá 16 KiB: 413 invalid_request, không đọc.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: OauthError, 401: OauthError, 413: OauthError, 429: OauthError },
        'x-no-store': 'every',
      },
    },
    async function token(request, reply) {
      const body = request.body;
      if (body.grant_type !== 'client_credentials') throw new AppError('ERR_UNSUPPORTED_GRANT');
      const creds = credentialsOf(request.headers.authorization, body);
      await limit.check(request, creds.id);
      const waitMs = await opts.throttle.take(creds.id, request.ip);
      if (waitMs > 0) {
        opts.metrics.authFailures.inc({ reason: 'throttled' });
        throw waitRefusal('ERR_LOGIN_THROTTLED', waitMs / 1000);
      }
      const { client, ok, generation } = await checkLogin(opts.throttle, creds, request.ip, (secret, id) =>
        provenGeneration(clients, dummyHash, opts.now(), secret, id),
      );
      if (!ok || !client) {
        opts.metrics.authFailures.inc({ reason: 'bad_credentials' });
        recordFailure(opts.db, request.log, client, opts.now());
        throw new AppError('ERR_INVALID_CLIENT');
      }
      await limit.count(request, client.id);
      const scopes = grantedScopes(client, body.scope);
      const { token, expiresIn } = await issueToken(opts.tokens, principalOf(client, scopes, generation));
      if (generation !== client.secretGeneration)
        await noteOldSecretUse(clients, client, opts.now(), request.log);
      void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: expiresIn,
        scope: scopes.join(' '),
      };
    },
  );
}

/**
 * The old secret (the one the last rotation replaced, in its window) issued a token: noted on the client at most once
 * a minute (fix30f: `oldCredentialLastUsedAt`, whether the vendor still uses it). A failed note never refuses the token.
 */
async function noteOldSecretUse(clients: ClientsRepo, client: ApiClient, at: Date, log: FastifyBaseLogger) {
  await clients.noteOldSecretUse(client, at).catch((err: unknown) => {
    log.error({ err }, 'could not note a use of an old client secret');
  });
}

/** What a token says of its client: `secretGeneration`, that of the secret the login proved. */
const principalOf = (client: ApiClient, scopes: string[], secretGeneration: number) => ({
  clientId: client.id,
  role: client.role,
  scopes,
  secretGeneration,
});

/** The public base URL: server.publicUrl, else the one the request is served under. */
const baseUrl = (opts: OauthRouteOptions, request: FastifyRequest): string =>
  opts.publicUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.host}`;

/**
 * The metadata's issuer: the configured one (auth.issuer, else server.publicUrl), the tokens' `iss`; with neither, the
 * URL the document is served under, as RFC 8414 §3.3 clients check (review28 F6). The tokens then carry and are
 * checked for DEFAULT_ISSUER (sec9), which no URL names: set PUBLIC_URL for both to be the same (README).
 */
const issuerOf = (opts: OauthRouteOptions, request: FastifyRequest): string =>
  opts.configuredIssuer ?? baseUrl(opts, request);

/** The published signing keys (JWKS) and the authorization server metadata. */
function publicDocumentRoutes(app: OauthApp, opts: OauthRouteOptions): void {
  app.get(
    '/.well-known/jwks.json',
    publicDocument(
      'getJwks',
      'Khoá công khai ký mã truy cập / Public keys that sign access tokens (JWKS)',
      Jwks,
    ),
    async function jwks(_request, reply) {
      void reply.header('cache-control', PUBLIC_CACHE);
      return (await publicJwks(opts.tokens)) as z.infer<typeof Jwks>;
    },
  );

  app.get(
    '/.well-known/oauth-authorization-server',
    publicDocument(
      'getAuthorizationServerMetadata',
      'Siêu dữ liệu OAuth / OAuth authorization server metadata (RFC 8414)',
      AuthServerMetadata,
    ),
    async function metadata(request, reply) {
      const base = baseUrl(opts, request);
      // Without server.publicUrl the endpoints are the request's own host: no shared cache may keep one host's answer
      // for another (review26b N9: a Host header of evil.example would hand vendors an attacker's token endpoint).
      if (opts.publicUrl === undefined)
        void reply.header('cache-control', 'private, max-age=300').header('vary', 'host');
      else void reply.header('cache-control', PUBLIC_CACHE);
      return {
        issuer: issuerOf(opts, request),
        token_endpoint: `${base}/oauth/token`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: [],
        scopes_supported: [...ALL_SCOPES],
        service_documentation: `${base}/docs`,
        'x-access-token-signing-alg': TOKEN_ALG,
      };
    },
  );
}

/**
 * OAuth 2.0 client-credentials (RFC 6749 §4.4): client id + secret → short-lived ES256 bearer JWT;
 * RFC 8414 metadata and the RFC 7517 key set under /.well-known.
 */
const oauthRoutes: FastifyPluginAsyncZod<OauthRouteOptions> = async function oauthRoutes(app, opts) {
  tokenRoute(app, opts);
  publicDocumentRoutes(app, opts);
};
export default oauthRoutes;
