/**
 * Form bodies (`application/x-www-form-urlencoded`), which only a route whose schema `consumes` one takes: the OAuth
 * token endpoint (RFC 6749 §4.4). Read as strictly as a JSON body (./input.ts) and a query (./query-text.ts):
 * - bytes that are not UTF-8: 400 ERR_INVALID_ENCODING, as a JSON body's;
 * - percent-encoded bytes that are not UTF-8 (`client_secret=%C3%28`): 400 ERR_VALIDATION, rule `invalid_utf8`,
 *   naming the parameter, as a query's;
 * - a parameter sent more than once: 400 ERR_VALIDATION, rule `repeated` (RFC 6749 §3.1 "MUST NOT be included more
 *   than once", §5.2 `invalid_request`), except RFC 8707's `resource`, which §2 lets a client repeat (truc reads it
 *   not: an unknown parameter is ignored, §3.2);
 * - NUL or a lone surrogate in a name or value: 400 ERR_INVALID_TEXT (review26b F1).
 * Each of these is answered before the route runs: no login is tried, none counted or audited as failed.
 * Was (review32b F4): the first value of a repeated parameter kept (a proxy reading the last one saw another
 * request), and the body read with U+FFFD for bytes that were not UTF-8 (a wrong secret, a failed login counted).
 */
import { errorCodes, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, both } from '../../errors.js';
import { decodeUtf8, inspectJson, type InputLimits } from './input.js';
import { consumesForm } from './media-types.js';
import { repeatedRefusal } from './repeated-keys.js';
import { nameOf, notUtf8 } from './query-text.js';

/** Parameters a form may repeat: RFC 8707 §2's `resource`, one per resource the token is meant for. */
const MAY_REPEAT: ReadonlySet<string> = new Set(['resource']);

function notUtf8Refusal(name: string): AppError {
  return new AppError('ERR_VALIDATION', undefined, {
    errors: [
      {
        pointer: `/body/${name}`,
        rule: 'invalid_utf8',
        message: both(
          'các byte mã hoá phần trăm không phải UTF-8',
          'percent-encoded bytes that are not UTF-8',
        ),
      },
    ],
  });
}

/** A form body's bytes → its parameters (each once), or the refusal. */
export function readFormBody(body: Buffer, limits: InputLimits): Record<string, string> {
  const text = decodeUtf8(body);
  for (const part of text.split('&')) {
    if (!notUtf8(part)) continue;
    const at = part.indexOf('=');
    throw notUtf8Refusal(nameOf(at < 0 ? part : part.slice(0, at)));
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (!params.has(name)) params.set(name, value);
    else if (!MAY_REPEAT.has(name))
      throw repeatedRefusal(
        [name],
        'tham số được gửi nhiều lần (RFC 6749 §3.1: mỗi tham số một lần)',
        'a parameter is sent more than once (RFC 6749 §3.1: each parameter once)',
      );
  }
  // Own properties, `__proto__` included (never a prototype); the route's schema keeps only the names it knows.
  const out = Object.fromEntries(params);
  inspectJson(out, limits);
  return out;
}

export default fp(
  async function formBodies(app: FastifyInstance, opts: InputLimits) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'buffer' },
      function parseForm(req, body, done) {
        if (!consumesForm(req)) {
          done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(req.headers['content-type'])), undefined);
          return;
        }
        let form: Record<string, string>;
        try {
          form = readFormBody(body as Buffer, opts);
        } catch (err) {
          done(err as Error, undefined);
          return;
        }
        done(null, form);
      },
    );
  },
  { name: 'truc-form-bodies', dependencies: ['truc-hostile-input'] },
);
