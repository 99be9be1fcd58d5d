/**
 * walk14: a request Node's HTTP parser refuses before fastify sees it is answered with a problem document whose
 * `detail` says, in both languages, what to send instead. Every one answered the title alone, "for example a line
 * break in a header", also to a vendor's client that put a Vietnamese letter unencoded in a query or a path.
 * Over a real loopback socket, since no HTTP client library sends these bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { rawRequest } from '../helpers/raw-http.js';

const h = useApiHarness(backends()[0]!); // PGlite
let base: URL;
beforeAll(async () => {
  base = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
});

const line = (target: string | Buffer, headers = '') =>
  Buffer.concat([
    Buffer.from('GET '),
    Buffer.from(target),
    Buffer.from(` HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`),
  ]);
const ENCODE = 'encodeURIComponent; "ễ" is %E1%BB%85';

describe('walk14: a request the HTTP parser refuses says what to send instead, in both languages', () => {
  it.each<[string, Buffer, string]>([
    ['a Vietnamese letter unencoded in a query', line(`/v1/changes?schoolCode=${S1}&q=Nguyễn`), ENCODE],
    ['a Vietnamese letter unencoded in a path', line(`/v1/schools/Trường/students`), ENCODE],
    [
      'a byte that is not UTF-8 in a query',
      line(Buffer.from([0x2f, 0x76, 0x31, 0x2f, 0x6d, 0x65, 0x3f, 0xff])),
      ENCODE,
    ],
    ['a NUL in a path', line('/v1/me\u0000'), ENCODE],
    [
      'a letter with diacritics in a header name',
      line('/v1/me', 'Mã-Trường: 1\r\n'),
      'send each header on one line',
    ],
    ['a line break inside a header value', line('/v1/me', 'X-A: a\rb\r\n'), 'send each header on one line'],
    ['a space in the path', line('/v1/schools/a b'), 'the request line is not "METHOD /path HTTP/1.1"'],
    [
      'Content-Length beside Transfer-Encoding',
      Buffer.from(
        'POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
      'send one Content-Length (a number) or Transfer-Encoding: chunked, never both',
    ],
  ])('%s: 400 ERR_BAD_REQUEST, its detail saying what to send', async (_name, bytes, says) => {
    const res = await rawRequest(base, bytes);
    expect(res.status, res.body).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    const p = JSON.parse(res.body) as { code: string; detail?: string; messages: { vi: string; en: string } };
    expect(p.code).toBe('ERR_BAD_REQUEST');
    const [vi, en] = p.detail?.split(' / ') ?? [];
    expect(en).toContain(says);
    expect(vi).toMatch(/[ạ-ỹ]/); // Vietnamese words, not the English twice
    expect(p.detail).not.toContain('Nguyễn');
  });

  it('a well-formed request on the same server is still served', async () => {
    const res = await rawRequest(base, line('/healthz'));
    expect(res.status).toBe(200);
  });
});
