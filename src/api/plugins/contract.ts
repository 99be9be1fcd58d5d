/**
 * The OpenAPI contract, completed in one place for every route (issue 9): an operationId (from the
 * handler's name when the route gives none), the oauth2 client-credentials requirement of the route's
 * scope (so Swagger UI's Authorize sends the token), the answers every route can give (401/403 when
 * it needs a token, 415 when it takes a body, 429 on /v1, 500), errors as `application/problem+json`
 * (RFC 6749 bodies at the token endpoint), described responses instead of "Default Response", and the
 * response headers (correlation id, Location, Retry-After, RateLimit-*, WWW-Authenticate).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { EXAMPLES } from '../examples.js';
import { ProblemSchema } from '../problem.js';
import { ANY_SCOPE } from './auth.js';
import { NoQuery } from '../query.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The route's success answer sends an ETag to send back as If-Match (`if-match`: an API client's admin routes,
     * fix37d); completeDocument documents the header on its 2xx and drops the mark. A route taking If-None-Match
     * needs none: its 200 and 304 are documented by that.
     */
    'x-etag'?: 'if-match';
    /**
     * The route's answers carry `Cache-Control: no-store` (its handler sets it): `success`, its 2xx (a secret shown
     * once: an API client's create and rotate-secret, a webhook subscription's create); `every`, every answer, with
     * `Pragma: no-cache` (the token endpoint, RFC 6749 §5.1, its errors too). completeDocument documents the headers
     * and drops the mark.
     */
    'x-no-store'?: 'success' | 'every';
  }
}

const DESCRIPTIONS: Record<string, string> = {
  '200': 'Thành công / OK',
  '201': 'Đã tạo / Created',
  '202': 'Đã nhận, đang xử lý / Accepted for processing',
  '204': 'Không có nội dung / No content',
  '304': 'Không đổi (ETag) / Not modified',
  '400': 'Yêu cầu không hợp lệ / Bad request',
  '401': 'Cần xác thực / Authentication required',
  '403': 'Không có quyền / Forbidden',
  '404': 'Không tìm thấy / Not found',
  '409': 'Xung đột / Conflict',
  '410': 'Không còn nữa / Gone',
  '412': 'Điều kiện If-Match không thỏa: đã đổi từ lần đọc / Precondition failed: changed since you read it',
  '413': 'Quá lớn / Too large',
  '415': 'Kiểu nội dung không hỗ trợ / Unsupported media type',
  '422': 'Không xử lý được / Unprocessable',
  '429':
    'Quá nhiều yêu cầu: chờ Retry-After giây, detail nói cùng thời gian đó / Too many requests: wait Retry-After seconds, the detail names the same wait',
  '500': 'Lỗi nội bộ / Internal error',
  '503': 'Tạm thời không sẵn sàng / Unavailable',
};

const camel = (s: string) =>
  s.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));

/** Whether a query schema refuses the keys it does not name: a zod object made `.strict()` (its catchall is never). */
function isStrictObject(s: unknown): boolean {
  if (!(s instanceof z.ZodObject)) return false;
  const catchall = (s.def as { catchall?: { def?: { type?: string } } }).catchall;
  return catchall?.def?.type === 'never';
}

/**
 * The API's one rule for query parameters (api27): a key a /v1 route does not name is a 400 ERR_VALIDATION (`unknown
 * field(s)`), never ignored. A /v1 route that declares no query takes {@link NoQuery}; one that declares a query must
 * declare it `.strict()` (checked here, at start-up, so no route can forget). Not /oauth/token: RFC 6749 §3.2 has a
 * token endpoint ignore parameters it does not know.
 */
function strictQuery(route: RouteOptions, schema: Record<string, unknown>): void {
  if (!route.url.startsWith('/v1/')) return;
  schema.querystring ??= NoQuery;
  if (!isStrictObject(schema.querystring))
    throw new Error(`${route.url}: its querystring must be a strict zod object (z.object({...}).strict())`);
}

/** Adds what every route's schema should say; runs for each route as it is declared. */
function completeRoute(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return;
  strictQuery(route, schema);
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) ?? 'GET';
  if (!schema.operationId) {
    const name = route.handler.name;
    schema.operationId = name && name !== 'anonymous' ? name : camel(`${method.toLowerCase()} ${route.url}`);
  }
  const response = (schema.response ??= {}) as Record<string, unknown>;
  const scope = route.config?.scope;
  // Public routes say so (`[]`); the others need the oauth2 token of their scope (any token: no scope named).
  schema.security = scope === undefined ? [] : [{ oauth2: scope === ANY_SCOPE ? [] : [scope] }];
  if (scope !== undefined) {
    response[401] ??= ProblemSchema;
    // a route any token may call refuses none for want of a scope
    if (scope !== ANY_SCOPE) response[403] ??= ProblemSchema;
  }
  if (schema.body !== undefined) {
    response[415] ??= ProblemSchema;
    // Every body has a limit (its route's, ../body-limits.ts): over it, 413 ERR_BODY_TOO_LARGE naming it.
    response[413] ??= ProblemSchema;
  }
  if (route.url.startsWith('/v1/')) {
    response[429] ??= ProblemSchema;
    // The database (or the queue backend) unreachable: 503 ERR_DEPENDENCY_UNAVAILABLE with Retry-After (review28 D3).
    response[503] ??= ProblemSchema;
  }
  if (schema.params !== undefined || schema.querystring !== undefined || schema.body !== undefined)
    response[400] ??= ProblemSchema;
}

interface Operation {
  operationId?: string;
  'x-etag'?: 'if-match';
  'x-no-store'?: 'success' | 'every';
  parameters?: Array<{ in?: string; name: string }>;
  tags?: string[];
  responses?: Record<string, Response>;
  requestBody?: RequestBody;
}
type Doc = {
  servers?: Array<{ url: string; description?: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths?: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
};
interface RequestBody {
  required?: boolean;
  content?: Record<
    string,
    { schema?: { anyOf?: Array<{ type?: string }>; type?: string }; example?: unknown }
  >;
}
interface Response {
  description?: string;
  content?: Record<string, unknown>;
  headers?: Record<string, unknown>;
}

const header = (description: string, schema: object = { type: 'string' }) => ({ description, schema });
const HEADERS = {
  correlation: header('Mã tương quan của yêu cầu / the request correlation id'),
  location: header('URL của tài nguyên / URL of the resource'),
  retryAfter: header('Số giây nên chờ / seconds to wait before retrying', { type: 'integer' }),
  limit: header('Hạn mức yêu cầu trong cửa sổ / requests allowed in the window', { type: 'integer' }),
  remaining: header('Số yêu cầu còn lại / requests left in the window', { type: 'integer' }),
  reset: header('Số giây đến cửa sổ mới / seconds until the window resets', { type: 'integer' }),
  challenge: header('Thử thách xác thực (RFC 6750) / the authentication challenge'),
  etag: header(
    'Phiên bản của bản ghi; gửi lại trong If-None-Match, bản ghi không đổi trả 304 / the record’s version: send it back as If-None-Match, an unchanged record answers 304',
  ),
  etagIfMatch: header(
    'Phiên bản (ETag yếu) của ứng dụng; gửi lại trong If-Match của PATCH, đổi khoá (POST …/secret) hoặc DELETE …/old-secret: ứng dụng đã đổi từ đó thì 412 ERR_PRECONDITION_FAILED / the client’s version (a weak ETag): send it back as If-Match with PATCH, rotate-secret (POST …/secret) or DELETE …/old-secret; changed since then: 412 ERR_PRECONDITION_FAILED',
  ),
  noStore: header(
    '`no-store`: không bộ nhớ đệm nào được giữ câu trả lời này (mật khẩu hiện một lần, mã truy cập, lỗi đăng nhập) / `no-store`: no cache may keep this answer (a secret shown once, a token, a login’s error)',
    { type: 'string', enum: ['no-store'] },
  ),
  pragma: header('`no-cache` (HTTP/1.0, RFC 6749 §5.1)', { type: 'string', enum: ['no-cache'] }),
  replayed: header(
    '`true` khi đây là câu trả lời đã lưu của một yêu cầu trước cùng Idempotency-Key (không tạo gì mới) / `true` when this is the stored answer of an earlier request with the same Idempotency-Key (nothing new was created)',
    { type: 'string', enum: ['true'] },
  ),
};

/** Whether an operation takes the Idempotency-Key header (its 202 may then be a replayed answer). */
function takesIdempotencyKey(op: Operation): boolean {
  return (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
}

/**
 * The 202s that answer no Location: a request with no status resource of its own (review34a N1: `POST
 * /v1/quality/runs` documented one it never sent; fix36d gave it one, GET /v1/quality/runs/{id}, its Location). None now.
 */
const NO_LOCATION: ReadonlySet<string> = new Set<string>([]);

/** Whether an operation takes If-None-Match (its 200 and 304 then carry the record's ETag: review34a F4). */
function takesIfNoneMatch(op: Operation): boolean {
  return (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-none-match');
}

/**
 * A body the route takes as nullish (`Schema.nullish()`: it may be sent or not, e.g. a guard decision's reason) is
 * generated as a required `anyOf [schema, null]`: it is optional, of that schema.
 */
function optionalBody(body: RequestBody | undefined): void {
  const json = body?.content?.['application/json'];
  const anyOf = json?.schema?.anyOf;
  if (!body || !json || !anyOf || anyOf.length !== 2) return;
  const rest = anyOf.filter((s) => s.type !== 'null');
  if (rest.length !== 1) return;
  body.required = false;
  json.schema = rest[0]!;
}

/** Sets an operation's examples (../examples.ts) as the `example` of its request's and answers' media types. */
function addExamples(op: Operation): void {
  const examples = op.operationId === undefined ? undefined : EXAMPLES[op.operationId];
  if (!examples) return;
  for (const [type, value] of Object.entries(examples.request ?? {})) {
    const media = op.requestBody?.content?.[type];
    if (media) media.example = value;
  }
  for (const [status, value] of Object.entries(examples.responses)) {
    for (const media of Object.values(op.responses?.[status]?.content ?? {}))
      (media as { example?: unknown }).example = value;
  }
}

/** The headers an answer of `op` (at `path`) with status `code` carries. */
function responseHeaders(path: string, op: Operation, code: number): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'X-Correlation-Id': HEADERS.correlation };
  if ((code === 201 || code === 202) && !NO_LOCATION.has(path)) headers.Location = HEADERS.location;
  if (code === 429 || code === 503) headers['Retry-After'] = HEADERS.retryAfter;
  if (code === 202 && takesIdempotencyKey(op)) headers['Idempotent-Replayed'] = HEADERS.replayed;
  if (code === 401 && path !== '/oauth/token') headers['WWW-Authenticate'] = HEADERS.challenge;
  if ((code === 200 || code === 304) && takesIfNoneMatch(op)) headers.ETag = HEADERS.etag;
  if (code >= 200 && code < 300 && op['x-etag'] === 'if-match') headers.ETag = HEADERS.etagIfMatch;
  if (op['x-no-store'] === 'every' || (op['x-no-store'] === 'success' && code >= 200 && code < 300))
    headers['Cache-Control'] = HEADERS.noStore;
  if (op['x-no-store'] === 'every') headers.Pragma = HEADERS.pragma;
  if (path.startsWith('/v1/')) {
    headers['RateLimit-Limit'] = HEADERS.limit;
    headers['RateLimit-Remaining'] = HEADERS.remaining;
    headers['RateLimit-Reset'] = HEADERS.reset;
  }
  return headers;
}

/**
 * Completes the generated document: response descriptions, error media types, headers, examples, and the
 * oauth2 scheme with every scope (the only scheme operations use).
 */
export function completeDocument<T>(doc: T, scopes: readonly string[]): T {
  const d = doc as Doc;
  const usedTags = new Set<string>();
  for (const [path, ops] of Object.entries(d.paths ?? {})) {
    for (const op of Object.values(ops)) {
      for (const t of op.tags ?? []) usedTags.add(t);
      optionalBody(op.requestBody);
      if (Object.keys(op.responses ?? {}).length === 0) op.responses = { '200': {} };
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        if (!res.description || res.description === 'Default Response')
          res.description = DESCRIPTIONS[status] ?? `HTTP ${status}`;
        const code = Number(status);
        const json = res.content?.['application/json'] as { schema?: { $ref?: string } } | undefined;
        if (code >= 400 && json?.schema?.$ref?.endsWith('/Problem') && path !== '/oauth/token') {
          res.content = { 'application/problem+json': json };
        }
        res.headers = { ...responseHeaders(path, op, code), ...res.headers };
      }
      addExamples(op);
      delete op['x-etag'];
      delete op['x-no-store'];
    }
  }
  const declared = new Set((d.tags ?? []).map((t) => t.name));
  d.tags = [...(d.tags ?? []), ...[...usedTags].filter((t) => !declared.has(t)).map((name) => ({ name }))];
  d.servers ??= [{ url: '/', description: 'Máy chủ này / this server' }];
  d.components ??= {};
  // Schemas nothing refers to (zod's input twins, bodies inlined in their operations) are dropped.
  const schemas = d.components.schemas ?? {};
  let text = JSON.stringify(d.paths ?? {});
  for (let round = 0; round < 5; round++) {
    const used = Object.keys(schemas).filter((n) => text.includes(`"#/components/schemas/${n}"`));
    const next = JSON.stringify([d.paths ?? {}, ...used.map((n) => schemas[n])]);
    if (next === text) break;
    text = next;
  }
  for (const n of Object.keys(schemas)) if (!text.includes(`"#/components/schemas/${n}"`)) delete schemas[n];
  d.components.securitySchemes = {
    oauth2: {
      type: 'oauth2',
      description:
        'OAuth 2.0 client credentials: POST /oauth/token with client_id and client_secret. / Lấy mã truy cập tại /oauth/token.',
      flows: {
        clientCredentials: {
          tokenUrl: '/oauth/token',
          scopes: Object.fromEntries(scopes.map((s) => [s, s])),
        },
      },
    },
  };
  return doc;
}

export default fp(
  async function contract(app: FastifyInstance) {
    app.addHook('onRoute', completeRoute);
  },
  { name: 'truc-contract' },
);
