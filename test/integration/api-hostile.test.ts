/**
 * Hostile input through the real HTTP stack (issue 9), on embedded PGlite: each answer is a 4xx
 * bilingual problem document (never a retryable 500), changes nothing, and never echoes a field name
 * that may be a personal ID. Header-level attacks (CR/LF, 64 KB headers) go over a real loopback
 * socket, since Node's HTTP parser refuses them before fastify. Tenancy runs before the body is read.
 */
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectProblem, goodBody, OTHER, S1, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { rawRequest as sendRaw } from '../helpers/raw-http.js';

const h = useApiHarness(backends()[0]!); // PGlite
let base: URL;
beforeAll(async () => {
  base = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
});

/** Nesting `levels` deep inside one record's field. */
function deepRecordJson(levels: number): string {
  return `{"entity":"students","records":[{"studentCode":"D1","extra":${'['.repeat(levels)}1${']'.repeat(levels)}}]}`;
}

/** Sends raw bytes over a loopback socket and returns the whole answer (server closes or ends it). */
const rawRequest = (bytes: string | Buffer) => sendRaw(base, bytes);

const idem = (key: string) => ({ 'idempotency-key': key });

describe('hostile bodies: 400 problem, nothing stored', () => {
  const cases: Array<[string, () => string | Buffer, Record<string, string>, number, string]> = [
    [
      'NUL in a record value',
      () => JSON.stringify({ entity: 'students', records: [{ ...student('N1'), fullName: 'An\u0000' }] }),
      {},
      400,
      'ERR_INVALID_TEXT',
    ],
    [
      'NUL in a record value, with an Idempotency-Key',
      () => JSON.stringify({ entity: 'students', records: [{ ...student('N2'), fullName: 'An\u0000' }] }),
      idem('nul-1'),
      400,
      'ERR_INVALID_TEXT',
    ],
    [
      'a lone surrogate in a value',
      () => `{"entity":"students","records":[{"studentCode":"S\\ud800"}]}`,
      {},
      400,
      'ERR_INVALID_TEXT',
    ],
    [
      'a lone surrogate in a field name',
      () => `{"entity":"students","records":[{"a\\udc00":"x"}]}`,
      {},
      400,
      'ERR_INVALID_TEXT',
    ],
    ['5,000 levels of nesting in a record', () => deepRecordJson(5000), {}, 400, 'ERR_BODY_TOO_DEEP'],
    [
      '5,000 levels of nesting, with an Idempotency-Key',
      () => deepRecordJson(5000),
      idem('deep-1'),
      400,
      'ERR_BODY_TOO_DEEP',
    ],
    [
      // review9: the unexpected token's place was sought by a recursive reader, whose stack overflowed (a 500)
      '20,000 levels of nesting around an unexpected token',
      () => deepRecordJson(20_000).replace(`${'['.repeat(20_000)}1`, `${'['.repeat(20_000)}x`),
      {},
      400,
      'ERR_MALFORMED_JSON',
    ],
    [
      'nesting at the top level',
      () => `{"entity":${'['.repeat(100)}${']'.repeat(100)}}`,
      {},
      400,
      'ERR_BODY_TOO_DEEP',
    ],
    [
      'invalid UTF-8 bytes',
      () =>
        Buffer.concat([
          Buffer.from('{"entity":"students","records":[{"studentCode":"U1","fullName":"Nguy'),
          Buffer.from([0xe1, 0xbb]), // a truncated 3-byte sequence
          Buffer.from('n"}]}'),
        ]),
      {},
      400,
      'ERR_INVALID_ENCODING',
    ],
    [
      'a huge array inside a record',
      () =>
        JSON.stringify({
          entity: 'students',
          records: [{ ...student('A1'), tags: new Array(5000).fill(1) }],
        }),
      {},
      400,
      'ERR_VALIDATION',
    ],
    [
      'a number beyond a double (sec8 S8-3: stored as null, a value sent read as none)',
      () =>
        JSON.stringify({ entity: 'students', records: [student('O1')] }).replace(
          '"grade":"1"',
          '"grade":1e400',
        ),
      {},
      400,
      'ERR_VALIDATION',
    ],
    [
      "a native record's number beyond a double (sec8 S8-3: an optional field was erased), with an Idempotency-Key",
      () => `{"entity":"students","format":"vnedu","records":[{"student_id":"O2","grade_id":-1e400}]}`,
      idem('overflow-1'),
      400,
      'ERR_VALIDATION',
    ],
    [
      '__proto__ in a record',
      () => '{"entity":"students","records":[{"__proto__":{"isAdmin":true}}]}',
      {},
      400,
      'ERR_FORBIDDEN_KEY',
    ],
    [
      'constructor.prototype in a record',
      () => '{"entity":"students","records":[{"constructor":{"prototype":{"isAdmin":true}}}]}',
      {},
      400,
      'ERR_FORBIDDEN_KEY',
    ],
  ];

  it.each(cases)('%s', async (_name, body, headers, status, code) => {
    const before = await h.snapshot();
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/schools/${S1}/batches`,
      headers: { 'content-type': 'application/json', ...bearer(h.tokens.vendor), ...headers },
      payload: body(),
    });
    const p = expectProblem(res, status, code as never);
    expect(res.json<{ retryable?: unknown }>()).not.toHaveProperty('stack');
    expect(p.errors?.length ?? 0).toBeLessThanOrEqual(100);
    expect(await h.snapshot()).toEqual(before);
  });

  it('an unknown envelope field named with a personal ID is refused without echoing the ID', async () => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, S1, { ...goodBody(), '079201001234': 'x' });
    expectProblem(res, 400, 'ERR_VALIDATION');
    expect(res.body).not.toContain('079201001234');
    expect(await h.snapshot()).toEqual(before);
  });

  it.each([
    ['a number', 1],
    ['a string', 'HS1'],
    ['null', null],
    ['an array', [{ studentCode: 'HS1' }]],
  ])('a record that is %s, not an object, is refused at its pointer, nothing stored', async (_n, bad) => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, S1, { entity: 'students', records: [student('R1'), bad] });
    const p = expectProblem(res, 400, 'ERR_VALIDATION');
    expect(p.errors).toEqual([expect.objectContaining({ pointer: '/body/records/1' })]);
    expect(await h.snapshot()).toEqual(before);
  });

  it('SQL- and script-like strings are stored verbatim (and harmlessly)', async () => {
    const hostile = [
      "Robert'); DROP TABLE truc.batches;--",
      '<script>alert(1)</script>',
      "' OR '1'='1",
      '${jndi:ldap://x}',
      '{{7*7}}',
      '\\u0000 as text',
    ];
    const records = hostile.map((s, i) => ({ ...student(`SQL${i}`), fullName: s, note: `$1 ${s}` }));
    const res = await h.pushBatch(h.tokens.vendor, S1, { entity: 'students', records });
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json<{ batchId: string }>();
    const stored = await h.env.deps.db.query<{ records: string }>(
      'SELECT records FROM truc.batches WHERE id = $1',
      [batchId],
    );
    expect(JSON.parse(stored.rows[0]!.records)).toEqual(records);
  });
});

describe('path traversal in codes', () => {
  it.each([
    '..',
    '.%2e',
    '%2e%2e',
    '..%2F..%2Foauth',
    '..%5C..%5Cwindows',
    '.hidden',
    '79000001%2F..',
    '79000001%00',
  ])('school code %s → a 4xx problem, nothing stored', async (code) => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, code, goodBody());
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await h.snapshot()).toEqual(before);
  });

  it('a city admin (who passes tenancy on reads) still gets a validation error for a traversal code', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/schools/..%2F..%2Fetc/batches`,
      headers: { 'content-type': 'application/json', ...bearer(h.tokens.admin) },
      payload: JSON.stringify(goodBody()),
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

/** `code` with each digit as another script's digit of the same value (fullwidth U+FF10…, Arabic-Indic U+0660…). */
const digitsOf = (code: string, zero: number) =>
  encodeURIComponent([...code].map((c) => String.fromCodePoint(zero + Number(c))).join(''));

describe('look-alike school codes (sec8): never read as the school they look like', () => {
  const lookAlikes = (code: string): Array<[string, string]> => [
    ['fullwidth digits', digitsOf(code, 0xff10)],
    ['Arabic-Indic digits', digitsOf(code, 0x0660)],
    ['one fullwidth digit', `%EF%BC%97${code.slice(1)}`],
    ['a combining acute accent', `${code}%CC%81`],
    ['a zero-width space', `${code}%E2%80%8B`],
    ['a leading space', `%20${code}`],
  ];
  it.each(lookAlikes(OTHER))(
    '%s of a school the vendor does not serve: 400, nothing stored',
    async (_n, code) => {
      const before = await h.snapshot();
      const read = await h.app.inject({
        url: `/v1/schools/${code}/students`,
        headers: bearer(h.tokens.vendor),
      });
      expectProblem(read, 400, 'ERR_VALIDATION');
      const feed = await h.app.inject({
        url: `/v1/changes?schoolCode=${code}`,
        headers: bearer(h.tokens.vendor),
      });
      expectProblem(feed, 400, 'ERR_VALIDATION');
      expectProblem(await h.pushBatch(h.tokens.vendor, code, goodBody(['L1'], OTHER)), 400, 'ERR_VALIDATION');
      expect(await h.snapshot()).toEqual(before);
    },
  );
  it.each(lookAlikes(S1))('%s of its own school: 400 too, nothing stored', async (_n, code) => {
    const before = await h.snapshot();
    expectProblem(await h.pushBatch(h.tokens.vendor, code, goodBody(['L2'])), 400, 'ERR_VALIDATION');
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('authorisation before anything else', () => {
  it('an invalid body for a school the vendor does not serve is 403 with no validation details', async () => {
    const before = await h.snapshot();
    const res = await h.pushBatch(h.tokens.vendor, OTHER, { entity: 'teachers', records: 'nope', x: 1 });
    const p = expectProblem(res, 403, 'ERR_FORBIDDEN_SCHOOL');
    expect(p.errors).toBeUndefined();
    expect(await h.snapshot()).toEqual(before);
  });

  it('a malformed or hostile body for a foreign school is 403 too (never parsed)', async () => {
    for (const payload of ['{"entity":', deepRecordJson(5000), '{"records":[{"__proto__":{}}]}']) {
      expectProblem(await h.pushBatch(h.tokens.vendor, OTHER, payload), 403, 'ERR_FORBIDDEN_SCHOOL');
    }
  });

  it('no token and an invalid body is 401, not 400', async () => {
    expectProblem(await h.pushBatch(undefined, S1, '{"entity":'), 401, 'ERR_UNAUTHENTICATED');
  });
});

describe('malformed HTTP, refused by the HTTP parser, still gets a problem document', () => {
  it('CR/LF inside a header value', async () => {
    const res = await rawRequest(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\rInjected: b\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST' });
  });

  it('a bare LF inside a header value', async () => {
    const res = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\nb: c\x00\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });

  // review10: Node refused it itself (requireHostHeader), a bare 400 with no body; HTTP/1.0 needs no Host.
  it('HTTP/1.1 without a Host header → 400 problem document naming it; HTTP/1.0 without one is served', async () => {
    const res = await rawRequest(`GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    const p = JSON.parse(res.body) as { code: string; detail: string; messages: { vi: string; en: string } };
    expect(p).toMatchObject({ status: 400, code: 'ERR_BAD_REQUEST' });
    expect(p.detail).toBe(
      'thiếu tiêu đề Host (bắt buộc trong HTTP/1.1) / the Host header is missing (HTTP/1.1 requires it)',
    );
    const old = await rawRequest(`GET /healthz HTTP/1.0\r\n\r\n`);
    expect(old.status).toBe(200);
  });

  it('64 KB of headers → 431 problem document', async () => {
    const res = await rawRequest(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'ERR_HEADERS_TOO_LARGE' });
  });

  it('CONNECT (truc is no proxy) → 405 problem document, the connection closed (sec8 S8-2: closed without a word)', async () => {
    for (const target of ['127.0.0.1:6379', '/v1/me']) {
      const res = await rawRequest(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect(res.status).toBe(405);
      expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
      const p = JSON.parse(res.body) as {
        code: string;
        detail: string;
        messages: { vi: string; en: string };
      };
      expect(p).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
      expect(p.detail).toMatch(/CONNECT.* \/ .*CONNECT/);
      // Allow, as every other 405 (R8-6): a path's own methods, else every method the API takes
      const allow = /^allow: (.*)$/im.exec(res.headers)?.[1]?.trim();
      expect({ target, allow }).toEqual({
        target,
        allow:
          target === '/v1/me'
            ? 'GET, HEAD'
            : expect.stringMatching(/^DELETE, GET, HEAD, .*PATCH, POST, PUT$/),
      });
      expect(p.detail).toContain(allow!);
    }
  });

  it('a CONNECT whose client resets, or keeps its half open: the server stays up, holds nothing (R8-4, R8-5)', async () => {
    // The 'connect' listener owns the socket, which Node's server no longer guards: a write to a reset peer emitted
    // 'error' with no listener, an uncaught exception (the API, or a worker's operations port, gone).
    for (let i = 0; i < 50; i++)
      await new Promise<void>((resolve) => {
        const s = connect(Number(base.port), base.hostname, () => {
          s.write('CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n');
          s.resetAndDestroy();
          resolve();
        });
        s.on('error', () => resolve());
      });
    // A client that keeps its half open (no FIN back) is closed once the answer is written, never kept: the server
    // holds no connection after it (it held it for good, under none of its timeouts).
    const held = connect({ port: Number(base.port), host: base.hostname, allowHalfOpen: true }, () =>
      held.write('CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n'),
    );
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      held.on('data', (c: Buffer) => (text += c.toString('utf8')));
      held.on('end', () => resolve(text));
    });
    expect(answer.split(' ')[1]).toBe('405');
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        h.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      );
    for (const until = Date.now() + 5000; (await connections()) > 0 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 50));
    expect(await connections()).toBe(0);
    held.destroy();
    const res = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });

  it('a well-formed request on the same server still works', async () => {
    const res = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });
});
