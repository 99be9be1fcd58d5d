/**
 * The media a request body may come in (api27): JSON everywhere, a form where the route's schema `consumes` one
 * (the OAuth token endpoint), and never compressed. Anything else is a 415 ERR_UNSUPPORTED_MEDIA_TYPE.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, both, foreignCode } from '../../errors.js';

/** Whether the request carries a body: a Content-Length above 0, or a Transfer-Encoding. */
function hasBody(request: FastifyRequest): boolean {
  const length = Number(request.headers['content-length'] ?? 0);
  return request.headers['transfer-encoding'] !== undefined || !(length === 0 || Number.isNaN(length));
}

/** Whether the route's schema says it takes form bodies (`consumes`, as the OAuth token endpoint does); else JSON only. */
export function consumesForm(req: FastifyRequest): boolean {
  const consumes = (req.routeOptions.schema as { consumes?: readonly string[] } | undefined)?.consumes;
  return consumes?.includes('application/x-www-form-urlencoded') ?? false;
}

/**
 * What a 415 for a body's media type says the route takes (walk2: a form-encoded batch was told only "the content
 * type is not supported", not which one is), in Vietnamese and English.
 */
export function acceptedMediaDetail(req: FastifyRequest): string {
  const types = consumesForm(req)
    ? 'application/json, application/x-www-form-urlencoded'
    : 'application/json';
  return both(`đường dẫn này nhận nội dung kiểu ${types}`, `this route takes a body of type ${types}`);
}

/** The codings of a Transfer-Encoding other than chunked (the framing Node's parser undoes): `gzip, chunked` → gzip. */
function transferCodings(request: FastifyRequest): string[] {
  return (request.headers['transfer-encoding'] ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'chunked' && c !== 'identity');
}

/** The compressions (RFC 9110 §8.4.1, IANA's registry): in Transfer-Encoding a 415; another coding there is a 501. */
const COMPRESSIONS = new Set(['gzip', 'x-gzip', 'deflate', 'compress', 'x-compress', 'br', 'zstd']);

/**
 * A body sent with a `Content-Encoding` (gzip, deflate, br…) is refused, 415 ERR_UNSUPPORTED_MEDIA_TYPE with
 * `Accept-Encoding: identity` (RFC 9110 §12.5.3), before a byte of it is read (api27). Chosen over decompressing:
 * every limit (body size, records, depth) is on the bytes truc reads, a compressed snapshot of a few hundred KiB
 * can unpack to the limit and beyond (a zip bomb costs the sender nothing), and a vendor's batch is at most 10 MiB.
 * Was: the compressed bytes were read as JSON, a 400 ERR_MALFORMED_JSON or ERR_INVALID_ENCODING that named no cause.
 * A compression in `Transfer-Encoding` (`gzip, chunked`) is refused the same way (fix11 F6: Node undoes the chunks
 * only, and the gzip bytes were read as JSON).
 */
export async function refuseContentEncoding(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: Readable,
): Promise<Readable> {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  const content = encoding !== undefined && encoding !== '' && encoding !== 'identity';
  const codings = transferCodings(request);
  if ((!content && codings.length === 0) || !hasBody(request)) return payload;
  const unknown = content ? [] : codings.filter((c) => !COMPRESSIONS.has(c));
  if (unknown.length > 0) {
    // review11: a coding truc does not know is no compression: 501 (RFC 9112 §6.1), not 415 "no compressed body".
    // Each named as another system's code is (review12: a run of digits, a personal ID, was echoed).
    const named = unknown
      .map((c) => foreignCode(c) ?? '?')
      .join(', ')
      .slice(0, 40);
    throw new AppError(
      'ERR_TRANSFER_CODING_UNSUPPORTED',
      both(
        `truc không hỗ trợ Transfer-Encoding ${named}: hãy gửi với Content-Length hoặc Transfer-Encoding: chunked`,
        `truc does not implement Transfer-Encoding ${named}: send the body with Content-Length or Transfer-Encoding: chunked`,
      ),
    );
  }
  const header = content ? 'Content-Encoding' : 'Transfer-Encoding';
  void reply.header('accept-encoding', 'identity');
  throw new AppError(
    'ERR_UNSUPPORTED_MEDIA_TYPE',
    both(
      `truc không nhận nội dung nén (${header}): hãy gửi không nén`,
      `truc takes no compressed body (${header}): send it uncompressed`,
    ),
  );
}

/** A `charset` parameter of a Content-Type (quoted or not), lower-cased; undefined when it has none. */
function charsetOf(contentType: string): string | undefined {
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .toLowerCase();
  }
  return undefined;
}

/**
 * A body whose Content-Type declares a charset other than UTF-8 (`application/json; charset=latin1`) is refused, 415
 * ERR_UNSUPPORTED_MEDIA_TYPE naming it, before a byte is read (fix36f, review35b F8: it was read as UTF-8, so a
 * vendor's Latin-1 `Nguyễn` came in garbled or as a 400 that named no cause). `utf-8` and `utf8`, any case, quoted or
 * not, and no charset at all are UTF-8 (RFC 8259 §8.1: JSON is UTF-8). A request without a body is not judged.
 */
export async function refuseCharset(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Readable,
): Promise<Readable> {
  const contentType = request.headers['content-type'];
  const charset = contentType === undefined ? undefined : charsetOf(contentType);
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8' || !hasBody(request)) return payload;
  const named = charset.slice(0, 40).replace(/[^\x21-\x7e]/g, '?');
  throw new AppError(
    'ERR_UNSUPPORTED_MEDIA_TYPE',
    both(
      `truc chỉ nhận nội dung UTF-8, không nhận charset=${named}: hãy gửi UTF-8 (charset=utf-8 hoặc không ghi charset)`,
      `truc takes UTF-8 bodies only, not charset=${named}: send UTF-8 (charset=utf-8, or no charset)`,
    ),
  );
}
