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
