/**
 * Answers written on the raw socket, for requests Node's HTTP server keeps from fastify: a request its parser refuses
 * (CR/LF in a header value, headers over `maxHeaderSize`, a malformed request line: fastify's `clientErrorHandler`) and
 * a CONNECT (Node emits it as the server's 'connect' event and, with no listener, closed the connection without a word:
 * sec8 S8-2). Each gets a problem document, as every other refusal does, and the connection is closed.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { both, ERRORS, type ErrorCode } from '../errors.js';
import { problem } from './problem.js';

const ignoreSocketError = (): void => undefined;

/** Writes a problem document of `code` (Vietnamese title, both languages' messages) and ends the connection. */
export function endWithProblem(
  socket: Duplex,
  code: ErrorCode,
  opts: { detail?: string; headers?: Record<string, string> } = {},
): void {
  // A socket Node's server handed over (CONNECT) has no 'error' listener left: a peer that reset the connection
  // made the write below an uncaught exception, the process gone (review8 R8-4). The answer is best effort.
  if (socket.listenerCount('error') === 0) socket.on('error', ignoreSocketError);
  const correlationId = randomUUID();
  const body = JSON.stringify(
    problem(code, { lang: 'vi', correlationId, ...(opts.detail ? { detail: opts.detail } : {}) }),
  );
  const status = ERRORS[code].status;
  const extra = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `X-Correlation-Id: ${correlationId}\r\n` +
      extra.join('') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
    // Closed once written, as Node closes a `Connection: close` answer's: a CONNECT's socket is under none of the
    // server’s timeouts, and a client that kept its half open kept the connection for good (review8 R8-5).
    () => socket.destroy(),
  );
}

/**
 * RFC 9112 §3.2: a request of HTTP/1.1 without a Host header is a 400. Every listening port of truc (the API, a
 * worker's or scheduler's operations port) turns Node's own check off (`requireHostHeader: false`: its answer was a
 * bare 400 with no body, review10) and refuses it by this rule, in these words; HTTP/1.0, which has no Host, is served.
 */
export function missingHost(req: IncomingMessage): boolean {
  return req.headers.host === undefined && req.httpVersion !== '1.0';
}
export const MISSING_HOST_DETAIL = both(
  'thiếu tiêu đề Host (bắt buộc trong HTTP/1.1)',
  'the Host header is missing (HTTP/1.1 requires it)',
);

const connectRefused = (list: string): string =>
  both(
    `truc không phải một proxy: không nhận CONNECT; dùng ${list}`,
    `truc is not a proxy: it takes no CONNECT; use ${list}`,
  );

/**
 * The server's 'connect' listener: a CONNECT is refused 405 `ERR_METHOD_NOT_ALLOWED`, never tunnelled, with `Allow`
 * naming what the server takes (RFC 9110 §15.5.6, as every other 405; review8 R8-6: it had none). `allow(target)`
 * gives the methods of the CONNECT's target (a path of the server's, or every method it takes for a host:port).
 */
export function connectRefusal(
  allow: (target: string) => string[],
): (req: IncomingMessage, socket: Duplex) => void {
  return function refuseConnect(req, socket) {
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    const list = allow(req.url ?? '').join(', ');
    endWithProblem(socket, 'ERR_METHOD_NOT_ALLOWED', {
      detail: connectRefused(list),
      headers: { Allow: list },
    });
  };
}

/**
 * What to do about a request Node's HTTP parser refused, by its error code (llhttp's `HPE_…`), in both languages
 * (walk14: every one answered the title alone, "for example a line break in a header", also to a client that sent a
 * Vietnamese letter unencoded in a query, the likeliest of them). A code not listed is told by the title alone.
 */
const PARSER_DETAILS: ReadonlyArray<[readonly string[], string]> = [
  [
    ['HPE_INVALID_URL'],
    both(
      'đường dẫn hay chuỗi truy vấn có ký tự HTTP không cho phép gửi nguyên dạng (chữ có dấu, khoảng trắng, ký tự điều khiển): mã hoá phần trăm từng đoạn đường dẫn và từng giá trị truy vấn theo UTF-8 (encodeURIComponent; "ễ" là %E1%BB%85)',
      'the path or the query holds a character HTTP does not allow as is (a letter with diacritics, a space, a control character): percent-encode each path segment and query value as UTF-8 (encodeURIComponent; "ễ" is %E1%BB%85)',
    ),
  ],
  [
    ['HPE_INVALID_HEADER_TOKEN', 'HPE_LF_EXPECTED', 'HPE_CR_EXPECTED'],
    both(
      'một tiêu đề có ký tự HTTP không cho phép (xuống dòng hay NUL trong giá trị, chữ có dấu hay khoảng trắng trong tên): gửi mỗi tiêu đề trên một dòng, "Tên: giá trị", tên chỉ gồm chữ cái, chữ số và dấu gạch ngang',
      'a header holds a character HTTP does not allow (a line break or a NUL in its value, a letter with diacritics or a space in its name): send each header on one line as "Name: value", its name of letters, digits and hyphens',
    ),
  ],
  [
    ['HPE_INVALID_METHOD', 'HPE_INVALID_VERSION', 'HPE_INVALID_CONSTANT'],
    both(
      'dòng yêu cầu không có dạng "PHƯƠNG-THỨC /đường-dẫn HTTP/1.1" (khoảng trắng trong đường dẫn phải là %20; máy khách HTTPS gửi tới cổng HTTP cũng gặp lỗi này)',
      'the request line is not "METHOD /path HTTP/1.1" (a space in the path must be %20; an HTTPS client speaking to the plain HTTP port meets this too)',
    ),
  ],
  [
    [
      'HPE_INVALID_CONTENT_LENGTH',
      'HPE_UNEXPECTED_CONTENT_LENGTH',
      'HPE_INVALID_TRANSFER_ENCODING',
      'HPE_INVALID_CHUNK_SIZE',
    ],
    both(
      'độ dài nội dung không rõ: gửi đúng một Content-Length (một số) hoặc Transfer-Encoding: chunked, không gửi cả hai',
      'the body’s length is unclear: send one Content-Length (a number) or Transfer-Encoding: chunked, never both',
    ),
  ],
];

/**
 * Node's HTTP parser refuses some requests before fastify sees them (CR/LF in a header value, headers over
 * `maxHeaderSize`, a malformed request line, a byte not allowed in the URL): answer those with a problem document as
 * well, its `detail` saying what to send instead.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'ERR_HEADERS_TOO_LARGE'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'ERR_REQUEST_TIMEOUT'
        : 'ERR_BAD_REQUEST';
  const detail = PARSER_DETAILS.find(([codes]) => codes.includes(err.code ?? ''))?.[1];
  endWithProblem(socket, code, detail ? { detail } : {});
}
