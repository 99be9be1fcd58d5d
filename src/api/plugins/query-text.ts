/**
 * Query and path text refused before a route reads it, as a JSON body's text is (./input.ts): a NUL or a lone
 * surrogate in a query or path value is a 400 ERR_INVALID_TEXT, percent-encoded bytes of a query that are not
 * UTF-8 a 400 ERR_VALIDATION, each naming the parameter (review32b F1, F2). Was: a free-text filter
 * (`/v1/audit?actor=`, `?action=`, `?subject=`, `/v1/ops/schools?q=`) took a NUL to PostgreSQL, which refused it, a
 * 500; and `?q=%C3%28`, kept undecoded by the query parser, was searched for as the text "%C3%28", a 200.
 * A body sent to a route that reads none is refused here too ({@link unexpectedBody}).
 * Runs after authentication (onRequest): a token for another school is still a 403 first.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { both, type ErrorCode, type FieldError } from '../../errors.js';
import { printableKey } from '../../canonical/keys.js';
import { sendProblem } from './errors.js';
import { holdsForbiddenText } from './input.js';

/** A refusal: its code and the one field error naming the parameter. */
type Refusal = { code: ErrorCode; errors: FieldError[] };

/** A maximal run of percent-encoded bytes: its bytes must decode as UTF-8 together. */
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** Whether a run of `%XX` in `raw` is not UTF-8 (a bare `%` not followed by two hex digits is left alone). Also forms. */
export function notUtf8(raw: string): boolean {
  for (const run of raw.match(PERCENT_RUN) ?? []) {
    try {
      decodeURIComponent(run);
    } catch {
      return true;
    }
  }
  return false;
}

/** A parameter's name as a pointer may print it (../../canonical/keys.ts), from its raw `name` part. */
export const nameOf = (raw: string): string => {
  try {
    return printableKey(decodeURIComponent(raw.replace(/\+/g, ' ')));
  } catch {
    return printableKey('');
  }
};

function badUtf8(request: FastifyRequest): Refusal | undefined {
  const url = request.raw.url ?? '';
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  for (const part of url.slice(at + 1).split('&')) {
    if (!notUtf8(part)) continue;
    const name = nameOf(part.split('=')[0] ?? '');
    return {
      code: 'ERR_VALIDATION',
      errors: [
        {
          pointer: `/querystring/${name}`,
          rule: 'invalid_utf8',
          message: both(
            'các byte mã hoá phần trăm không phải UTF-8',
            'percent-encoded bytes that are not UTF-8',
          ),
        },
      ],
    };
  }
  return undefined;
}

function forbiddenText(part: 'querystring' | 'params', values: unknown): Refusal | undefined {
  if (typeof values !== 'object' || values === null) return undefined;
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (!holdsForbiddenText(name) && !texts.some((t) => typeof t === 'string' && holdsForbiddenText(t)))
      continue;
    return {
      code: 'ERR_INVALID_TEXT',
      errors: [
        {
          pointer: `/${part}/${printableKey(name)}`,
          rule: 'forbidden_character',
          message: both('một giá trị chứa ký tự không được phép', 'a value holds a forbidden character'),
        },
      ],
    };
  }
  return undefined;
}

/**
 * A body sent to a route that declares none (review33b F2): refused naming it, not ignored. Was: `POST
 * /v1/schedules/{id}/run {"scope":"…","full":true}` requested a city-wide incremental run, 202, the caller told
 * nothing, while every route that reads a body refuses a field it does not know. `{}` is no body (clients that
 * always send one).
 */
function unexpectedBody(request: FastifyRequest): Refusal | undefined {
  const body: unknown = request.body;
  // no route of this method and path: the not-found handler says so (a 404, or a 405 naming the methods; walk7 W7-1)
  if (body === undefined || request.is404) return undefined;
  if ((request.routeOptions.schema as { body?: unknown } | undefined)?.body !== undefined) return undefined;
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const first = isObject ? Object.keys(body)[0] : undefined;
  if (isObject && first === undefined) return undefined;
  return {
    code: 'ERR_VALIDATION',
    errors: [
      {
        pointer: first === undefined ? '/body' : `/body/${printableKey(first)}`,
        rule: 'unexpected_body',
        message: both('yêu cầu này không nhận nội dung (body)', 'this request takes no body'),
      },
    ],
  };
}

export default fp(
  async function queryText(app: FastifyInstance) {
    // A callback hook, not an async one: every request passes here (a pushed batch too), and it costs no promise.
    // The refusal is sent here, not thrown: the routes registered before the error handler (/openapi.json, /docs)
    // would answer a thrown one in fastify's own shape, not as a problem document.
    app.addHook('preValidation', function refuseQueryText(request, reply, done) {
      const refusal =
        forbiddenText('params', request.params) ??
        forbiddenText('querystring', request.query) ??
        badUtf8(request) ??
        unexpectedBody(request);
      if (refusal === undefined) {
        done();
        return;
      }
      request.log.info({ code: refusal.code }, 'request refused');
      void sendProblem(request, reply, refusal.code, { errors: refusal.errors });
    });
  },
  { name: 'query-text' },
);
