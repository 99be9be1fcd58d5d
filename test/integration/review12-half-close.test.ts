/**
 * review12: a client that half-closes its connection once its request is sent (FIN after the body, as `nc -N`, or a
 * proxy that shuts its write side) still reads the answer of a push that takes a while.
 */
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!); // PGlite
let base: URL;
beforeAll(async () => {
  base = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
});

/** The request's bytes, then FIN (the socket keeps reading): everything the server sends until it closes. */
function halfClosed(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(base.port), host: base.hostname, allowHalfOpen: true });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.end(bytes);
  });
}

describe('review12: a half-closed connection', () => {
  it('gets the answer of a push sent before its FIN', async () => {
    const body = JSON.stringify(goodBody(['HC1', 'HC2', 'HC3']));
    const answer = await halfClosed(
      `POST /v1/schools/${S1}/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.tokens.vendor}\r\n` +
        `Content-Type: application/json\r\nIdempotency-Key: half-close-1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(answer.split(' ')[1]).toBe('202');
  });
});
