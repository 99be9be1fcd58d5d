import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { both, ERRORS, isAppError, type AppError, type ErrorCode, type FieldError } from '../../errors.js';
import { instanceOf, pickLang, problem, type Problem } from '../problem.js';
import { printableKeys } from '../../canonical/keys.js';
import { NOT_SENT, zodIssueText } from '../../canonical/zod-text.js';
import { isConnectionLost, isDatabaseRefusing } from '../../store/db-errors.js';
import { PERSONAL_NUMBER_RULE } from '../../canonical/free-text.js';
import { ownRuleOf } from '../free-text.js';
import { acceptedMediaDetail } from './media-types.js';
import { isWaitRefusal, tryAgainIn, unavailableWait, waitRefusal } from '../retry-later.js';
import { gatherRouteMethods, type RouteMethods } from '../route-methods.js';

/** fastify's own error codes → ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  FST_ERR_VALIDATION: 'ERR_VALIDATION',
};

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  opts: { detail?: string; errors?: readonly FieldError[]; status?: number; retryAfterSeconds?: number } = {},
): FastifyReply {
  const body = problem(code, {
    lang: pickLang(request.headers['accept-language']),
    correlationId: request.id,
    instance: instanceOf(request.url),
    ...opts,
  });
  if (opts.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(Math.ceil(opts.retryAfterSeconds)));
  if (request.routeOptions.config?.oauthErrors)
    return sendOauthError(reply, code, body, {
      usedAuthorizationHeader: request.headers.authorization !== undefined,
      ...(opts.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: Math.ceil(opts.retryAfterSeconds) }
        : {}),
    });
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

/** Our codes → RFC 6749 §5.2 `error` values at the token endpoint. */
const OAUTH_ERRORS: Partial<Record<ErrorCode, string>> = {
  ERR_INVALID_CLIENT: 'invalid_client',
  ERR_UNSUPPORTED_GRANT: 'unsupported_grant_type',
  ERR_INVALID_SCOPE: 'invalid_scope',
  ERR_LOGIN_THROTTLED: 'slow_down',
  ERR_RATE_LIMITED: 'slow_down',
};

/** RFC 6749 §5.2: `error_description` holds only %x20-21 / %x23-5B / %x5D-7E (no Vietnamese letters, no `"` or `\`). */
const oauthDescription = (text: string): string => text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');

/**
 * The token endpoint answers errors the RFC 6749 §5.2 way (`application/json` with `error` and
 * `error_description`, the English words, review30), so OAuth client libraries read the reason; the problem
 * fields ride along (the Vietnamese in `title` and `messages`). A `slow_down` says when to try again, the wait its
 * Retry-After carries (walk3 W3-6).
 * The Basic challenge goes only to a client that authenticated with the Authorization header (as
 * §5.2 requires): sent to a browser's form post, it would open the browser's password dialog.
 */
function sendOauthError(
  reply: FastifyReply,
  code: ErrorCode,
  body: Problem,
  opts: { usedAuthorizationHeader: boolean; retryAfterSeconds?: number },
): FastifyReply {
  const error = OAUTH_ERRORS[code] ?? (body.status >= 500 ? 'server_error' : 'invalid_request');
  if (error === 'invalid_client' && opts.usedAuthorizationHeader)
    void reply.header('www-authenticate', 'Basic realm="truc", charset="UTF-8"');
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  const when =
    opts.retryAfterSeconds === undefined ? '' : ` ${capitalized(tryAgainIn(opts.retryAfterSeconds).en)}.`;
  return reply
    .code(body.status)
    .type('application/json; charset=utf-8')
    .send({ error, error_description: oauthDescription(body.messages.en + when), ...body });
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A validation message in Vietnamese and English (fixes26a: errors[].message was zod's English): zod's own
 * wording with its Vietnamese locale's, a required field not sent as such (walk2), a canonical schema's with the
 * Vietnamese it registered (one rule with a batch's schema findings: src/canonical/zod-text.ts); any other is
 * truc's own, written in both already (`both`, e.g. src/api/batch-contract.ts; test/unit/zod-messages.test.ts
 * refuses a custom message in src/api that is not).
 */
function bilingualMessage(
  keyword: string,
  params: object | undefined,
  message: string,
  path: string,
  where: string,
): string {
  const text = zodIssueText(keyword, params, message, path.split('/').at(-1), where !== 'body');
  return text ? both(text.vi, text.en) : message;
}

/** What the request sent at an issue's path (`/a/0/b`) of its `where` (body, querystring, params, headers). */
function sentAt(request: FastifyRequest, where: string, path: string): unknown {
  const roots: Record<string, unknown> = {
    body: request.body,
    querystring: request.query,
    params: request.params,
    headers: request.headers,
  };
  let value = roots[where];
  for (const step of path.split('/').filter((s) => s !== '')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/**
 * A required field of a set of values (an enum) not sent: zod says "Invalid option: expected one of …", which reads as
 * if a wrong value had been sent (walk8 W8-2: POST /v1/syncs {} and GET /v1/quality/scorecards without `level`); said
 * as any field not sent is (walk2), then the values it takes. Undefined when the field was sent.
 */
function notSentOption(
  request: FastifyRequest,
  where: string,
  keyword: string,
  params: object | undefined,
  path: string,
) {
  if (keyword !== 'invalid_value' || sentAt(request, where, path) !== undefined) return undefined;
  const values = (params as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const list = values.map((v) => JSON.stringify(v)).join('|');
  return both(`${NOT_SENT.vi}; hãy gửi một trong các giá trị ${list}`, `${NOT_SENT.en}; send one of ${list}`);
}

function zodIssues(err: FastifyError, request: FastifyRequest): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(err)) return [];
  const where = err.validationContext ?? 'body';
  return err.validation.map((v) => {
    // fastify-type-provider-zod: keyword = the zod issue code, params = the rest of the issue.
    const keys = (v.params as { keys?: unknown } | undefined)?.keys;
    // zod's message names unknown keys verbatim, and a key may be a personal ID (issue 9).
    const unknown = printableKeys(Array.isArray(keys) ? keys.map(String) : []);
    return {
      pointer: `/${where}${v.instancePath}`.replace(/\/$/, ''),
      // A check of truc's own names its rule (../free-text.ts: `personal_data`), not zod's `custom`.
      rule: (v.keyword === 'custom' ? ownRuleOf(v.params) : undefined) ?? v.keyword,
      message:
        v.keyword === 'unrecognized_keys'
          ? both(`trường không xác định: ${unknown}`, `unknown field(s): ${unknown}`)
          : (notSentOption(request, where, v.keyword, v.params, v.instancePath) ??
            (v.message
              ? bilingualMessage(v.keyword, v.params, v.message, v.instancePath, where)
              : both('không hợp lệ', 'invalid'))),
    };
  });
}

/** Why a 503 for the database: it does not answer (a restart, a cut, no free connection in time). */
const DATABASE_LOST = {
  vi: 'cơ sở dữ liệu tạm thời không trả lời (khởi động lại, mất kết nối hoặc quá tải); không có gì được nhận',
  en: 'the database is not answering for now (restarting, cut off or overloaded); nothing was accepted',
};
/** Why a 503 for the database: it answers but refuses the work (its disk full, read-only after a failover). */
const DATABASE_REFUSING = {
  vi: 'cơ sở dữ liệu tạm thời từ chối ghi (đầy đĩa hoặc chỉ đọc); không có gì được nhận',
  en: 'the database refuses the work for now (its disk full or read-only); nothing was accepted',
};

/** A 5xx the request caused, its words truc's own (501 of a transfer coding, review11): its detail shown, no error log. */
const CLIENT_5XX: ReadonlySet<ErrorCode> = new Set(['ERR_TRANSFER_CODING_UNSUPPORTED']);

/**
 * An AppError as a problem: its field errors and Retry-After; its message as the detail when it is not the code's own
 * words, on a 4xx, or a wait's words ../retry-later.ts made (a 5xx's own message is never shown: it may hold
 * internals).
 */
function sendAppError(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const opts: Parameters<typeof sendProblem>[3] = { status: err.status };
  if (err.errors) opts.errors = err.errors;
  if (err.retryAfterSeconds !== undefined) opts.retryAfterSeconds = err.retryAfterSeconds;
  const shown = err.status < 500 || isWaitRefusal(err) || CLIENT_5XX.has(err.code);
  if (shown && err.message !== ERRORS[err.code].en) opts.detail = err.message;
  return sendProblem(request, reply, err.code, opts);
}

/**
 * A path no route has: 404 `ERR_ROUTE_NOT_FOUND`; a path a route has, by another method: 405
 * `ERR_METHOD_NOT_ALLOWED` with `Allow` and the methods in its detail (walk7 W7-1).
 */
function routeNotFound(request: FastifyRequest, reply: FastifyReply, routes: RouteMethods): FastifyReply {
  const allowed = routes.allowed(request.url.split('?')[0] ?? request.url);
  if (allowed.length === 0) return sendProblem(request, reply, 'ERR_ROUTE_NOT_FOUND');
  const list = allowed.join(', ');
  void reply.header('allow', list);
  return sendProblem(request, reply, 'ERR_METHOD_NOT_ALLOWED', {
    detail: both(
      `đường dẫn này không nhận ${request.method}, chỉ nhận ${list}`,
      `this address takes no ${request.method}, only ${list}`,
    ),
  });
}

/** `routeMethods`: the app's routes (src/app.ts gathers them from its start); else those added after this plugin. */
export default fp(
  async function errorHandling(app: FastifyInstance, opts: { routeMethods?: RouteMethods }) {
    const routes = opts.routeMethods ?? gatherRouteMethods(app);
    app.setErrorHandler(function handleError(err: FastifyError, request, reply) {
      if (isAppError(err)) {
        if (err.status >= 500 && !CLIENT_5XX.has(err.code)) request.log.error({ err }, 'request failed');
        else request.log.info({ code: err.code }, 'request refused');
        return sendAppError(request, reply, unavailableWait(err) ?? err);
      }
      if (err.validation) {
        const errors = zodIssues(err, request);
        // Too many records is its own answer (413), so vendors know to split the batch.
        const tooBig = errors.find((e) => e.pointer === '/body/records' && e.rule === 'too_big');
        // Free text holding a personal number is its own answer (review33b), so the caller knows what to remove.
        const personal = errors.some((e) => e.rule === PERSONAL_NUMBER_RULE);
        const code = tooBig
          ? 'ERR_BATCH_TOO_LARGE'
          : personal
            ? 'ERR_FREE_TEXT_PERSONAL_DATA'
            : 'ERR_VALIDATION';
        request.log.info({ code }, 'request refused');
        // Its message names the limit of the batch's mode, in both languages (../batch-contract.ts).
        return sendProblem(request, reply, code, { errors, ...(tooBig ? { detail: tooBig.message } : {}) });
      }
      const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
      if (mapped) {
        request.log.info({ code: mapped }, 'request refused');
        const limit = request.routeOptions.bodyLimit;
        return sendProblem(
          request,
          reply,
          mapped,
          mapped === 'ERR_BODY_TOO_LARGE' && limit
            ? { detail: `giới hạn của đường dẫn này: ${limit} byte / this route's limit: ${limit} bytes` }
            : mapped === 'ERR_UNSUPPORTED_MEDIA_TYPE'
              ? { detail: acceptedMediaDetail(request) }
              : {},
        );
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        request.log.info({ fastifyCode: err.code }, 'request refused');
        return sendProblem(request, reply, err.statusCode === 404 ? 'ERR_NOT_FOUND' : 'ERR_VALIDATION', {
          status: err.statusCode,
        });
      }
      // The database restarting, cut off or out of free connections in time: a retryable 503, never a 500; nothing
      // was accepted. Its detail says so and how long to wait, the number its Retry-After carries (words6 item 3).
      if (isConnectionLost(err)) {
        request.log.warn({ code: 'ERR_DEPENDENCY_UNAVAILABLE' }, 'database connection lost');
        return sendAppError(request, reply, waitRefusal('ERR_DEPENDENCY_UNAVAILABLE', 5, DATABASE_LOST));
      }
      // The database answering but refusing the work (its disk full, read-only after a failover): retryable too;
      // logged as an error with its SQLSTATE, for the admin to act on (review35a F6).
      if (isDatabaseRefusing(err)) {
        request.log.error({ err, code: 'ERR_DEPENDENCY_UNAVAILABLE' }, 'database refuses the work');
        return sendAppError(request, reply, waitRefusal('ERR_DEPENDENCY_UNAVAILABLE', 30, DATABASE_REFUSING));
      }
      request.log.error({ err }, 'unhandled error');
      return sendProblem(request, reply, 'ERR_INTERNAL'); // details hidden for 5xx
    });
    app.setNotFoundHandler(function notFound(request, reply) {
      return routeNotFound(request, reply, routes);
    });
  },
  { name: 'truc-errors' },
);
