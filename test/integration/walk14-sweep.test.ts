/**
 * walk14: what review32b's and review35b's sweeps (./review32b-sweep.test.ts, ./review35b-sweep.test.ts) do not send,
 * on every operation of the OpenAPI document over the same world (PostgreSQL + Redis, a client of each role, real ids):
 * raw bytes that are not UTF-8 in a path segment, a query parameter's name and value and a header's value, as a
 * client writes them on the wire without percent-encoding (light-my-request encodes or refuses them, so they go over a
 * loopback socket), and a body one byte over its route's limit. Each answer is a bilingual 4xx problem or a plain
 * 2xx/3xx, never a 5xx; a write refused writes nothing.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { OTHER_BODY_LIMIT, TOKEN_BODY_LIMIT } from '../../src/api/body-limits.js';
import { callerOf, judge, operations, type Op } from '../helpers/hostile-values.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';
import { useSweepWorld } from '../helpers/sweep-world.js';

/** Bytes that are not UTF-8, as a client may put them on the wire unencoded. */
const BYTES: ReadonlyArray<[string, Buffer]> = [
  ['a truncated sequence', Buffer.from([0x61, 0xc3, 0x28])],
  ['a 0xFF byte', Buffer.from([0xff])],
  ['an overlong "/"', Buffer.from([0xc0, 0xaf])],
  ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
];
/** Headers every route reads or may be sent, beside an operation's own header parameters. */
const COMMON_HEADERS = ['idempotency-key', 'accept-language', 'if-none-match'];

/** What the answer to a byte not allowed in a URL says to do (src/api/socket-problem.ts). */
const ENCODE = 'percent-encode each path segment and query value as UTF-8';

/** A raw answer as the sweep's judge reads one. */
function asResponse(a: RawAnswer): LightMyRequestResponse {
  const headers = Object.fromEntries(
    a.headers
      .split('\r\n')
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { statusCode: a.status, headers, body: a.body, json: () => JSON.parse(a.body) as unknown } as never;
}

/** A body of valid JSON `size` bytes long. */
const bodyOf = (size: number) => Buffer.from(`{"pad":"${'x'.repeat(size - 10)}"}`);

describe('walk14: bytes that are not UTF-8 on the wire, bodies over their limit, on every route', () => {
  const { bodies, send, snapshot, urlOf, listen, tokens } = useSweepWorld();

  /** `op` over a loopback socket, `target` its raw request target, `extra` raw header lines. */
  function request(op: Op, target: Buffer, extra: Buffer[] = []): Buffer {
    const token = tokens[callerOf(op.scope)];
    const body = op.body ? Buffer.from(JSON.stringify(bodies[`${op.method} ${op.path}`] ?? {})) : undefined;
    const lines = [
      'Host: x',
      'Connection: close',
      ...(token === undefined ? [] : [`Authorization: Bearer ${token}`]),
      ...(body ? ['Content-Type: application/json', `Content-Length: ${body.length}`] : []),
    ];
    return Buffer.concat([
      Buffer.from(`${op.method} `),
      target,
      Buffer.from(` HTTP/1.1\r\n${lines.join('\r\n')}\r\n`),
      ...extra.flatMap((l) => [l, Buffer.from('\r\n')]),
      Buffer.from('\r\n'),
      body ?? Buffer.alloc(0),
    ]);
  }

  /** Each raw request of `op`: one value of BYTES in each path segment, query name and value, and header. */
  function probesOf(op: Op): Array<[string, Buffer]> {
    const out: Array<[string, Buffer]> = [];
    const MARK = 'WALK14MARK';
    for (const [name, bytes] of BYTES) {
      const at = (url: string) => {
        const [before, after] = url.split(MARK) as [string, string];
        return Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)]);
      };
      for (const p of op.params) {
        if (p.in === 'path')
          out.push([`path ${p.name} ${name}`, request(op, at(urlOf(op, { [p.name]: MARK })))]);
        if (p.in === 'query') {
          out.push([`query ${p.name} ${name}`, request(op, at(urlOf(op, { [p.name]: MARK })))]);
          out.push([`query name ${name}`, request(op, at(`${urlOf(op)}?${p.name}${MARK}=1`))]);
        }
      }
      const headers = [...op.params.filter((p) => p.in === 'header').map((p) => p.name), ...COMMON_HEADERS];
      for (const h of new Set(headers))
        out.push([
          `header ${h} ${name}`,
          request(op, Buffer.from(urlOf(op)), [Buffer.concat([Buffer.from(`${h}: `), bytes])]),
        ]);
    }
    return out;
  }

  it('bytes that are not UTF-8 in a path, a query or a header: a bilingual 4xx, never a 5xx, nothing written', async () => {
    const base = await listen();
    const bad: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      const key = `${op.method} ${op.path}`;
      const before = await snapshot();
      let accepted = false;
      for (const [where, bytes] of probesOf(op)) {
        const res = asResponse(await rawRequest(base, bytes));
        sent += 1;
        let problem: string;
        try {
          problem = judge(res);
        } catch {
          problem = op.method === 'HEAD' || res.body === '' ? '' : 'not JSON';
        }
        // Refused by Node's HTTP parser (a byte not allowed in a URL): its detail says to percent-encode.
        if (!problem && /^(path|query) /.test(where) && res.statusCode === 400 && !res.body.includes(ENCODE))
          problem = `no word of percent-encoding: ${res.body.slice(0, 200)}`;
        if (problem) bad.push(`${key} ${where} → ${res.statusCode}: ${problem}`);
        accepted ||= res.statusCode < 300;
      }
      const after = await snapshot();
      after.audit = before.audit; // a refused login or scope is audited by design (priv28)
      if (!accepted && op.method !== 'GET' && JSON.stringify(after) !== JSON.stringify(before))
        bad.push(`${key}: wrote ${JSON.stringify([before, after])}`);
    }
    expect(sent).toBeGreaterThan(1000);
    expect(bad).toEqual([]);
  }, 600_000);

  /** The limit of `op`'s body (src/api/body-limits.ts; a batch's: a delta's, server.bodyLimitBytes). */
  const limitOf = (op: Op) =>
    op.path === '/oauth/token'
      ? TOKEN_BODY_LIMIT
      : op.path === '/v1/schools/{schoolCode}/batches' && op.method === 'POST'
        ? 5 * 1024 * 1024
        : OTHER_BODY_LIMIT;

  it('a body one byte over its route’s limit: 413 naming it in both languages, nothing written', async () => {
    const bad: string[] = [];
    for (const op of operations()) {
      if (op.method === 'GET' || op.method === 'HEAD') continue;
      const key = `${op.method} ${op.path}`;
      const before = await snapshot();
      const res = await send(op.method, urlOf(op), callerOf(op.scope), bodyOf(limitOf(op) + 1));
      const problem = judge(res);
      const code = res.statusCode >= 400 ? res.json<{ code?: string }>().code : undefined;
      if (problem || res.statusCode < 400) bad.push(`${key} → ${res.statusCode} ${code}: ${problem}`);
      else if (op.body && (res.statusCode !== 413 || code !== 'ERR_BODY_TOO_LARGE'))
        bad.push(`${key} → ${res.statusCode} ${code}, not 413`);
      const after = await snapshot();
      after.audit = before.audit;
      if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`${key}: wrote`);
    }
    expect(bad).toEqual([]);
  }, 300_000);
});
